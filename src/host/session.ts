// A live session: an image and the parts attached to it, each of which starts, runs and is disposed on
// its own. The type checking opens first (the first load is gated too); the reporter and the events file
// subscribe to the image's events; the watcher feeds the batcher, which applies each batch of edits as
// one change; the lifecycle drives start/tick/stop once the program loaded. The control channel or a
// worker host can attach to an image the same way, without the watcher.

import fs from 'node:fs';
import path from 'node:path';
import type { OpenedGate } from '../check/type-gate.js';
import { compileModule } from '../compile/compile-module.js';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { CompileOptions } from '../compile/transpile.js';
import type { SavedImage } from '../image/api.js';
import type { ChangeResult } from '../runtime/image.js';
import { Image } from '../runtime/image.js';
import { Lifecycle } from '../runtime/lifecycle.js';
import type { ResumeInput } from '../runtime/resume.js';
import type { TypecheckMode } from '../runtime/type-gate.js';
import { Batcher, BUSY_MAX_MS } from './batcher.js';
import { ClusterPrimary } from './cluster/primary.js';
import { Coordinator } from './cohort/coordinator.js';
import { threadCohort } from './cohort/threads.js';
import { openCompileCache } from './compile-cache.js';
import { openControl } from './control/open.js';
import { lowerDecorators } from './decorator-lowering.js';
import { printEvents } from './event-lines.js';
import { writeEvents } from './events-file.js';
import { gitIndexLock, watchGit } from './git-lock.js';
import { type ImageFileSettings, ImageSaver } from './image-saver.js';
import { createNodeHost } from './node-host.js';
import { PackageJsonWatch } from './package-json.js';
import { Reporter } from './report.js';
import { catchRuntimeErrors } from './runtime-errors.js';
import { readOrNull, SeenTexts } from './seen-texts.js';
import { openTypeChecking } from './type-checking.js';
import { type Watcher, watchTree } from './watcher.js';
import { onWorkerCrash, onWorkerStart, useWorkerCohort, useWorkerSettings } from './workers.js';

/** --swap-timeout's default: how long each step of a shared change waits for a thread or process. */
export const SWAP_TIMEOUT_MS = 2000;

export interface SessionOptions {
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** Absolute path of the project root. */
  readonly root: string;
  /** Append events as JSON lines to this file. */
  readonly eventsFile?: string | undefined;
  readonly tickMs: number;
  /** Quiet time after the last file event before a change is applied. */
  readonly debounceMs: number;
  readonly watch: boolean;
  readonly typecheck: TypecheckMode;
  /** The type checker, started by the caller ahead of the session (absent: the session starts it). */
  readonly checker?: Promise<OpenedGate>;
  readonly stderr: (text: string) => void;
  /** The control channel's socket (docs/control.md); `own`: it is in imago's `.imago` folder. Null: none. */
  readonly control?: { readonly path: string; readonly own: boolean } | null;
  /** `--ui`: serve the inspector's page on this port (0: a free one); null or absent: no page. */
  readonly ui?: number | null;
  /** `--cluster <n>`: run the program in n worker processes (cluster/primary.ts); null or absent: in this one. */
  readonly cluster?: number | null;
  /** --swap-timeout: how long a change shared with worker threads waits for each of them at each step (default 2000). */
  readonly swapTimeoutMs?: number;
  /** `--image FILE`: the image file, and what was read of it to resume from (image-saver.ts). */
  readonly image?: { readonly settings: ImageFileSettings; readonly resume: ResumeInput | undefined };
}

export interface Session {
  readonly image: Image;
  /** True once the program started (its first load applied). */
  readonly started: boolean;
  /** True if the program's stop() threw when the session closed. */
  readonly stopFailed: boolean;
  /** True if the image file could not be saved when the session closed. */
  readonly saveFailed: boolean;
  /** Stops the program (its `stop()`, then every statement's resources), the watcher and the checkers; saves the image file if there is one. */
  close(): Promise<void>;
  /** Saves the image file now (null without --image). */
  saveImage(): Promise<SavedImage> | null;
}

/** Starts a session. Resolves once the first load was attempted (it may have been rejected). */
/** What keeps a worker's file from compiling as it is on disk now (nothing when it compiles, or is gone). */
function workerFileProblems(file: string, rel: string, settings: CompileOptions): readonly Diagnostic[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const r = compileModule(rel, text, { ...settings, lowerDecorators });
  return r.ok ? [] : r.errors;
}

export async function startSession(options: SessionOptions): Promise<Session> {
  const out = new Reporter(options.stderr);
  const compileCache = openCompileCache(options.root, options.entry, (m) => out.line(m));
  const host = createNodeHost({ compileCache });
  const typing = await openTypeChecking(options.root, options.entry, options.typecheck, out, options.checker);
  // Worker threads on project files take each change with the program; under --cluster, the worker processes (cohort/).
  const clustered = options.cluster ?? null;
  const members = new Coordinator({
    hollow: clustered !== null,
    timeoutMs: options.swapTimeoutMs ?? SWAP_TIMEOUT_MS,
    root: options.root,
    notice: (message) => notice(message),
    running: () => image.introspection.texts(),
    stale: (bringUp) => void image.atSafePoint(bringUp),
    // The last member running a file left while an edit of it was prepared: said as if it had left before.
    unheld: (files) => {
      for (const file of files) if (!image.paths.includes(file)) editedWhileUnheld(file);
    },
  });
  const image = new Image({
    cohort: members,
    host,
    root: options.root,
    entry: options.entry,
    safePoint: () => lifecycle?.safePoint() ?? Promise.resolve(),
    ...(typing.opened ? { typeGate: typing.opened.gate, typecheck: options.typecheck } : {}),
    aliases: typing.settings.aliases,
    compileOptions: typing.settings.compile,
    debug: Boolean(process.env['IMAGO_DEBUG']),
    ...(options.image?.resume ? { resume: options.image.resume } : {}),
    ...(options.image ? { saveImage: () => saver!.save(true) } : {}),
  });
  // Set once the program loaded; the control channel and the inspector read it from the start.
  let lifecycle: Lifecycle | null = null;
  // Under --cluster: the primary's workers, forked once the program type-checked.
  let primary: ClusterPrimary | null = null;
  const control =
    options.control || typeof options.ui === 'number'
      ? await openControl(options, image, typing, out, {
          ticks: () => (lifecycle?.drives ? lifecycle.ticks : null),
          ticking: () => (!lifecycle?.drives ? 'none' : lifecycle.paused ? 'paused' : 'running'),
          elsewhere: () =>
            options.cluster
              ? `this is the primary of 'imago run --cluster ${options.cluster}': the program runs in its worker processes${primary ? ` (${primary.describe()})` : ''}, which the REPL, describe and the inspector cannot reach yet (docs/scaling.md#limits)`
              : null,
          // An input may have fixed what paused the tick (state the tick reads): it is tried again.
          afterInput: () => {
            if (!lifecycle?.paused) return null;
            lifecycle.resume();
            out.line('tick resumed after a REPL input');
            return 'the tick was paused by an error: it is resumed, and pauses again if it still fails';
          },
        })
      : null;
  // What imago says of the program's surroundings goes to the terminal and, as a warning, to --events.
  const notice = (message: string, errors: readonly Diagnostic[] = []): void => image.publish({ kind: 'warning', message, errors });
  typing.sayWith(notice);
  const saver = options.image ? new ImageSaver(image, options.image.settings, path.relative(options.root, options.entry)) : null;
  const disposers: Array<() => void> = [];
  if (options.eventsFile) disposers.push(writeEvents(image, options.eventsFile, (m) => out.line(m)));
  disposers.push(
    printEvents(image, out, {
      typecheck: options.typecheck,
      watch: options.watch,
      entry: path.relative(options.root, options.entry),
      members: clustered === null ? 'worker thread' : 'worker process',
    }),
  );
  typing.attach(image, host.timers);
  const errors = catchRuntimeErrors(image, out);
  // Workers started on project files run them through imago, without watching them: said once, and at each edit.
  const workerFiles = new Set<string>();
  /** A worker's file edited while no worker runs it: a worker that starts it takes it from the file, as saved. */
  const editedWhileUnheld = (file: string): void => {
    members.forget(file);
    const rel = path.relative(options.root, file);
    const problems = workerFileProblems(file, rel, typing.settings.compile);
    if (problems.length === 0) notice(`${rel} changed: no worker runs it now; a worker takes it when it starts`);
    else notice(`${rel} changed, and does not compile: a worker that starts it now fails`, problems);
  };
  /** Files saved while a worker ran them, until their change decided them (or the last worker running them left first). */
  const savedWhileHeld = new Set<string>();
  const settleSavedWhileHeld = (r: ChangeResult): void => {
    for (const file of savedWhileHeld) {
      // Applied or rejected with its change: decided (a rejected text stays out of the workers).
      if (r.kind !== 'unchanged' && r.files.includes(path.relative(options.root, file))) savedWhileHeld.delete(file);
      else if (!members.holds(file) && !image.paths.includes(file)) {
        // Its last worker left before its change came: the edit reached none, as if saved after.
        savedWhileHeld.delete(file);
        const running = members.texts.get(file);
        if (running !== undefined && readOrNull(file) !== running) editedWhileUnheld(file);
      }
    }
  };
  disposers.push(() => members.dispose());
  const workerSettings = { aliases: typing.settings.aliases, compile: typing.settings.compile };
  disposers.push(useWorkerSettings(workerSettings));
  if (clustered === null) disposers.push(useWorkerCohort(threadCohort(members, options.root, () => image.introspection.texts())));
  disposers.push(
    onWorkerStart((file) => {
      if (workerFiles.has(file)) return;
      workerFiles.add(file);
      // TypeScript does not follow `new Worker(...)`: a worker file the program does not import is not checked.
      const unchecked =
        typing.opened && options.typecheck !== 'off' && !typing.opened.gate.knows(file)
          ? ' (it is not type-checked: import its types from the program to have it checked)'
          : '';
      out.line(
        `a worker runs ${path.relative(options.root, file)} through imago's loader; edits to its modules apply in every thread that runs them${unchecked}`,
      );
    }),
  );
  disposers.push(
    onWorkerCrash((file, threadId, e) =>
      out.line(
        `worker thread ${threadId} (${path.relative(options.root, file)}) ended with an uncaught error (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): its modules take no changes until a worker starts them again`,
      ),
    ),
  );
  let started = false;
  let saveFailed = false;
  // A change that applies resumes a tick paused by an error.
  disposers.push(
    image.subscribe((event) => {
      if (event.kind === 'reload' && event.ok) primary?.refill();
      if (event.kind !== 'reload' || !event.ok || !lifecycle?.paused) return;
      lifecycle.resume();
      out.line('tick resumed');
    }),
  );

  /** Type errors of a first load that went ahead under --typecheck=warn. */
  const reportLoadTypeErrors = (r: ChangeResult): void => {
    if (r.kind !== 'applied' || !r.typecheck || r.typecheck.errors.length === 0) return;
    out.line(`type errors (running anyway: --typecheck=${options.typecheck}):`);
    out.diagnostics(r.typecheck.errors);
  };
  const begin = async (r: ChangeResult): Promise<void> => {
    reportLoadTypeErrors(r);
    started = true;
    if (clustered !== null) {
      primary = new ClusterPrimary({
        count: clustered,
        coordinator: members,
        worker: { entry: options.entry, root: options.root, tickMs: options.tickMs, args: process.argv.slice(2), settings: workerSettings },
        texts: () => members.texts,
        notice,
        publish: (event) => image.publish(event),
      });
      // The first workers read the files themselves: an edit refused meanwhile may be what they read.
      const refusedMeanwhile = image.subscribe((e) => {
        if (e.kind === 'reload' && !e.ok)
          notice(
            `a change to ${e.files.join(', ')} was rejected while the worker processes loaded: a worker may have read it from the files; save the fixed text again`,
          );
      });
      const workers = await primary.start().finally(refusedMeanwhile);
      const files = image.paths.map((p) => path.relative(options.root, p));
      image.publish({ kind: 'ready', ms: performance.now(), files, workers });
      return;
    }
    const resumed = image.resumed;
    if (resumed) image.publish({ kind: 'image', action: 'resumed', ...resumed });
    lifecycle = new Lifecycle({
      host,
      exports: () => image.entry,
      tickMs: options.tickMs,
      resumed: resumed !== null,
      onError: errors.report,
      onNotice: (m) => out.line(m),
      holding: () => image.committing,
    });
    if (lifecycle.drives || typeof image.entry?.['start'] === 'function') await lifecycle.start();
    image.publish({ kind: 'ready', ms: performance.now(), files: image.files, ...(compileCache ? { cached: compileCache.hits } : {}) });
  };

  let watcher: Watcher | null = null;
  let batcher: Batcher | null = null;
  /** After each applied change: the folders of new modules are watched too (modules outside the root). */
  const watchModules = (): void => {
    for (const file of image.paths) watcher?.watchFolder(path.dirname(file));
  };
  if (options.watch) {
    const gitLock = gitIndexLock(options.root);
    const git = gitLock ? watchGit(gitLock, BUSY_MAX_MS) : null;
    if (git) disposers.push(() => git.close());
    // A tsconfig.json's text as last seen: one save arrives as several events, and restarts the checker once.
    const configTexts = new SeenTexts();
    const configChanged = (file: string): boolean => configTexts.readIfChanged(file) !== null;
    const rootConfig = path.join(options.root, 'tsconfig.json');
    configChanged(rootConfig);
    // The checker's configuration changed: a fresh checker checks the whole program, from the change the
    // file is part of, once that change settled (a save by rename, a half-written save; a file still gone
    // after the wait was deleted). A project folder being deleted is not a configuration.
    const configSettled = (file: string): void => {
      if (!typing.opened || (file !== rootConfig && file !== typing.opened.config) || !fs.existsSync(options.root) || !configChanged(file)) return;
      typing.restart();
      const rel = path.relative(options.root, file);
      notice(
        fs.existsSync(file)
          ? `${rel} changed: the next change is type-checked with it (restart imago for its paths and class-field settings)`
          : `${rel} was deleted: the next change is type-checked with TypeScript's defaults (restart imago for its paths and class-field settings)`,
      );
    };
    const packages = new PackageJsonWatch(
      (file) => path.relative(options.root, file),
      (line) => notice(line),
      [path.join(options.root, 'package.json')],
    );
    disposers.push(() => packages.close());
    const b = new Batcher({
      image,
      debounceMs: options.debounceMs,
      timers: host.timers,
      // An empty file is a save caught between its truncate and its write (a slow editor, `: > f; cp`):
      // waited for like a gone one, or an emptied module would lose its state for a moment's read.
      exists: (file) => host.isFile(file) && fs.statSync(file, { throwIfNoEntry: false })?.size !== 0,
      now: () => host.now(),
      ...(git ? { busy: () => git.busy() } : {}),
      // The check of a batch starts as it is read, while it waits to go quiet (once the program runs).
      checkAhead: typing.opened && options.typecheck !== 'off' ? (texts) => started && typing.opened?.gate.checkAhead(texts) : null,
      onResult: (r) => {
        settleSavedWhileHeld(r);
        if (r.kind !== 'applied') return;
        watchModules();
        if (!started) void begin(r);
      },
      onInternalError: (m) => out.line(m),
      onFlush: (files) => {
        for (const f of files) configSettled(f);
      },
    });
    batcher = b;
    watcher = watchTree(
      options.root,
      (file) => {
        if (path.basename(file) === 'package.json') packages.changed(file);
        if ((workerFiles.has(file) || members.held(file)) && !image.paths.includes(file)) editedWhileUnheld(file);
        else if (members.holds(file)) savedWhileHeld.add(file);
        b.add(file);
      },
      (message) => notice(message),
      undefined,
      // Edits already batched are of files that are gone with the folder: none applies, nor is more said of them.
      () => {
        b.dispose();
        packages.close();
      },
    );
  }

  const first = await image.load();
  if (first.kind === 'rejected' && options.image?.resume)
    out.line(
      `the resume from ${options.image.resume.file} failed with the saved state and the code of the day; the image is left as it was: fix the code${options.watch ? ' and save (the resume is tried again)' : ''}, or start with --fresh to begin anew`,
    );
  if (first.kind === 'applied') {
    watchModules();
    await begin(first);
  }

  return {
    image,
    get started() {
      return started;
    },
    get stopFailed() {
      return errors.stopFailed;
    },
    get saveFailed() {
      return saveFailed;
    },
    saveImage: () => saver?.save() ?? null,
    async close() {
      watcher?.close();
      batcher?.dispose();
      await lifecycle?.stop();
      await primary?.stop();
      // The state as stop() left it; never over a good image when the program did not start (a refused resume).
      if (saver && started)
        await saver.save().catch(() => {
          saveFailed = true;
        });
      await saver?.dispose();
      await control?.close();
      image.dispose();
      compileCache?.close();
      typing.close();
      errors.dispose();
      for (const dispose of disposers.reverse()) dispose();
    },
  };
}
