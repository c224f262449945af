// Which site of a new version is the counterpart of each site of the live one. Sites are named by their
// owner, the place of each enclosing function and their own, and their rank among sites of the same
// place in the same function (compile/closure-sites.ts). Level by level, outermost first:
//
// - sites whose enclosing functions are counterparts and whose places are the same form a group;
// - in a group, sites whose body did not change are paired by body first, wherever they moved (two
//   `setInterval` calls swapped keep their own bodies);
// - the others were edited: paired by rank while as many are left on each side; else (a closure added
//   above an edited one) they have no counterpart, and a change to them is reported, not guessed:
//   adding `bus.on("msg", audit)` above the existing listener must not give it audit's body.

import type { ClosureSite } from '../compile/compiled-module.js';
import { plural } from './words.js';

/** An old site without a counterpart, and why. */
export interface Unmatched {
  readonly site: ClosureSite;
  readonly reason: string;
  /** A site of the new version at the same place, where a message can point (the old site's line may hold something else now). */
  readonly near?: ClosureSite;
}

export interface SiteMatch {
  /** New site key -> the key of its counterpart in the live version. */
  readonly pairs: ReadonlyMap<string, string>;
  readonly unmatched: readonly Unmatched[];
}

const NO_COUNTERPART = 'the new version has no counterpart for it';
const STATEMENT_CHANGED = 'the top-level statement that made it changed, so it ran again or is gone';

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
      // Closures whose body did not change are paired by it: where they were first, then wherever they
      // moved to (two timers swapped).
      const taken = new Set<ClosureSite>();
      for (const [i, o] of olds.entries()) {
        const n = news[i];
        if (n && n.text === o.text) {
          pair(o, n);
          taken.add(n);
        }
      }
      const byText = new Map<string, ClosureSite[]>();
      for (const n of news) if (!taken.has(n)) byText.set(n.text, [...(byText.get(n.text) ?? []), n]);
      const left: ClosureSite[] = [];
      for (const o of olds) {
        if (moved.has(o.key)) continue;
        const same = byText.get(o.text)?.shift();
        if (same) pair(o, same);
        else left.push(o);
      }
      // The rest were edited: paired in order while as many are left on each side; else not guessed.
      const right = news.filter((n) => !pairs.has(n.key));
      if (left.length === right.length) {
        for (const [i, o] of left.entries()) pair(o, right[i]!);
        continue;
      }
      for (const o of left) {
        if (right.length === 0) unmatched.push({ site: o, reason: o.depth === 1 && o.ownerKey.startsWith('e:') ? STATEMENT_CHANGED : NO_COUNTERPART });
        else
          unmatched.push({
            site: o,
            near: right[0]!,
            reason: `there ${news.length === 1 ? 'is' : 'are'} ${plural(news.length, 'closure')} at its place where there ${olds.length === 1 ? 'was' : 'were'} ${olds.length}, and its body changed, so imago cannot tell which is its counterpart (save the added or removed closure and the edit separately)`,
          });
      }
    }
  }
  return { pairs, unmatched };
}
