// Finds where in the project's TypeScript a thrown error came from: the first stack frame in a project
// module, mapped through that version's PositionMap (or already mapped by the host's stack hook).

import type { Diagnostic } from '../compile/diagnostic.js';
import { codeFrame, type SourcePosition } from '../compile/source-text.js';
import { parseCompiledName, STACK_LOCATION, withoutCompiledNames } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { messageOf } from './errors.js';

/** The source position of an emitted position in compiled file `filename`, or null if not ours. */
export function mapPosition(ctx: ImageContext, filename: string, line: number, column: number): { rel: string; pos: SourcePosition; source: string } | null {
  const origin = ctx.origins.get(filename);
  if (origin) return { rel: origin.record.rel, pos: origin.positions.source(line, column), source: origin.source };
  // Already mapped by the host's stack hook: the newest compiled version of that file has the source.
  let newest: { n: number; source: string; rel: string } | null = null;
  for (const [key, o] of ctx.origins) {
    const name = parseCompiledName(key);
    if (name?.kind !== 'version' || name.id !== filename) continue;
    if (!newest || name.version > newest.n) newest = { n: name.version, source: o.source, rel: o.record.rel };
  }
  return newest ? { rel: newest.rel, pos: { line, column }, source: newest.source } : null;
}

/** A diagnostic for a thrown value: its message at the first project frame of its stack. */
export function locateError(ctx: ImageContext, error: unknown, fallbackFile = ''): Diagnostic {
  const name = error instanceof Error ? error.name : 'Error';
  const message = `${name}: ${withoutCompiledNames(messageOf(error))}`;
  const stack = error instanceof Error ? String(error.stack ?? '') : '';
  for (const m of stack.matchAll(STACK_LOCATION)) {
    const hit = mapPosition(ctx, m[1]!, Number(m[2]), Number(m[3]));
    if (!hit) continue;
    return {
      file: hit.rel,
      line: hit.pos.line,
      column: hit.pos.column,
      message,
      code: 'IMAGO_EVALUATE',
      frame: codeFrame(hit.source, hit.pos.line, hit.pos.column),
    };
  }
  return { file: fallbackFile, line: 1, column: 1, message, code: 'IMAGO_EVALUATE' };
}
