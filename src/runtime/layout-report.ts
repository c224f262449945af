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
  const renamedHere = new Set(diff.added.flatMap((a) => (a.from ? [a.field.name] : [])));
  // Renamed from a field another class of the chain declared (the value moved with the marker).
  const renamedAcross = diff.added.filter((a) => !a.from && s.renamed.has(a.field.name) && !s.initialized.has(a.field.name));
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
        .filter((a) => !a.from && !renamedAcross.includes(a) && (s.initialized.has(a.field.name) || !s.keptByName.has(a.field.name)))
        .map((a) => a.field.name),
      ...s.gained,
    ],
    removed: [...diff.removed.map((f) => f.name), ...s.lost],
    renamed: [
      ...diff.added.flatMap((a) => (a.from ? [{ from: a.from.name, to: a.field.name }] : [])),
      ...renamedAcross.filter((a) => !renamedHere.has(a.field.name)).map((a) => ({ from: s.renamed.get(a.field.name)!, to: a.field.name })),
    ],
    retyped: retyped.map((r) => ({ ...r, converted: s.converted.get(r.field) ?? 0 })),
    moved: [],
    unchecked: [...s.unchecked],
    unmarkedRenames: diff.unmarked.map((u) => ({ ...u })),
    hook: step.hook !== null,
  };
}

/** A field one class of a change stops declaring and another starts declaring, values kept: a move. */
function markMoves(reports: LayoutReport[], steps: readonly StepLog[]): void {
  steps.forEach((to, i) => {
    for (const field of to.keptByName) {
      const j = reports.findIndex((r, k) => k !== i && r.removed.includes(field));
      if (j < 0) continue;
      const from = reports[j]!;
      const into = reports[i]!;
      const move = { field, from: from.class, to: into.class };
      reports[j] = { ...from, removed: from.removed.filter((f) => f !== field), moved: [...from.moved, move] };
      // Instances that held it from nowhere got it from its initializer: for them it was added.
      reports[i] = { ...into, added: to.initialized.has(field) ? into.added : into.added.filter((f) => f !== field), moved: [...into.moved, move] };
    }
    // Renamed from a field another class stopped declaring: the value moved there under its new name.
    for (const rename of reports[i]!.renamed) {
      const j = reports.findIndex((r, k) => k !== i && r.removed.includes(rename.from));
      if (j < 0) continue;
      const from = reports[j]!;
      const move = { field: rename.from, from: from.class, to: reports[i]!.class };
      reports[j] = { ...from, removed: from.removed.filter((f) => f !== rename.from), moved: [...from.moved, move] };
      reports[i] = { ...reports[i]!, moved: [...reports[i]!.moved, move] };
    }
  });
}
