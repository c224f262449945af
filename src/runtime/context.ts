// The shared state of one image that the phases of a change work on. One per image: several images can
// live in one process (tests do this), so nothing here is a module-level singleton.

import type { CompiledModule } from '../compile/compiled-module.js';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { PositionMap } from '../compile/position-map.js';
import type { CompileOptions } from '../compile/transpile.js';
import type { Host } from './host.js';
import type { LayoutChange } from './migrate.js';
import type { ModuleRecord } from './module-record.js';
import type { TimerTracker } from './owner.js';
import type { PathAliases } from './resolve.js';

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
   * Undo steps recorded while a change is being committed (class layers, enum members), run in reverse
   * if it is rejected; null outside a commit.
   */
  journal: Array<() => void> | null;
  /** The versions being committed, by module (null outside a commit). */
  compiling: ReadonlyMap<ModuleRecord, CompiledModule> | null;
  /** Notes for the reload line gathered during a commit (changed enum values). */
  notes: string[];
  /** Classes redefined during a commit, whose instances may need migrating (null outside a commit). */
  layoutChanges: LayoutChange[] | null;
  /** Open while a commit runs (closed when it is applied or rejected): what store snapshots share tables with. */
  commitScope: { open: boolean } | null;
  /** The source text of each module's version being committed, for messages (null outside a commit). */
  sourceOf: ((record: ModuleRecord) => string) | null;
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
