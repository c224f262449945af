// What a CommonJS module (module-kind.ts) has of its own: `require`, `module`, `exports`, `__filename`,
// `__dirname`. `require` of a project file returns that module's exports (its ES `export`s when it has
// any, else what its `module.exports` holds); of a package, what Node's require returns. A project file
// is loaded before the module runs when it is required with a string (compile-module.ts); one required
// any other way must be loaded already.

import type { ImageContext } from './context.js';
import { markEsModule } from './export-view.js';
import type { ModuleRecord } from './module-record.js';
import { IMAGO_IMAGE, IMAGO_STORE, resolveSpecifier } from './resolve.js';

/** What `require()` of project module `target` returns. */
export function requiredExports(target: ModuleRecord): unknown {
  // A JSON file: its value, as Node's require parses it.
  if (target.id.endsWith('.json')) return (target.view as { default?: unknown }).default;
  if (!target.esmExports) return target.cjs.value;
  // ES exports read from CommonJS code: marked as TypeScript's CommonJS output marks them.
  markEsModule(target.view);
  return target.view;
}

export interface CommonJsGlobals {
  readonly require: ((specifier: string) => unknown) & { readonly resolve: (specifier: string) => string; readonly main: object | undefined };
  readonly module: object;
  readonly exports: Record<string, unknown>;
  readonly __filename: string;
  readonly __dirname: string;
}

export function commonJsGlobals(ctx: ImageContext, record: ModuleRecord): CommonJsGlobals {
  const { host } = ctx;
  const require = ((specifier: string): unknown => {
    if (typeof specifier !== 'string') throw new TypeError(`The "id" argument must be of type string. Received ${typeof specifier}`);
    if (specifier === IMAGO_STORE) return ctx.storeApi;
    if (specifier === IMAGO_IMAGE) return ctx.imageApi;
    const res = resolveSpecifier(host, specifier, record.id, ctx.aliases);
    if (res.kind === 'platform') return host.requirePlatform(specifier, record.id);
    if (res.kind === 'missing') {
      const error = new Error(`Cannot find module '${specifier}' required from ${record.rel}`);
      (error as Error & { code: string }).code = 'MODULE_NOT_FOUND';
      throw error;
    }
    // A module the change that loads this one loads too is required while that change runs.
    const target = ctx.modules.get(res.path) ?? ctx.transaction?.recordAt(res.path) ?? null;
    if (!target || (!target.version && ctx.transaction?.recordAt(res.path) !== target)) {
      throw new Error(
        `imago cannot require('${specifier}') from ${record.rel}: the file is not loaded yet; require it with a string literal (imago then loads it with ${record.rel}), or import it`,
      );
    }
    // A file the running change loads runs when it is first required, as in Node.
    ctx.evaluateNow?.(target);
    return requiredExports(target);
  }) as CommonJsGlobals['require'];
  Object.defineProperties(require, {
    resolve: {
      value: (specifier: string): string => {
        const res = resolveSpecifier(host, specifier, record.id, ctx.aliases);
        if (res.kind === 'project') return res.path;
        if (res.kind === 'platform') return host.resolvePlatform(specifier, record.id);
        const error = new Error(`Cannot find module '${specifier}' required from ${record.rel}`);
        (error as Error & { code: string }).code = 'MODULE_NOT_FOUND';
        throw error;
      },
    },
    // The entry's module when the entry is a CommonJS module (`if (require.main === module) main()`).
    main: { get: () => (ctx.entry === record.id ? module : (ctx.modules.get(ctx.entry)?.cjs.module ?? undefined)) },
    // Project modules are imago's, not Node's: deleting from this cache reloads nothing (edit the file).
    cache: { value: Object.create(null) as object },
  });
  const module = {
    get id(): string {
      return record.id;
    },
    get filename(): string {
      return record.id;
    },
    get path(): string {
      return host.paths.dirname(record.id);
    },
    loaded: true,
    children: [] as unknown[],
    paths: [] as string[],
    require,
    get exports(): unknown {
      if (!record.esmExports) return record.cjs.value;
      markEsModule(record.view);
      return record.view;
    },
    set exports(value: unknown) {
      const before = record.cjs.value;
      record.cjs.value = value;
      ctx.transaction?.onUndo(() => {
        record.cjs.value = before;
      });
    },
  };
  record.cjs.module = module;
  return {
    require,
    module,
    exports: record.cjs.exports,
    get __filename(): string {
      return record.id;
    },
    get __dirname(): string {
      return host.paths.dirname(record.id);
    },
  };
}
