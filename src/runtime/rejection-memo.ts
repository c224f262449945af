// The texts a change was rejected for, so that the same save seen twice (one save delivered as two
// batches of file events on a loaded machine) is said once: the rejection stands. Only within a moment
// of the rejection: saved again later, the same text may meet a world that changed (a package installed
// since, a file outside the watch), and is checked again.

import type { CheckedTexts } from './sources.js';

/** How soon after a rejection the same texts count as the same save seen twice, not a retry. */
export const SEEN_TWICE_MS = 1000;

export class RejectionMemo {
  #last: { readonly at: number; readonly texts: ReadonlyMap<string, string | null | undefined> } | null = null;

  /** The change that touched `touched` with `texts` was rejected at `at` (null texts: nothing to compare). */
  remember(texts: CheckedTexts | null, touched: readonly string[], at: number): void {
    this.#last = texts ? { at, texts: new Map(touched.map((p) => [p, texts.get(p)])) } : null;
  }

  /** True when `touched` are the files the rejected change touched, with the same texts, all readable. */
  seenAgain(texts: CheckedTexts, touched: readonly string[], now: number): boolean {
    const last = this.#last && now - this.#last.at < SEEN_TWICE_MS ? this.#last.texts : null;
    if (!last || last.size !== touched.length) return false;
    return touched.every((p) => texts.has(p) && last.has(p) && last.get(p) === texts.get(p));
  }
}
