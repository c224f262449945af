// `import.meta.hot.accept` callbacks, run after a change was applied: a module's own callbacks when it
// was updated, a dependency's when that dependency was.

import type { ImageContext } from './context.js';
import { messageOf } from './errors.js';
import { locateError } from './locate.js';

/** Calls the acceptors of every module for a change that updated the modules `updated` (project-relative). */
export function runAcceptors(ctx: ImageContext, updated: ReadonlySet<string>): void {
  for (const record of ctx.modules.values()) {
    const version = record.version;
    if (!version) continue;
    for (const owner of [...record.owners.values(), record.moduleOwner]) {
      for (const acceptor of owner.acceptors) {
        let value: unknown;
        if (acceptor.deps === null) {
          if (!updated.has(record.rel)) continue;
          value = record.view;
        } else {
          const views = acceptor.deps.map((spec) => {
            const index = version.compiled.dependencies.findIndex((d) => d.specifier === spec);
            const t = index >= 0 ? version.targets[index] : undefined;
            return t?.kind === 'project' && updated.has(t.record.rel) ? t.record.view : null;
          });
          if (views.every((v) => v === null)) continue;
          value = acceptor.many ? views : views[0];
        }
        try {
          acceptor.callback(value);
        } catch (e: unknown) {
          ctx.warn(`an import.meta.hot.accept callback in ${record.rel} threw: ${messageOf(e)}`, [locateError(ctx, e, record.rel)]);
        }
      }
    }
  }
}
