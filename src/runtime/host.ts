// What the runtime needs from the platform. The runtime imports no `node:` module: the Node host
// (src/host/node-host.ts) implements this, and tests may pass their own.

/** The real timer functions of the platform (captured before any user code runs). */
export interface Timers {
  setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
  setInterval(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
  setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): unknown;
  clearTimeout(handle: unknown): void;
  clearInterval(handle: unknown): void;
  clearImmediate(handle: unknown): void;
}

/** Pure path operations (POSIX semantics on POSIX hosts). */
export interface Paths {
  dirname(path: string): string;
  resolve(...parts: string[]): string;
  relative(from: string, to: string): string;
  isAbsolute(path: string): boolean;
}

import type { CompiledModule } from '../compile/compiled-module.js';
import type { DecoratorLowering } from '../compile/tc39-decorators.js';
import type { ModuleKind } from './module-kind.js';

export type CompiledFunction = (...args: unknown[]) => unknown;

/** What reading a file gave: its text, nothing there, or why it cannot be read (ELOOP, EACCES, EISDIR, EIO...). */
export type FileRead =
  | {
      readonly kind: 'text';
      readonly text: string;
      /**
       * Which write of the file was read (its device, inode, modification time and size, say), when the
       * host can tell: the same stamp twice is the same save seen twice, not a save again.
       */
      readonly stamp?: string;
    }
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'unreadable';
      readonly code: string;
      readonly message: string;
      /** Where in the file the problem is, when it is in its bytes (text that is not UTF-8). */
      readonly line?: number;
      readonly column?: number;
      /** Which write of the file was found so, when the host could tell (as a text's stamp). */
      readonly stamp?: string;
    };

/**
 * Modules compiled by an earlier run (or earlier in this one), by file, text and compile options: a start
 * takes them instead of compiling again. A module it does not hold is compiled, then given to it.
 */
export interface CompileCache {
  /** The module compiled from exactly `source` as `file` with the options `options` names, or null. */
  get(file: string, source: string, options: string): CompiledModule | null;
  put(file: string, source: string, options: string, module: CompiledModule): void;
}

export interface Host {
  /** The file's text as UTF-8; never throws (a failure is `unreadable`, with the cause). */
  readFile(path: string): Promise<FileRead>;
  isFile(path: string): boolean;
  /** Compiles a function body without leaking old code (ARCHITECTURE.md fact 3: vm.compileFunction). */
  compileFunction(code: string, params: readonly string[], filename: string): CompiledFunction;
  /**
   * Loads a package or builtin through the platform's own loader, once; it is never swapped.
   * Resolves relative to `fromFile`. Rejects with a message that names the specifier.
   */
  importPlatform(specifier: string, fromFile: string): Promise<object>;
  /** `require(specifier)` of a package or builtin from `fromFile`, as Node's require does it (synchronous). */
  requirePlatform(specifier: string, fromFile: string): unknown;
  /** `require.resolve(specifier)` of a package or builtin from `fromFile`, as Node's does it. */
  resolvePlatform(specifier: string, fromFile: string): string;
  /** Compiled modules kept between runs (host/compile-cache.ts); without it every start compiles everything. */
  readonly compileCache?: CompileCache;
  /** Lowers TC39 decorators for Node (compile/tc39-decorators.ts); without it a file using them is refused. */
  readonly lowerDecorators?: DecoratorLowering;
  /** What Node makes of a project file: an ES module or a CommonJS module (module-kind.ts). */
  moduleKind(file: string): ModuleKind;
  /** `file://` URL of an absolute path. */
  fileUrl(path: string): string;
  /**
   * The live objects that have `prototype` in their prototype chain, prototypes aside (a heap walk, paid
   * only when asked: ARCHITECTURE.md fact 5). Null when the host cannot find them.
   */
  findInstances?(prototype: object): object[] | null;
  readonly paths: Paths;
  readonly timers: Timers;
  now(): number;
}
