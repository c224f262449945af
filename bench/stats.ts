// Small statistics helpers for the benchmarks.

export function quantile(values: readonly number[], q: number): number {
  const s = values.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const fmt = (n: number, digits = 2): string => n.toFixed(digits);
