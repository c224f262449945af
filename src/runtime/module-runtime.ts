// What compiled module code calls into (`__imago_rt`) and sees as `import.meta`, one pair per module,
// kept for the module's life so `import.meta` and `import.meta.hot.data` keep their identity.

import { defineStatic } from './class-identity.js';
import { commonJsGlobals } from './commonjs.js';
import type { ImageContext } from './context.js';
import { classDecorators, decorateClass } from './decorate-class.js';
import { defineClass } from './define-class.js';
import { mergeEnum } from './enums.js';
import { createHotContext } from './hot.js';
import { type ModuleRecord, privateKey } from './module-record.js';
import { resolveSpecifier } from './resolve.js';

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
    defineClass: (name: string, impl: Constructor, initializers: Record<PropertyKey, () => unknown>): unknown =>
      defineClass(ctx, record, name, impl, initializers),
    decorateClass: (stable: Constructor, members: ((version: object) => void) | null, cls: ((stable: object) => unknown) | null): void =>
      decorateClass(ctx, record, stable, members, cls),
    classDecorators: (stable: Constructor, decorators: readonly unknown[]): void => classDecorators(ctx, record, stable, decorators),
    defineStatic(target: object, key: PropertyKey, value: unknown): void {
      const before = Object.getOwnPropertyDescriptor(target, key);
      // The statement that defines it owns it: when the statement goes, the static goes (commit.ts).
      tracker.current?.statics.push([target, key]);
      ctx.transaction?.onUndo(() => {
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
        ctx.transaction?.onUndo(() => {
          for (const key of Object.keys(target)) if (!(key in saved)) delete target[key];
          Object.assign(target, saved);
          if (previousMembers) record.enumMembers.set(name, previousMembers);
          else record.enumMembers.delete(name);
        });
        ctx.transaction?.notes.push(...changes);
      }
      return target;
    },
  };
  // Getters: a module that moves (moves.ts) reads its new path from then on.
  if (record.kind === 'commonjs') Object.defineProperties(rt, Object.getOwnPropertyDescriptors(commonJsGlobals(ctx, record)));
  const meta = {
    get url(): string {
      return host.fileUrl(record.id);
    },
    get filename(): string {
      return record.id;
    },
    get dirname(): string {
      return host.paths.dirname(record.id);
    },
    hot: createHotContext(record, tracker, (m) => ctx.warn(m)),
    resolve: (specifier: string): string => {
      const res = resolveSpecifier(host, specifier, record.id, ctx.aliases);
      return res.kind === 'project' ? host.fileUrl(res.path) : specifier;
    },
  };
  return { rt, meta };
}
