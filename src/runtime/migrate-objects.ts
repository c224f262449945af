// The objects applier of the migration engine: runs a class's layout plans on live instances. It
// computes first (fields added, initializers run with the instance as `this`, renamed and retyped values
// converted, then the class's `migrateInstance` hook), remembering what it did: a throw, or any value
// that does not fit its new type, puts every instance back as it was and rejects the transaction. What
// it did stays undoable until the transaction closes. Dropping old fields and reordering come when the
// transaction settles (settleObjects), and cannot fail.

import type { ChainLayout } from './chain-layout.js';
import { messageOf } from './errors.js';
import { type OrderPlan, settle, targetOrder } from './layout-order.js';
import type { FieldPlan, LayoutPlan, MigrationEnv } from './layout-plan.js';
import { layoutRejection } from './layout-plan.js';
import { Misfits } from './misfit.js';
import { convert, fits } from './value-fit.js';

type Obj = Record<PropertyKey, unknown>;

/** What migrating a class's instances did, with the way back. */
export interface ObjectPass {
  readonly instances: number;
  /** Values a standard conversion changed, by field name. */
  readonly converted: ReadonlyMap<string, number>;
  /** Puts every instance back as it was before the pass. */
  undo(): void;
  /** The value `key` of `o` had before the pass replaced it (a conversion), if it did. */
  original(o: object, key: PropertyKey): { readonly value: unknown } | undefined;
}

/** What earlier passes of the transaction replaced: a hook's `old` holds values as they were before the change. */
export type Originals = (o: object, key: PropertyKey) => { readonly value: unknown } | undefined;

/** Instances that share one plan. */
export interface PlannedObjects {
  readonly objects: readonly object[];
  readonly plan: LayoutPlan;
  /** What they held before the transaction: the `old` a hook is given (fields an earlier step added are not old). */
  readonly before: ChainLayout;
}

/** Runs the plans of one class step on each group's objects; throws a ChangeRejection after putting them all back. */
export function migrateObjects(env: MigrationEnv, groups: readonly PlannedObjects[], originals: Originals = () => undefined): ObjectPass {
  const total = groups.reduce((n, g) => n + g.objects.length, 0);
  // Values a conversion replaced, and every own property of instances a hook or a `this` initializer saw.
  const restores = new Map<object, Array<readonly [PropertyKey, unknown]>>();
  const snapshots = new Map<object, Map<PropertyKey, unknown>>();
  const remember = (o: object, key: PropertyKey, value: unknown): void => {
    const list = restores.get(o);
    if (list) list.push([key, value]);
    else restores.set(o, [[key, value]]);
  };
  const converted = new Map<string, number>();
  // One count per field for the whole class step, whatever the prototypes of its instances.
  const misfits = new Misfits();
  let misfitPlan: LayoutPlan | null = null;
  const miss = (plan: LayoutPlan, target: FieldPlan, value: unknown, reason: string): void => {
    misfitPlan ??= plan;
    misfits.add(target, value, reason);
  };
  // Where the pass is: group `g`, object `i` of it, `count` objects before it in all; and how many of its
  // plan's defined keys the object being computed has so far.
  let g = 0;
  let i = 0;
  let count = 0;
  let partial = 0;
  let finished = false;
  const undo = (): void => {
    for (let gi = finished ? groups.length - 1 : g; gi >= 0; gi--) {
      const { objects, plan } = groups[gi]!;
      const keys = definedBy(plan);
      const last = !finished && gi === g ? i : objects.length - 1;
      for (let k = Math.min(last, objects.length - 1); k >= 0; k--) {
        const o = objects[k] as Obj;
        if (plan.changes.length > 0 || plan.step.hook) {
          for (let j = (!finished && gi === g && k === i ? partial : keys.length) - 1; j >= 0; j--) Reflect.deleteProperty(o, keys[j]!);
        }
        const restore = restores.get(o);
        if (restore) for (let j = restore.length - 1; j >= 0; j--) o[restore[j]![0]] = restore[j]![1];
        const snapshot = snapshots.get(o);
        if (!snapshot) continue;
        const own = Reflect.ownKeys(o);
        for (let j = own.length - 1; j >= 0; j--) if (!snapshot.has(own[j]!)) Reflect.deleteProperty(o, own[j]!);
        for (const [key, value] of snapshot) if (!Object.hasOwn(o, key) || !Object.is(o[key], value)) o[key] = value;
      }
    }
  };
  const nth = (): string => `instance ${(count + 1).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
  const threw = (e: unknown): string => `${e instanceof Error ? `${e.name}: ` : ''}${messageOf(e)}`;
  const assignable = assignability();
  try {
    for (g = 0; g < groups.length; g++) {
      const { objects, plan, before } = groups[g]!;
      const { step } = plan;
      const name = step.identity.name;
      const snapshotting = needsSnapshot(plan);
      for (i = 0; i < objects.length; i++, count++) {
        const o = objects[i] as Obj;
        partial = 0;
        if (plan.changes.length === 0 && !step.hook) continue;
        if (!Object.isExtensible(o)) {
          throw layoutRejection(
            env,
            step,
            null,
            null,
            `${nth()} of ${name} is frozen, sealed or not extensible, so its fields cannot change (no instance was changed); let it go first, or keep the old layout`,
          );
        }
        if (snapshotting && !snapshots.has(o)) snapshots.set(o, new Map(Reflect.ownKeys(o).map((k) => [k, o[k]])));
        let old: Obj | null = null;
        if (step.hook) {
          old = Object.create(null) as Obj;
          for (const f of before) {
            if (!Object.hasOwn(o, f.key) || (f.owner !== step.identity && f.name in old)) continue;
            old[f.name] = (originals(o, f.key) ?? { value: o[f.key] }).value;
          }
          Object.freeze(old);
        }
        for (const target of plan.changes) {
          const { field, source } = target;
          if (source.kind === 'retyped') {
            if (!target.checked || !Object.hasOwn(o, field.key)) continue;
            const value = o[field.key];
            if (fits(value, target.shape)) continue;
            const c = convert(value, target.shape);
            if (c) {
              remember(o, field.key, value);
              o[field.key] = c.value;
              converted.set(field.name, (converted.get(field.name) ?? 0) + 1);
            } else if (!step.hook) miss(plan, target, value, 'has no exact conversion');
            continue;
          }
          let value: unknown;
          if (source.kind === 'renamed') {
            value = o[source.from.key];
            if (target.checked && !fits(value, target.shape)) {
              const c = convert(value, target.shape);
              if (c) {
                value = c.value;
                converted.set(field.name, (converted.get(field.name) ?? 0) + 1);
              } else if (!step.hook) miss(plan, target, value, 'has no exact conversion');
            }
          } else if (source.kind === 'initializer') {
            try {
              value = source.init.call(o);
            } catch (e: unknown) {
              throw layoutRejection(
                env,
                step,
                field.owner,
                field.decl,
                `the initializer of ${field.owner.name}.${field.name} threw for ${nth()} (no instance was changed): ${threw(e)}`,
              );
            }
          }
          // An own property of that name the program set: undo deletes the added key, then puts this back.
          if (Object.hasOwn(o, field.key)) remember(o, field.key, o[field.key]);
          if (assignable(o, field.key)) o[field.key] = value;
          else Object.defineProperty(o, field.key, { value, writable: true, enumerable: true, configurable: true });
          partial++;
        }
        if (step.hook) {
          try {
            step.hook.call(step.identity.constructor, o, old!, step.identity.layoutVersion);
          } catch (e: unknown) {
            throw layoutRejection(env, step, null, null, `${name}.migrateInstance threw for ${nth()} (no instance was changed): ${threw(e)}`);
          }
          for (const t of plan.changes) if (t.checked && !fits(o[t.field.key], t.shape)) miss(plan, t, o[t.field.key], 'migrateInstance left there');
        }
      }
    }
    // Past the last object: a misfit found now puts back every object of every group.
    g = groups.length - 1;
    i = (groups[g]?.objects.length ?? 0) - 1;
    partial = groups[g] ? definedBy(groups[g]!.plan).length : 0;
    if (misfitPlan && misfits.size > 0) throw misfits.rejection(env, misfitPlan, { kind: 'instances', count: total });
  } catch (e: unknown) {
    undo();
    throw e;
  }
  finished = true;
  const original = (o: object, key: PropertyKey): { value: unknown } | undefined => {
    const entry = restores.get(o)?.find(([k]) => k === key);
    return entry ? { value: entry[1] } : undefined;
  };
  return { instances: total, converted, undo, original };
}

/** The keys an instance gets, in order: the plan's fields that are defined afresh (not kept or retyped). */
function definedBy(plan: LayoutPlan): PropertyKey[] {
  return plan.changes.filter((t) => t.source.kind !== 'retyped').map((t) => t.field.key);
}

/** A hook, or an initializer that mentions `this`, may write any field: every own property is kept to put back. */
function needsSnapshot(plan: LayoutPlan): boolean {
  return plan.step.hook !== null || plan.changes.some((t) => t.source.kind === 'initializer' && /\bthis\b/.test(t.field.decl.initializer ?? ''));
}

/** Whether plain assignment defines `key` on instances of a prototype (no setter or read-only property up the chain). */
function assignability(): (o: object, key: PropertyKey) => boolean {
  const cache = new Map<object | null, Map<PropertyKey, boolean>>();
  return (o, key) => {
    const proto = Object.getPrototypeOf(o) as object | null;
    const byKey = cache.get(proto) ?? new Map<PropertyKey, boolean>();
    cache.set(proto, byKey);
    let ok = byKey.get(key);
    if (ok === undefined) {
      ok = true;
      for (let p = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
        const d = Object.getOwnPropertyDescriptor(p, key);
        if (d) {
          ok = 'value' in d && d.writable === true;
          break;
        }
      }
      byKey.set(key, ok);
    }
    return ok;
  };
}

/**
 * Settles the instances a transaction migrated: fields their chain no longer declares go, and the rest
 * fall into the order a new instance has them (layout-order.ts). `held` is what they hold, `declared`
 * what their chain declares now. Cannot throw.
 */
export function settleObjects(objects: Iterable<object>, prototype: object | null, held: ChainLayout, declared: ChainLayout): void {
  const plan = orderPlan(prototype, held, declared);
  if (!plan.fastTail || (plan.removed.size === 0 && plan.fastTail.deleteKeys.length === 0)) return;
  for (const o of objects) settle(o as Obj, plan);
}

function orderPlan(prototype: object | null, held: ChainLayout, declared: ChainLayout): OrderPlan {
  const rank = new Map<PropertyKey, number>();
  for (const f of held) if (!rank.has(f.key)) rank.set(f.key, rank.size);
  const newOrder = declared.map((f) => f.key);
  const declaredKeys = new Set(newOrder);
  const removed = new Set(held.map((f) => f.key).filter((k) => !declaredKeys.has(k)));
  const proto = { o: Object.create(prototype) as object };
  const assignable = assignability();
  const canAssign = (key: PropertyKey): boolean => assignable(proto.o, key);
  const full = [...rank.keys()];
  const expected = [...full.filter((k) => typeof k === 'string'), ...full.filter((k) => typeof k === 'symbol')];
  const base: OrderPlan = { rank, newOrder, declared: declaredKeys, removed, assignable: canAssign, expected, fastTail: null };
  const target = targetOrder(full, base);
  let from = 0;
  while (from < full.length && full[from] === target[from]) from++;
  const addKeys = target.slice(from);
  return {
    ...base,
    fastTail: { from, deleteKeys: full.slice(from).reverse(), addKeys, plainAdds: addKeys.every((k) => declaredKeys.has(k) && canAssign(k)) },
  };
}
