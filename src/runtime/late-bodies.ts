// The late bodies of a version's closure sites (compile/emit-sites.ts): what closures made by older
// versions run once a change gives them this version's body, and what a statement's closures run while
// the statement is probed (evaluate.ts). Compiled once per version, only when first needed.

import type { LateBody } from './closure-cells.js';
import { lateName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { ImagoError } from './errors.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';

/** The late bodies of `version` of `record`, by cell index (null for a site that does not follow). */
export function lateBodies(ctx: ImageContext, record: ModuleRecord, version: LiveVersion): ReadonlyArray<LateBody | null> {
  if (version.late) return version.late;
  const late = version.compiled.late;
  if (!late) return [];
  const filename = lateName(record.id, version.number);
  ctx.origins.set(filename, { record, source: version.source, positions: late.positions });
  const fn = ctx.host.compileFunction(late.code, version.compiled.params, filename);
  const { rt, meta } = ctx.moduleGlobals(record);
  const out = fn(record.state, record.chain.calls, record.trampolines, record.links, rt, meta, version.cells);
  if (!Array.isArray(out)) throw new ImagoError('IMAGO_INTERNAL', `the closure bodies of ${record.rel} did not compile to a list; please report this`);
  version.late = out as Array<LateBody | null>;
  return version.late;
}
