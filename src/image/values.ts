// Small facts about values the state codec asks of them.

/** An object or a function (what the codec numbers), as opposed to a primitive. */
export const isRef = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** The indices a sparse array holds (its other keys, `meta` or `-1`, are not elements: left out, as for any array). */
export function sparseIndices(a: readonly unknown[]): number[] {
  const out: number[] = [];
  for (const k of Object.keys(a)) {
    const i = Number(k);
    if (String(i) === k && Number.isInteger(i) && i >= 0 && i < a.length) out.push(i);
  }
  return out;
}

/**
 * A long array with most indices missing (`byId[3_000_000_000] = x`): saved as its length and the
 * indices it has, never walked index by index. Sixty-four evenly spaced probes tell a dense array at once.
 */
export function isSparse(a: readonly unknown[]): boolean {
  const n = a.length;
  if (n < 1 << 16) return false;
  let present = 0;
  for (let p = 0; p < 64; p++) if (Math.floor((p * (n - 1)) / 63) in a) present++;
  return present < 32 && Object.keys(a).length < n / 2;
}
