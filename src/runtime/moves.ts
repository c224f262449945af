// A file renamed or moved while the program runs: the module whose file is gone and a module new to the
// program in the same change, with the same or a similar text, are one module at a new path. Its state,
// functions (and the references saved to them), classes and closures carry over; only its path changes.

import type { ModuleRecord } from './module-record.js';

/** How much of two texts' lines two versions of a moved module share at least (edits made with the move). */
export const MOVE_SIMILARITY = 0.6;

/** The share of lines (trimmed, non-empty) the two texts have in common: 1 for the same text. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const lines = (t: string): Set<string> => new Set(t.split('\n').flatMap((l) => (l.trim() === '' ? [] : [l.trim()])));
  const left = lines(a);
  const right = lines(b);
  let common = 0;
  for (const l of left) if (right.has(l)) common++;
  return common / Math.max(left.size, right.size, 1);
}

export interface Move {
  readonly record: ModuleRecord;
  /** The new module it replaces (made for the new path, before the move was seen). */
  readonly replaces: ModuleRecord;
  readonly to: string;
  readonly toRel: string;
  /** The path it had, for messages. */
  readonly fromRel: string;
}

/**
 * Pairs modules whose file is gone with modules new to the program, most similar first, each at most
 * once and only above MOVE_SIMILARITY.
 */
export function pairMoves(
  gone: ReadonlyArray<{ readonly record: ModuleRecord; readonly text: string }>,
  added: ReadonlyArray<{ readonly record: ModuleRecord; readonly text: string }>,
): Array<{ readonly from: ModuleRecord; readonly to: ModuleRecord }> {
  const scored: Array<{ from: ModuleRecord; to: ModuleRecord; score: number }> = [];
  for (const g of gone) for (const a of added) scored.push({ from: g.record, to: a.record, score: similarity(g.text, a.text) });
  scored.sort((x, y) => y.score - x.score);
  const taken = new Set<ModuleRecord>();
  const out: Array<{ from: ModuleRecord; to: ModuleRecord }> = [];
  for (const s of scored) {
    if (s.score < MOVE_SIMILARITY || taken.has(s.from) || taken.has(s.to)) continue;
    taken.add(s.from);
    taken.add(s.to);
    out.push({ from: s.from, to: s.to });
  }
  return out;
}
