// What the migration engine did within one transaction, kept on the transaction until it settles: what
// the objects of each prototype hold by now, which instances and stores were migrated, and per class
// step what the reload line reports.

import type { ClassLayoutSource, ColumnSpec } from '../store/schema.js';
import type { StoreCore } from '../store/store-core.js';
import type { LayoutField } from './chain-layout.js';
import type { LayoutDiff } from './layout-diff.js';
import type { ClassStep } from './layout-plan.js';

/** One class step, as reported. */
export interface StepLog {
  readonly step: ClassStep;
  /** The class's own fields before and after. */
  readonly diff: LayoutDiff;
  instances: number;
  rows: number;
  stores: number;
  /** Values a standard conversion changed, by field name. */
  readonly converted: Map<string, number>;
  /**
   * Fields the class added that some instance or row already held (declared by another class of its
   * chain): their values stayed. With the class that declared the field they held.
   */
  readonly keptByName: Map<string, ClassLayoutSource>;
  /** Fields the class added that some instance or row got from an initializer, as undefined, or from the hook. */
  readonly initialized: Set<string>;
  /** Retyped or renamed fields of instances whose values imago cannot check (the type gate checks the code). */
  readonly unchecked: Set<string>;
  /** Fields whose value came from a field of another name (`@renamed`), by new name: the old name and its class. */
  readonly renamed: Map<string, { readonly from: string; readonly owner: ClassLayoutSource }>;
  /** Renamed fields whose type changed too: the old type text, by new name. */
  readonly retypedByRename: Map<string, string>;
  /** Fields of another class of the chain the objects got (a new parent's). */
  readonly gained: Set<string>;
  /** Fields of another class of the chain the objects lost (an old parent's). */
  readonly lost: Set<string>;
}

/**
 * Instances a transaction migrated that share a nearest prototype and hold the same fields: those of
 * their chain when they were first found (none dropped yet), then what each step added, in order.
 * Objects of the same prototype made during the transaction (by a class not yet redefined) hold other
 * fields: they form a group of their own when a later step finds them.
 */
export interface HeldGroup {
  readonly prototype: object | null;
  /** What they held when the transaction found them. */
  readonly before: readonly LayoutField[];
  held: LayoutField[];
  readonly objects: object[];
  /** Built when a later step must tell this group's objects from others of the same prototype. */
  members: Set<object> | null;
}

export class LayoutLog {
  /** What each step's pass over instances replaced (a hook's `old` is what instances held before the change). */
  readonly passes: Array<{ original(o: object, key: PropertyKey): { readonly value: unknown } | undefined }> = [];
  /** The groups of migrated instances, by nearest prototype (settled when the transaction closes). */
  readonly groups = new Map<object | null, HeldGroup[]>();
  /** Stores whose columns a step changed (their retired columns go when the transaction settles). */
  readonly stores = new Set<StoreCore>();
  /** Each store's columns before the transaction: what a hook is given as a row's `old`. */
  readonly storesBefore = new Map<StoreCore, readonly ColumnSpec[]>();
  readonly steps: StepLog[] = [];
  /** Heap walks that found instances. */
  discoveryMs = 0;
  /** Migrating instances and store columns, walks included. */
  ms = 0;
  /** The part of `ms` spent on store columns. */
  storesMs = 0;
}
