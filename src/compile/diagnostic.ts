// A problem found in a source file, with the place and a code frame: what every rejection carries.

import { codeFrame, lineStarts, positionAt, printable } from './source-text.js';

/** One problem at one place; `file` is relative to the project root when it reaches the user. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** Source lines around the place, with a caret. */
  readonly frame?: string;
  /** A stable code such as `IMAGO_PARSE` or `TS2322`. */
  readonly code?: string;
}

/** A diagnostic at a UTF-16 offset of `source`. */
export function diagnosticAt(file: string, source: string, offset: number, message: string, code: string): Diagnostic {
  const pos = positionAt(lineStarts(source), offset);
  return { file, line: pos.line, column: pos.column, message, code, frame: codeFrame(source, pos.line, pos.column) };
}

/** `file:line:column message` followed by the code frame: how imago prints a diagnostic (no raw control characters). */
export function formatDiagnostic(d: Diagnostic): string {
  const head = printable(`${d.file}:${d.line}:${d.column} ${d.code ? `${d.code}: ` : ''}${d.message}`);
  return d.frame ? `${head}\n${d.frame}` : head;
}
