// Strings in an image: a table of distinct strings (names, keys, values the stream refers to by number)
// and string columns, both written as one UTF-8 block plus the UTF-16 length of each string, so decoding
// is one TextDecoder call and a slice per string. A string with a lone surrogate (which UTF-8 cannot
// carry) is written as its JSON text, flagged in the high bit of its length.

import { StateFormatError } from './state-format.js';

const JSON_FLAG = 0x80000000;
/** ES2024's String.prototype.isWellFormed (Node 20 has it; the project's lib is ES2023). */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Lengths and one UTF-8 block for `strings`. */
export function packStrings(strings: readonly string[]): { lengths: Uint32Array; text: Uint8Array } {
  const lengths = new Uint32Array(strings.length);
  let parts: string[] | null = null;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    if (wellFormed(s)) {
      lengths[i] = s.length;
      continue;
    }
    parts ??= strings.slice();
    const json = JSON.stringify(s);
    lengths[i] = json.length | JSON_FLAG;
    parts[i] = json;
  }
  return { lengths, text: encoder.encode((parts ?? strings).join('')) };
}

/** The strings `packStrings` packed. */
export function unpackStrings(lengths: Uint32Array, text: Uint8Array, what: string): string[] {
  let all: string;
  try {
    all = decoder.decode(text);
  } catch {
    throw new StateFormatError(`${what}: its strings are not UTF-8`);
  }
  const out = new Array<string>(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const raw = lengths[i]!;
    const n = raw & ~JSON_FLAG;
    if (at + n > all.length) throw new StateFormatError(`${what}: its strings are shorter than their lengths say`);
    const s = all.slice(at, at + n);
    at += n;
    out[i] = raw & JSON_FLAG ? (JSON.parse(s) as string) : s;
  }
  if (at !== all.length) throw new StateFormatError(`${what}: its strings are longer than their lengths say`);
  return out;
}

/** Distinct strings, numbered in the order first seen. */
export { wellFormed };

export class StringTable {
  readonly #ids = new Map<string, number>();
  readonly list: string[] = [];

  id(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.#ids.set(s, id);
    }
    return id;
  }
}
