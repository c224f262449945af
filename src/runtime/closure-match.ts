// Which site of a new version is the counterpart of each site of the live one. Sites are named by their
// owner, the place of each enclosing function and their own, and their rank among sites of the same
// place in the same function (compile/closure-sites.ts). Level by level, outermost first:
//
// - sites whose enclosing functions are counterparts and whose places are the same form a group;
// - a group with as many sites as before pairs them by rank: the first `bus.on("msg")` closure with
//   the first, however their bodies changed;
// - a group whose number of sites changed pairs only sites whose bodies are the same, since adding
//   `bus.on("msg", audit)` above the existing listener must not give the old listener audit's body;
//   the rest of the old sites have no counterpart, and a change to them is reported, not guessed.

import type { ClosureSite } from '../compile/compiled-module.js';
import { plural } from './words.js';

/** An old site without a counterpart, and why. */
export interface Unmatched {
  readonly site: ClosureSite;
  readonly reason: string;
}

export interface SiteMatch {
  /** New site key -> the key of its counterpart in the live version. */
  readonly pairs: ReadonlyMap<string, string>;
  readonly unmatched: readonly Unmatched[];
}

const NO_COUNTERPART = 'the new version has no counterpart for it';

/** Pairs the sites of the live version (`previous`) with those of the new one (`next`). */
export function matchSites(previous: readonly ClosureSite[], next: readonly ClosureSite[]): SiteMatch {
  const pairs = new Map<string, string>();
  /** Old key -> new key, for the enclosing functions already paired. */
  const moved = new Map<string, string>();
  const unmatched: Unmatched[] = [];
  let depth = 0;
  for (const s of previous) depth = Math.max(depth, s.depth);
  for (const s of next) depth = Math.max(depth, s.depth);
  for (let d = 1; d <= depth; d++) {
    const groups = new Map<string, { olds: ClosureSite[]; news: ClosureSite[] }>();
    const group = (key: string): { olds: ClosureSite[]; news: ClosureSite[] } => {
      const g = groups.get(key) ?? { olds: [], news: [] };
      groups.set(key, g);
      return g;
    };
    for (const s of previous) {
      if (s.depth !== d) continue;
      const parent = d === 1 ? s.parent : moved.get(s.parent);
      if (parent === undefined) unmatched.push({ site: s, reason: NO_COUNTERPART });
      else group(`${parent}\0${s.place}`).olds.push(s);
    }
    for (const s of next) if (s.depth === d) group(`${s.parent}\0${s.place}`).news.push(s);
    for (const { olds, news } of groups.values()) {
      olds.sort((a, b) => a.rank - b.rank);
      news.sort((a, b) => a.rank - b.rank);
      const pair = (o: ClosureSite, n: ClosureSite): void => {
        pairs.set(n.key, o.key);
        moved.set(o.key, n.key);
      };
      if (olds.length === news.length) {
        for (const [i, o] of olds.entries()) pair(o, news[i]!);
        continue;
      }
      const byText = new Map<string, ClosureSite[]>();
      for (const n of news) byText.set(n.text, [...(byText.get(n.text) ?? []), n]);
      const left: ClosureSite[] = [];
      for (const o of olds) {
        const same = byText.get(o.text)?.shift();
        if (same) pair(o, same);
        else left.push(o);
      }
      // What is left unpaired on both sides may be edits of each other: imago does not guess which.
      const unpairedNew = [...byText.values()].flat().length;
      for (const o of left) {
        const reason =
          unpairedNew === 0
            ? NO_COUNTERPART
            : `there ${news.length === 1 ? 'is' : 'are'} ${plural(news.length, 'closure')} at its place where there ${olds.length === 1 ? 'was' : 'were'} ${olds.length}, so imago cannot tell which is its counterpart (it pairs them in order only while their number stays the same)`;
        unmatched.push({ site: o, reason });
      }
    }
  }
  return { pairs, unmatched };
}
