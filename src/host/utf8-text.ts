// Source files are UTF-8 text. Bytes that are not (a file saved as Latin-1 or UTF-16, binary garbage)
// are refused where they stop being UTF-8: decoded anyway, they would run with replacement characters.

import { isUtf8 } from 'node:buffer';
import type { FileRead } from '../runtime/host.js';

/**
 * Why `bytes` are not a source file's text, or null when they are: not UTF-8 (refused where they stop
 * being it), or UTF-16 (with a byte order mark, or without one: every other byte zero, which is valid
 * UTF-8 that would only ever parse as a row of NUL characters).
 */
export function notText(bytes: Buffer): Extract<FileRead, { kind: 'unreadable' }> | null {
  const utf16 = (why: string): Extract<FileRead, { kind: 'unreadable' }> => ({
    kind: 'unreadable',
    code: 'EILSEQ',
    message: `it is UTF-16 text (${why}), not UTF-8`,
    line: 1,
    column: 1,
  });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return utf16('it starts with a UTF-16 byte order mark');
  if (isUtf8(bytes)) return looksUtf16(bytes) ? utf16('every other byte is zero') : null;
  return notUtf8(bytes);
}

/** True when most bytes at even (or odd) offsets of the start are zero: ASCII saved as UTF-16. */
function looksUtf16(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512) & ~1;
  if (n < 4 || !b.subarray(0, n).includes(0)) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  return Math.max(even, odd) > (n / 2) * 0.6;
}

/** The first byte where `bytes` stop being UTF-8 (they are not), as a read refused with its place. */
function notUtf8(bytes: Buffer): Extract<FileRead, { kind: 'unreadable' }> {
  const at = firstNonUtf8(bytes);
  const before = bytes.subarray(0, at).toString('utf8');
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  const hex = bytes[at]!.toString(16).padStart(2, '0');
  return { kind: 'unreadable', code: 'EILSEQ', message: `it is not UTF-8 text (the byte 0x${hex} at line ${line}, column ${column})`, line, column };
}

/** The offset of the first byte of `b` that does not begin a valid UTF-8 sequence (RFC 3629). */
function firstNonUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    for (let k = 1; k <= need; k++) if (i + k >= b.length || ((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const next = b[i + 1]!;
    // Overlong forms, UTF-16 surrogates, past U+10FFFF.
    if ((c === 0xe0 && next < 0xa0) || (c === 0xed && next >= 0xa0) || (c === 0xf0 && next < 0x90) || (c === 0xf4 && next >= 0x90)) return i;
    i += need + 1;
  }
  return b.length;
}
