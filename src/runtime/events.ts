// The wire types of what an image reports: one tagged union, written to `--events` as JSON lines.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { ResumeReport } from './resume.js';

/** Where a rejected change failed. */
export type Phase = 'read' | 'parse' | 'resolve' | 'link' | 'typecheck' | 'instantiate' | 'evaluate' | 'migrate' | 'resume' | 'coordinate';

/** What the type check of a change found. */
export interface TypecheckReport {
  readonly ms: number;
  readonly files: number;
  readonly errors: readonly Diagnostic[];
  /** The check began as the file was saved, before the change was applied (while edits settled). */
  readonly early?: boolean;
}

/** What a change did, counted. */
export interface ChangeSummary {
  readonly functions: { readonly changed: number; readonly added: number; readonly removed: number };
  readonly bindings: { readonly added: number; readonly reevaluated: number; readonly removed: number };
  readonly effects: { readonly run: number; readonly removed: number };
  /** Classes redefined with a changed body (changed), defined for the first time (added), gone (removed). */
  readonly classes: { readonly changed: number; readonly added: number; readonly removed: number };
  /** Enum members whose value changed, was added or removed, e.g. `Color.Red 0→1`. */
  readonly enums: readonly string[];
  readonly modules: { readonly added: number; readonly removed: number };
  /** Modules whose file was renamed or moved: the same module (state, functions, classes) at a new path. */
  readonly moved?: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Classes whose live instances were migrated to a new data layout. */
  readonly layouts: readonly LayoutReport[];
  /** What the counts above count, as `file:name` (the first NAMES_KEPT of each). */
  readonly names?: ChangeNames;
  /**
   * When a layout changed: instances found and migrated and the time it took; store rows migrated and the
   * time their columns took (each part of `applyMs`).
   */
  readonly migration?: { readonly instances: number; readonly discoveryMs: number; readonly ms: number; readonly rows: number; readonly storesMs: number };
  /**
   * Closures made by older code whose site's body changed: `followed` counts the sites whose closures now
   * run the new body; `kept` lists those whose closures keep the body they had, and why.
   */
  readonly closures?: { readonly followed: number; readonly kept: readonly ClosureReport[] };
}

/** The names of what a change swapped, added and removed (`rules.ts:move`). */
export interface ChangeNames {
  readonly functions: { readonly changed: readonly string[]; readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly bindings: { readonly reevaluated: readonly string[]; readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly classes: { readonly changed: readonly string[]; readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly modules: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

/** How many names of each kind a summary keeps. */
export const NAMES_KEPT = 50;

/** Adds `name` to `list` while it holds fewer than NAMES_KEPT. */
export function keepName(list: string[], name: string): void {
  if (list.length < NAMES_KEPT) list.push(name);
}

/** A place whose closures, made before a change, keep their body. */
export interface ClosureReport {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `the function passed to setInterval`, `handler`. */
  readonly closure: string;
  /** What made them: `start()`, `class Player`, `a top-level statement`. */
  readonly madeBy: string;
  readonly reason: string;
}

/** What a change did to the live instances of one class. */
export interface LayoutReport {
  readonly class: string;
  readonly file: string;
  /** Instances migrated, subclass instances included. */
  readonly instances: number;
  /** Rows migrated in handle stores of the class or a subclass, and how many stores held them. */
  readonly rows: number;
  readonly stores: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly renamed: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Fields this change moved between this class and another of its chain: values kept. */
  readonly moved: ReadonlyArray<{ readonly field: string; readonly from: string; readonly to: string }>;
  /** Fields whose type changed; `converted` counts values a standard conversion changed. */
  readonly retyped: ReadonlyArray<{ readonly field: string; readonly from: string; readonly to: string; readonly converted: number }>;
  /** Retyped or added fields whose type imago cannot check values against (the type gate checks the code). */
  readonly unchecked: readonly string[];
  /** A field removed and one of the same type added without a `@renamed` marker: values were not kept. */
  readonly unmarkedRenames: ReadonlyArray<{ readonly removed: string; readonly added: string }>;
  /** The class's `migrateInstance` hook ran for each instance. */
  readonly hook: boolean;
}

export type ImageEvent =
  /** `cached`: modules the first load took from the host's compile cache instead of compiling them. */
  /** `workers`: under `imago run --cluster`, the worker processes that loaded the program. */
  | { readonly kind: 'ready'; readonly ms: number; readonly files: readonly string[]; readonly cached?: number; readonly workers?: number }
  | { readonly kind: 'load'; readonly ok: false; readonly phase: Phase; readonly files: readonly string[]; readonly errors: readonly Diagnostic[] }
  | {
      readonly kind: 'reload';
      readonly ok: true;
      readonly files: readonly string[];
      readonly ms: number;
      /** imago's own work on the change: prepare (read, parse, resolve, link) plus commit, type check aside. */
      readonly applyMs: number;
      /** applyMs in its two parts: preparing the change (read, parse, resolve, link) and committing it at the safe point. */
      readonly timings?: { readonly prepareMs: number; readonly commitMs: number };
      readonly summary: ChangeSummary;
      /** The type check of the change, when one ran; `errors` are reported, not gated, under --typecheck=warn. */
      readonly typecheck?: TypecheckReport;
      /**
       * `import`: the program loaded the files with `import()`; no edit. `restored`: after a rejected
       * change, the files are back to the text that runs (nothing to swap; the rejection is cleared).
       */
      readonly cause?: 'import' | 'restored';
      /** How many other programs took the change with this one (worker threads, a cluster's worker processes: cohort.ts). */
      readonly members?: number;
    }
  | {
      readonly kind: 'reload';
      readonly ok: false;
      readonly phase: Phase;
      readonly files: readonly string[];
      readonly ms: number;
      readonly errors: readonly Diagnostic[];
    }
  | {
      readonly kind: 'error';
      readonly source: 'uncaught' | 'tick' | 'start' | 'stop' | 'hot';
      readonly message: string;
      readonly errors: readonly Diagnostic[];
    }
  /** The image file: a save written (or failed), or the state a first load resumed (docs/images.md). */
  | {
      readonly kind: 'image';
      readonly action: 'saved';
      readonly file: string;
      readonly bytes: number;
      readonly ms: number;
      readonly pausedMs: number;
      readonly bindings: number;
      readonly objects: number;
      readonly skipped: readonly string[];
    }
  | { readonly kind: 'image'; readonly action: 'save-failed'; readonly file: string; readonly message: string }
  | ({ readonly kind: 'image'; readonly action: 'resumed' } & ResumeReport)
  /** Something the user must see that belongs to no change (a throwing dispose callback, say). */
  | { readonly kind: 'warning'; readonly message: string; readonly errors: readonly Diagnostic[] }
  /** The background check of the whole program: errors outside what a change's gate checked. */
  | { readonly kind: 'typecheck'; readonly ok: boolean; readonly ms: number; readonly files: number; readonly errors: readonly Diagnostic[] };

/** A summary of a change that swapped nothing (a types-only edit). */
export const EMPTY_SUMMARY: ChangeSummary = {
  functions: { changed: 0, added: 0, removed: 0 },
  bindings: { added: 0, reevaluated: 0, removed: 0 },
  effects: { run: 0, removed: 0 },
  modules: { added: 0, removed: 0 },
  classes: { changed: 0, added: 0, removed: 0 },
  enums: [],
  layouts: [],
};

/** Exhaustiveness guard for switches over tagged unions. */
export function assertNever(value: never): never {
  throw new Error(`imago: unexpected ${JSON.stringify(value)}`);
}

/**
 * Sends `event` to every listener. A listener's bug must not break the change that published: it
 * surfaces as an uncaught error instead.
 */
export function deliver(listeners: Iterable<(event: ImageEvent) => void>, event: ImageEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (e: unknown) {
      queueMicrotask(() => {
        throw e;
      });
    }
  }
}
