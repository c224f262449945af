// Text helpers of the structural edits: files read without their byte-order mark, edits applied.

import fs from 'node:fs';

/** A file's text without its byte-order mark (the checker's offsets count none), and the mark. */
export function readSource(file: string): { bom: string; text: string } {
  const raw = fs.readFileSync(file, 'utf8');
  return raw.charCodeAt(0) === 0xfeff ? { bom: '\uFEFF', text: raw.slice(1) } : { bom: '', text: raw };
}

/** Applies [start, end) -> text edits to `text` (none overlapping). */
export function apply(text: string, edits: ReadonlyArray<{ start: number; end: number; text: string }>): string {
  let out = text;
  // From the end; at one place, a replacement before an insertion (which then lands in front of it).
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
