// A module's life in the image: the records that persist across versions (state, call layers,
// trampolines, export view, hot data, statement owners) and the current version.

import type { CompiledModule } from '../compile/compiled-module.js';
import type { TypedImport } from '../compile/typed-imports.js';
import type { ClassIdentity } from './class-identity.js';
import type { ClosureCell, LateBody, SiteEntry } from './closure-cells.js';
import { ModuleHistory } from './history.js';
import type { CompiledFunction } from './host.js';
import { createLayerChain, type LayerChain } from './layer.js';
import type { ModuleKind } from './module-kind.js';
import { Owner } from './owner.js';

/** A resolved dependency of a module version. */
export type DependencyTarget =
  | { readonly kind: 'project'; readonly record: ModuleRecord }
  | { readonly kind: 'platform'; readonly specifier: string; readonly namespace: object };

/** One evaluated version of a module. */
export interface LiveVersion {
  readonly number: number;
  readonly source: string;
  readonly compiled: CompiledModule;
  readonly targets: readonly DependencyTarget[];
  /** The layer: this version's top-level functions. */
  readonly functions: Record<string, unknown>;
  /** One runnable closure per item of `compiled.items`. */
  readonly items: ReadonlyArray<() => unknown>;
  /** The name this version's code was compiled under (stack traces show it). */
  readonly filename: string;
  /** The cells of its closure sites (closure-cells.ts). */
  readonly cells: readonly ClosureCell[];
  /** Its late bodies, once compiled (late-bodies.ts). */
  late: Array<LateBody | null> | null;
  /** The imports its source declares, as typed (read once, when the REPL's scope first asks: introspect.ts). */
  typedImports?: readonly TypedImport[];
}

/**
 * A fresh prototype for one object. Objects with different prototypes never share a hidden class, so a
 * function stored in one module's view stays a constant V8 can inline: with one shared prototype, views
 * of two modules exporting the same names shared maps and cross-module calls ran 8x slower
 * (bench/steady-state.ts).
 */
function ownPrototype(tag?: string): object {
  return Object.create(null, tag ? { [Symbol.toStringTag]: { value: tag } } : {}) as object;
}

export class ModuleRecord {
  /** Top-level bindings' values; outlives every version. */
  readonly state: Record<string, unknown> = Object.create(ownPrototype()) as Record<string, unknown>;
  readonly chain: LayerChain = createLayerChain();
  readonly trampolines: Record<string, CompiledFunction> = {};
  /** What importers see: a stable object whose properties follow the current exports. */
  readonly view: Record<string, unknown> = Object.create(ownPrototype('Module')) as Record<string, unknown>;
  /**
   * What each view property currently reads (`state:x`, `forward:<target>:y`, ...). A property is only
   * redefined when this changes: redefining an unchanged property churns the view's hidden class and
   * left cross-module calls 8x slower after 10 swaps (bench/steady-state.ts).
   */
  readonly viewKeys = new Map<string, string>();
  /**
   * The module's imported names, by local name: getters onto the current targets. Compiled code reads
   * imports through it, so a closure made before an edit follows an import redirected by the edit.
   */
  readonly links: Record<string, unknown> = Object.create(ownPrototype()) as Record<string, unknown>;
  /** What each link currently reads, like `viewKeys`. */
  readonly linkKeys = new Map<string, string>();
  /** Live classes of the module, by name; kept when a class is removed, so a restored class is the same. */
  readonly classes = new Map<string, ClassIdentity>();
  /** Keys (members and reverse mappings) each enum's own declaration made last time, by enum name. */
  readonly enumMembers = new Map<string, string[]>();
  /** Stable symbols for `#private` names, by `Class#name` (ARCHITECTURE.md fact 4). */
  readonly privateNames = new Map<string, symbol>();
  /** Closure sites across versions, by key (closure-cells.ts). */
  readonly closures = new Map<string, SiteEntry>();
  /** Items (by key) that called closures they pass while they ran, with those sites' keys: their value depends on those bodies (probe.ts). */
  readonly immediate = new Map<string, readonly string[]>();
  /** `import.meta.hot.data`. */
  readonly hotData: Record<string, unknown> = {};
  /** Owner of each item's last run, by item key. */
  owners = new Map<string, Owner>();
  /** Owns `hot.dispose`/`hot.prune` callbacks registered outside any statement run. */
  readonly moduleOwner = new Owner('module');
  version: LiveVersion | null = null;
  versions = 0;
  /**
   * Functions renamed by an explicit edit, old name -> new name: the old name's trampoline (held by
   * references taken before) calls `M.<old>`, so every later layer has `<old>` as the new function too.
   */
  readonly functionAliases = new Map<string, string>();
  /**
   * Functions an explicit edit moved to another module, by name: this module's trampoline (held by
   * references taken before) is the other module's now, and every later layer forwards the name there.
   */
  readonly movedOut = new Map<string, ModuleRecord>();
  /** Bindings renamed by an explicit edit, old name -> new name: the old name reads and writes the new one (rename-names.ts). */
  readonly bindingAliases = new Map<string, string>();
  /** When its versions, functions and class layouts were applied (history.ts). */
  readonly history = new ModuleHistory();
  /** Set once the module left the image. */
  removed = false;
  /**
   * For a CommonJS module (module-kind.ts): `exports` as its code first sees it, and what `module.exports`
   * holds now (the same object until the code assigns another). Kept for the module's life.
   */
  readonly cjs: { readonly exports: Record<string, unknown>; value: unknown; module: object | null } = (() => {
    const exports: Record<string, unknown> = {};
    return { exports, value: exports, module: null };
  })();
  /** Its current version declares exports with `export` (else a CommonJS module is only what `module.exports` holds). */
  esmExports = true;
  /** What ES importers read of it when it is a CommonJS module without `export`s (made on first use). */
  facade: object | null = null;
  /** What `import()` gives of it when it is a CommonJS module with `export`s (made on first use). */
  namespace: object | null = null;

  constructor(
    /** Absolute path (it changes only when the file is moved: moves.ts). */
    public id: string,
    /** Path relative to the project root, as the user sees it. */
    public rel: string,
    /** What Node makes of the file: an ES module or a CommonJS module. */
    readonly kind: ModuleKind = 'module',
  ) {}
}

/** What importers of a CommonJS module that declares no `export` read: `module.exports` (default) and its properties. */
export function commonJsFacade(record: ModuleRecord): object {
  const value = (): Record<PropertyKey, unknown> | null => {
    const v = record.cjs.value;
    return (typeof v === 'object' || typeof v === 'function') && v !== null ? (v as Record<PropertyKey, unknown>) : null;
  };
  const get = (name: PropertyKey): unknown => (name === 'default' ? record.cjs.value : value()?.[name]);
  return new Proxy(Object.create(null) as object, {
    get: (_, name) => get(name),
    has: (_, name) => name === 'default' || (value() !== null && name in value()!),
    // Enumerable like a namespace: `Object.keys(ns)`, `{ ...ns }`.
    ownKeys: () => ['default', ...Object.keys(value() ?? {}).filter((k) => k !== 'default')],
    getOwnPropertyDescriptor: (_, name) =>
      name === 'default' || (value() !== null && Object.hasOwn(value()!, name))
        ? { value: get(name), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/**
 * What `import()` of a CommonJS module that declares `export`s gives, as in Node: its exports by name
 * and, as `default`, the whole of them (its `module.exports`).
 */
export function commonJsNamespace(record: ModuleRecord): object {
  return new Proxy(record.view, {
    get: (target, name) => (name === 'default' ? target : Reflect.get(target, name)),
    has: (target, name) => name === 'default' || Reflect.has(target, name),
  });
}

/** The stable symbol for `#name` of a top-level class, by `Class#name` (made on first use). */
export function privateKey(record: ModuleRecord, key: string): symbol {
  let sym = record.privateNames.get(key);
  if (!sym) {
    sym = Symbol(key.slice(key.indexOf('#')));
    record.privateNames.set(key, sym);
  }
  return sym;
}
