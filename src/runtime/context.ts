// The shared state of one image that the phases of a change work on. One per image: several images can
// live in one process (tests do this), so nothing here is a module-level singleton.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { PositionMap } from '../compile/position-map.js';
import type { CompileOptions } from '../compile/transpile.js';
import type { ImageApi } from '../image/api.js';
import type { StoreApi } from '../store/api.js';
import type { StoreRegistry } from '../store/registry.js';
import type { StoreCore } from '../store/store-core.js';
import type { ClassRegistry } from './class-registry.js';
import type { Host } from './host.js';
import type { ModuleRecord } from './module-record.js';
import type { TimerTracker } from './owner.js';
import type { PathAliases } from './resolve.js';
import type { Restoring, ResumeInput, ResumeReport } from './resume.js';
import type { Transaction } from './transaction.js';

/** Where a piece of compiled code came from, for mapping stack frames. */
export interface CodeOrigin {
  readonly record: ModuleRecord;
  readonly source: string;
  readonly positions: PositionMap;
}

export interface ImageContext {
  readonly host: Host;
  readonly root: string;
  readonly entry: string;
  readonly modules: Map<string, ModuleRecord>;
  /** Modules the program starts from: the entry and any project file loaded by `import()`. */
  readonly roots: Set<string>;
  readonly tracker: TimerTracker;
  /** Compiled filename (`/abs/file.ts?vN`) -> origin. */
  readonly origins: Map<string, CodeOrigin>;
  /** Project settings for compiling modules (class-field semantics). */
  readonly compileOptions: CompileOptions;
  /** tsconfig `paths`, resolved like the type checker resolves them. */
  readonly aliases: PathAliases | null;
  /** Platform namespaces by `dir\0specifier`. */
  readonly platform: Map<string, object>;
  /**
   * The transaction being applied, for the services compiled code calls while it runs (defining a class,
   * a static, an enum). Set and cleared only by `withTransaction`.
   */
  transaction: Transaction | null;
  /**
   * Set while a change waits for a statement's top-level await: called when the program asks for a
   * project file by `import()`, which can only load after the change (it ends the wait at once).
   */
  awaitingImport: ((importer: ModuleRecord) => void) | null;
  /**
   * Set while a change evaluates its modules: runs a module of the change that has not run yet, now
   * (a CommonJS `require` of a file the change loads runs it when it is required, as in Node).
   */
  evaluateNow: ((record: ModuleRecord) => void) | null;
  /** Changes for `import()` of project files queued and not yet applied, by importing module. */
  importsQueued: Map<ModuleRecord, number>;
  /** An image file the first load resumes from (consumed by that load). */
  resume: ResumeInput | null;
  /** The resume in progress, while the first load evaluates (resume.ts). */
  restoring: Restoring | null;
  /** What the resume did, once the first load committed. */
  resumed: ResumeReport | null;
  /** The image's classes by stable prototype. */
  readonly classes: ClassRegistry;
  /** The image's handle stores and their tags. */
  readonly stores: StoreRegistry<StoreCore>;
  /** What the program's `imago/store` imports: the image's own store API. */
  readonly storeApi: StoreApi;
  /** What the program's `imago/image` imports: saveImage() and resumed() of this image. */
  readonly imageApi: ImageApi;
  /** Reports something the user must see that is not tied to a change (a throwing disposer, say). */
  warn(message: string, errors?: readonly Diagnostic[]): void;
  /** Creates per-module runtime helpers (timers, dynamic import) and `import.meta`. */
  moduleGlobals(record: ModuleRecord): { rt: object; meta: object };
}

/** A project-relative path for messages. */
export function relativePath(ctx: Pick<ImageContext, 'host' | 'root'>, path: string): string {
  const rel = ctx.host.paths.relative(ctx.root, path);
  return rel.startsWith('..') ? path : rel;
}

/** Runs `fn` with `tx` as the image's current transaction, and clears it however `fn` ends. */
export async function withTransaction<T>(ctx: ImageContext, tx: Transaction, fn: () => Promise<T>): Promise<T> {
  const outer = ctx.transaction;
  ctx.transaction = tx;
  try {
    return await fn();
  } finally {
    ctx.transaction = outer;
  }
}
