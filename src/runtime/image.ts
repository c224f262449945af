// An image: one running program whose modules change while it runs. Changes are transactions
// (prepare off to the side, commit at a safe point), applied one at a time in the order they came. What
// happens is published as events to whoever subscribed (the session's reporter, the events file, later
// the control channel and the inspector).

import type { Diagnostic } from '../compile/diagnostic.js';
import { createStoreApi } from '../store/api.js';
import { StoreRegistry } from '../store/registry.js';
import type { StoreCore } from '../store/store-core.js';
import { runAcceptors } from './acceptors.js';
import { ChangeSources } from './change-sources.js';
import { ClassRegistry } from './class-registry.js';
import { type CohortVote, membersOnly, refusedElsewhere, waitForCohort } from './cohort.js';
import { commitChange, unloadModule } from './commit.js';
import { compileForMembers } from './compile-cached.js';
import { parseCompiledName } from './compiled-names.js';
import { type CodeOrigin, type ImageContext, relativePath } from './context.js';
import { dynamicImport } from './dynamic-import.js';
import { deliver, EMPTY_SUMMARY, type ImageEvent, type Phase, type TypecheckReport } from './events.js';
import type { ChangeOptions, ChangeResult, ImageListener, ImageOptions } from './image-options.js';
import { type Introspection, introspection, layerObjects } from './introspect.js';
import { locateError, mapPosition } from './locate.js';
import type { ModuleRecord } from './module-record.js';
import { createModuleGlobals, type ModuleGlobals } from './module-runtime.js';
import { TimerTracker } from './owner.js';
import { NOTHING_PREPARED, prepareChange, unreadable } from './prepare.js';
import { runsNoProgramCode } from './quiet-commit.js';
import { RejectionMemo } from './rejection-memo.js';
import type { ResumeReport } from './resume.js';
import { type Captured, SAVE_DURING_CHANGE, timedCapture } from './save-state.js';
import type { SourceSnapshot } from './sources.js';
import type { TypecheckMode } from './type-gate.js';
import { uncheckedFiles, uncheckedNotice } from './unchecked.js';

export type { ChangeOptions, ChangeResult, ImageListener, ImageOptions } from './image-options.js';

/** A project's declaration file (not a package's). */
const DECLARATIONS = /^(?!.*\/node_modules\/).*\.d\.[cm]?ts$/;

export class Image {
  readonly #ctx: ImageContext;
  readonly #options: ImageOptions;
  /** Files whose text on disk may differ from the applied version, with the generation they were seen. */
  readonly #pending = new Map<string, number>();
  readonly #globals = new WeakMap<ModuleRecord, ModuleGlobals>();
  readonly #listeners = new Set<ImageListener>();
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #loaded = false;
  /** The last change was rejected by the type check. */
  #typesFailing = false;
  /** The last change was rejected: the running program is not what the files say. */
  #rejected = false;
  /** The texts the last change was rejected for (rejection-memo.ts). */
  readonly #lastRejection = new RejectionMemo();
  readonly #sources: ChangeSources;
  /** TypeScript files loaded that the type checker does not see, said once each (unchecked.ts). */
  readonly #saidUnchecked = new Set<string>();

  constructor(options: ImageOptions) {
    this.#options = options;
    this.#sources = new ChangeSources(options.host);
    const tracker = new TimerTracker(options.host.timers);
    const classes = new ClassRegistry();
    const stores = new StoreRegistry<StoreCore>({ layoutOf: classes.layoutOf, debug: options.debug ?? false });
    this.#ctx = {
      host: options.host,
      root: options.root,
      entry: options.entry,
      modules: new Map(),
      roots: new Set([options.entry]),
      tracker,
      aliases: options.aliases ?? null,
      compileOptions: options.compileOptions ?? {},
      origins: new Map<string, CodeOrigin>(),
      platform: new Map(),
      transaction: null,
      awaitingImport: null,
      evaluateNow: null,
      importsQueued: new Map(),
      classes,
      stores,
      storeApi: createStoreApi(stores),
      imageApi: {
        saveImage: () =>
          options.saveImage
            ? options.saveImage()
            : Promise.reject(new Error('saveImage(): this program runs without an image file; run it with imago run --image <file> <entry.ts>')),
        resumed: () => options.resume !== undefined,
      },
      resume: options.resume ?? null,
      restoring: null,
      resumed: null,
      warn: (message, errors) => this.publish({ kind: 'warning', message, errors: errors ?? [] }),
      moduleGlobals: (record) => this.#moduleGlobals(record),
    };
  }

  /** Calls `listener` with every event from now on; returns the function that stops it (README: From code). */
  subscribe(listener: ImageListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Sends `event` to every subscriber (the session publishes `ready`, `error` and `typecheck` here too). */
  publish(event: ImageEvent): void {
    deliver(this.#listeners, event);
  }

  /** True once the entry and its imports have been evaluated. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The entry module's exports (live), or null before it loaded. */
  get entry(): Record<string, unknown> | null {
    return this.#ctx.modules.get(this.#options.entry)?.view ?? null;
  }

  /** Loads the entry and everything it imports, as the first change. */
  load(): Promise<ChangeResult> {
    return this.change([this.#options.entry]);
  }

  /** Until the returned function is called, changes read `texts` for these paths whatever the files hold (an edit from memory). */
  pin(texts: ReadonlyMap<string, string>): () => void {
    return this.#sources.pin(texts);
  }

  /** A snapshot of `texts` (absolute path -> text) for a change to apply without reading the files. */
  snapshotOf(texts: ReadonlyMap<string, string | null>): SourceSnapshot {
    return this.#sources.snapshotOf(texts);
  }

  /** Reads `paths` (absolute) once, for a change to apply (and for its type check to begin early). */
  snapshot(paths: Iterable<string>): Promise<SourceSnapshot> {
    return this.#sources.snapshot(paths);
  }

  /** Applies the current text of `paths` (absolute) and of any earlier rejected edit, as one change. */
  change(paths: readonly string[], options: ChangeOptions = {}): Promise<ChangeResult> {
    const generation = ++this.#generation;
    for (const p of paths) this.#pending.set(p, generation);
    const run = this.#queue.then(() => this.#apply(generation, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The live exports of a loaded module (path absolute or relative to the root), or null. */
  exportsOf(path: string): Record<string, unknown> | null {
    return this.#ctx.modules.get(this.#options.host.paths.resolve(this.#options.root, path))?.view ?? null;
  }

  /** The instance fields the installed version of class `name` in module `path` declares, or null. */
  classFields(path: string, name: string): ReadonlyArray<{ readonly name: string; readonly initializer: string | null }> | null {
    return this.#ctx.modules.get(this.#options.host.paths.resolve(this.#options.root, path))?.classes.get(name)?.fields ?? null;
  }

  /** What can be asked of the image now, outside a safe point (to read, not to run code: see atSafePoint). */
  get introspection(): Introspection {
    return introspection(this.#ctx);
  }

  /** What resuming from an image file did, once the first load committed (null without one). */
  get resumed(): ResumeReport | null {
    return this.#ctx.resumed;
  }

  /** Copies the program's state now, where it is (the program asked: `saveImage()`); throws while it loads or changes. */
  captureNow(): Captured {
    if (!this.#loaded || this.#ctx.transaction) throw new Error(SAVE_DURING_CHANGE);
    return timedCapture(this.#ctx);
  }

  /** Copies the program's state at the next safe point (between changes and ticks); `pausedMs` is the copy's time. */
  captureState(): Promise<Captured> {
    if (!this.#loaded) return Promise.reject(new Error('the program has not loaded yet: there is no state to save'));
    return this.atSafePoint(() => timedCapture(this.#ctx));
  }

  /**
   * Runs `fn` at the next safe point: after the changes queued before it, between ticks, never during a
   * change. Changes queued meanwhile wait for it, so `fn` must not return a promise it awaits for long.
   */
  atSafePoint<T>(fn: (image: Introspection) => T): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#options.safePoint) await this.#options.safePoint();
      return fn(introspection(this.#ctx));
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The live handle stores of this image (another image's stores are never here). */
  stores(): ReadonlyArray<{ readonly name: string; readonly className: string; readonly size: number; readonly tag: number }> {
    return this.#ctx.stores.list();
  }

  /** Absolute paths of the loaded modules (of the cohort's members too: cohort.ts). */
  get paths(): string[] {
    return [...new Set([...this.#ctx.modules.keys(), ...(this.#options.cohort?.paths() ?? [])])];
  }

  /** True while a change is being committed (no tick starts then: a change shared by a cohort may wait mid-commit). */
  get committing(): boolean {
    return this.#ctx.transaction !== null;
  }

  /** Project-relative paths of the loaded modules. */
  get files(): string[] {
    return [...this.#ctx.modules.values()].map((r) => r.rel);
  }

  /** Maps a stack frame in compiled code to `file:line:column` in the source; false hides imago's own frames. */
  mapFrame(filename: string, line: number, column: number): string | null | false {
    const name = parseCompiledName(filename);
    // imago's generated code (class constructors, trampolines, views): not the program's frames.
    if (name?.kind === 'generated') return false;
    const hit = this.#ctx.origins.has(filename) ? mapPosition(this.#ctx, filename, line, column) : null;
    return hit ? `${this.#options.host.paths.resolve(this.#options.root, hit.rel)}:${hit.pos.line}:${hit.pos.column}` : null;
  }

  /** A diagnostic for an error thrown by the program (its first frame in a project file). */
  locate(error: unknown): Diagnostic {
    return locateError(this.#ctx, error);
  }

  /** The current layer object of every module (tests assert they are in V8's fast mode). */
  layers(): object[] {
    return layerObjects(this.#ctx);
  }

  /** Unloads every module: releases timers and runs dispose callbacks (functions stay callable, for exit handlers). */
  dispose(): void {
    for (const record of [...this.#ctx.modules.values()]) unloadModule(this.#ctx, record, true);
  }

  async #apply(generation: number, options: ChangeOptions): Promise<ChangeResult> {
    const { sources: given, cause, intent, coordinated } = options;
    const { host, typeGate } = this.#options;
    const mode: TypecheckMode = typeGate ? (this.#options.typecheck ?? 'gate') : 'off';
    const t0 = host.now();
    // A member of a cohort takes exactly the texts its coordinator sent: nothing earlier is retried here.
    if (coordinated) for (const p of this.#pending.keys()) if (!given?.covers([p])) this.#pending.delete(p);
    const cohort = this.#loaded ? (this.#options.cohort ?? null) : null;
    const hollow = this.#options.cohort?.hollow === true;
    const local = (p: string): boolean => this.#ctx.modules.has(p) || (!hollow && this.#ctx.roots.has(p));
    const inProgram = (p: string): boolean => local(p) || this.#ctx.roots.has(p) || cohort?.holds(p) === true;
    // A declaration file the checker does not know yet (created, or restored after a deletion) may join
    // its program through tsconfig.json's `include`: the checker hears of it.
    const typesOnly = (p: string): boolean => mode !== 'off' && this.#loaded && !inProgram(p) && (typeGate!.knows(p) || DECLARATIONS.test(p));
    // The checker hears of every file touched (a file created after an import of it failed), candidate or not.
    const touched = [...this.#pending.keys()];
    // While the program fails its type check, any touched source file may be the fix (a deleted type
    // file restored): check again with it.
    const candidates = touched.filter((p) => inProgram(p) || typesOnly(p) || (this.#typesFailing && mode !== 'off'));
    const clearPending = (): void => {
      for (const [p, g] of this.#pending) if (g <= generation) this.#pending.delete(p);
    };
    for (const [p, g] of this.#pending) if (g <= generation && !candidates.includes(p)) this.#pending.delete(p);
    if (candidates.length === 0) return { kind: 'unchanged' };
    const rel = candidates.map((p) => relativePath(this.#ctx, p));
    let read: SourceSnapshot | null = null;
    // Members of the cohort asked to prepare: whatever rejects the change here rolls it back there too.
    let round = false;
    const reject = (phase: Phase, errors: readonly Diagnostic[]): ChangeResult => {
      const ms = host.now() - t0;
      if (round) void cohort?.finish(false);
      // A member drops what its coordinator sent: nothing of it is retried from the files later.
      if (coordinated) clearPending();
      else {
        this.#typesFailing = phase === 'typecheck';
        this.#rejected = this.#loaded;
        // Never a checker that failed (it is restarted, and asked again), nor the program's own import().
        // Without stamps, only a rejection the texts decide (not a statement that threw, which a retry may pass).
        const checkerFailed = errors.some((e) => e.code === 'IMAGO_CHECKER');
        const byText = phase === 'read' || phase === 'parse' || phase === 'resolve' || phase === 'link' || phase === 'typecheck';
        this.#lastRejection.remember(this.#loaded && !checkerFailed && cause === undefined ? read : null, touched, host.now(), byText);
      }
      this.publish(this.#loaded ? { kind: 'reload', ok: false, phase, files: rel, ms, errors } : { kind: 'load', ok: false, phase, files: rel, errors });
      return { kind: 'rejected', phase, files: rel, ms, errors };
    };
    // One read of each touched file: the type checker and the compiler get the same bytes.
    const sources = await this.#sources.forChange(touched, given, intent !== undefined || coordinated !== undefined);
    read = sources;
    // The very save the last change was rejected for, seen twice: said once.
    if (this.#rejected && cause === undefined && !coordinated && this.#lastRejection.seenAgain(sources, touched, host.now())) return { kind: 'unchanged' };
    const cannotRead = sources.unreadable().filter((u) => candidates.includes(u.path));
    if (cannotRead.length > 0)
      return reject(
        'read',
        cannotRead.map((u) => unreadable(this.#ctx, u.path, u)),
      );
    const heldBefore = candidates.filter((p) => !inProgram(p) && typeGate?.knows(p));
    // The type check and compiling are independent: both run at once, and both must pass.
    const checking =
      mode === 'off'
        ? null
        : typeGate!.check(sources.texts, !this.#loaded).then(
            (r) => ({ ok: true as const, r }),
            (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) }),
          );
    const tPrepare = host.now();
    const prepared = hollow ? NOTHING_PREPARED : await prepareChange(this.#ctx, candidates.filter(local), sources, intent);
    const prepareMs = host.now() - tPrepare;
    if (!prepared.ok) {
      await checking;
      return reject(prepared.phase, prepared.errors);
    }
    const swapsHere = prepared.change.prepared.size > 0 || prepared.change.unloaded.length > 0;
    // The cohort's members prepare the same texts while the check runs on, taking the modules compiled here.
    const shipped = cohort && !intent ? compileForMembers(this.#ctx, cohort, candidates, sources.texts, prepared.change, hollow) : [];
    const shared: CohortVote | null = cohort ? await cohort.prepare(sources.texts, candidates, intent, shipped) : null;
    if (shared && !shared.ok) return Promise.resolve(checking).then(() => reject(shared.phase, shared.errors));
    round = shared !== null && shared.members > 0;
    const sharedFiles = shared?.ok ? shared.files : [];
    const swaps = swapsHere || sharedFiles.length > 0 || (hollow && !this.#loaded);
    const outcome = await checking;
    // Type files the checker's program held or holds (a declaration file it was told of may be neither: a build's output).
    const typeFiles = candidates.filter((p) => !inProgram(p) && (heldBefore.includes(p) || !outcome?.ok || typeGate!.knows(p)));
    if (outcome?.ok) for (const notice of outcome.r.notices) this.#ctx.warn(notice);
    if (!swaps && typeFiles.length === 0) {
      clearPending();
      if (!this.#rejected || !this.#loaded) return { kind: 'unchanged' };
      // The files are back to the running version after a rejected change: say so, or the rejection stands.
      this.#rejected = false;
      this.#typesFailing = false;
      const ms = host.now() - t0;
      this.publish({ kind: 'reload', ok: true, files: rel, ms, applyMs: prepareMs, summary: EMPTY_SUMMARY, cause: 'restored' });
      return { kind: 'applied', files: rel, ms, applyMs: prepareMs, summary: EMPTY_SUMMARY };
    }
    let typecheck: TypecheckReport | undefined;
    if (outcome) {
      if (!outcome.ok) {
        return reject('typecheck', [
          {
            file: rel[0] ?? '',
            line: 1,
            column: 1,
            code: 'IMAGO_CHECKER',
            message: `the type checker failed (${outcome.message}); it is started again: save again to check this change, or run with --typecheck=off`,
          },
        ]);
      }
      const checked = outcome.r;
      typecheck = { ms: checked.ms, files: checked.checked, errors: checked.errors, ...(checked.early ? { early: true } : {}) };
      if (checked.errors.length > 0 && mode === 'gate') return reject('typecheck', checked.errors);
    }
    const joined = coordinated && (swapsHere || round) ? coordinated : undefined;
    const mine = [...prepared.change.prepared.values()].map((p) => p.record.rel);
    const quiet = joined !== undefined && (!swapsHere || runsNoProgramCode(this.#ctx, prepared.change, intent)) && (shared?.quiet ?? true);
    if (joined && !(await joined.prepared([...new Set([...mine, ...sharedFiles])], quiet))) return reject('coordinate', refusedElsewhere(rel[0]).diagnostics);
    if (this.#options.safePoint) await this.#options.safePoint();
    const tSafe = host.now();
    // Step two: the members commit first, to their points of no return, and wait there without running code.
    const ready = round ? await cohort!.commit() : { ok: true as const };
    if (!ready.ok) return reject(ready.phase, ready.errors);
    const beforeClose = waitForCohort(round ? cohort : null, joined, rel[0]);
    const committed = swapsHere
      ? await commitChange(this.#ctx, prepared.change, beforeClose)
      : await membersOnly(beforeClose, [...typeFiles.map((p) => relativePath(this.#ctx, p)), ...sharedFiles]);
    if (!committed.ok) return reject(committed.phase, committed.errors);
    const membersDid = round ? await cohort!.finish(true) : null;
    const summary = swapsHere || !membersDid?.summary ? committed.summary : membersDid.summary;
    if (mode !== 'off' && typeGate)
      for (const p of uncheckedFiles(typeGate, prepared.change.prepared.keys(), this.#saidUnchecked))
        this.#ctx.warn(uncheckedNotice(relativePath(this.#ctx, p)));
    clearPending();
    this.#typesFailing = false;
    this.#rejected = false;
    const ms = host.now() - t0;
    const applyMs = prepareMs + (host.now() - tSafe);
    const files = [...new Set([...committed.files, ...sharedFiles])];
    const wasLoaded = this.#loaded;
    this.#loaded = true;
    if (wasLoaded) {
      this.publish({
        kind: 'reload',
        ok: true,
        files,
        ms,
        applyMs,
        timings: { prepareMs, commitMs: applyMs - prepareMs },
        summary,
        ...(typecheck ? { typecheck } : {}),
        ...(cause ? { cause } : {}),
        ...(membersDid ? { members: membersDid.members } : {}),
      });
      runAcceptors(this.#ctx, new Set(committed.files));
    }
    return { kind: 'applied', files, ms, applyMs, summary, ...(typecheck ? { typecheck } : {}) };
  }

  #moduleGlobals(record: ModuleRecord): ModuleGlobals {
    const load = (specifier: string): ReturnType<typeof dynamicImport> => dynamicImport(this.#ctx, record, specifier, (paths, o) => this.change(paths, o));
    const globals = this.#globals.get(record) ?? createModuleGlobals(this.#ctx, record, load);
    this.#globals.set(record, globals);
    return globals;
  }
}
