// A fingerprint of a file's text, so two readers of the same file (the type checker and the compiler)
// can tell whether they saw the same save. Not cryptographic: two 32-bit FNV-1a lanes with different
// seeds, over UTF-16 code units, as a 16-digit hex string.

export function textHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${((b ^ text.length) >>> 0).toString(16).padStart(8, '0')}`;
}

/** What stands for a file that was not there when it was read. */
export const DELETED = 'deleted';
