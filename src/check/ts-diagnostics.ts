// TypeScript's diagnostics as imago diagnostics: `file:line:col TS2322: message` with a code frame, like
// tsc prints them, with chained messages indented below.

import fs from 'node:fs';
import type { Diagnostic as TsDiagnostic } from 'typescript/unstable/sync';
import type { Diagnostic } from '../compile/diagnostic.js';
import { codeFrame, lineStarts, positionAt } from '../compile/source-text.js';

/** Category of an error in the TypeScript 7 API (DiagnosticCategory.Error). */
const ERROR = 1;

function flatten(d: TsDiagnostic, depth = 0): string {
  const lines = [`${'  '.repeat(depth)}${d.text}`];
  for (const next of d.messageChain ?? []) lines.push(flatten(next, depth + 1));
  return lines.join('\n');
}

/**
 * Converts errors, reading each file once for positions and frames; `rel` makes paths project-relative.
 * `given`: texts the check was given (a change's, an edit's): frames show them, not the files on disk.
 */
export function convertDiagnostics(list: readonly TsDiagnostic[], rel: (file: string) => string, given?: ReadonlyMap<string, string | null>): Diagnostic[] {
  const texts = new Map<string, { text: string; starts: number[] } | null>();
  const source = (file: string): { text: string; starts: number[] } | null => {
    if (!texts.has(file)) {
      try {
        const text = given?.get(file) ?? fs.readFileSync(file, 'utf8');
        texts.set(file, { text, starts: lineStarts(text) });
      } catch {
        texts.set(file, null);
      }
    }
    return texts.get(file) ?? null;
  };
  const out: Diagnostic[] = [];
  for (const d of list) {
    if (d.category !== ERROR) continue;
    const message = flatten(d);
    const code = `TS${d.code}`;
    if (!d.fileName) {
      out.push({ file: '', line: 1, column: 1, message, code });
      continue;
    }
    const src = source(d.fileName);
    const pos = src ? positionAt(src.starts, d.pos) : { line: 1, column: 1 };
    out.push({
      file: rel(d.fileName),
      line: pos.line,
      column: pos.column,
      message,
      code,
      ...(src ? { frame: codeFrame(src.text, pos.line, pos.column) } : {}),
    });
  }
  return out;
}
