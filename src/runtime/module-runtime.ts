// What compiled module code calls into (`__imago_rt`) and sees as `import.meta`, one pair per module,
// kept for the module's life so `import.meta` and `import.meta.hot.data` keep their identity.

import { registerClassLayout } from '../store/schema.js';
import { createClassIdentity, defineStatic, installedLayers, installVersion } from './class-identity.js';
import type { ImageContext } from './context.js';
import { mergeEnum } from './enums.js';
import { createHotContext } from './hot.js';
import type { LayoutChange } from './migrate.js';
import { type ModuleRecord, privateKey } from './module-record.js';
import { resolveSpecifier } from './resolve.js';
import { migrateStoresOf } from './store-migration.js';

type Constructor = abstract new (...args: never[]) => object;

export interface ModuleGlobals {
  readonly rt: object;
  readonly meta: object;
}

export function createModuleGlobals(ctx: ImageContext, record: ModuleRecord, dynamicImport: (specifier: string) => Promise<object>): ModuleGlobals {
  const { host, tracker } = ctx;
  const rt = {
    ...tracker.functions,
    import: (specifier: unknown) => dynamicImport(String(specifier)),
    privateName: (key: string): symbol => privateKey(record, key),
    defineClass(name: string, impl: Constructor, initializers: Record<PropertyKey, () => unknown>): unknown {
      const identity = record.classes.get(name);
      const info = ctx.compiling?.get(record)?.classes.get(name) ?? record.version?.compiled.classes.get(name);
      const fields = info?.fields ?? [];
      // `super.x` in an initializer run for a live instance reaches the superclass, as in the class body.
      Object.setPrototypeOf(initializers, Object.getPrototypeOf(impl.prototype) as object | null);
      if (!identity) {
        const created = createClassIdentity(host, name, `${record.id}?class=${name}`, impl, fields, initializers);
        registerClassLayout(created.constructor.prototype, {
          name,
          prototype: created.constructor.prototype,
          fields: () => created.fields,
          initializers: () => created.initializers,
        });
        record.classes.set(name, created);
        ctx.journal?.push(() => {
          record.classes.delete(name);
        });
        return created.constructor;
      }
      const before = installedLayers(identity);
      const beforeFields = identity.fields;
      const beforeInitializers = identity.initializers;
      ctx.journal?.push(() => {
        installVersion(identity, before.impl, before);
        identity.fields = beforeFields;
        identity.initializers = beforeInitializers;
      });
      installVersion(identity, impl);
      identity.fields = fields;
      identity.initializers = initializers;
      if (info && ctx.layoutChanges) {
        const change: LayoutChange = {
          record,
          identity,
          old: beforeFields,
          next: info,
          initializers,
          stores: { rows: 0, stores: 0, ms: 0, converted: new Map() },
        };
        ctx.layoutChanges.push(change);
        // Stores take the new layout here: the rest of the change already reads and adds rows with it.
        migrateStoresOf(ctx, change);
      }
      return identity.constructor;
    },
    defineStatic(target: object, key: PropertyKey, value: unknown): void {
      const before = Object.getOwnPropertyDescriptor(target, key);
      ctx.journal?.push(() => {
        if (before) Object.defineProperty(target, key, before);
        else delete (target as Record<PropertyKey, unknown>)[key];
      });
      defineStatic(target, key, value);
    },
    defineEnum(name: string, next: Record<string, unknown>): Record<string, unknown> {
      const current = record.state[name];
      if (typeof current !== 'object' || current === null) {
        record.enumMembers.set(name, Object.keys(next));
        return next;
      }
      const target = current as Record<string, unknown>;
      const saved = { ...target };
      const changes = mergeEnum(name, target, next, record.enumMembers.get(name) ?? Object.keys(target));
      const previousMembers = record.enumMembers.get(name);
      record.enumMembers.set(name, Object.keys(next));
      if (changes.length > 0) {
        ctx.journal?.push(() => {
          for (const key of Object.keys(target)) if (!(key in saved)) delete target[key];
          Object.assign(target, saved);
          if (previousMembers) record.enumMembers.set(name, previousMembers);
          else record.enumMembers.delete(name);
        });
        ctx.notes.push(...changes);
      }
      return target;
    },
  };
  const meta = {
    url: host.fileUrl(record.id),
    filename: record.id,
    dirname: host.paths.dirname(record.id),
    hot: createHotContext(record, tracker, (m) => ctx.warn(m)),
    resolve: (specifier: string): string => {
      const res = resolveSpecifier(host, specifier, record.id, ctx.aliases);
      return res.kind === 'project' ? host.fileUrl(res.path) : specifier;
    },
  };
  return { rt, meta };
}
