// Top-level statements an edit adds after the classes, run in the same change as the class edit
// (semantics.md, "When it runs": statements after the class already see the new layout). Either rows
// added and removed through the harness (the model adds them with the new layout), or a change that
// throws late (phase evaluate) after adding and removing rows of stores the change migrates: the whole
// change is rejected and every such store gets its rows and columns back (stores.md, "Limits": rows a
// rejected change's statements added or removed are put back when it also edited the store's class).

import type { Rng } from './layout-gen.js';
import { CLASSES, type Cls, chainOf, type Decl, newRow, type World } from './layout-model.js';

export type Stmt = { readonly op: 'add'; readonly cls: Cls } | { readonly op: 'remove'; readonly cls: Cls; readonly i: number };

/** What an edit runs after its classes; `late`: it throws at the end. */
export interface Statements {
  readonly stmts: readonly Stmt[];
  readonly late: boolean;
}

export const NONE: Statements = { stmts: [], late: false };

/** Whether the change migrates the stores of `cls`: a field of its chain added, removed or retyped. */
function migrates(world: World, next: Decl, cls: Cls): boolean {
  const key = (d: Decl): string =>
    chainOf(d, cls)
      .map((f) => `${f.name}:${f.ty}`)
      .sort()
      .join();
  return key(world.decl) !== key(next);
}

/** Statements for an edit to `next`: none most of the time. */
export function generateStatements(rng: Rng, world: World, next: Decl): Statements {
  if (!rng.chance(0.3)) return NONE;
  const late = rng.chance(0.4);
  // A late throw: only stores the change migrates, whose rows are put back (the others keep theirs).
  const classes = late ? CLASSES.filter((c) => migrates(world, next, c)) : CLASSES;
  if (classes.length === 0) return NONE;
  const rows = Object.fromEntries(CLASSES.map((c) => [c, world.rows[c].length])) as Record<Cls, number>;
  const stmts: Stmt[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const cls = rng.pick(classes);
    if (rows[cls] > 0 && rng.chance(0.5)) {
      stmts.push({ op: 'remove', cls, i: rng.int(rows[cls]) });
      rows[cls]--;
    } else {
      stmts.push({ op: 'add', cls });
      // store.add({}) throws for a field with no initializer whose type does not allow undefined.
      if (newRow(next, cls)) rows[cls]++;
    }
  }
  return { stmts, late };
}

/**
 * The statements as source, made unique by `step` (a statement runs when its text is new). A late
 * change works on the stores directly, so the harness's handle lists (plain arrays) are not touched.
 */
export function statementsText(s: Statements, step: number): string {
  const line = (t: Stmt): string =>
    s.late
      ? t.op === 'add'
        ? `fuzz().rawAdd!('${t.cls}', ${step});`
        : `fuzz().rawRemove!('${t.cls}', ${t.i}, ${step});`
      : t.op === 'add'
        ? `fuzz().addRow!('${t.cls}', ${step});`
        : `fuzz().removeRow!('${t.cls}', ${t.i}, ${step});`;
  return `${s.stmts.map(line).join('\n')}${s.late ? `\nthrow new Error('late failure at step ${step}');` : ''}\n`;
}

export const describeStatements = (s: Statements): string =>
  s.stmts.length === 0
    ? ''
    : `; then ${s.stmts.map((t) => (t.op === 'add' ? `add a ${t.cls} row` : `remove ${t.cls} row ${t.i}`)).join(', ')}${s.late ? ', then throw' : ''}`;

/** The world after the statements of an applied edit (never late: a late edit is rejected). */
export function runStatements(world: World, s: Statements): World {
  let rows = world.rows;
  for (const t of s.stmts) {
    if (t.op === 'remove') rows = { ...rows, [t.cls]: rows[t.cls].filter((_, i) => i !== t.i) };
    else {
      const row = newRow(world.decl, t.cls);
      if (row) rows = { ...rows, [t.cls]: [...rows[t.cls], row] };
    }
  }
  return { ...world, rows };
}
