// What the reload line and the event say a change did to each class's layout: the class's own fields
// before and after, and what its instances and rows really got (moved between classes of a chain,
// renamed from another class's field, gained or lost with a new parent).

import type { LayoutReport } from './events.js';
import type { StepLog } from './layout-log.js';

/** One report per class step of a transaction, moves between them paired up. */
export function layoutReports(steps: readonly StepLog[]): LayoutReport[] {
  const reports = steps.map((s) => report(s));
  markMoves(reports, steps);
  return reports;
}

function report(s: StepLog): LayoutReport {
  const { step, diff } = s;
  const typeOf = (text: string): string => text || '(inferred)';
  // Renamed from a field another class of the chain declared (the value moved with the marker).
  const renamedAcross = diff.added.filter(
    (a) => !a.from && s.renamed.get(a.field.name)?.owner !== undefined && s.renamed.get(a.field.name)?.owner !== step.identity,
  );
  const retyped = [
    ...diff.retyped.map((r) => ({ field: r.field.name, from: typeOf(r.was.typeText), to: typeOf(r.field.typeText) })),
    ...step.info.fields.flatMap((f) => {
      const was = s.retypedByRename.get(f.name);
      return was === undefined ? [] : [{ field: f.name, from: typeOf(was), to: typeOf(f.typeText) }];
    }),
  ];
  return {
    class: step.identity.name,
    file: step.record.rel,
    instances: s.instances,
    rows: s.rows,
    stores: s.stores,
    // A field whose values every instance and row already held (another class of the chain declared it) was not added to them.
    added: [
      ...diff.added
        .filter((a) => !a.from && (s.initialized.has(a.field.name) || (!renamedAcross.includes(a) && !s.keptByName.has(a.field.name))))
        .map((a) => a.field.name),
      ...s.gained,
    ],
    removed: [...diff.removed.map((f) => f.name), ...s.lost],
    renamed: [
      ...diff.added.flatMap((a) => (a.from ? [{ from: a.from.name, to: a.field.name }] : [])),
      ...renamedAcross.map((a) => ({ from: s.renamed.get(a.field.name)!.from, to: a.field.name })),
    ],
    retyped: retyped.map((r) => ({ ...r, converted: s.converted.get(r.field) ?? 0 })),
    moved: [],
    unchecked: [...s.unchecked],
    unmarkedRenames: diff.unmarked.map((u) => ({ ...u })),
    hook: step.hook !== null,
  };
}

/**
 * A field one class of a change stops declaring and another class of the same chain starts declaring,
 * values kept (under the same name, or renamed with a marker): a move, said by both classes.
 */
function markMoves(reports: LayoutReport[], steps: readonly StepLog[]): void {
  const move = (i: number, owner: unknown, field: string, keepAdded: boolean): void => {
    const j = steps.findIndex((s, k) => k !== i && s.step.identity === owner);
    if (j < 0) return;
    const from = reports[j]!;
    const into = reports[i]!;
    const moved = { field, from: from.class, to: into.class };
    reports[j] = { ...from, removed: from.removed.filter((f) => f !== field), moved: [...from.moved, moved] };
    reports[i] = { ...into, added: keepAdded ? into.added : into.added.filter((f) => f !== field), moved: [...into.moved, moved] };
  };
  steps.forEach((to, i) => {
    // Instances that held it from nowhere got it from its initializer: for them it was added.
    for (const [field, owner] of to.keptByName) move(i, owner, field, to.initialized.has(field));
    for (const rename of to.renamed.values()) if (rename.owner !== to.step.identity) move(i, rename.owner, rename.from, true);
  });
}
