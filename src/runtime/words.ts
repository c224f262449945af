// Counting words in messages, one way everywhere: `1 instance`, `10,000 instances`, `2 classes`.

/** `n word(s)`, with n grouped in thousands (`10,000 rows`); `many` for irregular plurals. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
