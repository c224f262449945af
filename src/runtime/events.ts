// The wire types of what an image reports: one tagged union, written to `--events` as JSON lines.

import type { Diagnostic } from '../compile/diagnostic.js';

/** Where a rejected change failed. */
export type Phase = 'read' | 'parse' | 'resolve' | 'link' | 'typecheck' | 'instantiate' | 'evaluate';

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
}

export type ImageEvent =
  | { readonly kind: 'ready'; readonly ms: number; readonly files: readonly string[] }
  | { readonly kind: 'load'; readonly ok: false; readonly phase: Phase; readonly files: readonly string[]; readonly errors: readonly Diagnostic[] }
  | {
    readonly kind: 'reload'; readonly ok: true; readonly files: readonly string[]; readonly ms: number;
    /** Time from the change being read to its commit (parse, resolve, evaluate, install). */
    readonly applyMs: number; readonly summary: ChangeSummary;
  }
  | { readonly kind: 'reload'; readonly ok: false; readonly phase: Phase; readonly files: readonly string[]; readonly ms: number; readonly errors: readonly Diagnostic[] }
  | { readonly kind: 'error'; readonly source: 'uncaught' | 'tick' | 'start' | 'stop' | 'hot'; readonly message: string; readonly errors: readonly Diagnostic[] };

/** Exhaustiveness guard for switches over tagged unions. */
export function assertNever(value: never): never {
  throw new Error(`imago: unexpected ${JSON.stringify(value)}`);
}
