// A live session: loads the entry into an image, drives its lifecycle, watches the project and applies
// each debounced batch of edits as one change, reporting every outcome on stderr and in the events file.

import fs from 'node:fs';
import path from 'node:path';
import { BackgroundCheck } from '../check/background-check.js';
import { type ProjectSettings, readSettings } from '../check/project-config.js';
import { WorkerTypeGate } from '../check/type-gate.js';
import { formatDiagnostic } from '../compile/diagnostic.js';
import { assertNever, type ImageEvent } from '../runtime/events.js';
import { type ChangeResult, Image } from '../runtime/image.js';
import { Lifecycle, type LifecycleHook } from '../runtime/lifecycle.js';
import type { TypecheckMode } from '../runtime/type-gate.js';
import { createNodeHost } from './node-host.js';
import { describeSummary, Reporter } from './report.js';
import { installStackMapper } from './stack-traces.js';
import { watchTree } from './watcher.js';

export interface SessionOptions {
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** Absolute path of the project root. */
  readonly root: string;
  /** Append events as JSON lines to this file. */
  readonly eventsFile?: string;
  readonly tickMs: number;
  /** Quiet time after the last file event before a change is applied. */
  readonly debounceMs: number;
  readonly watch: boolean;
  readonly typecheck: TypecheckMode;
  readonly stderr: (text: string) => void;
}

export interface Session {
  readonly image: Image;
  /** True once the program started (its first load applied). */
  readonly started: boolean;
  /** True if the program's stop() threw when the session closed. */
  readonly stopFailed: boolean;
  /** Stops the program (its `stop()`, then every statement's resources) and the watcher. */
  close(): Promise<void>;
}

/** Starts a session. Resolves once the first load was attempted (it may have been rejected). */
export async function startSession(options: SessionOptions): Promise<Session> {
  const host = createNodeHost();
  const out = new Reporter(options.stderr);
  const emit = (event: ImageEvent): void => {
    if (options.eventsFile) fs.appendFileSync(options.eventsFile, `${JSON.stringify(event)}\n`);
  };
  let lifecycle: Lifecycle | null = null;
  let started = false;
  let stopFailed = false;
  let background: BackgroundCheck | null = null;
  /** Type errors the last reload already reported (under warn): not repeated as "elsewhere". */
  let warned = new Set<string>();

  // The type gate starts before the first load: the first load is gated too.
  const opened =
    options.typecheck === 'off'
      ? null
      : await WorkerTypeGate.open({ root: options.root, entry: options.entry }).catch((e: unknown) => {
          out.line(`${(e as Error).message}; running without type checking (--typecheck=off)`);
          return null;
        });
  if (opened) {
    out.line(`type checker ready in ${opened.ms.toFixed(0)} ms (${opened.config}, ${opened.files} file${opened.files === 1 ? '' : 's'})`);
    out.diagnostics(opened.configErrors);
  }
  // tsconfig paths and class-field semantics: from the checker, or read once when it is off.
  const settings = opened
    ? opened.settings
    : ((): ProjectSettings => {
        try {
          return readSettings(options.root, options.entry);
        } catch (e: unknown) {
          out.line(`cannot read tsconfig.json (${(e as Error).message}); its paths and class-field settings are not applied`);
          return { aliases: null, compile: {} };
        }
      })();
  const typecheckNote = (t: { ms: number; files: number; early?: boolean } | undefined): string =>
    t ? `; ${t.files} file${t.files === 1 ? '' : 's'} type-checked in ${t.ms.toFixed(1)} ms${t.early ? ', begun on save' : ''}` : '';

  const image: Image = new Image({
    host,
    root: options.root,
    entry: options.entry,
    onEvent: (event) => {
      emit(event);
      switch (event.kind) {
        case 'reload':
          if (event.ok) {
            out.line(`reloaded ${event.files.join(', ')} in ${event.ms.toFixed(1)} ms (${describeSummary(event.summary)}${typecheckNote(event.typecheck)})`);
            if (event.typecheck && event.typecheck.errors.length > 0) {
              out.line(`type errors (applied anyway: --typecheck=${options.typecheck}):`);
              out.diagnostics(event.typecheck.errors);
            }
            warned = new Set((event.typecheck?.errors ?? []).map((d) => formatDiagnostic(d)));
            background?.schedule();
            if (lifecycle?.paused) {
              lifecycle.resume();
              out.line('tick resumed');
            }
          } else {
            out.line(`rejected change to ${event.files.join(', ')} (${event.phase}); the previous version keeps running`);
            out.diagnostics(event.errors);
          }
          break;
        case 'load':
          out.line(`cannot start ${event.files.join(', ')} (${event.phase}); ${options.watch ? 'waiting for a fix' : 'not waiting for a fix (--no-watch)'}`);
          out.diagnostics(event.errors);
          if (event.phase === 'typecheck' && event.errors.some((d) => d.code?.startsWith('TS')))
            out.line('to run it despite type errors, start it with --typecheck=warn');
          break;
        case 'ready':
        case 'error':
        case 'typecheck':
          break;
        default:
          assertNever(event);
      }
    },
    onWarning: (message, errors) => {
      out.line(message);
      if (errors) out.diagnostics(errors);
    },
    safePoint: () => lifecycle?.safePoint() ?? Promise.resolve(),
    ...(opened ? { typeGate: opened.gate, typecheck: options.typecheck } : {}),
    aliases: settings.aliases,
    compileOptions: settings.compile,
  });
  if (opened) {
    background = new BackgroundCheck(
      { root: options.root, entry: options.entry },
      host.timers,
      (report) => {
        emit({ kind: 'typecheck', ok: report.errors.length === 0, ms: report.ms, files: report.files, errors: report.errors });
        const elsewhere = report.errors.filter((d) => !warned.has(formatDiagnostic(d)));
        if (report.errors.length === 0) out.line('the whole program type-checks again');
        else if (elsewhere.length > 0) {
          out.line(`type errors elsewhere in the program (not blocking; found by the background check of ${report.files} files):`);
          out.diagnostics(elsewhere);
        }
      },
      (message) => out.line(message),
    );
  }
  const unmapStacks = installStackMapper((file, line, column) => image.mapFrame(file, line, column));

  const reportRuntime = (source: 'uncaught' | 'rejection' | LifecycleHook, error: unknown): void => {
    const d = image.locate(error);
    const stack = error instanceof Error && error.stack ? error.stack : String(error);
    if (source === 'stop') stopFailed = true;
    const what = source === 'uncaught' ? 'uncaught error' : source === 'rejection' ? 'unhandled promise rejection' : `${source}() threw`;
    const then = source === 'tick' ? 'ticking is paused until the next change' : source === 'stop' ? 'imago exits with code 1' : 'the program keeps running';
    out.line(`${what} (${then}):`);
    options.stderr(
      `${stack
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
    if (d.frame)
      options.stderr(
        `${formatDiagnostic(d)
          .split('\n')
          .slice(1)
          .map((l) => `  ${l}`)
          .join('\n')}\n`,
      );
    emit({ kind: 'error', source: source === 'rejection' ? 'uncaught' : source, message: d.message, errors: d.file ? [d] : [] });
  };
  const onUncaught = (error: unknown): void => reportRuntime('uncaught', error);
  const onRejection = (error: unknown): void => reportRuntime('rejection', error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);

  /** Type errors of a first load that went ahead under --typecheck=warn. */
  const reportLoadTypeErrors = (r: ChangeResult): void => {
    if (r.kind !== 'applied' || !r.typecheck || r.typecheck.errors.length === 0) return;
    out.line(`type errors (running anyway: --typecheck=${options.typecheck}):`);
    out.diagnostics(r.typecheck.errors);
  };

  const begin = async (): Promise<void> => {
    started = true;
    lifecycle = new Lifecycle({ host, exports: () => image.entry, tickMs: options.tickMs, onError: reportRuntime, onNotice: (m) => out.line(m) });
    if (lifecycle.drives || typeof image.entry?.['start'] === 'function') await lifecycle.start();
    const ms = performance.now();
    emit({ kind: 'ready', ms, files: image.files });
    out.line(
      `running ${path.relative(options.root, options.entry)} (${image.files.length} module${image.files.length === 1 ? '' : 's'}) in ${ms.toFixed(0)} ms${options.watch ? '; watching for changes' : ''}`,
    );
  };

  // Debounced batches: every file event within `debounceMs` of the previous one joins the same change.
  const batch = new Set<string>();
  let timer: unknown = null;
  let aheadQueued = false;
  const flush = (): void => {
    timer = null;
    const files = [...batch];
    batch.clear();
    image
      .change(files)
      .then(async (r) => {
        if (r.kind === 'applied') {
          for (const file of image.paths) watcher?.watchFolder(path.dirname(file));
          if (!started) {
            reportLoadTypeErrors(r);
            await begin();
          }
        }
      })
      .catch((e: unknown) => {
        out.line(`internal error while applying a change (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      });
  };
  const watcher = options.watch
    ? watchTree(
        options.root,
        (file) => {
          if (opened && path.basename(file) === 'tsconfig.json') {
            // The checker's configuration changed: a fresh checker checks the whole program next time.
            opened.gate.restart();
            background?.restart();
            out.line(
              `${path.relative(options.root, file)} changed: the next change is type-checked with it (restart imago for its paths and class-field settings)`,
            );
          }
          batch.add(file);
          // The type check of this batch starts now, while the batch waits to go quiet (see checkAhead):
          // after the other events read with this one (a save in place is a truncate and a write).
          if (started && opened && options.typecheck !== 'off' && !aheadQueued) {
            aheadQueued = true;
            host.timers.setImmediate(() => {
              aheadQueued = false;
              if (batch.size > 0) opened.gate.checkAhead([...batch]);
            });
          }
          if (timer !== null) host.timers.clearTimeout(timer);
          timer = host.timers.setTimeout(flush, options.debounceMs);
        },
        (message) => out.line(message),
      )
    : null;

  const first = await image.load();
  reportLoadTypeErrors(first);
  if (first.kind === 'applied') {
    for (const file of image.paths) watcher?.watchFolder(path.dirname(file));
    await begin();
  }

  return {
    image,
    get started() {
      return started;
    },
    get stopFailed() {
      return stopFailed;
    },
    async close() {
      watcher?.close();
      if (timer !== null) host.timers.clearTimeout(timer);
      await lifecycle?.stop();
      image.dispose();
      opened?.gate.close();
      background?.close();
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      unmapStacks();
    },
  };
}
