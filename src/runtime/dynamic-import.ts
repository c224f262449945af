// `import(x)` in project code: a project file joins the image as a root, loaded by a change of its own;
// a package or builtin loads through the host.

import type { ImageContext } from './context.js';
import { dynamicNamespace } from './export-view.js';
import type { ChangeOptions, ChangeResult } from './image-options.js';
import type { ModuleRecord } from './module-record.js';
import { loadPlatform } from './platform.js';
import { resolveSpecifier } from './resolve.js';

export async function dynamicImport(
  ctx: ImageContext,
  record: ModuleRecord,
  specifier: string,
  change: (paths: readonly string[], options: ChangeOptions) => Promise<ChangeResult>,
): Promise<object> {
  const res = resolveSpecifier(ctx.host, specifier, record.id, ctx.aliases);
  if (res.kind === 'platform') return loadPlatform(ctx, specifier, record.id);
  if (res.kind === 'missing') throw new Error(`Cannot find module '${specifier}' imported from ${record.rel}`);
  const known = ctx.modules.get(res.path);
  if (known) return dynamicNamespace(known);
  ctx.roots.add(res.path);
  const queued = ctx.importsQueued;
  queued.set(record, (queued.get(record) ?? 0) + 1);
  ctx.awaitingImport?.(record);
  const result = await change([res.path], { cause: 'import' }).finally(() => {
    const left = (queued.get(record) ?? 1) - 1;
    if (left > 0) queued.set(record, left);
    else queued.delete(record);
  });
  const loaded = ctx.modules.get(res.path);
  if (result.kind === 'rejected' || !loaded) {
    ctx.roots.delete(res.path);
    const first = result.kind === 'rejected' ? result.errors[0] : undefined;
    throw new Error(`imago could not load ${specifier} from ${record.rel}${first ? `: ${first.file}:${first.line}:${first.column} ${first.message}` : ''}`);
  }
  return dynamicNamespace(loaded);
}
