// An image: one running program whose modules change while it runs. Changes are transactions
// (prepare off to the side, commit at a safe point), applied one at a time in the order they came.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { CompileOptions } from '../compile/transpile.js';
import { commitChange, unloadModule } from './commit.js';
import { type CodeOrigin, type ImageContext, relativePath } from './context.js';
import { messageOf } from './errors.js';
import { type ChangeSummary, EMPTY_SUMMARY, type ImageEvent, type Phase, type TypecheckReport } from './events.js';
import type { Host } from './host.js';
import { locateError, mapPosition } from './locate.js';
import type { ModuleRecord } from './module-record.js';
import { createModuleGlobals, type ModuleGlobals } from './module-runtime.js';
import { TimerTracker } from './owner.js';
import { prepareChange } from './prepare.js';
import { type PathAliases, resolveSpecifier } from './resolve.js';
import type { TypecheckMode, TypeGate } from './type-gate.js';

export interface ImageOptions {
  readonly host: Host;
  /** Absolute path of the project root; paths in events are relative to it. */
  readonly root: string;
  /** Absolute path of the entry module. */
  readonly entry: string;
  /** Receives every event (ready is the session's to send). */
  readonly onEvent?: (event: ImageEvent) => void;
  /** Receives warnings that belong to no change. */
  readonly onWarning?: (message: string, errors?: readonly Diagnostic[]) => void;
  /** Awaited before each commit: changes land only at safe points (between ticks). */
  readonly safePoint?: () => Promise<void>;
  /** Checks each change's types before it is applied. */
  readonly typeGate?: TypeGate;
  /** What a type error does (default: gate when a type gate is given). */
  readonly typecheck?: TypecheckMode;
  /** tsconfig `paths` aliases for bare specifiers. */
  readonly aliases?: PathAliases | null;
  /** Project settings for compiling modules. */
  readonly compileOptions?: CompileOptions;
}

/** What applying a change did. */
export type ChangeResult =
  | {
      readonly kind: 'applied';
      readonly files: readonly string[];
      readonly ms: number;
      readonly applyMs: number;
      readonly summary: ChangeSummary;
      readonly typecheck?: TypecheckReport;
    }
  | { readonly kind: 'rejected'; readonly phase: Phase; readonly files: readonly string[]; readonly ms: number; readonly errors: readonly Diagnostic[] }
  | { readonly kind: 'unchanged' };

/** Times a change is read and checked again when its files changed between the check and compiling. */
const MAX_ATTEMPTS = 3;

/** True when every file both the checker and the compiler read had the same text for both. */
function sameTexts(seen: Readonly<Record<string, string>> | undefined, read: ReadonlyMap<string, string>): boolean {
  if (!seen) return true;
  for (const [file, hash] of read) if (seen[file] !== undefined && seen[file] !== hash) return false;
  return true;
}

export class Image {
  readonly #ctx: ImageContext;
  readonly #options: ImageOptions;
  /** Files whose text on disk may differ from the applied version, with the generation they were seen. */
  readonly #pending = new Map<string, number>();
  readonly #globals = new WeakMap<ModuleRecord, ModuleGlobals>();
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #loaded = false;
  /** The last change was rejected by the type check. */
  #typesFailing = false;

  constructor(options: ImageOptions) {
    this.#options = options;
    const tracker = new TimerTracker(options.host.timers);
    this.#ctx = {
      host: options.host,
      root: options.root,
      entry: options.entry,
      modules: new Map(),
      roots: new Set([options.entry]),
      tracker,
      aliases: options.aliases ?? null,
      compileOptions: options.compileOptions ?? {},
      journal: null,
      layoutChanges: null,
      sourceOf: null,
      commitScope: null,
      compiling: null,
      notes: [],
      origins: new Map<string, CodeOrigin>(),
      platform: new Map(),
      warn: (message, errors) => options.onWarning?.(message, errors),
      moduleGlobals: (record) => this.#moduleGlobals(record),
    };
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

  /** Applies the current text of `paths` (absolute) and of any earlier rejected edit, as one change. */
  change(paths: readonly string[]): Promise<ChangeResult> {
    const generation = ++this.#generation;
    for (const p of paths) this.#pending.set(p, generation);
    const run = this.#queue.then(() => this.#apply(generation));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The live exports of a loaded module (path absolute or relative to the root), or null. */
  exportsOf(path: string): Record<string, unknown> | null {
    const abs = this.#options.host.paths.resolve(this.#options.root, path);
    return this.#ctx.modules.get(abs)?.view ?? null;
  }

  /** The instance fields the installed version of class `name` in module `path` declares, or null. */
  classFields(path: string, name: string): ReadonlyArray<{ readonly name: string; readonly initializer: string | null }> | null {
    const abs = this.#options.host.paths.resolve(this.#options.root, path);
    return this.#ctx.modules.get(abs)?.classes.get(name)?.fields ?? null;
  }

  /** Absolute paths of the loaded modules. */
  get paths(): string[] {
    return [...this.#ctx.modules.keys()];
  }

  /** Project-relative paths of the loaded modules. */
  get files(): string[] {
    return [...this.#ctx.modules.values()].map((r) => r.rel);
  }

  /** Maps a stack frame in compiled code to `file:line:column` in the source; false hides imago's own frames. */
  mapFrame(filename: string, line: number, column: number): string | null | false {
    if (filename.endsWith('?trampolines') || filename.endsWith('?exports') || filename.endsWith('?imports')) return false;
    const hit = this.#ctx.origins.has(filename) ? mapPosition(this.#ctx, filename, line, column) : null;
    return hit ? `${this.#options.host.paths.resolve(this.#options.root, hit.rel)}:${hit.pos.line}:${hit.pos.column}` : null;
  }

  /** A diagnostic for an error thrown by the program (its first frame in a project file). */
  locate(error: unknown): Diagnostic {
    return locateError(this.#ctx, error);
  }

  /** The current layer object of every module (tests assert they are in V8's fast mode). */
  layers(): object[] {
    const out: object[] = [];
    for (const r of this.#ctx.modules.values()) {
      out.push(Object.getPrototypeOf(r.chain.pin) as object);
      for (const c of r.classes.values()) {
        out.push(
          Object.getPrototypeOf(c.constructor.prototype) as object,
          Object.getPrototypeOf(c.constructor) as object,
          Object.getPrototypeOf(c.pin) as object,
        );
      }
    }
    return out;
  }

  /** Unloads every module: releases timers and runs dispose callbacks. */
  dispose(): void {
    for (const record of [...this.#ctx.modules.values()]) unloadModule(this.#ctx, record);
  }

  async #apply(generation: number, attempt = 1): Promise<ChangeResult> {
    const { host, typeGate } = this.#options;
    const mode: TypecheckMode = typeGate ? (this.#options.typecheck ?? 'gate') : 'off';
    const t0 = host.now();
    const inProgram = (p: string): boolean => this.#ctx.modules.has(p) || this.#ctx.roots.has(p);
    const typesOnly = (p: string): boolean => mode !== 'off' && this.#loaded && !inProgram(p) && typeGate!.knows(p);
    // The checker hears of every file touched (a file created after an import of it failed, say), even
    // those that are not candidates for this change.
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
    const reject = (phase: Phase, errors: readonly Diagnostic[]): ChangeResult => {
      const ms = host.now() - t0;
      this.#typesFailing = phase === 'typecheck';
      this.#options.onEvent?.(
        this.#loaded ? { kind: 'reload', ok: false, phase, files: rel, ms, errors } : { kind: 'load', ok: false, phase, files: rel, errors },
      );
      return { kind: 'rejected', phase, files: rel, ms, errors };
    };
    // The type check and compiling are independent: both run at once, and both must pass.
    const checking =
      mode === 'off'
        ? null
        : typeGate!.check(touched, !this.#loaded).then(
            (r) => ({ ok: true as const, r }),
            (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) }),
          );
    const tPrepare = host.now();
    const prepared = await prepareChange(this.#ctx, candidates.filter(inProgram));
    const prepareMs = host.now() - tPrepare;
    if (!prepared.ok) {
      await checking;
      return reject(prepared.phase, prepared.errors);
    }
    const swaps = prepared.change.prepared.size > 0 || prepared.change.unloaded.length > 0;
    const typeFiles = candidates.filter((p) => !inProgram(p));
    const outcome = await checking;
    // The checker and the compiler read the files apart: a save between the two reads (the check may
    // have begun as the file was saved) means the checked text is not the one compiled. Both again,
    // even when nothing is to be swapped: the checker must not keep a text the program does not run.
    if (outcome?.ok) {
      for (const notice of outcome.r.notices) this.#ctx.warn(notice);
      if (!sameTexts(outcome.r.seen, prepared.change.read)) {
        if (attempt < MAX_ATTEMPTS) return this.#apply(generation, attempt + 1);
        return reject('typecheck', [
          {
            file: rel[0] ?? '',
            line: 1,
            column: 1,
            code: 'IMAGO_CHANGING',
            message: `the files kept changing while they were checked (${MAX_ATTEMPTS} tries); the next save applies them`,
          },
        ]);
      }
    }
    if (!swaps && typeFiles.length === 0) {
      clearPending();
      return { kind: 'unchanged' };
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
            message: `the type checker failed (${outcome.message}); it restarts with the next change, or run with --typecheck=off`,
          },
        ]);
      }
      const checked = outcome.r;
      typecheck = { ms: checked.ms, files: checked.checked, errors: checked.errors, ...(checked.early ? { early: true } : {}) };
      if (checked.errors.length > 0 && mode === 'gate') return reject('typecheck', checked.errors);
    }
    if (this.#options.safePoint) await this.#options.safePoint();
    const tSafe = host.now();
    const committed = swaps
      ? await commitChange(this.#ctx, prepared.change)
      : { ok: true as const, summary: EMPTY_SUMMARY, files: typeFiles.map((p) => relativePath(this.#ctx, p)) };
    if (!committed.ok) return reject(committed.phase, committed.errors);
    clearPending();
    this.#typesFailing = false;
    const ms = host.now() - t0;
    const applyMs = prepareMs + (host.now() - tSafe);
    const files = committed.files;
    const wasLoaded = this.#loaded;
    this.#loaded = true;
    if (wasLoaded) {
      this.#options.onEvent?.({ kind: 'reload', ok: true, files, ms, applyMs, summary: committed.summary, ...(typecheck ? { typecheck } : {}) });
      this.#runAcceptors(new Set(committed.files));
    }
    return { kind: 'applied', files, ms, applyMs, summary: committed.summary, ...(typecheck ? { typecheck } : {}) };
  }

  #runAcceptors(updated: ReadonlySet<string>): void {
    for (const record of this.#ctx.modules.values()) {
      const version = record.version;
      if (!version) continue;
      for (const owner of [...record.owners.values(), record.moduleOwner]) {
        for (const acceptor of owner.acceptors) {
          let value: unknown;
          if (acceptor.deps === null) {
            if (!updated.has(record.rel)) continue;
            value = record.view;
          } else {
            const views = acceptor.deps.map((spec) => {
              const index = version.compiled.dependencies.findIndex((d) => d.specifier === spec);
              const t = index >= 0 ? version.targets[index] : undefined;
              return t?.kind === 'project' && updated.has(t.record.rel) ? t.record.view : null;
            });
            if (views.every((v) => v === null)) continue;
            value = acceptor.many ? views : views[0];
          }
          try {
            acceptor.callback(value);
          } catch (e: unknown) {
            this.#ctx.warn(`an import.meta.hot.accept callback in ${record.rel} threw: ${messageOf(e)}`, [locateError(this.#ctx, e, record.rel)]);
          }
        }
      }
    }
  }

  #moduleGlobals(record: ModuleRecord): ModuleGlobals {
    const known = this.#globals.get(record);
    if (known) return known;
    const globals = createModuleGlobals(this.#ctx, record, (specifier) => this.#dynamicImport(record, specifier));
    this.#globals.set(record, globals);
    return globals;
  }

  /** `import(x)` in project code: project files join the image (as roots); packages load through the host. */
  async #dynamicImport(record: ModuleRecord, specifier: string): Promise<object> {
    const res = resolveSpecifier(this.#options.host, specifier, record.id, this.#ctx.aliases);
    if (res.kind === 'platform') return this.#options.host.importPlatform(specifier, record.id);
    if (res.kind === 'missing') throw new Error(`Cannot find module '${specifier}' imported from ${record.rel}`);
    const known = this.#ctx.modules.get(res.path);
    if (known) return known.view;
    this.#ctx.roots.add(res.path);
    const result = await this.change([res.path]);
    const loaded = this.#ctx.modules.get(res.path);
    if (result.kind === 'rejected' || !loaded) {
      this.#ctx.roots.delete(res.path);
      const first = result.kind === 'rejected' ? result.errors[0] : undefined;
      throw new Error(`imago could not load ${specifier} from ${record.rel}${first ? `: ${first.file}:${first.line}:${first.column} ${first.message}` : ''}`);
    }
    return loaded.view;
  }
}
