// Counting words in messages, one way everywhere: `1 instance`, `10,000 instances`, `2 classes`.

/** `n word(s)`, with n grouped in thousands (`10,000 rows`); `many` for irregular plurals. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${grouped(n)} ${n === 1 ? word : many}`;
}

/**
 * `n` grouped in thousands: `10,000`. Below 1,000 without `toLocaleString`, whose first call loads ICU's
 * number formatting (~15 ms): a reload line must not pay that.
 */
export function grouped(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1000 ? String(n) : n.toLocaleString('en-US');
}
