// Offsets, line/column positions and code frames over a source text.

/** A 1-based line and 1-based column in a source file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Start offsets of every line of `source`. */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The 1-based line and column of a UTF-16 offset. */
export function positionAt(starts: readonly number[], offset: number): SourcePosition {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** The UTF-16 offset of a 1-based line and column (clamped to the text). */
export function offsetAt(starts: readonly number[], line: number, column: number): number {
  const idx = Math.min(Math.max(line - 1, 0), starts.length - 1);
  return starts[idx]! + Math.max(column - 1, 0);
}

/**
 * A code frame like tsc and Vite print: two lines of context, the line with the error, a caret under the
 * column. `line` and `column` are 1-based.
 */
export function codeFrame(source: string, line: number, column: number, context = 2): string {
  const lines = source.split('\n');
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const body = printable((lines[n - 1] ?? '').replace(/\r$/, ''));
    const mark = n === line ? '>' : ' ';
    out.push(`${mark} ${String(n).padStart(width)} | ${body}`);
    if (n === line) {
      const pad = body.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
      out.push(`  ${' '.repeat(width)} | ${pad}^`);
    }
  }
  return out.join('\n');
}

/**
 * A line as a terminal can show it: control characters (an escape sequence in a broken file would reach
 * the terminal and act) become their Unicode control pictures (␛ for ESC), one column each.
 */
export function printable(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}
