// A row seen as an object: what an initializer gets as `this` and a `migrateInstance` hook gets as its
// instance when they run for rows of a store. One view per pass, moved from row to row; it inherits
// from the class's prototype, so methods work on it as on an instance.

import type { ColumnSpec } from './schema.js';

export type Column = import('./elements.js').NumericColumn | unknown[];

/** Where a view keeps the index of its row: a symbol, so a field may be called `row`. */
export const ROW: unique symbol = Symbol('imago.row');

export interface RowView {
  [ROW]: number;
}

/** Where views are marked as views (their image's StoreRegistry): they are never migrated as instances. */
export interface ViewMarker {
  markView(o: object): void;
}

/** `check(j, value, row)` sees every value written through the view before it is stored. */
export function makeRowView(
  marker: ViewMarker,
  prototype: object,
  specs: readonly ColumnSpec[],
  columns: readonly Column[],
  check?: (j: number, value: unknown, row: number) => void,
): RowView {
  const accessors = Object.create(prototype) as object;
  specs.forEach((spec, j) => {
    const column = columns[j]!;
    Object.defineProperty(accessors, spec.name, {
      get(this: RowView) {
        return column[this[ROW]];
      },
      set(this: RowView, value: unknown) {
        check?.(j, value, this[ROW]);
        (column as unknown[])[this[ROW]] = value;
      },
      enumerable: true,
      configurable: true,
    });
  });
  const view = Object.create(accessors) as RowView;
  view[ROW] = 0;
  marker.markView(accessors);
  marker.markView(view);
  return view;
}

/** The values of one row as a frozen plain object (`old` for a migration hook). */
export function rowValues(specs: readonly ColumnSpec[], columns: readonly Column[], row: number): Readonly<Record<string, unknown>> {
  const out = Object.create(null) as Record<string, unknown>;
  for (let j = 0; j < specs.length; j++) out[specs[j]!.name] = columns[j]![row];
  return Object.freeze(out);
}
