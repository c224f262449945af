// Never silently unchecked: a TypeScript file a change loads that the type checker's program does not
// hold (one reached only by a plain `require()`, which TypeScript does not follow) is said, once.

import type { TypeGate } from './type-gate.js';

/** The TypeScript files of `paths` the gate does not know and `said` does not hold yet (added to it). */
export function uncheckedFiles(gate: TypeGate, paths: Iterable<string>, said: Set<string>): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!/\.[cm]?tsx?$/.test(p) || gate.knows(p) || said.has(p)) continue;
    said.add(p);
    out.push(p);
  }
  return out;
}

/** What imago says of such a file. */
export const uncheckedNotice = (rel: string): string =>
  `${rel} is not type-checked: TypeScript does not follow the require() that loads it; load it with import x = require('...') (or an import) to have its changes checked`;
