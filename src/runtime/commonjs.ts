// What a CommonJS module (module-kind.ts) has of its own: `require`, `module`, `exports`, `__filename`,
// `__dirname`. `require` of a project file returns that module's exports (its ES `export`s when it has
// any, else what its `module.exports` holds); of a package, what Node's require returns. A project file
// is loaded before the module runs when it is required with a string (compile-module.ts); one required
// any other way must be loaded already.

import type { ImageContext } from './context.js';
import { markEsModule } from './export-view.js';
import type { ModuleRecord } from './module-record.js';
import { IMAGO_STORE, resolveSpecifier } from './resolve.js';

/** What `require()` of project module `target` returns. */
export function requiredExports(target: ModuleRecord): unknown {
  if (!target.esmExports) return target.cjs.value;
  // ES exports read from CommonJS code: marked as TypeScript's CommonJS output marks them.
  markEsModule(target.view);
  return target.view;
}

export interface CommonJsGlobals {
  readonly require: (specifier: string) => unknown;
  readonly module: object;
  readonly exports: Record<string, unknown>;
  readonly __filename: string;
  readonly __dirname: string;
}

export function commonJsGlobals(ctx: ImageContext, record: ModuleRecord): CommonJsGlobals {
  const { host } = ctx;
  const require = (specifier: string): unknown => {
    if (typeof specifier !== 'string') throw new TypeError(`The "id" argument must be of type string. Received ${typeof specifier}`);
    if (specifier === IMAGO_STORE) return ctx.storeApi;
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
    return requiredExports(target);
  };
  const module = {
    id: record.id,
    filename: record.id,
    path: host.paths.dirname(record.id),
    loaded: true,
    children: [] as unknown[],
    require,
    get exports(): unknown {
      return record.cjs.value;
    },
    set exports(value: unknown) {
      const before = record.cjs.value;
      record.cjs.value = value;
      ctx.transaction?.onUndo(() => {
        record.cjs.value = before;
      });
    },
  };
  return { require, module, exports: record.cjs.exports, __filename: record.id, __dirname: host.paths.dirname(record.id) };
}
