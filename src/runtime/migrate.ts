// Live data layout: when a change adds, removes, renames or retypes the fields of a class, every live
// instance (subclass instances too) is migrated in two phases at the end of the commit.
//
// 1. Compute (may throw, undone if anything fails): new fields are appended, initializers run with the
//    instance as `this`, renamed and retyped values converted, then the class's `migrateInstance` hook.
//    Any throw, or any value that does not fit its new type, puts every instance back as it was.
// 2. Settle (cannot throw): removed fields go and the fields fall into the order a new instance has.
//    `delete` of a middle property drops an object into dictionary mode (ARCHITECTURE.md fact 6, 27x
//    slower); deleting only the *last* property takes V8's fast path back to the parent hidden class,
//    so the tail after the first difference is deleted from the end and added again in the new order.

import type { ClassInfo, FieldDecl } from '../compile/compiled-module.js';
import { type Diagnostic, diagnosticAt } from '../compile/diagnostic.js';
import { acceptsUndefined } from '../compile/type-shape.js';
import { isRowView } from '../store/row-view.js';
import type { ClassIdentity } from './class-identity.js';
import { classesByPrototype, hookOf, lookupIn, type MigrationHook } from './class-lookup.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, messageOf } from './errors.js';
import type { LayoutReport } from './events.js';
import { diffLayout, isEmptyDiff, type LayoutDiff } from './layout-diff.js';
import { type OrderPlan, settle, targetOrder } from './layout-order.js';
import { type ModuleRecord, privateKey } from './module-record.js';
import { checkable, convert, describeValue, fits, resolveShape, type ValueShape } from './value-fit.js';

/** A class whose layout a commit redefined, recorded by `defineClass`. */
export interface LayoutChange {
  readonly record: ModuleRecord;
  readonly identity: ClassIdentity;
  readonly old: readonly FieldDecl[];
  readonly next: ClassInfo;
  /** `{ field() { return initializer; } }` of the new version, called with an instance as `this`. */
  readonly initializers: Readonly<Record<PropertyKey, () => unknown>>;
  /** Rows of the class's stores migrated when it was defined (store-migration.ts). */
  readonly stores: { rows: number; stores: number; ms: number; readonly converted: Map<string, number> };
}

type Obj = Record<PropertyKey, unknown>;

interface FieldTarget {
  readonly decl: FieldDecl;
  readonly key: PropertyKey;
  readonly shape: ValueShape;
  readonly check: boolean;
}

interface Misfit {
  count: number;
  example: unknown;
  readonly target: FieldTarget;
  readonly reason: string;
}

/** One changed class, as applied to instances of it and of its subclasses. */
interface Step {
  readonly change: LayoutChange;
  readonly diff: LayoutDiff;
  readonly retyped: ReadonlyArray<FieldTarget & { readonly was: FieldDecl }>;
  readonly added: ReadonlyArray<FieldTarget & { readonly fromKey: PropertyKey | null; readonly init: (() => unknown) | null }>;
  readonly removedKeys: readonly PropertyKey[];
  readonly hook: MigrationHook | null;
  /** The hook or an initializer that mentions `this` may write any field: keep every own property to put back. */
  readonly snapshot: boolean;
  readonly oldKeys: ReadonlyArray<readonly [string, PropertyKey]>;
  readonly report: { instances: number; rows: number; stores: number; converted: Map<string, number> };
  readonly misfits: Map<string, Misfit>;
}

/** What happens to instances whose nearest prototype is one object: computed once per prototype. */
interface Plan extends OrderPlan {
  readonly steps: readonly Step[];
  readonly addedKeys: readonly PropertyKey[];
}

export interface MigrationResult {
  readonly reports: LayoutReport[];
  readonly instances: number;
  /** Finding the instances, then migrating them. */
  readonly discoveryMs: number;
  readonly ms: number;
  /** Store rows migrated (as their classes were defined) and the time that took. */
  readonly rows: number;
  readonly storesMs: number;
}

function fieldKey(record: ModuleRecord, className: string, name: string): PropertyKey {
  return name.startsWith('#') ? privateKey(record, `${className}${name}`) : name;
}

/** The source of each module's new version, for messages (set for the length of one migration). */
let sourceOf: (record: ModuleRecord) => string = () => '';

function diagnostic(change: LayoutChange, field: FieldDecl | null, message: string): Diagnostic {
  return diagnosticAt(change.record.rel, sourceOf(change.record), field?.sourceOffset ?? 0, message, 'IMAGO_LAYOUT');
}

function reject(change: LayoutChange, field: FieldDecl | null, message: string): ChangeRejection {
  return new ChangeRejection([diagnostic(change, field, message)]);
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Migrates the live instances of every class in `changes` whose layout changed. Throws ChangeRejection, having undone its work. */
export function migrateLayouts(ctx: ImageContext, changes: readonly LayoutChange[]): MigrationResult | null {
  sourceOf = ctx.sourceOf ?? (() => '');
  try {
    return migrate(ctx, changes);
  } finally {
    sourceOf = () => '';
  }
}

function migrate(ctx: ImageContext, changes: readonly LayoutChange[]): MigrationResult | null {
  const now = (): number => ctx.host.now();
  const started = now();
  const steps = new Map<ClassIdentity, Step>();
  for (const change of changes) {
    const result = diffLayout(change.identity.name, change.old, change.next.fields);
    if (!result.ok) throw reject(change, result.field, result.message);
    if (isEmptyDiff(result.diff) && result.diff.unmarked.length === 0) continue;
    steps.set(change.identity, makeStep(change, result.diff));
  }
  if (steps.size === 0) return null;

  // Discovery: one heap walk per changed class that has no changed ancestor (its results hold theirs).
  const find = ctx.host.findInstances;
  const identities = [...steps.keys()];
  const tops = identities.filter(
    (a) =>
      !identities.some(
        (b) =>
          b !== a &&
          b.constructor.prototype !== a.constructor.prototype &&
          Object.prototype.isPrototypeOf.call(b.constructor.prototype, a.constructor.prototype),
      ),
  );
  const instances: object[] = [];
  for (const identity of tops) {
    // A class never constructed (one that only lays out a store, say) has no instances to walk the heap for.
    if (!identity.constructed()) continue;
    const found = find ? find.call(ctx.host, identity.constructor.prototype) : null;
    if (found === null)
      throw reject(
        steps.get(identity)!.change,
        null,
        `the layout of ${identity.name} changed, but this host cannot find its live instances; restart the program to apply this change`,
      );
    for (const o of found) if (!isRowView(o)) instances.push(o);
  }

  const discoveryMs = now() - started;
  const classes = classesByPrototype(ctx);
  const plans = new Map<object | null, Plan>();
  let lastProto: object | null = null;
  let lastPlan: Plan | null = null;
  const planOf = (o: object): Plan => {
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto === lastProto && lastPlan) return lastPlan;
    let plan = plans.get(proto);
    if (!plan) {
      plan = makePlan(proto, classes, steps);
      plans.set(proto, plan);
    }
    lastProto = proto;
    lastPlan = plan;
    return plan;
  };

  // Checks that need no instance, made only when there are instances to migrate.
  for (const o of instances) planOf(o);
  for (const plan of plans.values()) {
    for (const step of plan.steps) {
      if (step.hook) continue;
      for (const a of step.added) {
        if (a.fromKey === null && !a.init && !acceptsUndefined(a.decl.type)) {
          const type = a.decl.typeText || 'its type';
          throw reject(
            step.change,
            a.decl,
            `${step.change.identity.name}.${a.decl.name} is added to live instances but has no initializer, and ${type} does not allow undefined; give it an initializer (${a.decl.name}: ${a.decl.typeText || 'T'} = ...), or set it in static migrateInstance(instance, old) on ${step.change.identity.name}`,
          );
        }
      }
    }
  }

  computePhase(instances, planOf, steps);
  // Instances whose plan only appends fields at the end already have the layout of a new instance.
  if ([...plans.values()].some((p) => p.removed.size > 0 || (p.fastTail !== null && p.fastTail.deleteKeys.length > 0))) {
    for (const o of instances) {
      const plan = planOf(o);
      if (plan.steps.length > 0) settle(o as Obj, plan);
    }
  }

  const ms = now() - started;
  const reports: LayoutReport[] = [];
  for (const step of steps.values()) {
    const { change, diff } = step;
    change.identity.layoutVersion++;
    reports.push({
      class: change.identity.name,
      file: change.record.rel,
      instances: step.report.instances,
      rows: step.report.rows,
      stores: step.report.stores,
      added: diff.added.filter((a) => !a.from).map((a) => a.field.name),
      removed: diff.removed.map((f) => f.name),
      renamed: diff.added.flatMap((a) => (a.from ? [{ from: a.from.name, to: a.field.name }] : [])),
      retyped: step.retyped.map((r) => ({
        field: r.decl.name,
        from: r.was.typeText || '(inferred)',
        to: r.decl.typeText || '(inferred)',
        converted: step.report.converted.get(r.decl.name) ?? 0,
      })),
      // Store columns are checked by element type; only instances can hold values imago could not check.
      unchecked:
        step.report.instances === 0
          ? []
          : [...step.retyped, ...step.added.filter((a) => a.fromKey !== null)].filter((t) => !t.check && t.decl.typeText !== '').map((t) => t.decl.name),
      unmarkedRenames: diff.unmarked.map((u) => ({ ...u })),
      hook: step.hook !== null,
    });
  }
  const changed = [...steps.values()];
  return {
    reports,
    instances: instances.length,
    discoveryMs,
    ms,
    rows: changed.reduce((n, s) => n + s.change.stores.rows, 0),
    storesMs: changed.reduce((n, s) => n + s.change.stores.ms, 0),
  };
}

function makeStep(change: LayoutChange, diff: LayoutDiff): Step {
  const { record, identity } = change;
  const target = (decl: FieldDecl): FieldTarget => {
    const shape = resolveShape(decl.type, (name) => lookupIn(record, name));
    return { decl, key: fieldKey(record, identity.name, decl.name), shape, check: checkable(shape) };
  };
  const added = diff.added.map((a) => {
    const t = target(a.field);
    const init = Object.hasOwn(change.initializers, t.key) ? change.initializers[t.key as string]! : null;
    return { ...t, fromKey: a.from ? fieldKey(record, identity.name, a.from.name) : null, init: a.from ? null : init };
  });
  const hook = hookOf(identity, change.next);
  return {
    change,
    diff,
    added,
    hook,
    snapshot: hook !== null || added.some((a) => a.init !== null && /\bthis\b/.test(a.decl.initializer ?? '')),
    retyped: diff.retyped.map((r) => ({ ...target(r.field), was: r.was })),
    removedKeys: [
      ...diff.removed.map((f) => fieldKey(record, identity.name, f.name)),
      ...diff.added.flatMap((a) => (a.from ? [fieldKey(record, identity.name, a.from.name)] : [])),
    ],
    oldKeys: change.old.map((f) => [f.name, fieldKey(record, identity.name, f.name)] as const),
    report: { instances: 0, rows: change.stores.rows, stores: change.stores.stores, converted: new Map(change.stores.converted) },
    misfits: new Map(),
  };
}

function makePlan(proto: object | null, classes: ReturnType<typeof classesByPrototype>, steps: ReadonlyMap<ClassIdentity, Step>): Plan {
  const chain: Array<{ identity: ClassIdentity; record: ModuleRecord }> = [];
  for (let p = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const c = classes.get(p);
    if (c) chain.unshift(c);
  }
  const oldOrder: PropertyKey[] = [];
  const newOrder: PropertyKey[] = [];
  const planSteps: Step[] = [];
  const addedKeys: PropertyKey[] = [];
  const removed = new Set<PropertyKey>();
  for (const { identity, record } of chain) {
    const step = steps.get(identity);
    const keysOf = (fields: readonly FieldDecl[]): PropertyKey[] => fields.map((f) => fieldKey(record, identity.name, f.name));
    newOrder.push(...keysOf(identity.fields));
    if (!step) {
      oldOrder.push(...keysOf(identity.fields));
      continue;
    }
    oldOrder.push(...step.oldKeys.map(([, k]) => k));
    planSteps.push(step);
    for (const a of step.added) addedKeys.push(a.key);
    for (const k of step.removedKeys) removed.add(k);
  }
  const rank = new Map<PropertyKey, number>();
  for (const k of [...oldOrder, ...addedKeys]) if (!rank.has(k)) rank.set(k, rank.size);
  const declared = new Set(newOrder);
  // A field one class stops declaring while another class of the chain still declares it stays.
  for (const k of declared) removed.delete(k);
  const assignCache = new Map<PropertyKey, boolean>();
  const assignable = (key: PropertyKey): boolean => {
    let ok = assignCache.get(key);
    if (ok === undefined) {
      ok = true;
      for (let p = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
        const d = Object.getOwnPropertyDescriptor(p, key);
        if (d) {
          ok = 'value' in d && d.writable === true;
          break;
        }
      }
      assignCache.set(key, ok);
    }
    return ok;
  };
  // The own keys of an instance that has every declared field, as Reflect.ownKeys lists them.
  const full = [...rank.keys()];
  const expected = [...full.filter((k) => typeof k === 'string'), ...full.filter((k) => typeof k === 'symbol')];
  const plan: Plan = { steps: planSteps, rank, newOrder, declared, removed, addedKeys, assignable, expected, fastTail: null };
  const target = targetOrder(full, plan);
  let from = 0;
  while (from < full.length && full[from] === target[from]) from++;
  const addKeys = target.slice(from);
  return { ...plan, fastTail: { from, deleteKeys: full.slice(from).reverse(), addKeys, plainAdds: addKeys.every((k) => declared.has(k) && assignable(k)) } };
}

/** Phase 1: everything that may throw or misfit, undone for all instances if anything does. */
function computePhase(instances: readonly object[], planOf: (o: object) => Plan, steps: ReadonlyMap<ClassIdentity, Step>): void {
  // Values a conversion replaced, and every own property of instances a hook or a `this` initializer saw.
  const restores = new Map<object, Array<readonly [PropertyKey, unknown]>>();
  const snapshots = new Map<object, Map<PropertyKey, unknown>>();
  const remember = (o: object, key: PropertyKey, value: unknown): void => {
    const list = restores.get(o);
    if (list) list.push([key, value]);
    else restores.set(o, [[key, value]]);
  };
  let done = 0;
  // How many of its plan's added keys the instance being computed has so far (they come in plan order).
  let partial = 0;
  const undo = (): void => {
    for (let i = 0; i <= done && i < instances.length; i++) {
      const o = instances[i] as Obj;
      const added = planOf(o).addedKeys;
      for (let j = (i === done ? partial : added.length) - 1; j >= 0; j--) Reflect.deleteProperty(o, added[j]!);
      const restore = restores.get(o);
      if (restore) for (let j = restore.length - 1; j >= 0; j--) o[restore[j]![0]] = restore[j]![1];
      const snapshot = snapshots.get(o);
      if (!snapshot) continue;
      const keys = Reflect.ownKeys(o);
      for (let j = keys.length - 1; j >= 0; j--) if (!snapshot.has(keys[j]!)) Reflect.deleteProperty(o, keys[j]!);
      for (const [key, value] of snapshot) if (!Object.hasOwn(o, key) || !Object.is(o[key], value)) o[key] = value;
    }
  };
  const nth = (): string => `instance ${(done + 1).toLocaleString('en-US')} of ${instances.length.toLocaleString('en-US')}`;
  const threw = (e: unknown): string => `${e instanceof Error ? `${e.name}: ` : ''}${messageOf(e)}`;
  try {
    for (; done < instances.length; done++) {
      const o = instances[done] as Obj;
      const plan = planOf(o);
      partial = 0;
      if (plan.steps.length === 0) continue;
      if (!Object.isExtensible(o)) {
        const step = plan.steps[0]!;
        throw reject(
          step.change,
          null,
          `${nth()} of ${step.change.identity.name} is frozen, sealed or not extensible, so its fields cannot change (no instance was changed); let it go first, or keep the old layout`,
        );
      }
      if (plan.steps.some((s) => s.snapshot) && !snapshots.has(o)) snapshots.set(o, new Map(Reflect.ownKeys(o).map((k) => [k, o[k]])));
      for (const step of plan.steps) {
        const name = step.change.identity.name;
        step.report.instances++;
        let old: Obj | null = null;
        if (step.hook) {
          old = Object.create(null) as Obj;
          for (const [field, key] of step.oldKeys) if (Object.hasOwn(o, key)) old[field] = o[key];
          Object.freeze(old);
        }
        for (const r of step.retyped) {
          if (!r.check || !Object.hasOwn(o, r.key)) continue;
          const value = o[r.key];
          if (fits(value, r.shape)) continue;
          const converted = convert(value, r.shape);
          if (converted) {
            remember(o, r.key, value);
            o[r.key] = converted.value;
            step.report.converted.set(r.decl.name, (step.report.converted.get(r.decl.name) ?? 0) + 1);
          } else if (!step.hook) miss(step, r, value, 'has no exact conversion');
        }
        for (const a of step.added) {
          let value: unknown;
          if (a.fromKey !== null) {
            value = o[a.fromKey];
            if (a.check && !fits(value, a.shape)) {
              const converted = convert(value, a.shape);
              if (converted) {
                value = converted.value;
                step.report.converted.set(a.decl.name, (step.report.converted.get(a.decl.name) ?? 0) + 1);
              } else if (!step.hook) miss(step, a, value, 'has no exact conversion');
            }
          } else if (a.init) {
            try {
              value = a.init.call(o);
            } catch (e: unknown) {
              throw reject(step.change, a.decl, `the initializer of ${name}.${a.decl.name} threw for ${nth()} (no instance was changed): ${threw(e)}`);
            }
          }
          if (Object.hasOwn(o, a.key)) {
            // An own property of that name the program set: undo deletes the added key, then puts this back.
            remember(o, a.key, o[a.key]);
          }
          if (plan.assignable(a.key)) o[a.key] = value;
          else Object.defineProperty(o, a.key, { value, writable: true, enumerable: true, configurable: true });
          partial++;
        }
        if (step.hook) {
          try {
            step.hook.call(step.change.identity.constructor, o, old!, step.change.identity.layoutVersion);
          } catch (e: unknown) {
            throw reject(step.change, null, `${name}.migrateInstance threw for ${nth()} (no instance was changed): ${threw(e)}`);
          }
          for (const t of step.added) if (t.check && !fits(o[t.key], t.shape)) miss(step, t, o[t.key], 'migrateInstance left there');
          for (const t of step.retyped) if (t.check && !fits(o[t.key], t.shape)) miss(step, t, o[t.key], 'migrateInstance left there');
        }
      }
    }
    done = instances.length;
    const misfits = [...steps.values()].flatMap((s) => [...s.misfits.values()].map((m) => ({ step: s, m })));
    if (misfits.length > 0) throw new ChangeRejection(misfits.map(({ step, m }) => misfitDiagnostic(step, m)));
  } catch (e: unknown) {
    undo();
    throw e;
  }
}

function misfitDiagnostic(step: Step, m: Misfit): Diagnostic {
  const cls = step.change.identity.name;
  const field = m.target.decl;
  const retype = step.retyped.find((r) => r.key === m.target.key);
  const types = retype ? `\`${retype.was.typeText || '(inferred)'}\` -> \`${field.typeText}\`` : `\`${field.typeText}\``;
  const fix = step.hook
    ? `make migrateInstance give ${field.name} a value of type ${field.typeText}`
    : `add static migrateInstance(instance, old) to ${cls} to convert them, or keep the old type`;
  return diagnostic(
    step.change,
    field,
    `${cls}.${field.name} ${types}: ${plural(m.count, 'live value')} of ${step.report.instances.toLocaleString('en-US')} ${m.count === 1 ? 'does' : 'do'} not fit (for example ${describeValue(m.example)}, which ${m.reason}); nothing was changed; ${fix}`,
  );
}

function miss(step: Step, target: FieldTarget, value: unknown, reason: string): void {
  const m = step.misfits.get(target.decl.name);
  if (m) m.count++;
  else step.misfits.set(target.decl.name, { count: 1, example: value, target, reason });
}
