// Compiling a module's text through the host's compile cache: the one kept between runs
// (host/compile-cache.ts) or, in a member of a cohort, the modules its coordinator compiled for the
// change under way (host/cohort/shipped.ts): a cluster's primary compiles each changed file once, and
// its workers, which serve requests meanwhile, take the result instead of compiling it each.

import { type CompileResult, compileModule } from '../compile/compile-module.js';
import type { CompiledModule } from '../compile/compiled-module.js';
import { type ImageContext, relativePath } from './context.js';
import type { ModuleKind } from './module-kind.js';
import type { PreparedChange } from './prepare.js';
import { extensionOf } from './resolve.js';

/** A module compiled from `source` as `file` (project-relative) with the options `options` names: a cache's entry. */
export interface CompiledText {
  readonly file: string;
  readonly source: string;
  readonly options: string;
  readonly module: CompiledModule;
}

/** Wraps JSON as a module with a default export, so data files hot-swap like code. */
export function moduleSource(path: string, text: string): string {
  return extensionOf(path) === '.json' ? `export default ${text.trim() || 'null'};\n` : text;
}

function optionsFor(ctx: ImageContext, kind: ModuleKind): { options: Parameters<typeof compileModule>[2]; key: string } {
  const options = {
    ...ctx.compileOptions,
    commonjs: kind === 'commonjs',
    ...(ctx.host.lowerDecorators ? { lowerDecorators: ctx.host.lowerDecorators } : {}),
  };
  // What the output depends on besides the text: the options (decorator lowering by its presence).
  return { options, key: JSON.stringify({ ...options, lowerDecorators: options.lowerDecorators !== undefined }) };
}

/** Compiles a module's text, or takes what the host's compile cache holds of the same text and options. */
export function compileCached(ctx: ImageContext, rel: string, kind: ModuleKind, source: string): CompileResult {
  const { options, key } = optionsFor(ctx, kind);
  const cache = ctx.host.compileCache;
  const kept = cache?.get(rel, source, key);
  if (kept) return { ok: true, module: kept };
  const result = compileModule(rel, source, options);
  if (result.ok) cache?.put(rel, source, key, result.module);
  return result;
}

/**
 * The modules of `paths` (absolute) that `members` hold, compiled from `texts` for them: they take these
 * instead of compiling each (a text that does not compile is left to them: they say why). A module this
 * image prepared itself (`here`) is not compiled twice; the others are compiled only when `compileRest`
 * (an image that runs no program: a program's own thread keeps its time for the program).
 */
export function compileForMembers(
  ctx: ImageContext,
  members: { holds(path: string): boolean },
  paths: readonly string[],
  texts: ReadonlyMap<string, string | null>,
  here: PreparedChange,
  compileRest: boolean,
): CompiledText[] {
  const out: CompiledText[] = [];
  for (const path of paths.filter((p) => members.holds(p))) {
    const text = texts.get(path);
    if (text === undefined || text === null) continue;
    const kind = extensionOf(path) === '.json' ? 'module' : (ctx.modules.get(path)?.kind ?? ctx.host.moduleKind(path));
    const file = relativePath(ctx, path);
    const source = moduleSource(path, text);
    const mine = here.prepared.get(path);
    if (mine?.source !== source && !compileRest) continue;
    const result = mine?.source === source ? { ok: true as const, module: mine.compiled } : compileCached(ctx, file, kind, source);
    if (result.ok) out.push({ file, source, options: optionsFor(ctx, kind).key, module: result.module });
  }
  return out;
}
