// What the migration engine did within one transaction, kept on the transaction until it settles: what
// the objects of each prototype hold by now, which instances and stores were migrated, and per class
// step what the reload line reports.

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
  /** Fields the class added that some instance or row already held (declared by another class of its chain): their values stayed. */
  readonly keptByName: Set<string>;
  /** Fields the class added that some instance or row got from an initializer, as undefined, or from the hook. */
  readonly initialized: Set<string>;
  /** Retyped or renamed fields of instances whose values imago cannot check (the type gate checks the code). */
  readonly unchecked: Set<string>;
}

export class LayoutLog {
  /**
   * What the objects with each nearest prototype hold by now: the fields of their chain before the
   * transaction (none dropped yet) and the fields its steps added, in the order they got them.
   */
  readonly held = new Map<object | null, LayoutField[]>();
  /** Instances migrated, by nearest prototype, one list per step (settled when the transaction closes). */
  readonly objects = new Map<object | null, object[][]>();
  /** Stores whose columns a step changed (their retired columns go when the transaction settles). */
  readonly stores = new Set<StoreCore>();
  readonly steps: StepLog[] = [];
  /** Heap walks that found instances. */
  discoveryMs = 0;
  /** Migrating instances and store columns, walks included. */
  ms = 0;
  /** The part of `ms` spent on store columns. */
  storesMs = 0;
}
