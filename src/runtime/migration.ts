// The migration engine: one planner (layout-plan.ts), two appliers (migrate-objects.ts for instances,
// migrate-columns.ts for handle stores), run together as each class's new version is defined, so the
// statements after it in the change see migrated instances and stores alike. Every step is undoable
// through the transaction; when the transaction settles, fields no longer declared leave instances and
// stores, and the rest fall into the new order (cannot fail). A commit drives it through defineClass;
// loading a saved image or a structural edit can drive it with steps and objects of their own.

import type { FieldDecl } from '../compile/compiled-module.js';
import { type ColumnSpec, columnsOf } from '../store/schema.js';
import type { StoreCore } from '../store/store-core.js';
import { type ChainLayout, declaredLayout, fieldKey, type LayoutField } from './chain-layout.js';
import type { ClassIdentity } from './class-identity.js';
import type { LayoutReport } from './events.js';
import { diffLayout, isEmptyDiff } from './layout-diff.js';
import type { StepLog } from './layout-log.js';
import { type ClassStep, type LayoutPlan, layoutRejection, type MigrationEnv, planLayout } from './layout-plan.js';
import { migrateColumns } from './migrate-columns.js';
import { migrateObjects, settleObjects } from './migrate-objects.js';
import { plural } from './words.js';

/** What a class step may touch, found before the class's new version is installed. */
export interface Affected {
  /** Live instances of the class and its subclasses (row views aside); null when the host cannot find them. */
  readonly objects: readonly object[] | null;
  /** Live stores of the class and its subclasses. */
  readonly stores: readonly StoreCore[];
}

/** What settling a transaction's migrations did, for the reload line and the event. */
export interface MigrationResult {
  readonly reports: LayoutReport[];
  readonly instances: number;
  readonly discoveryMs: number;
  readonly ms: number;
  readonly rows: number;
  readonly storesMs: number;
}

/** True when the class's layout changes: its own fields, or the class it extends (which brings other fields). */
export function layoutChanges(old: readonly FieldDecl[], next: readonly FieldDecl[], parentChanged: boolean): boolean {
  const d = diffLayout('', old, next);
  return !d.ok || !isEmptyDiff(d.diff) || parentChanged;
}

/**
 * Finds the instances (when `walk`: a heap walk, paid only for a layout change) and stores a step of
 * `identity` touches, and notes what the objects of each of their prototypes hold. Call it before the
 * class's new version is installed: objects the new version makes afterwards are never migrated.
 */
export function findAffected(env: MigrationEnv, identity: ClassIdentity, walk: boolean): Affected {
  const { ctx, tx } = env;
  const started = ctx.host.now();
  let objects: object[] | null = [];
  // A class never constructed (one that only lays out stores, say) has no instances to walk the heap for.
  if (walk && identity.constructed()) {
    const found = ctx.host.findInstances ? ctx.host.findInstances(identity.prototype) : null;
    objects = found === null ? null : found.filter((o) => !ctx.stores.isRowView(o) && !ctx.classes.isInternal(o));
  }
  const stores = ctx.stores.storesOf(identity.prototype);
  const log = tx.layouts;
  const note = (proto: object | null): void => {
    if (!log.held.has(proto)) log.held.set(proto, declaredLayout(ctx.classes, proto));
  };
  for (const o of objects ?? []) note(Object.getPrototypeOf(o) as object | null);
  const ms = ctx.host.now() - started;
  log.discoveryMs += ms;
  log.ms += ms;
  return { objects, stores };
}

/**
 * Migrates what `affected` holds to the layout of `step` (whose new version is installed now): plans per
 * prototype, instances and store columns together. Undoable through the transaction; throws a
 * ChangeRejection (phase migrate) having changed nothing.
 */
export function migrateStep(env: MigrationEnv, step: ClassStep, parentChanged: boolean, affected: Affected): void {
  const { ctx, tx } = env;
  const started = ctx.host.now();
  const log = tx.layouts;
  const own = diffLayout(step.identity.name, step.old, step.info.fields);
  if (!own.ok) throw layoutRejection(env, step, step.identity, own.field, own.message);
  const changed = !isEmptyDiff(own.diff) || parentChanged;
  if (changed && affected.objects === null) {
    throw layoutRejection(
      env,
      step,
      null,
      null,
      `the layout of ${step.identity.name} changed, but this host cannot find its live instances; restart the program to apply this change`,
    );
  }
  const entry: StepLog = {
    step,
    diff: own.diff,
    instances: 0,
    rows: 0,
    stores: 0,
    converted: new Map(),
    keptByName: new Set(),
    initialized: new Set(),
    unchecked: new Set(),
  };
  // The fields the class added, by the key they live under (a subclass may still declare the same key).
  const ownAdded = new Set(own.diff.added.filter((a) => !a.from).map((a) => fieldKey(step.record, step.identity.name, a.field.name)));
  const account = (plan: LayoutPlan, objects: boolean): void => {
    for (const t of plan.fields) {
      // Store columns are checked by element type; only instances can hold values imago could not check.
      if (objects && (t.source.kind === 'retyped' || t.source.kind === 'renamed') && !t.checked && t.field.decl.typeText !== '')
        entry.unchecked.add(t.field.name);
      if (!ownAdded.has(t.field.key)) continue;
      if (t.source.kind === 'kept' || t.source.kind === 'retyped') entry.keptByName.add(t.field.name);
      else entry.initialized.add(t.field.name);
    }
  };
  const count = (converted: ReadonlyMap<string, number>): void => {
    for (const [f, n] of converted) entry.converted.set(f, (entry.converted.get(f) ?? 0) + n);
  };
  // A store is re-laid out at every new version of its class, so new rows get edited initializers.
  const storesStarted = ctx.host.now();
  for (const store of affected.stores) migrateStore(env, step, store, changed, entry, account, count);
  log.storesMs += ctx.host.now() - storesStarted;

  const objects = affected.objects ?? [];
  if (changed && objects.length > 0) {
    // Instances grouped by nearest prototype (one plan each); the last one looked up is kept at hand,
    // since instances of one class come in runs.
    const byProto = new Map<object | null, object[]>();
    let lastProto: object | null | undefined;
    let lastList: object[] = [];
    for (const o of objects) {
      const proto = Object.getPrototypeOf(o) as object | null;
      if (proto !== lastProto) {
        lastProto = proto;
        lastList = byProto.get(proto) ?? [];
        byProto.set(proto, lastList);
      }
      lastList.push(o);
    }
    const plans = new Map<object | null, LayoutPlan>();
    for (const proto of byProto.keys()) {
      const declared = declaredLayout(ctx.classes, proto);
      const plan = planLayout(env, step, log.held.get(proto) ?? declared, declared, 'live instances');
      plans.set(proto, plan);
      account(plan, true);
    }
    let planProto: object | null | undefined;
    let planAtHand: LayoutPlan | undefined;
    const planOf = (o: object): LayoutPlan => {
      const proto = Object.getPrototypeOf(o) as object | null;
      if (proto !== planProto) {
        planProto = proto;
        planAtHand = plans.get(proto)!;
      }
      return planAtHand!;
    };
    const pass = migrateObjects(env, objects, planOf);
    tx.onUndo(pass.undo);
    entry.instances += pass.instances;
    count(pass.converted);
    // What the objects of each prototype hold now: their fields so far, with the added ones after them.
    for (const [proto, list] of byProto) {
      const plan = plans.get(proto)!;
      log.held.set(
        proto,
        heldAfter(
          plan.held,
          plan.fields.map((t) => t.field),
        ),
      );
      const lists = log.objects.get(proto);
      if (lists) lists.push(list);
      else log.objects.set(proto, [list]);
    }
  }
  if (changed) {
    step.identity.layoutVersion++;
    tx.onUndo(() => {
      step.identity.layoutVersion--;
    });
    log.steps.push(entry);
  }
  log.ms += ctx.host.now() - started;
}

/** The fields held after a step: those held before (with their new declaration where it changed), then the new ones. */
function heldAfter(held: ChainLayout, declared: ChainLayout): LayoutField[] {
  const now = new Map(declared.map((f) => [f.key, f]));
  const out = held.map((f) => now.get(f.key) ?? f);
  const had = new Set(held.map((f) => f.key));
  for (const f of declared) if (!had.has(f.key)) out.push(f);
  return out;
}

const asField = (spec: ColumnSpec): LayoutField => ({ key: spec.name, name: spec.name, decl: spec.decl, owner: spec.owner, initializer: spec.initializer });

function migrateStore(
  env: MigrationEnv,
  step: ClassStep,
  store: StoreCore,
  changed: boolean,
  entry: StepLog,
  account: (plan: LayoutPlan, objects: boolean) => void,
  count: (converted: ReadonlyMap<string, number>) => void,
): void {
  const { ctx, tx } = env;
  const declared = columnsOf(store.prototype, ctx.stores.layoutOf);
  const population = `the ${plural(store.size, 'row')} of ${store.name}`;
  // A class whose layout did not change runs no hook: its store only takes the new defaults.
  const plan = planLayout(env, changed ? step : { ...step, hook: null }, store.specs.map(asField), declared.map(asField), population);
  const pass = migrateColumns(env, store, plan, declared);
  const saved = store.snapshot(tx);
  tx.onUndo(() => store.restoreSnapshot(saved));
  store.install(pass.specs, pass.columns);
  if (pass.specs.some((s) => s.retired)) tx.layouts.stores.add(store);
  if (!changed) return;
  account(plan, false);
  entry.rows += store.size;
  entry.stores++;
  count(pass.converted);
}

/**
 * Ends the transaction's migrations (cannot throw): fields no longer declared leave the migrated
 * instances and stores, and the rest take the order of a new instance. Returns the reports, or null
 * when no layout changed.
 */
export function settleLayouts(env: MigrationEnv): MigrationResult | null {
  const { ctx, tx } = env;
  const log = tx.layouts;
  const started = ctx.host.now();
  for (const [proto, lists] of log.objects) {
    const objects = lists.length === 1 ? lists[0]! : new Set(lists.flat());
    settleObjects(objects, proto, log.held.get(proto) ?? [], declaredLayout(ctx.classes, proto));
  }
  for (const store of log.stores) {
    const final = columnsOf(store.prototype, ctx.stores.layoutOf);
    const at = new Map(store.specs.map((s, j) => [s.name, j]));
    store.install(
      final,
      final.map((s) => store.columns[at.get(s.name)!]!),
    );
  }
  log.ms += ctx.host.now() - started;
  if (log.steps.length === 0) return null;
  const reports = log.steps.map((s) => report(s));
  markMoves(reports, log.steps);
  const instances = new Set<object>();
  let counted = 0;
  for (const lists of log.objects.values()) {
    if (lists.length === 1) counted += lists[0]!.length;
    else for (const o of lists.flat()) instances.add(o);
  }
  return {
    reports,
    instances: counted + instances.size,
    discoveryMs: log.discoveryMs,
    ms: log.ms,
    rows: log.steps.reduce((n, s) => n + s.rows, 0),
    storesMs: log.storesMs,
  };
}

function report(s: StepLog): LayoutReport {
  const { step, diff } = s;
  const retyped = diff.retyped.map((r) => ({ field: r.field.name, from: r.was.typeText || '(inferred)', to: r.field.typeText || '(inferred)' }));
  return {
    class: step.identity.name,
    file: step.record.rel,
    instances: s.instances,
    rows: s.rows,
    stores: s.stores,
    // A field whose values every instance and row already held (another class of the chain declared it) was not added to them.
    added: diff.added.filter((a) => !a.from && (s.initialized.has(a.field.name) || !s.keptByName.has(a.field.name))).map((a) => a.field.name),
    removed: diff.removed.map((f) => f.name),
    renamed: diff.added.flatMap((a) => (a.from ? [{ from: a.from.name, to: a.field.name }] : [])),
    retyped: retyped.map((r) => ({ ...r, converted: s.converted.get(r.field) ?? 0 })),
    moved: [],
    unchecked: [...s.unchecked],
    unmarkedRenames: diff.unmarked.map((u) => ({ ...u })),
    hook: step.hook !== null,
  };
}

/** A field one class of a change stops declaring and another starts declaring, values kept: a move. */
function markMoves(reports: LayoutReport[], steps: readonly StepLog[]): void {
  steps.forEach((to, i) => {
    for (const field of to.keptByName) {
      const j = reports.findIndex((r, k) => k !== i && r.removed.includes(field));
      if (j < 0) continue;
      const from = reports[j]!;
      const into = reports[i]!;
      const move = { field, from: from.class, to: into.class };
      reports[j] = { ...from, removed: from.removed.filter((f) => f !== field), moved: [...from.moved, move] };
      // Instances that held it from nowhere got it from its initializer: for them it was added.
      reports[i] = { ...into, added: to.initialized.has(field) ? into.added : into.added.filter((f) => f !== field), moved: [...into.moved, move] };
    }
  });
}
