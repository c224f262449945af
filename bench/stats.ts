// Small statistics helpers for the benchmarks.

export function quantile(values: readonly number[], q: number): number {
  const s = values.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/**
 * Fastest ms of each of `runs` over interleaved rounds (order alternating, so all share the same noise),
 * after `warmup` calls of each. The minimum, not the median: on a shared machine noise only ever adds
 * time, so the fastest run is the truest measure of the code's speed.
 */
export function fastestInterleaved(runs: ReadonlyArray<() => unknown>, rounds: number, warmup = 5): number[] {
  for (const run of runs) for (let i = 0; i < warmup; i++) run();
  const samples = runs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? runs.map((_, i) => i) : runs.map((_, i) => runs.length - 1 - i);
    for (const i of order) {
      const t = performance.now();
      runs[i]!();
      samples[i]!.push(performance.now() - t);
    }
  }
  return samples.map((s) => Math.min(...s));
}
