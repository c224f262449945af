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
import type { HeldGroup, StepLog } from './layout-log.js';
import { type ClassStep, type LayoutPlan, layoutRejection, type MigrationEnv, planLayout } from './layout-plan.js';
import { layoutReports } from './layout-report.js';
import { migrateColumns } from './migrate-columns.js';
import { migrateObjects, settleObjects } from './migrate-objects.js';
import { plural } from './words.js';

/** Live instances that share a nearest prototype and hold the same fields. */
export interface AffectedGroup {
  readonly prototype: object | null;
  /** What they hold now. */
  readonly held: ChainLayout;
  /** What they held before the transaction. */
  readonly before: ChainLayout;
  readonly objects: object[];
  /** The group of this transaction they belong to, when an earlier step migrated them. */
  readonly from: HeldGroup | null;
}

/** What a class step may touch, found before the class's new version is installed. */
export interface Affected {
  /** Live instances of the class and its subclasses (row views aside), grouped; null when the host cannot find them. */
  readonly groups: readonly AffectedGroup[] | null;
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
  let groups: AffectedGroup[] | null = [];
  // A class never constructed (one that only lays out stores, say) has no instances to walk the heap for.
  // Restored from an image file as this load resumes: the decoder knows them all (resume.ts).
  const restored = walk ? (ctx.restoring?.instancesOf(identity.prototype) ?? null) : null;
  if (walk && (restored || identity.constructed())) {
    const found = restored ?? (ctx.host.findInstances ? ctx.host.findInstances(identity.prototype) : null);
    groups = found === null ? null : groupObjects(ctx, tx.layouts.groups, found, restored !== null);
  }
  const stores = ctx.stores.storesOf(identity.prototype);
  const ms = ctx.host.now() - started;
  tx.layouts.discoveryMs += ms;
  tx.layouts.ms += ms;
  return { groups, stores };
}

/**
 * Groups found objects by nearest prototype and by what they hold: objects an earlier step of the
 * transaction migrated hold what their group says; others hold what their chain declares now.
 */
function groupObjects(
  ctx: MigrationEnv['ctx'],
  log: ReadonlyMap<object | null, HeldGroup[]>,
  found: readonly object[],
  /** Decoded from an image: no row view or object of imago's own among them. */
  decoded = false,
): AffectedGroup[] {
  const byProto = new Map<object | null, object[]>();
  // Instances of one class come in runs: the last list looked up is kept at hand.
  let lastProto: object | null | undefined;
  let lastList: object[] = [];
  for (const o of found) {
    if (!decoded && (ctx.stores.isRowView(o) || ctx.classes.isInternal(o))) continue;
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto !== lastProto) {
      lastProto = proto;
      lastList = byProto.get(proto) ?? [];
      byProto.set(proto, lastList);
    }
    lastList.push(o);
  }
  const out: AffectedGroup[] = [];
  for (const [prototype, objects] of byProto) {
    const earlier = log.get(prototype);
    if (!earlier) {
      const held = declaredLayout(ctx.classes, prototype);
      out.push({ prototype, held, before: held, objects, from: null });
      continue;
    }
    const rest: object[] = [];
    const members = new Map<HeldGroup, object[]>();
    for (const group of earlier) group.members ??= new Set(group.objects);
    for (const o of objects) {
      const group = earlier.find((g) => g.members!.has(o));
      if (!group) rest.push(o);
      else {
        const list = members.get(group);
        if (list) list.push(o);
        else members.set(group, [o]);
      }
    }
    for (const [group, list] of members) out.push({ prototype, held: group.held, before: group.before, objects: list, from: group });
    if (rest.length > 0) {
      const held = declaredLayout(ctx.classes, prototype);
      out.push({ prototype, held, before: held, objects: rest, from: null });
    }
  }
  return out;
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
  if (changed && affected.groups === null) {
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
    keptByName: new Map(),
    initialized: new Set(),
    unchecked: new Set(),
    renamed: new Map(),
    retypedByRename: new Map(),
    gained: new Set(),
    lost: new Set(),
  };
  // The fields the class added, by the key they live under (a subclass may still declare the same key).
  const ownAdded = new Set(own.diff.added.filter((a) => !a.from).map((a) => fieldKey(step.record, step.identity.name, a.field.name)));
  const account = (plan: LayoutPlan, objects: boolean): void => {
    for (const t of plan.fields) {
      // Store columns are checked by element type; only instances can hold values imago could not check.
      if (objects && (t.source.kind === 'retyped' || t.source.kind === 'renamed') && !t.checked && t.field.decl.typeText !== '')
        entry.unchecked.add(t.field.name);
      if (t.source.kind === 'renamed') {
        entry.renamed.set(t.field.name, { from: t.source.from.name, owner: t.source.from.owner });
        if (t.source.from.decl.typeText !== t.field.decl.typeText) entry.retypedByRename.set(t.field.name, t.source.from.decl.typeText);
      }
      if (!ownAdded.has(t.field.key)) {
        // A field of another class of the chain (a new parent's) that the objects did not hold.
        if (t.field.owner !== step.identity && t.source.kind !== 'kept' && t.source.kind !== 'retyped' && t.source.kind !== 'renamed')
          entry.gained.add(t.field.name);
        continue;
      }
      if (t.source.kind === 'kept' || t.source.kind === 'retyped') entry.keptByName.set(t.field.name, t.source.from.owner);
      else if (t.source.kind !== 'renamed') entry.initialized.add(t.field.name);
    }
    // Fields of another class of the chain the objects no longer get though it still declares them (an old parent's).
    for (const f of plan.dropped) if (f.owner !== step.identity && f.owner.fields.some((d) => d.name === f.name)) entry.lost.add(f.name);
  };
  const count = (converted: ReadonlyMap<string, number>): void => {
    for (const [f, n] of converted) entry.converted.set(f, (entry.converted.get(f) ?? 0) + n);
  };
  // A store is re-laid out at every new version of its class, so new rows get edited initializers.
  const storesStarted = ctx.host.now();
  for (const store of affected.stores) if (!leavesLater(env, step, store.prototype)) migrateStore(env, step, store, changed, entry, account, count);
  log.storesMs += ctx.host.now() - storesStarted;

  const groups = (affected.groups ?? []).filter((group) => {
    if (!leavesLater(env, step, group.prototype)) return true;
    // Left to the step that re-parents them, which must know what they hold.
    if (!group.from) remember(log, tx, { prototype: group.prototype, before: group.before, held: [...group.held], objects: group.objects, members: null });
    return false;
  });
  if (changed && groups.length > 0) {
    const planned = groups.map((group) => {
      const plan = planLayout(env, step, group.held, declaredLayout(ctx.classes, group.prototype), () => 'live instances');
      account(plan, true);
      return { group, plan };
    });
    const pass = migrateObjects(
      env,
      planned.map(({ group, plan }) => ({ objects: group.objects, plan, before: group.before })),
      (o, key) => {
        for (const earlier of log.passes) {
          const found = earlier.original(o, key);
          if (found) return found;
        }
        return undefined;
      },
    );
    tx.onUndo(pass.undo);
    log.passes.push(pass);
    tx.onUndo(() => {
      log.passes.pop();
    });
    entry.instances += pass.instances;
    count(pass.converted);
    // What each group holds now: its fields so far, with the added ones after them.
    for (const { group, plan } of planned) {
      const held = heldAfter(
        plan.held,
        plan.fields.map((t) => t.field),
      );
      const from = group.from;
      if (from) {
        const before = from.held;
        from.held = held;
        tx.onUndo(() => {
          from.held = before;
        });
        continue;
      }
      remember(log, tx, { prototype: group.prototype, before: group.before, held, objects: group.objects, members: null });
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

/** Notes a group of instances in the transaction's log: later steps and the settling know what they hold. */
function remember(log: MigrationEnv['tx']['layouts'], tx: MigrationEnv['tx'], made: HeldGroup): void {
  const list = log.groups.get(made.prototype) ?? [];
  log.groups.set(made.prototype, list);
  list.push(made);
  tx.onUndo(() => {
    list.splice(list.indexOf(made), 1);
  });
}

/**
 * True when a class between `prototype` and the stepping class gets a new version later in this change
 * with another `extends`: it is re-parented, and its own step migrates these objects from what they
 * hold to its new chain. The stepping class must not hold them to its new layout first: a field it
 * retyped or added without an initializer rejected the change for instances and rows that were leaving
 * it (found by the layout fuzzer).
 */
function leavesLater(env: MigrationEnv, step: ClassStep, prototype: object | null): boolean {
  for (let p = prototype; p !== null && p !== step.identity.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const entry = env.ctx.classes.get(p);
    if (!entry || entry.identity.heritage === undefined) continue;
    const next = env.tx.compiledOf(entry.record)?.classes.get(entry.identity.name);
    if (next && next.heritage !== entry.identity.heritage) return true;
  }
  return false;
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
  // Numbers in words cost ICU's first formatting (~15 ms): only for a message.
  const population = (): string => `the ${plural(store.size, 'row')} of ${store.name}`;
  // A class whose layout did not change runs no hook: its store only takes the new defaults.
  const plan = planLayout(env, changed ? step : { ...step, hook: null }, store.specs.map(asField), declared.map(asField), population);
  if (!tx.layouts.storesBefore.has(store)) tx.layouts.storesBefore.set(store, store.specs);
  const pass = migrateColumns(env, store, plan, declared, tx.layouts.storesBefore.get(store)!);
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
  for (const [proto, groups] of log.groups) {
    const declared = declaredLayout(ctx.classes, proto);
    for (const group of groups) settleObjects(group.objects, proto, group.held, declared);
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
  const reports = layoutReports(log.steps);
  let instances = 0;
  for (const groups of log.groups.values()) for (const group of groups) instances += group.objects.length;
  return {
    reports,
    instances,
    discoveryMs: log.discoveryMs,
    ms: log.ms,
    rows: log.steps.reduce((n, s) => n + s.rows, 0),
    storesMs: log.storesMs,
  };
}
