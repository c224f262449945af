// A new version's code given to the JavaScript engine at prepare time, not at commit: the compiler's
// output can still be refused by the engine (a regular expression syntax newer than this Node's V8, say
// `/(?i:a)b/`), and a refusal must reject the change before anything commits (a cohort's members commit
// only once the change is kept: cohort.ts). The function made is kept for the commit (instantiate.ts).

import type { CompiledModule } from '../compile/compiled-module.js';
import type { Diagnostic } from '../compile/diagnostic.js';
import { codeFrame } from '../compile/source-text.js';
import { versionName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { messageOf } from './errors.js';
import type { CompiledFunction } from './host.js';
import type { ModuleRecord } from './module-record.js';

/** A module's code compiled by the engine under the name its next version's stack frames carry. */
export interface EngineCompiled {
  readonly filename: string;
  readonly fn: CompiledFunction;
}

/** The engine's function for the next version of `record`, or the diagnostic of its refusal (placed in the source when it can be). */
export function engineCompile(
  ctx: ImageContext,
  record: ModuleRecord,
  compiled: CompiledModule,
  source: string,
): { readonly ok: true; readonly made: EngineCompiled } | { readonly ok: false; readonly error: Diagnostic } {
  const filename = versionName(record.id, record.versions + 1);
  try {
    return { ok: true, made: { filename, fn: ctx.host.compileFunction(compiled.code, compiled.params, filename) } };
  } catch (e: unknown) {
    // V8's stack starts `<filename>:<line>`, the line, and carets under the place: mapped back to the source.
    const [head = '', , carets = ''] = (e instanceof Error ? (e.stack ?? '') : '').split('\n');
    const line = Number(/:(\d+)$/.exec(head)?.[1] ?? 0);
    const pos = line > 0 ? compiled.positions.source(line, Math.max(0, carets.indexOf('^')) + 1) : { line: 1, column: 1 };
    const message = `${messageOf(e)}: this JavaScript engine refuses what ${record.rel} compiles to (a syntax newer than this Node supports?); write it another way`;
    return {
      ok: false,
      error: { file: record.rel, line: pos.line, column: pos.column, code: 'IMAGO_PARSE', message, frame: codeFrame(source, pos.line, pos.column) },
    };
  }
}
