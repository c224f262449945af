// What the programmer can ask a running image (the control channel's `describe`, `status` and the REPL's
// scope): its modules and their versions, and what one top-level name of a module is now. Read-only but
// for the REPL's scope; the host reads it at a safe point.

import { lineStarts, positionAt } from '../compile/source-text.js';
import { typedImports } from '../compile/typed-imports.js';
import type { StoreCore } from '../store/store-core.js';
import type { ImageContext } from './context.js';
import type { Applied, FunctionHistory, LayoutEntry } from './history.js';
import type { ModuleRecord } from './module-record.js';
import { type ModuleScope, moduleScope, type ScopeKind } from './module-scope.js';
import { resolveSpecifier } from './resolve.js';

export interface ModuleSummary {
  readonly file: string;
  readonly rel: string;
  readonly version: number;
  /** When its running version was applied (ms since 1970). */
  readonly appliedAt: number | null;
  readonly functions: number;
  readonly classes: number;
  readonly bindings: number;
  /** Timers made by its top-level statements (and their timer chains) that are still pending, and its `hot.dispose` callbacks. */
  readonly timers: number;
  readonly disposers: number;
}

interface Place {
  readonly module: string;
  readonly name: string;
  readonly line: number;
  readonly column: number;
  readonly exported: boolean;
}

export type Described =
  | (Place & {
      readonly kind: 'function';
      /** Length of its compiled JavaScript. */
      readonly compiledChars: number;
      /** Code keeps a stable function object for it (what escapes: callbacks, exports). */
      readonly trampoline: boolean;
      readonly history: FunctionHistory;
    })
  | (Place & {
      readonly kind: 'class';
      readonly layoutVersion: number;
      readonly fields: LayoutEntry['fields'];
      readonly layouts: readonly LayoutEntry[];
      readonly methods: readonly string[];
      readonly statics: readonly string[];
      readonly stores: ReadonlyArray<{ readonly name: string; readonly rows: number }>;
      /** Only when asked: a walk of the heap. */
      readonly instances: { readonly count: number; readonly ms: number } | null;
    })
  | (Place & { readonly kind: 'binding'; readonly scope: ScopeKind; readonly transient: boolean; readonly value: unknown })
  | (Place & { readonly kind: 'import'; readonly from: string; readonly imported: string; readonly value: unknown });

export type Lookup<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** The loaded module `path` names: absolute, project-relative, or a unique ending of one (`world`, `world.ts`). */
export function findModule(ctx: ImageContext, path: string): Lookup<ModuleRecord> {
  const exact = ctx.modules.get(ctx.host.paths.resolve(ctx.root, path));
  if (exact) return { ok: true, value: exact };
  const records = [...ctx.modules.values()];
  const bare = path.replace(/^\.\//, '');
  const hits = records.filter(
    (r) => r.rel === bare || r.rel.replace(/\.[cm]?[jt]sx?$/, '') === bare || r.rel.endsWith(`/${bare}`) || r.rel.endsWith(`/${bare}.ts`),
  );
  if (hits.length === 1) return { ok: true, value: hits[0]! };
  const loaded = records.map((r) => r.rel).join(', ');
  if (hits.length > 1)
    return { ok: false, message: `'${path}' names ${hits.length} modules (${hits.map((r) => r.rel).join(', ')}): give its path from the project root` };
  return { ok: false, message: `no module '${path}' is loaded (loaded: ${loaded || 'none'})` };
}

/** The current layer object of every module and class (tests assert they are in V8's fast mode). */
export function layerObjects(ctx: ImageContext): object[] {
  const out: object[] = [];
  for (const r of ctx.modules.values()) {
    out.push(Object.getPrototypeOf(r.chain.pin) as object);
    for (const c of r.classes.values())
      out.push(Object.getPrototypeOf(c.prototype) as object, Object.getPrototypeOf(c.constructor) as object, Object.getPrototypeOf(c.pin) as object);
  }
  return out;
}

export function moduleSummaries(ctx: ImageContext): ModuleSummary[] {
  return [...ctx.modules.values()].map((r) => {
    const compiled = r.version?.compiled;
    return {
      file: r.id,
      rel: r.rel,
      version: r.versions,
      appliedAt: r.history.versions.at(-1)?.at ?? null,
      functions: compiled?.functions.length ?? 0,
      classes: compiled?.classes.size ?? 0,
      bindings: compiled?.items.filter((i) => i.kind === 'binding').reduce((n, i) => n + i.names.length, 0) ?? 0,
      ...ownedCounts(r),
    };
  });
}

/** What the module's statement runs own now (owner.ts): pending timers and dispose callbacks. */
function ownedCounts(record: ModuleRecord): { timers: number; disposers: number } {
  let timers = 0;
  let disposers = 0;
  for (const owner of [...record.owners.values(), record.moduleOwner]) {
    timers += owner.timers.size;
    disposers += owner.disposers.length;
  }
  return { timers, disposers };
}

/** Imports of `record`'s source that its compiled code does not link (type-only use, or none), read from the module they name. */
function elidedImports(ctx: ImageContext, record: ModuleRecord): Map<string, () => unknown> {
  const out = new Map<string, () => unknown>();
  const version = record.version;
  if (!version) return out;
  version.typedImports ??= typedImports(version.source);
  for (const imp of version.typedImports) {
    if (imp.typeOnly || version.compiled.imports.has(imp.local)) continue;
    const res = resolveSpecifier(ctx.host, imp.specifier, record.id, ctx.aliases);
    const target = res.kind === 'project' ? ctx.modules.get(res.path) : undefined;
    if (!target) continue;
    out.set(imp.local, () => (imp.imported === '*' ? target.view : target.view[imp.imported]));
  }
  return out;
}

export function scopeOf(ctx: ImageContext, path: string): Lookup<ModuleScope> {
  const found = findModule(ctx, path);
  if (!found.ok) return found;
  const scope = moduleScope(found.value, elidedImports(ctx, found.value));
  return scope ? { ok: true, value: scope } : { ok: false, message: `${found.value.rel} has not run yet` };
}

/** What top-level `name` of module `path` is now; `instances` walks the heap for a class's instances. */
export function describeName(ctx: ImageContext, path: string, name: string, instances: boolean): Lookup<Described> {
  const found = findModule(ctx, path);
  if (!found.ok) return found;
  const record = found.value;
  const version = record.version;
  const scope = moduleScope(record, elidedImports(ctx, record));
  const kind = scope?.names.get(name)?.kind;
  if (!version || !scope || !kind) {
    const known = [...(scope?.names.keys() ?? [])].sort().join(', ');
    return { ok: false, message: `${record.rel} has no top-level '${name}'${known ? ` (it has: ${known})` : ''}` };
  }
  const compiled = version.compiled;
  const exported = [...compiled.exports.values()].some((e) => e.kind === 'local' && e.local === name);
  const place = (jsOffset: number): Place => ({ module: record.rel, name, exported, ...compiled.positions.sourceOfJs(jsOffset) });
  if (kind === 'function') {
    const f = compiled.functions.find((x) => x.name === name)!;
    const history = record.history.functions.get(name) ?? { count: 1, recent: [] as Applied[] };
    return {
      ok: true,
      value: { kind, ...place(f.jsOffset), compiledChars: f.text.length, trampoline: Object.hasOwn(record.trampolines, name), history },
    };
  }
  if (kind === 'import') {
    const ref = compiled.imports.get(name);
    if (!ref) {
      // An import the compiled code does not link (read as a type only, or not at all).
      const typed = (version.typedImports ?? typedImports(version.source)).find((i) => i.local === name)!;
      const at = positionAt(lineStarts(version.source), typed.offset);
      return { ok: true, value: { kind, module: record.rel, name, exported, ...at, from: typed.specifier, imported: typed.imported, value: scope.get(name) } };
    }
    const from = compiled.dependencies[ref.dep]?.specifier ?? '?';
    return { ok: true, value: { kind, ...place(ref.jsOffset), from, imported: ref.name, value: scope.get(name) } };
  }
  const item = compiled.items.find((i) => i.names.includes(name))!;
  const identity = kind === 'class' ? record.classes.get(name) : undefined;
  if (!identity)
    return { ok: true, value: { kind: 'binding', ...place(item.jsOffset), scope: kind, transient: compiled.transient.has(name), value: scope.get(name) } };
  const own = (o: object): string[] => Object.getOwnPropertyNames(o).filter((k) => k !== 'constructor' && k !== 'prototype' && k !== 'length' && k !== 'name');
  let count: { count: number; ms: number } | null = null;
  if (instances) {
    const t0 = ctx.host.now();
    const found = liveInstances(ctx, identity.prototype);
    count = found ? { count: found.length, ms: ctx.host.now() - t0 } : null;
  }
  return {
    ok: true,
    value: {
      kind: 'class',
      ...place(compiled.classes.get(name)?.jsOffset ?? item.jsOffset),
      layoutVersion: identity.layoutVersion,
      fields: identity.fields.map((f) => ({ name: f.name, type: f.typeText, initializer: f.initializer })),
      layouts: record.history.layouts.get(name) ?? [],
      methods: own(identity.impl.prototype),
      // Static methods live on the version's class, static fields on the stable one.
      statics: [...new Set([...own(identity.impl), ...own(identity.constructor)])],
      stores: ctx.stores.storesOf(identity.prototype).map((s) => ({ name: s.name, rows: s.size })),
      instances: count,
    },
  };
}

/** What a module exports and its functions' histories (the inspector's module view). */
export interface ModuleDetail {
  readonly exports: readonly string[];
  readonly functions: ReadonlyArray<{
    readonly name: string;
    readonly exported: boolean;
    readonly versions: number;
    readonly lastAt: number | null;
    readonly line: number;
  }>;
  readonly classes: readonly string[];
}

export function moduleDetail(ctx: ImageContext, path: string): Lookup<ModuleDetail> {
  const found = findModule(ctx, path);
  if (!found.ok) return found;
  const record = found.value;
  const compiled = record.version?.compiled;
  if (!compiled) return { ok: false, message: `${record.rel} has not run yet` };
  const exportedLocals = new Set([...compiled.exports.values()].flatMap((e) => (e.kind === 'local' ? [e.local] : [])));
  return {
    ok: true,
    value: {
      exports: [...compiled.exports.keys()],
      functions: compiled.functions.map((f) => {
        const h = record.history.functions.get(f.name);
        return {
          name: f.name,
          exported: exportedLocals.has(f.name),
          versions: h?.count ?? 1,
          lastAt: h?.recent.at(-1)?.at ?? null,
          line: compiled.positions.sourceOfJs(f.jsOffset).line,
        };
      }),
      classes: [...compiled.classes.keys()],
    },
  };
}

/** The live instances of class `name` of module `path` (a heap walk; null: the host cannot walk its heap). */
export function instancesOf(ctx: ImageContext, path: string, name: string): Lookup<object[] | null> {
  const found = findModule(ctx, path);
  if (!found.ok) return found;
  const identity = found.value.classes.get(name);
  if (!identity) return { ok: false, message: `${found.value.rel} has no class '${name}'` };
  return { ok: true, value: liveInstances(ctx, identity.prototype) };
}

/** What the program made of a class (a heap walk): no store's row views, none of imago's own objects. */
function liveInstances(ctx: ImageContext, prototype: object): object[] | null {
  return ctx.host.findInstances?.(prototype)?.filter((o) => !ctx.stores.isRowView(o) && !ctx.classes.isInternal(o)) ?? null;
}

/** What can be asked of an image at a safe point. */
export interface Introspection {
  modules(): ModuleSummary[];
  detail(path: string): Lookup<ModuleDetail>;
  instances(path: string, name: string): Lookup<object[] | null>;
  /** The image's live handle stores, in the order they were made. */
  stores(): readonly StoreCore[];
  /** The TypeScript text the module at `path` (absolute or project-relative, exactly) runs, or null. */
  source(path: string): string | null;
  /** The running version of the module at absolute path `file` (null when it is not loaded). */
  version(file: string): number | null;
  scope(path: string): Lookup<ModuleScope>;
  describe(path: string, name: string, instances: boolean): Lookup<Described>;
  /** The source text each loaded module runs now (absolute path -> text), for a new member of its cohort. */
  texts(): Map<string, string>;
}

export function introspection(ctx: ImageContext): Introspection {
  return {
    texts: () => new Map([...ctx.modules].flatMap(([p, r]) => (r.version ? [[p, r.version.source] as const] : []))),
    modules: () => moduleSummaries(ctx),
    detail: (path) => moduleDetail(ctx, path),
    instances: (path, name) => instancesOf(ctx, path, name),
    stores: () => ctx.stores.list(),
    source: (path) => ctx.modules.get(ctx.host.paths.resolve(ctx.root, path))?.version?.source ?? null,
    version: (file) => ctx.modules.get(file)?.versions ?? null,
    scope: (path) => scopeOf(ctx, path),
    describe: (path, name, instances) => describeName(ctx, path, name, instances),
  };
}
