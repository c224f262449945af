// The first half of a change: read, compile, resolve and link every affected module, off to the side.
// Nothing here touches the running program; any failure rejects the whole change with diagnostics.

import type { CompiledModule } from '../compile/compiled-module.js';
import { type Diagnostic, diagnosticAt } from '../compile/diagnostic.js';
import { codeFrame } from '../compile/source-text.js';
import { compileCached, moduleSource } from './compile-cached.js';
import { type ImageContext, relativePath } from './context.js';
import { type EngineCompiled, engineCompile } from './engine-compile.js';
import { messageOf } from './errors.js';
import type { Phase } from './events.js';
import { type ChangeIntent, withIntent } from './intent.js';
import { type DependencyTarget, ModuleRecord } from './module-record.js';
import { type Move, pairMoves } from './moves.js';
import { loadPlatform } from './platform.js';
import { extensionOf, resolveSpecifier } from './resolve.js';
import type { SourceSnapshot } from './sources.js';

/**
 * A package's namespace as a CommonJS module's imports read it: its names, then those of its default
 * export (`module.exports` of a CommonJS package), as TypeScript's CommonJS output reads `require(...)`.
 */
function requireNames(namespace: object): object {
  const whole = (namespace as { default?: unknown }).default;
  const proto = (typeof whole === 'object' || typeof whole === 'function') && whole !== null ? whole : null;
  const out = Object.create(proto) as Record<string, unknown>;
  // Defined, not assigned: a read-only property of the same name up the chain (fs.F_OK) must not refuse it.
  // A package compiled from ES modules (`__esModule`): its default is its `exports.default`, as
  // TypeScript's __importDefault reads it.
  const esModule = proto !== null && Boolean((proto as { __esModule?: unknown }).__esModule);
  for (const key of Object.keys(namespace)) {
    const value = key === 'default' && esModule ? (proto as { default?: unknown }).default : (namespace as Record<string, unknown>)[key];
    Object.defineProperty(out, key, { value, enumerable: true, writable: false, configurable: false });
  }
  return out;
}

/** Node's words for an import of a name a package does not export (a CommonJS package gets its hint too). */
function missingExport(specifier: string, name: string, namespace: object): string {
  const whole = (namespace as { default?: unknown }).default;
  const commonJs = (typeof whole === 'object' || typeof whole === 'function') && whole !== null && name in whole;
  if (!commonJs) return `The requested module '${specifier}' does not provide an export named '${name}'`;
  return `Named export '${name}' not found. The requested module '${specifier}' is a CommonJS module, which may not support all module.exports as named exports. CommonJS modules can always be imported via the default export, for example using: import pkg from '${specifier}'; const { ${name} } = pkg;`;
}

/** A module that gets a new version in this change. */
export interface PreparedModule {
  readonly record: ModuleRecord;
  readonly source: string;
  readonly compiled: CompiledModule;
  readonly targets: readonly DependencyTarget[];
  /** Its code as the engine compiled it at prepare time (engine-compile.ts), for the commit to run. */
  readonly engine: EngineCompiled;
}

export interface PreparedChange {
  /** New versions, by module id. */
  readonly prepared: ReadonlyMap<string, PreparedModule>;
  /** Every module of the new program, dependencies before dependents. */
  readonly order: readonly ModuleRecord[];
  /** Modules no longer reachable from the entry. */
  readonly unloaded: readonly ModuleRecord[];
  /** Modules whose file moved: they take their new path as the change commits (moves.ts). */
  readonly moves: readonly Move[];
}

export type PrepareOutcome =
  | { readonly ok: true; readonly change: PreparedChange }
  | { readonly ok: false; readonly phase: Phase; readonly errors: Diagnostic[] };

/** A change that prepares nothing here (an image whose program runs in its cohort's members only). */
export const NOTHING_PREPARED: PrepareOutcome = { ok: true, change: { prepared: new Map(), order: [], unloaded: [], moves: [] } };

/** The source and compiled form a record will have after the change. */
function versionAfter(
  record: ModuleRecord,
  prepared: ReadonlyMap<string, PreparedModule>,
  key: (record: ModuleRecord) => string = (r) => r.id,
): { compiled: CompiledModule; targets: readonly DependencyTarget[]; source: string } | null {
  const p = prepared.get(key(record));
  if (p) return p;
  return record.version;
}

/** The rejection of a file that cannot be read: which file, why, and what to do. */
export function unreadable(
  ctx: ImageContext,
  path: string,
  read: { readonly code: string; readonly message: string; readonly line?: number; readonly column?: number },
): Diagnostic {
  const fix =
    read.code === 'EISDIR'
      ? 'a folder is where the file was; put the file back'
      : read.code === 'EACCES' || read.code === 'EPERM'
        ? 'give imago permission to read it'
        : read.code === 'ELOOP'
          ? 'the path is a loop of symbolic links; point the link at a file'
          : read.code === 'ENOTREG'
            ? 'a module must be a regular file; put the file back'
            : read.code === 'EFBIG'
              ? 'split it, or load the data at run time (fs.readFile) instead of importing it'
              : read.code === 'EILSEQ'
                ? 'save it as UTF-8 (a source file is UTF-8 text)'
                : 'check the file and save it again';
  return {
    file: relativePath(ctx, path),
    line: read.line ?? 1,
    column: read.column ?? 1,
    code: 'IMAGO_READ',
    message: `cannot read ${relativePath(ctx, path)}: ${read.message} (${read.code}); ${fix}`,
  };
}

/** A JSON file's syntax error, placed in the file itself, or null when it parses. */
function jsonProblem(rel: string, text: string): Diagnostic | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e: unknown) {
    const message = messageOf(e);
    const at = /at position (\d+)/.exec(message);
    return diagnosticAt(rel, text, at ? Number(at[1]) : 0, message.replace(/^JSON\.parse: /, ''), 'IMAGO_PARSE');
  }
}

/**
 * Prepares a change of the files `paths` (absolute), with their texts from `sources` (files new to the
 * program are read into it as they are reached). The entry is prepared when it is not loaded yet.
 */
export async function prepareChange(ctx: ImageContext, paths: readonly string[], sources: SourceSnapshot, intent?: ChangeIntent): Promise<PrepareOutcome> {
  const prepared = new Map<string, PreparedModule>();
  const fresh = new Map<string, ModuleRecord>();
  const deleted = new Set<string>();
  const parseErrors: Diagnostic[] = [];
  const resolveErrors: Diagnostic[] = [];
  const readErrors: Diagnostic[] = [];
  const queue = [...paths];
  const recordFor = (id: string): ModuleRecord => {
    const known = ctx.modules.get(id) ?? fresh.get(id);
    if (known) return known;
    const record = new ModuleRecord(id, relativePath(ctx, id), extensionOf(id) === '.json' ? 'module' : ctx.host.moduleKind(id));
    fresh.set(id, record);
    return record;
  };

  while (queue.length > 0) {
    const id = queue.shift()!;
    if (prepared.has(id) || deleted.has(id)) continue;
    const existing = ctx.modules.get(id);
    const read = await sources.read(id);
    if (read.kind === 'missing') {
      deleted.add(id);
      continue;
    }
    if (read.kind === 'unreadable') {
      readErrors.push(unreadable(ctx, id, read));
      continue;
    }
    const text = read.text;
    if (existing?.version && existing.version.source === moduleSource(id, text)) continue;
    const record = recordFor(id);
    const jsonError = extensionOf(id) === '.json' ? jsonProblem(record.rel, text) : null;
    if (jsonError) {
      parseErrors.push(jsonError);
      continue;
    }
    const source = moduleSource(id, text);
    const result = compileCached(ctx, record.rel, record.kind, source);
    if (!result.ok) {
      parseErrors.push(...result.errors);
      continue;
    }
    const compiled = withIntent(result.module, id, intent);
    const engine = engineCompile(ctx, record, compiled, source);
    if (!engine.ok) {
      parseErrors.push(engine.error);
      continue;
    }
    // A file the change has a text for is there (an edit that creates a file applies it before writing it).
    const files = { isFile: (p: string): boolean => sources.texts.has(p) || ctx.host.isFile(p), paths: ctx.host.paths };
    const targets: DependencyTarget[] = [];
    for (const dep of compiled.dependencies) {
      const where = (message: string): Diagnostic => {
        const pos = compiled.positions.sourceOfJs(dep.jsOffset);
        return { file: record.rel, line: pos.line, column: pos.column, message, code: 'IMAGO_RESOLVE', frame: codeFrame(source, pos.line, pos.column) };
      };
      const res = resolveSpecifier(files, dep.specifier, id, ctx.aliases);
      // A package or a missing file only `require` asks for is `require`'s to load or to throw for, when
      // it runs (an optional dependency in a try block, a package that must load after setup code).
      if (dep.required && res.kind !== 'project') {
        targets.push({ kind: 'platform', specifier: dep.specifier, namespace: {} });
        continue;
      }
      if (res.kind === 'missing') {
        const tried = res.tried
          .slice(0, 4)
          .map((t) => relativePath(ctx, t))
          .join(', ');
        resolveErrors.push(where(`cannot find '${dep.specifier}' (tried ${tried}); check the path, or create the file`));
      } else if (res.kind === 'project') {
        if (deleted.has(res.path)) {
          resolveErrors.push(where(`'${dep.specifier}' was deleted`));
          continue;
        }
        const target = recordFor(res.path);
        targets.push({ kind: 'project', record: target });
        if (!target.version && !prepared.has(res.path)) {
          queue.push(res.path);
          sources.prefetch(res.path);
        }
      } else {
        let namespace: object;
        try {
          namespace = await loadPlatform(ctx, dep.specifier, id);
          // A CommonJS module reads a package's names as require() gives them (`import { chunk } from 'lodash'`).
          if (record.kind === 'commonjs') namespace = requireNames(namespace);
        } catch (e: unknown) {
          resolveErrors.push(where(`cannot load package '${dep.specifier}': ${messageOf(e)}`));
          continue;
        }
        targets.push({ kind: 'platform', specifier: dep.specifier, namespace });
        // A name the package does not export fails here, as Node's own linker would, not as a call later.
        const depIndex = compiled.dependencies.indexOf(dep);
        for (const ref of compiled.imports.values()) {
          if (ref.dep !== depIndex || ref.optional || ref.name === '*' || ref.name === 'default' || ref.name in namespace) continue;
          const pos = compiled.positions.sourceOfJs(ref.jsOffset);
          resolveErrors.push({
            file: record.rel,
            line: pos.line,
            column: pos.column,
            code: 'IMAGO_LINK',
            message: missingExport(dep.specifier, ref.name, namespace),
            frame: codeFrame(source, pos.line, pos.column),
          });
        }
      }
    }
    prepared.set(id, { record, source, compiled, targets, engine: engine.made });
  }
  if (readErrors.length > 0) return { ok: false, phase: 'read', errors: readErrors };
  if (parseErrors.length > 0) return { ok: false, phase: 'parse', errors: parseErrors };

  // A loaded module whose file is gone and a new one with a similar text: the file moved. The loaded
  // module takes the new path (as the change commits), with its state, functions and classes.
  const goneModules = [...deleted].flatMap((id) => {
    const r = ctx.modules.get(id);
    return r?.version ? [{ record: r, text: r.version.source }] : [];
  });
  const newModules = [...fresh.values()].flatMap((r) => {
    const p = prepared.get(r.id);
    return p && r.id !== ctx.entry ? [{ record: r, text: p.source }] : [];
  });
  const moves: Move[] = [];
  const movedTo = new Map<ModuleRecord, string>();
  for (const { from, to } of goneModules.length > 0 && newModules.length > 0 ? pairMoves(goneModules, newModules) : []) {
    // A file that changes kind (util.ts to util.cts) is another module: it is loaded afresh.
    if (from.kind !== to.kind) continue;
    const p = prepared.get(to.id)!;
    prepared.set(to.id, { ...p, record: from });
    fresh.delete(to.id);
    moves.push({ record: from, replaces: to, to: to.id, toRel: to.rel, fromRel: from.rel });
    movedTo.set(from, to.id);
  }
  if (moves.length > 0) {
    const swap = (t: DependencyTarget): DependencyTarget => {
      const m = t.kind === 'project' ? moves.find((x) => x.replaces === t.record) : undefined;
      return m ? { kind: 'project', record: m.record } : t;
    };
    for (const [id, p] of prepared) prepared.set(id, { ...p, targets: p.targets.map(swap) });
  }
  if (resolveErrors.length > 0) return { ok: false, phase: 'resolve', errors: resolveErrors };
  const keyOf = (r: ModuleRecord): string => movedTo.get(r) ?? r.id;

  const entry = ctx.modules.get(ctx.entry) ?? fresh.get(ctx.entry);
  if (!entry || deleted.has(ctx.entry) || (!entry.version && !prepared.has(entry.id))) {
    const why = deleted.has(ctx.entry) ? `was deleted${entry?.version ? '; the program keeps running its last version' : ''}` : 'could not be loaded';
    return {
      ok: false,
      phase: 'read',
      errors: [{ file: relativePath(ctx, ctx.entry), line: 1, column: 1, message: `the entry file ${why}; restore it to continue`, code: 'IMAGO_ENTRY' }],
    };
  }

  // The new graph, dependencies first; a deleted file still imported is an error at the import.
  const order: ModuleRecord[] = [];
  const state = new Map<ModuleRecord, 'visiting' | 'done'>();
  const linkErrors: Diagnostic[] = [];
  const visit = (record: ModuleRecord): void => {
    if (state.has(record)) return;
    state.set(record, 'visiting');
    const version = versionAfter(record, prepared, keyOf);
    const required: ModuleRecord[] = [];
    version?.targets.forEach((t, i) => {
      if (t.kind !== 'project') return;
      if (deleted.has(keyOf(t.record)) || !versionAfter(t.record, prepared, keyOf)) {
        const dep = version.compiled.dependencies[i]!;
        const pos = version.compiled.positions.sourceOfJs(dep.jsOffset);
        linkErrors.push({
          file: record.rel,
          line: pos.line,
          column: pos.column,
          code: 'IMAGO_RESOLVE',
          message: `'${dep.specifier}' no longer exists; restore it or remove the import`,
          frame: codeFrame(version.source, pos.line, pos.column),
        });
        return;
      }
      // A file only required runs when required (evaluate.ts), at the latest after its requirer.
      if (version.compiled.dependencies[i]!.required) required.push(t.record);
      else visit(t.record);
    });
    state.set(record, 'done');
    order.push(record);
    for (const r of required) visit(r);
  };
  visit(entry);
  for (const root of ctx.roots) {
    const record = ctx.modules.get(root) ?? fresh.get(root);
    if (record && (record.version || prepared.has(root))) visit(record);
  }
  if (linkErrors.length > 0) return { ok: false, phase: 'resolve', errors: linkErrors };

  // Every imported name must be exported by the module it comes from, as ESM linking requires.
  const names = new Map<ModuleRecord, Set<string>>();
  /** Export names after the change, through `export *` (cycle-safe: only complete sets are cached). */
  const collect = (record: ModuleRecord, seen: Set<ModuleRecord>, out: Set<string>, top: boolean): void => {
    const version = versionAfter(record, prepared, keyOf);
    if (!version || seen.has(record)) return;
    seen.add(record);
    for (const name of version.compiled.exports.keys()) if (top || name !== 'default') out.add(name);
    for (const dep of version.compiled.starExports) {
      const t = version.targets[dep];
      if (t?.kind === 'project') collect(t.record, seen, out, false);
    }
  };
  const exportNames = (record: ModuleRecord): Set<string> => {
    let out = names.get(record);
    if (!out) {
      out = new Set();
      collect(record, new Set(), out, true);
      names.set(record, out);
    }
    return out;
  };
  for (const record of order) {
    // Every module is checked: a name can vanish from under an import through a chain of `export *`.
    const version = versionAfter(record, prepared, keyOf)!;
    const check = (dep: number, name: string, jsOffset: number): void => {
      const t = version.targets[dep];
      if (name === '*' || t?.kind !== 'project' || exportNames(t.record).has(name)) return;
      // An ES module's default import of a CommonJS module is its module.exports, as in Node.
      if (name === 'default' && record.kind === 'module' && t.record.kind === 'commonjs') return;
      // A CommonJS module without `export`s has the names its code puts on module.exports, known as it runs.
      const after = versionAfter(t.record, prepared, keyOf);
      if (t.record.kind === 'commonjs' && after && after.compiled.exports.size === 0 && after.compiled.starExports.length === 0) return;
      const pos = version.compiled.positions.sourceOfJs(jsOffset);
      const available = [...exportNames(t.record)].sort().join(', ') || 'nothing';
      linkErrors.push({
        file: record.rel,
        line: pos.line,
        column: pos.column,
        code: 'IMAGO_LINK',
        message: `${t.record.rel} has no export named '${name}' (it exports ${available})`,
        frame: codeFrame(version.source, pos.line, pos.column),
      });
    };
    for (const ref of version.compiled.imports.values()) if (!ref.optional) check(ref.dep, ref.name, ref.jsOffset);
    for (const src of version.compiled.exports.values()) {
      if (src.kind === 'reexport') check(src.dep, src.name, version.compiled.dependencies[src.dep]!.jsOffset);
    }
  }
  if (linkErrors.length > 0) return { ok: false, phase: 'link', errors: linkErrors };

  const reachable = new Set(order);
  const unloaded = [...ctx.modules.values()].filter((r) => !reachable.has(r));
  const live = new Map([...prepared].filter(([, p]) => reachable.has(p.record)));
  return { ok: true, change: { prepared: live, order, unloaded, moves } };
}
