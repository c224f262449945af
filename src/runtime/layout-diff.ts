// The difference between two versions of a class's data layout: which fields live instances gain, lose,
// get under a new name, or keep under a new type. A rename is never guessed: only a `@renamed old`
// marker on the new field moves a value (docs/semantics.md, "Data layout").

import type { FieldDecl } from '../compile/compiled-module.js';

export interface LayoutDiff {
  /** New fields, in layout order: from an initializer, or (renamedFrom) from the old field of that name. */
  readonly added: ReadonlyArray<{ readonly field: FieldDecl; readonly from: FieldDecl | null }>;
  /** Old fields no longer declared (renamed ones aside). */
  readonly removed: readonly FieldDecl[];
  /** Fields kept under the same name whose type text changed. */
  readonly retyped: ReadonlyArray<{ readonly field: FieldDecl; readonly was: FieldDecl }>;
  /** Unmarked removed + added pairs of the same type: likely renames imago did not assume. */
  readonly unmarked: ReadonlyArray<{ readonly removed: string; readonly added: string }>;
}

export type DiffResult = { readonly ok: true; readonly diff: LayoutDiff } | { readonly ok: false; readonly field: FieldDecl; readonly message: string };

/** True when the diff asks nothing of live instances. */
export function isEmptyDiff(d: LayoutDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.retyped.length === 0;
}

export function diffLayout(className: string, old: readonly FieldDecl[], next: readonly FieldDecl[]): DiffResult {
  const before = new Map(old.map((f) => [f.name, f]));
  const after = new Set(next.map((f) => f.name));
  const added: Array<{ field: FieldDecl; from: FieldDecl | null }> = [];
  const retyped: Array<{ field: FieldDecl; was: FieldDecl }> = [];
  const movedAway = new Set<string>();
  for (const field of next) {
    const was = before.get(field.name);
    if (was) {
      if (was.typeText !== field.typeText) retyped.push({ field, was });
      continue;
    }
    const fromName = field.renamedFrom;
    // A marker whose old field is gone from the old layout has done its work (or names nothing): the
    // field is new and starts from its initializer.
    const from = fromName ? (before.get(fromName) ?? null) : null;
    if (from && fromName) {
      if (after.has(fromName))
        return {
          ok: false,
          field,
          message: `${className}.${field.name} is marked @renamed ${fromName}, but ${className} still declares ${fromName}; remove ${fromName} or the marker`,
        };
      if (movedAway.has(fromName))
        return { ok: false, field, message: `two fields of ${className} are marked @renamed ${fromName}; a value can move to one field only` };
      movedAway.add(fromName);
    }
    added.push({ field, from });
  }
  const removed = old.filter((f) => !after.has(f.name) && !movedAway.has(f.name));
  const unmarked: Array<{ removed: string; added: string }> = [];
  const taken = new Set<string>();
  for (const r of removed) {
    const match = added.find((a) => !a.from && !taken.has(a.field.name) && a.field.typeText !== '' && a.field.typeText === r.typeText);
    if (match) {
      taken.add(match.field.name);
      unmarked.push({ removed: r.name, added: match.field.name });
    }
  }
  return { ok: true, diff: { added, removed, retyped, unmarked } };
}
