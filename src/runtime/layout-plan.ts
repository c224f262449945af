// The planner of the migration engine: for one class whose layout changed, and the objects (or rows)
// that share one prototype, it compares the fields they hold with the fields their chain declares now and
// says where each declared field's value comes from. Every check that needs no instance is made here;
// the appliers (migrate-objects.ts, migrate-columns.ts) only run what the plan says.
//
// Fields match by key across the whole chain: a field a superclass now declares that an instance already
// holds (because its subclass declared it) keeps its value, whichever class declares it now. Fields held
// but no longer declared are dropped when the transaction settles, not here, so a field moved down to a
// subclass later in the same change still finds its values.

import type { ClassInfo, FieldDecl } from '../compile/compiled-module.js';
import { type Diagnostic, diagnosticAt } from '../compile/diagnostic.js';
import { acceptsUndefined } from '../compile/type-shape.js';
import type { ClassLayoutSource } from '../store/schema.js';
import type { ChainLayout, LayoutField } from './chain-layout.js';
import { fieldKey } from './chain-layout.js';
import type { ClassIdentity } from './class-identity.js';
import { lookupIn, type MigrationHook } from './class-lookup.js';
import type { ImageContext } from './context.js';
import { ChangeRejection } from './errors.js';
import type { ModuleRecord } from './module-record.js';
import type { Transaction } from './transaction.js';
import { checkable, resolveShape, type ValueShape } from './value-fit.js';

/** One class whose data layout a transaction changes. */
export interface ClassStep {
  readonly identity: ClassIdentity;
  readonly record: ModuleRecord;
  /** The instance fields the class declared before. */
  readonly old: readonly FieldDecl[];
  /** The version now installed. */
  readonly info: ClassInfo;
  /** Its `static migrateInstance`, if it declares one. */
  readonly hook: MigrationHook | null;
  /** Module bindings the change has not set yet (declared after the class, new or edited): initializers and the hook must not read them. */
  readonly unset?: ReadonlySet<string>;
}

/** What the migration engine works with: the image and the transaction. */
export interface MigrationEnv {
  readonly ctx: Pick<ImageContext, 'host' | 'classes' | 'stores'> & { readonly restoring?: ImageContext['restoring'] };
  readonly tx: Transaction;
}

/** Where a declared field's value comes from. */
export type FieldSource =
  | { readonly kind: 'kept'; readonly from: LayoutField }
  | { readonly kind: 'retyped'; readonly from: LayoutField }
  | { readonly kind: 'renamed'; readonly from: LayoutField }
  | { readonly kind: 'initializer'; readonly init: () => unknown }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'hook' }
  // Left undefined on live instances, as on new ones: the class body does not define it (constructor-assigned).
  | { readonly kind: 'absent' };

export interface FieldPlan {
  /** The field as its chain declares it now. */
  readonly field: LayoutField;
  readonly source: FieldSource;
  readonly shape: ValueShape;
  /** imago can check values against the shape (opaque parts are not checked). */
  readonly checked: boolean;
}

export interface LayoutPlan {
  readonly step: ClassStep;
  /** What the objects or rows hold before this step. */
  readonly held: ChainLayout;
  /** Every field declared now, in layout order. */
  readonly fields: readonly FieldPlan[];
  /** The fields whose value does not simply stay. */
  readonly changes: readonly FieldPlan[];
  /** Held fields no longer declared (renamed ones included): dropped when the transaction settles. */
  readonly dropped: readonly LayoutField[];
}

/** The module that defines the class a layout source describes (the step's, for a class the image lost). */
export function recordOf(env: MigrationEnv, owner: ClassLayoutSource, step: ClassStep): ModuleRecord {
  return env.ctx.classes.get(owner.prototype)?.record ?? step.record;
}

/** A diagnostic at a field of a class (or at the class when `decl` is null). */
export function layoutDiagnostic(env: MigrationEnv, step: ClassStep, owner: ClassLayoutSource | null, decl: FieldDecl | null, message: string): Diagnostic {
  const record = owner ? recordOf(env, owner, step) : step.record;
  const offset = decl?.sourceOffset ?? step.info.fields[0]?.sourceOffset ?? 0;
  return diagnosticAt(record.rel, env.tx.sourceOf(record), offset, message, 'IMAGO_LAYOUT');
}

/** A rejection of the transaction (phase migrate) at a field of a class (or the class when `decl` is null). */
export function layoutRejection(env: MigrationEnv, step: ClassStep, owner: ClassLayoutSource | null, decl: FieldDecl | null, message: string): ChangeRejection {
  return new ChangeRejection('migrate', [layoutDiagnostic(env, step, owner, decl, message)]);
}

/**
 * Plans `step` for the objects or rows with one prototype: `held` is what they hold, `declared` what
 * their chain declares now, `population` names them for messages, only when one is made ("live
 * instances", "the 3 rows of
 * Store<P>"). Throws a ChangeRejection for a marker that cannot apply or a field with no value to get.
 */
export function planLayout(env: MigrationEnv, step: ClassStep, held: ChainLayout, declared: ChainLayout, population: () => string): LayoutPlan {
  const heldByKey = new Map<PropertyKey, LayoutField>(held.map((f) => [f.key, f]));
  const declaredKeys = new Set(declared.map((f) => f.key));
  const name = step.identity.name;
  const renamedAway = new Set<PropertyKey>();
  const fields: FieldPlan[] = [];
  for (const field of declared) {
    const target = targetOf(env, step, field);
    const had = heldByKey.get(field.key);
    if (had) {
      const kind = had.decl.typeText === field.decl.typeText ? 'kept' : 'retyped';
      fields.push({ field, ...target, source: { kind, from: had } });
      continue;
    }
    // An `accessor x` made a plain field again: its value is in the accessor's storage (tc39-decorators.ts).
    const storage = `#___accessor_${field.name}`;
    const fromAccessor = !field.name.startsWith('#') && step.record.privateNames.has(`${name}${storage}`) ? storage : null;
    // A class the objects join in this change (the new parent of a re-parented class) has markers that
    // move what they hold too: no step of its own ever saw them (found by the layout fuzzer).
    const joined = field.owner !== step.identity && !held.some((h) => h.owner === field.owner) && !field.decl.renamedFrom?.startsWith('#');
    const fromName = field.owner === step.identity ? (field.decl.renamedFrom ?? fromAccessor) : joined ? field.decl.renamedFrom : null;
    const fromKey = fromName ? fieldKey(step.record, name, fromName) : null;
    const from = fromKey === null ? undefined : heldByKey.get(fromKey);
    // A marker whose old field is no longer held has done its work (or names nothing): the field is new.
    if (from && fromKey !== null) {
      const still = declared.find((f) => f.key === fromKey);
      // Declared still, unless by a class this transaction redefines without it (it is defined later in the change).
      const later = still ? laterVersionOf(env, step, still) : 'dropped';
      if (later === 'kept') {
        throw layoutRejection(
          env,
          step,
          field.owner,
          field.decl,
          `${name}.${field.name} is marked @renamed ${fromName}, but ${still!.owner.name} still declares ${fromName}; remove ${fromName} or the marker`,
        );
      }
      if (later !== 'dropped') {
        throw layoutRejection(
          env,
          step,
          field.owner,
          field.decl,
          `${name}.${field.name} and ${still!.owner.name}.${later.by} are both marked @renamed ${fromName}; a value can move to one field only`,
        );
      }
      if (renamedAway.has(fromKey))
        throw layoutRejection(env, step, field.owner, field.decl, `two fields of ${name} are marked @renamed ${fromName}; a value can move to one field only`);
      renamedAway.add(fromKey);
      fields.push({ field, ...target, source: { kind: 'renamed', from } });
      continue;
    }
    if (field.decl.assigned === 'constructor' && !field.initializer) {
      // useDefineForClassFields: false: a new instance does not get it from the class either.
      fields.push({ field, ...target, source: { kind: 'absent' } });
      continue;
    }
    if (field.initializer) fields.push({ field, ...target, source: { kind: 'initializer', init: field.initializer } });
    else if (acceptsUndefined(field.decl.type)) fields.push({ field, ...target, source: { kind: 'undefined' } });
    else if (step.hook) fields.push({ field, ...target, source: { kind: 'hook' } });
    else {
      const owner = field.owner.name;
      const type = field.decl.typeText || 'its type';
      throw layoutRejection(
        env,
        step,
        field.owner,
        field.decl,
        field.decl.assigned === 'parameter'
          ? `${owner}.${field.name}, a constructor parameter property, is added to ${population()}, for which the constructor does not run again, and ${type} does not allow undefined; set it in static migrateInstance(instance, old) on ${name}, or let its type allow undefined`
          : `${owner}.${field.name} is added to ${population()} but has no initializer, and ${type} does not allow undefined; give it an initializer (${field.name}: ${field.decl.typeText || 'T'} = ...), or set it in static migrateInstance(instance, old) on ${name}`,
      );
    }
  }
  checkReads(env, step, fields);
  const dropped = held.filter((f) => !declaredKeys.has(f.key));
  return { step, held, fields, changes: fields.filter((f) => f.source.kind !== 'kept' && f.source.kind !== 'absent'), dropped };
}

/**
 * A migration runs the class's initializers (for fields it adds) and its hook for live instances as the
 * class is defined, before the statements after it: one that reads a binding the change sets only there
 * would read it unset (undefined, or its previous value). Rejected, saying what to move.
 */
function checkReads(env: MigrationEnv, step: ClassStep, fields: readonly FieldPlan[]): void {
  const unset = step.unset;
  if (!unset || unset.size === 0) return;
  const name = step.identity.name;
  const where = `${step.record.rel} sets only after class ${name} in this change`;
  for (const t of fields) {
    if (t.source.kind !== 'initializer' || t.field.owner !== step.identity) continue;
    const read = step.info.initializerReads.get(t.field.name)?.find((n) => unset.has(n));
    if (read === undefined) continue;
    throw layoutRejection(
      env,
      step,
      t.field.owner,
      t.field.decl,
      `the initializer of ${name}.${t.field.name} reads ${read}, which ${where}: live instances get ${t.field.name} as the class is defined, before ${read} is set; declare ${read} above class ${name} (or save ${read} first, then the field)`,
    );
  }
  const read = step.hook ? step.info.hookReads.find((n) => unset.has(n)) : undefined;
  if (read !== undefined) {
    throw layoutRejection(
      env,
      step,
      null,
      null,
      `${name}.migrateInstance reads ${read}, which ${where}: the hook runs as the class is defined, before ${read} is set; declare ${read} above class ${name} (or save ${read} first, then the hook)`,
    );
  }
}

/**
 * What the version of the class declaring `field` that this transaction installs (its step comes later)
 * does with it: keeps it, drops it, or drops it for a field of its own marked `@renamed` from it.
 */
function laterVersionOf(env: MigrationEnv, step: ClassStep, field: LayoutField): 'kept' | 'dropped' | { readonly by: string } {
  if (field.owner === step.identity) return 'kept';
  const record = recordOf(env, field.owner, step);
  const next = env.tx.compiledOf(record)?.classes.get(field.owner.name);
  const keyOf = (name: string): PropertyKey => fieldKey(record, field.owner.name, name);
  if (!next || next.fields.some((f) => keyOf(f.name) === field.key)) return 'kept';
  const claim = next.fields.find((f) => f.renamedFrom !== null && keyOf(f.renamedFrom) === field.key);
  return claim ? { by: claim.name } : 'dropped';
}

/** The shape values of `field` must have, resolved as the module that declares it sees type names. */
function targetOf(env: MigrationEnv, step: ClassStep, field: LayoutField): { shape: ValueShape; checked: boolean } {
  const record = recordOf(env, field.owner, step);
  const shape = resolveShape(field.decl.type, (typeName) => lookupIn(record, typeName));
  return { shape, checked: checkable(shape) };
}
