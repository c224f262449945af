// What compiling one version of one module produces: the code to evaluate and everything the runtime
// needs to decide what a change does (functions, bindings, effects, imports, exports).

import type { PositionMap } from './position-map.js';
import type { TypeShape } from './type-shape.js';

/** A static import or re-export source of the module, in source order. */
export interface Dependency {
  readonly specifier: string;
  /** Offset of the specifier in the transpiled JavaScript (PositionMap.sourceOfJs gives the place). */
  readonly jsOffset: number;
  /**
   * Only `require('...')` asks for it (a CommonJS module): a project file is loaded with the module but
   * runs when first required, as in Node; a package or a missing file is left to `require` itself.
   */
  readonly required?: true;
}

/** What an imported local name reads: export `name` of dependency `dep` (`*` = the namespace). */
export interface ImportRef {
  readonly dep: number;
  readonly name: string;
  /** Offset of the import specifier in the transpiled JavaScript. */
  readonly jsOffset: number;
  /**
   * Read only by `design:*` metadata (`typeof X === "undefined" ? Object : X`): a type TypeScript would
   * have dropped the import of (an interface, say). Linked if it exists; undefined, not an error, if not.
   */
  readonly optional?: true;
}

/** Where an export name comes from. */
export type ExportSource = { readonly kind: 'local'; readonly local: string } | { readonly kind: 'reexport'; readonly dep: number; readonly name: string };

/** A top-level function (declaration, or `const f = () => ...`): code, swapped through layers. */
export interface FunctionDecl {
  readonly name: string;
  /** Normalized JavaScript text, to tell a changed body from an unchanged one. */
  readonly text: string;
  /** Offset of the function in the transpiled JavaScript. */
  readonly jsOffset: number;
}

/**
 * A top-level statement that runs: a binding initializer (state) or an effect. Items keep their `key`
 * across versions; the runtime runs an item again only when the rules in docs/semantics.md say so.
 */
export interface Item {
  readonly key: string;
  /**
   * binding: state, re-run when its text or what it reads changed. effect: re-run when its text changed.
   * class: a class definition, run for every new version of its module (the class keeps its identity).
   */
  readonly kind: 'binding' | 'effect' | 'class';
  /** Names the item declares (bindings and classes). */
  readonly names: readonly string[];
  readonly text: string;
  /** Local bindings the item reads while it runs (not inside nested functions). */
  readonly localDeps: readonly string[];
  /** Imported names the item reads while it runs. */
  readonly importDeps: readonly string[];
  /** Contains a top-level `await`. */
  readonly isAsync: boolean;
  /** Offset of the statement in the transpiled JavaScript. */
  readonly jsOffset: number;
  /**
   * `text` leaves out the bodies of the closures the item passes that follow edits; this is the whole
   * text, and `probed` the cells of those closures. If the item calls one of them while it runs (its
   * value depends on the body), it runs again when the whole text changes.
   */
  readonly fullText?: string;
  readonly probed?: readonly number[];
}

/** An instance field a class declares (parameter properties included), as this version declares it. */
export interface FieldDecl {
  /** `hp` or `#secret` (fields with computed keys are not part of the layout). */
  readonly name: string;
  /** The initializer's JavaScript text, or null for a field declared without one. */
  readonly initializer: string | null;
  /** The checkable part of the field's type: written, or inferred from a plain initializer. */
  readonly type: TypeShape;
  /** The type as written (whitespace collapsed), or as inferred; '' when neither. */
  readonly typeText: string;
  /** `/** @renamed old *\/` on the field: its value comes from the old field of that name. */
  readonly renamedFrom: string | null;
  /** Offset of the field in the TypeScript source. */
  readonly sourceOffset: number;
  /**
   * Not defined by the class body: a parameter property (`parameter`), or a field without an initializer
   * under `useDefineForClassFields: false` (`constructor`: the constructor assigns it, if anything does).
   */
  readonly assigned?: 'parameter' | 'constructor';
  /** `/** @transient *\/` on the field: an image file leaves it out, and a resume gives it its initializer. */
  readonly transient?: true;
}

/** What a version of a top-level class declares: the base for migrating live instances' fields. */
export interface ClassInfo {
  /** Offset of the class in the transpiled JavaScript. */
  readonly jsOffset: number;
  /** Instance fields in the order a new instance gets them. */
  readonly fields: readonly FieldDecl[];
  /** The class declares `static migrateInstance(instance, old, fromVersion)`. */
  readonly migrateHook: boolean;
  /** The text of its `extends` expression (null: none). A version whose text differs re-parents the class. */
  readonly heritage: string | null;
  /**
   * Module-scope bindings each instance field's initializer reads (directly, or through the module's
   * functions it calls), by field name; and those `migrateInstance` reads. A migration runs them for live
   * instances as the class is defined: bindings the change evaluates later are not set yet.
   */
  readonly initializerReads: ReadonlyMap<string, readonly string[]>;
  readonly hookReads: readonly string[];
}

/** A function below the top level (compile/closure-sites.ts). */
export interface ClosureSite {
  /** Its counterpart in another version has the same key, or is matched to it (runtime/closure-match.ts). */
  readonly key: string;
  /** The key of the function it is in (its owner's key at the first level). */
  readonly parent: string;
  /** The key of the top-level item it is in: `f:name`, `c:Class`, a binding's or a statement's item key. */
  readonly ownerKey: string;
  /** Its place in the code around it, and its rank among sites of that place in the same function. */
  readonly place: string;
  readonly rank: number;
  /** 1 for a function directly in its owner, 2 for one in such a function, ... */
  readonly depth: number;
  /** Its cell in this version (the `__imago_Z` array), or null for a transient site. */
  readonly index: number | null;
  /** It cannot outlive the call it is made in (or is a constructor): no cell, never reported. */
  readonly transient: boolean;
  /** Why edits cannot reach closures made by it, when they cannot. */
  readonly why: string | null;
  /** Its code as this version compiles it (its late body when it has one): a different text is a different body. */
  readonly text: string;
  /** How messages name it and what makes it: `the function passed to setInterval()`, `the old start()`. */
  readonly label: string;
  readonly owner: string;
  /** The line of the statement that owns it, when a statement does (messages add the file). */
  readonly ownerLine?: number;
  /** Where it is in the TypeScript source (1-based). */
  readonly line: number;
  readonly column: number;
  /** The variables of enclosing functions it uses, and what declares each (`let n = 0`, `parameter label`). */
  readonly captures: readonly string[];
  readonly declarations: readonly string[];
  /** The parameters a closure made by it passes on (a rest parameter passes every other argument). */
  readonly arity: number;
  readonly rest: boolean;
  readonly arrow: boolean;
  readonly generator: boolean;
  readonly async: boolean;
  /** Reads `this`: an arrow's is the one it captured, a function's the one it is called with. */
  readonly usesThis: boolean;
  /** Its closures are made whenever the code around it runs (a class method, a field): they count as made. */
  readonly alwaysMade: boolean;
  /** A method or field of a top-level class: the class updates its instances, so it is not reported. */
  readonly method: boolean;
  /** Passed straight to a timer (or queueMicrotask) by a statement or initializer: when that runs again, the timer stops. */
  readonly timer: boolean;
}

/** One compiled version of a module. */
export interface CompiledModule {
  /** Body for the host's `compileFunction`, taking `params`; returns `[functions, items]`. */
  readonly code: string;
  readonly params: readonly string[];
  readonly dependencies: readonly Dependency[];
  /** Local name -> what it imports. */
  readonly imports: ReadonlyMap<string, ImportRef>;
  readonly exports: ReadonlyMap<string, ExportSource>;
  /** Dependencies re-exported with `export * from`. */
  readonly starExports: readonly number[];
  readonly functions: readonly FunctionDecl[];
  readonly items: readonly Item[];
  /** Top-level classes by name. */
  readonly classes: ReadonlyMap<string, ClassInfo>;
  /** Top-level TypeScript enums. */
  readonly enums: ReadonlySet<string>;
  /** Top-level bindings marked `/** @transient *\/`: an image file leaves them out (docs/images.md). */
  readonly transient: ReadonlySet<string>;
  /** Top-level functions renamed by an explicit edit (runtime/intent.ts), new name -> old name: the old one's identity goes on. */
  readonly renamedFunctions?: ReadonlyMap<string, string>;
  /**
   * Top-level names renamed by an explicit edit (runtime/intent.ts), old name -> new name: `words` in
   * every module the edit rewrote; `bindings` (classes and enums included) and `classes` declared here.
   */
  readonly renamedNames?: {
    readonly words: ReadonlyMap<string, string>;
    /** Methods and enum members renamed: translated only after a dot (`p.hit()`, `Mood.Angry`). */
    readonly members: ReadonlyMap<string, string>;
    readonly bindings: ReadonlyMap<string, string>;
    readonly classes: ReadonlyMap<string, string>;
    /** Enums declared here that run again only for a member's new name: their values are the same, so what reads them does not run again. */
    readonly quiet: ReadonlySet<string>;
  };
  /** Top-level functions and classes an explicit edit moved here from another module (absolute path): they keep their identity. */
  readonly movedIn?: ReadonlyArray<{ readonly from: string; readonly name: string; readonly kind: 'function' | 'class' }>;
  /** Top-level bindings marked `/** @renamed old *\/`, new name -> old name: a resume gives them the value saved as `old`. */
  readonly renamedBindings: ReadonlyMap<string, string>;
  readonly positions: PositionMap;
  /** The functions below the top level that may outlive their call, by cell index where they follow edits. */
  readonly sites: readonly ClosureSite[];
  /**
   * Body of a function taking MODULE_PARAMS that returns each following site's body as a late body,
   * `function (env, ...params)` indexed like the cells (null for a site that does not follow);
   * compiled only when a change redirects closures.
   */
  readonly late: { readonly code: string; readonly positions: PositionMap } | null;
}

/**
 * Parameters of every compiled module function, in order: state, calls (layer), trampolines, links
 * (imported names, by local name: stable across versions, so closures made before an edit follow a
 * redirected import), the module's runtime helpers, `import.meta`, and the version's closure cells.
 */
export const MODULE_PARAMS = ['__imago_S', '__imago_M', '__imago_T', '__imago_L', '__imago_rt', '__imago_meta', '__imago_Z'] as const;

/** Global timer functions a module's own references are routed through, to tie timers to statements. */
export const TRACKED_GLOBALS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'] as const;
/** What a CommonJS module's code has of its own, from `__imago_rt` like the tracked globals. */
export const COMMONJS_GLOBALS = ['require', 'module', 'exports', '__filename', '__dirname'] as const;
