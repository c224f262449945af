// Whether committing a prepared change runs any of the program's code. Most edits while a server runs
// change function bodies only: their commit installs new bodies and runs no statement, no class
// definition, no dispose callback, so nothing in it can throw but a fault of imago's own. A member of a
// cohort that says so at prepare time (cohort.ts) commits when the change is decided, with no step of its
// own and no wait at a point of no return: two-phase commit where the second phase cannot fail.
//
// The rules mirror evaluate.ts's choice of what runs (docs/semantics.md); the cohort test checks them
// against what commits do.

import type { CompiledModule, Item } from '../compile/compiled-module.js';
import { planClosures } from './closure-cells.js';
import type { ImageContext } from './context.js';
import type { ChangeIntent } from './intent.js';
import type { PreparedChange } from './prepare.js';
import { calledBodyChanged } from './probe.js';

const wholeText = (item: Item): string => item.fullText ?? item.text;

/** The engine compiles the version's late code (late-bodies.ts), tried here without keeping it. */
function engineTakes(ctx: ImageContext, compiled: CompiledModule): boolean {
  if (!compiled.late) return true;
  try {
    ctx.host.compileFunction(compiled.late.code, compiled.params, 'imago-late-bodies-check');
    return true;
  } catch {
    return false;
  }
}

/** True when committing `change` runs none of the program's code (so the program cannot make it fail). */
export function runsNoProgramCode(ctx: ImageContext, change: PreparedChange, intent: ChangeIntent | undefined): boolean {
  // A structural edit migrates data; a resume decodes it; a module unloaded or moved releases what it owns.
  if (intent || ctx.resume || change.unloaded.length > 0 || change.moves.length > 0) return false;
  for (const p of change.prepared.values()) {
    const before = p.record.version?.compiled;
    // A new module runs its statements; renamed and moved names carry values over, and names an explicit
    // edit gave away may be refused to a new function as it is installed (instantiate.ts).
    if (!before || p.compiled.renamedNames || (p.compiled.movedIn?.length ?? 0) > 0) return false;
    if (p.record.movedOut.size > 0 || p.record.functionAliases.size > 0 || p.compiled.renamedFunctions) return false;
    const items = p.compiled.items;
    if (items.length !== before.items.length) return false;
    // A statement's text leaves out the bodies of the closures it passes, which follow edits; what makes
    // one run again (it called one of them, or one cannot follow) is read below from what ran at the
    // last commit. Code runs meanwhile only in a module with a top-level await still settling: there,
    // any change inside a statement counts.
    const textOf = items.some((i) => i.isAsync) || before.items.some((i) => i.isAsync) ? wholeText : (i: Item): string => i.text;
    for (const [i, item] of items.entries()) {
      const old = before.items[i]!;
      // A class runs for every new version of its module; a statement with new text runs again.
      if (item.kind === 'class' || old.key !== item.key || old.kind !== item.kind || textOf(old) !== textOf(item)) return false;
      // A statement that called a function whose body changed runs again.
      if (calledBodyChanged(p.record, item.key, before, p.compiled)) return false;
    }
    // A statement whose closure cannot take its new body runs again (the new version's cells do not matter to that).
    const plan = planClosures(p.record, p.compiled, []);
    if (plan.rerun.size > 0) return false;
    // Closures made before that take new bodies get them from the version's late code, compiled as the
    // change commits: one the engine refuses would fail the commit.
    if (plan.redirects.length > 0 && !engineTakes(ctx, p.compiled)) return false;
  }
  return true;
}
