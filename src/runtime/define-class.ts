// What `class K { ... }` at the top level of a module runs, through `__imago_rt.defineClass`: the first
// version creates the class's stable identity; each later one installs the new layers on it and hands
// its instances and stores to the migration engine, found before the new version is installed (so
// objects the new version makes, a re-run static initializer's instance say, are never migrated as old).

import { createClassIdentity, installedLayers, installVersion } from './class-identity.js';
import { hookOf } from './class-lookup.js';
import { classConstructorName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { forgetDecoratorMetadata, linkTc39Metadata, ownTc39Metadata } from './decorate-class.js';
import { findAffected, layoutChanges, migrateStep, settleLayouts } from './migration.js';
import type { ModuleRecord } from './module-record.js';
import { Transaction } from './transaction.js';
import { plural } from './words.js';

type Constructor = abstract new (...args: never[]) => object;

/** The superclass prototype a class version's instances inherit from (null for none). */
const parentOf = (impl: Constructor): object | null => Object.getPrototypeOf(impl.prototype) as object | null;

/** Defines version `impl` of class `name` of `record`; returns the class's stable constructor. */
export function defineClass(
  ctx: ImageContext,
  record: ModuleRecord,
  name: string,
  impl: Constructor,
  initializers: Record<PropertyKey, () => unknown>,
): unknown {
  // `super.x` in an initializer run for a live instance reaches the superclass, as in the class body. The
  // table then inherits from the superclass's prototype: a heap walk finds it, and it is no instance.
  Object.setPrototypeOf(initializers, parentOf(impl));
  ctx.classes.markInternal(initializers);
  if (ctx.transaction) return define(ctx, ctx.transaction, record, name, impl, initializers);
  // Outside a change (the rest of a module that awaited at top level runs after its change committed):
  // a transaction of its own, settled at once, rolled back if it throws.
  const tx = new Transaction();
  try {
    const made = define(ctx, tx, record, name, impl, initializers);
    const result = settleLayouts({ ctx, tx });
    tx.close();
    if (result)
      ctx.warn(
        `${record.rel}: class ${name} changed its layout after its change was committed (its module awaited at top level); ${plural(result.instances, 'instance')} and ${plural(result.rows, 'row')} migrated`,
      );
    return made;
  } catch (e: unknown) {
    for (const undoError of tx.rollback())
      ctx.warn(`while undoing the redefinition of class ${name} in ${record.rel}: ${String(undoError)}; please report this`);
    throw e;
  }
}

function define(
  ctx: ImageContext,
  tx: Transaction,
  record: ModuleRecord,
  name: string,
  impl: Constructor,
  initializers: Record<PropertyKey, () => unknown>,
): unknown {
  const identity = record.classes.get(name);
  const info = tx.compiledOf(record)?.classes.get(name);
  const fields = info?.fields ?? [];
  if (!identity) {
    const created = createClassIdentity(ctx.host, name, classConstructorName(record.id, name), impl, fields, initializers);
    created.heritage = info?.heritage ?? null;
    record.classes.set(name, created);
    ctx.classes.add({ identity: created, record });
    tx.onUndo(() => {
      record.classes.delete(name);
      ctx.classes.remove(created);
    });
    linkTc39Metadata(ctx, created, undefined, (undo) => tx.onUndo(undo));
    return created.constructor;
  }
  const before = installedLayers(identity);
  const beforeFields = identity.fields;
  const beforeInitializers = identity.initializers;
  const beforeHeritage = identity.heritage;
  const parentChanged = parentOf(before.impl) !== parentOf(impl);
  const env = { ctx, tx };
  // Found before the new version is installed: the instances that exist now are the old ones.
  const affected = findAffected(env, identity, info !== undefined && layoutChanges(beforeFields, fields, parentChanged));
  installVersion(identity, impl);
  identity.fields = fields;
  identity.initializers = initializers;
  identity.heritage = info?.heritage ?? null;
  tx.onUndo(() => {
    installVersion(identity, before.impl, before);
    identity.fields = beforeFields;
    identity.initializers = beforeInitializers;
    identity.heritage = beforeHeritage;
  });
  forgetDecoratorMetadata(identity, (undo) => tx.onUndo(undo));
  linkTc39Metadata(ctx, identity, ownTc39Metadata(before.impl), (undo) => tx.onUndo(undo));
  if (info)
    migrateStep(env, { identity, record, old: beforeFields, info, hook: hookOf(identity, info), unset: unsetAfter(tx, record, name) }, parentChanged, affected);
  return identity.constructor;
}

/**
 * The bindings the module's new version declares after class `name` that this change sets anew (a new
 * statement, or one whose text changed): a migration run as the class is defined would read them unset.
 */
function unsetAfter(tx: Transaction, record: ModuleRecord, name: string): ReadonlySet<string> {
  const items = tx.compiledOf(record)?.items ?? [];
  const at = items.findIndex((it) => it.kind === 'class' && it.names.includes(name));
  const before = new Map((record.version?.compiled.items ?? []).map((it) => [it.key, it.text]));
  const out = new Set<string>();
  if (at < 0) return out;
  for (const it of items.slice(at + 1)) if (before.get(it.key) !== it.text) for (const n of it.names) out.add(n);
  return out;
}
