// Never silently unchecked: a TypeScript file a change loads that the type checker's program does not
// reach (one loaded only by a plain `require()`, which TypeScript does not follow) is made a root of
// that program and checked with the change; one the checker still does not hold is said, once.

import type { PreparedModule } from './prepare.js';
import type { TypeGate, TypeGateResult } from './type-gate.js';

type Outcome = { readonly ok: true; readonly r: TypeGateResult } | { readonly ok: false; readonly message: string };

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * The change's check, with the files it loads that the checked program did not reach checked too (made
 * roots of the program, with the texts the change compiles).
 */
export async function withUnreached(
  gate: TypeGate | undefined,
  outcome: Outcome | null,
  prepared: ReadonlyMap<string, PreparedModule>,
  /** The files the change's check was given (checked, whatever the gate says it knows). */
  given: ReadonlyMap<string, unknown>,
): Promise<Outcome | null> {
  if (!gate || !outcome?.ok) return outcome;
  const unreached = [...prepared].filter(([p]) => TYPESCRIPT.test(p) && !given.has(p) && !gate.knows(p));
  if (unreached.length === 0) return outcome;
  try {
    const more = await gate.check(
      new Map(unreached.map(([p, m]) => [p, m.source])),
      false,
      unreached.map(([p]) => p),
    );
    const r = outcome.r;
    return {
      ok: true,
      r: { ...r, errors: [...r.errors, ...more.errors], notices: [...r.notices, ...more.notices], checked: r.checked + more.checked, ms: r.ms + more.ms },
    };
  } catch (e: unknown) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** The TypeScript files of `paths` the gate does not know and `said` does not hold yet (added to it). */
export function uncheckedFiles(gate: TypeGate, paths: Iterable<string>, said: Set<string>): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!TYPESCRIPT.test(p) || gate.knows(p) || said.has(p)) continue;
    said.add(p);
    out.push(p);
  }
  return out;
}

/** What imago says of such a file. */
export const uncheckedNotice = (rel: string): string =>
  `${rel} is not type-checked: the type checker could not take it into the program; load it with import x = require('...') (or an import) to have its changes checked`;
