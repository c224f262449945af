// A store's slot tables in an image: most are regular (every stamp the same while no row was ever
// removed; a packed store's row and slot tables the identity), so a table that is `a + b * i` is
// written as its two numbers, the free list as its used part, and only an irregular table as bytes.
// A 1M-row store's file is then its columns plus a few bytes, not 16 bytes more per row.

import type { ByteReader, ByteWriter } from './bytes.js';
import { StateFormatError } from './state-format.js';

const RAW = 0;
const AFFINE = 1;
const PREFIX = 2;

/** Writes table `bytes` (u32 entries, a view of a live table: copied) to `w`; `keep`: only its first `keep` entries matter (the free list). */
export function packTable(w: ByteWriter, bytes: Uint8Array, keep: number | null, block: (b: Uint8Array) => number): void {
  const t = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (keep !== null) {
    w.u8(PREFIX);
    w.varint(keep);
    w.varint(block(bytes.slice(0, keep * 4)));
    return;
  }
  const a = t.length > 0 ? t[0]! : 0;
  const b = t.length > 1 ? t[1]! - a : 0;
  let affine = Math.abs(b) < 2 ** 30;
  for (let i = 2; i < t.length && affine; i++) if (t[i] !== a + b * i) affine = false;
  if (affine) {
    w.u8(AFFINE);
    w.varint(a);
    w.varint(b >= 0 ? b * 2 : -b * 2 - 1);
    return;
  }
  w.u8(RAW);
  w.varint(block(bytes.slice()));
}

/** Reads a table `packTable` wrote, `entries` long. */
export function unpackTable(r: ByteReader, entries: number, block: (r: ByteReader) => Uint8Array): Uint8Array {
  const mode = r.u8();
  const out = new Uint8Array(entries * 4);
  if (mode === RAW || mode === PREFIX) {
    const keep = mode === PREFIX ? r.varint() : entries;
    const bytes = block(r);
    if (keep > entries || bytes.byteLength !== keep * 4) throw new StateFormatError(`a store table holds ${bytes.byteLength} bytes, not ${keep * 4}`);
    out.set(bytes);
    return out;
  }
  if (mode !== AFFINE) throw new StateFormatError(`a store table is written in an unknown way (${mode})`);
  const a = r.varint();
  const z = r.varint();
  const b = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  const t = new Uint32Array(out.buffer);
  for (let i = 0; i < entries; i++) t[i] = a + b * i;
  return out;
}
