// The columns applier of the migration engine: runs a class's layout plan on a handle store. New columns
// are built off to the side (the live ones are never written; a throw or a value that does not fit
// rejects the transaction and changes nothing); the engine installs them. A column that keeps its name
// and kind is kept as is, a literal initializer fills a new column in one pass, and rows never move, so
// every handle stays valid. Columns no longer declared stay (retired) until the transaction settles, so
// a field moved to a subclass later in the same change still finds its values.

import { ELEMENTS, type ElementKind, elementMisfit, fitsElement, toElement, widens } from '../store/elements.js';
import { type Column, makeRowView, ROW, rowValues } from '../store/row-view.js';
import { type ColumnSpec, isConstantInitializer } from '../store/schema.js';
import type { StoreCore } from '../store/store-core.js';
import { messageOf } from './errors.js';
import type { FieldPlan, LayoutPlan, MigrationEnv } from './layout-plan.js';
import { layoutRejection } from './layout-plan.js';
import { Misfits } from './misfit.js';
import { convert, describeValue, fits } from './value-fit.js';

/** New columns for a store, to install. */
export interface ColumnPass {
  readonly specs: readonly ColumnSpec[];
  readonly columns: Column[];
  /** Values a standard conversion changed, by field name. */
  readonly converted: ReadonlyMap<string, number>;
}

type How = 'keep' | 'copy' | 'widen' | 'convert' | 'constant' | 'init' | 'empty';

/**
 * Builds `store`'s columns for `plan` (held: its current specs; declared: `declared`, the columns its
 * class declares now). Throws a ChangeRejection; changes nothing.
 */
export function migrateColumns(
  env: MigrationEnv,
  store: StoreCore,
  plan: LayoutPlan,
  declared: readonly ColumnSpec[],
  before: readonly ColumnSpec[],
): ColumnPass {
  const { step } = plan;
  const old = store.specs;
  const oldAt = new Map(old.map((s, j) => [s.name, j]));
  const targets = new Map<string, FieldPlan>(plan.fields.map((t) => [t.field.name, t]));
  const retired = old.filter((s) => !targets.has(s.name)).map((s) => (s.retired ? s : { ...s, retired: true }));
  const specs = [...declared, ...retired];
  const sourceOf = (spec: ColumnSpec): ColumnSpec | null => {
    const t = targets.get(spec.name)!;
    const from = t.source.kind === 'kept' || t.source.kind === 'retyped' || t.source.kind === 'renamed' ? t.source.from.name : null;
    return from === null ? null : old[oldAt.get(from)!]!;
  };
  const hook = step.hook;
  // How each new column gets its values, decided once.
  const hows: How[] = specs.map((spec, j) => {
    if (j >= declared.length) return 'keep';
    const t = targets.get(spec.name)!;
    const was = sourceOf(spec);
    if (was) {
      const same = was.kind === spec.kind && (spec.kind !== 'value' || was.decl.typeText === spec.decl.typeText || !t.checked);
      if (same) return 'keep';
      return was.kind !== 'value' && spec.kind !== 'value' && widens(was.kind, spec.kind) ? 'widen' : 'convert';
    }
    if (t.source.kind === 'initializer') return isConstantInitializer(spec.decl) ? 'constant' : 'init';
    return 'empty';
  });
  const unchanged = specs.length === old.length && hows.every((h, j) => h === 'keep' && specs[j]!.name === old[j]!.name);
  // Same columns: only the defaults for new rows may have changed (an edited initializer).
  if (unchanged) return { specs, columns: store.columns.slice(), converted: new Map() };
  // A hook, or an initializer that mentions `this`, may write any column: kept columns are copied.
  const copyAll = hook !== null || plan.changes.some((t) => t.source.kind === 'initializer' && /\bthis\b/.test(t.field.decl.initializer ?? ''));
  if (copyAll) for (let j = 0; j < declared.length; j++) if (hows[j] === 'keep') hows[j] = 'copy';

  const length = store.columnLength();
  const count = store.size;
  // The live rows, listed only for the passes that go row by row (a literal fills a whole column).
  let listed: Int32Array | null = null;
  const rowList = (): Int32Array => {
    if (!listed) {
      listed = new Int32Array(count);
      for (let k = 0; k < count; k++) listed[k] = store.rowAt(k);
    }
    return listed;
  };
  const misfits = new Misfits();
  const miss = (spec: ColumnSpec, value: unknown, reason: string): void => misfits.add(targets.get(spec.name)!, value, reason);
  const reject = (spec: ColumnSpec | null, message: string) => layoutRejection(env, step, spec?.owner ?? null, spec?.decl ?? null, message);
  const converted = new Map<string, number>();
  // Typed values a hook must set (they do not convert, or the column has no initializer): column -> row -> old value.
  const pending = new Map<number, Map<number, unknown>>();
  const leave = (j: number, row: number, value: unknown): void => {
    const rows = pending.get(j) ?? new Map<number, unknown>();
    pending.set(j, rows);
    rows.set(row, value);
  };

  // Allocate first: initializers that mention `this` see the new columns filled so far.
  const columns: Column[] = specs.map((spec, j) => {
    const was = j < declared.length ? sourceOf(spec) : spec;
    const source = was ? store.columns[oldAt.get(was.name)!]! : null;
    switch (hows[j]) {
      case 'keep':
        return source!;
      case 'copy':
        return source!.slice();
      case 'widen': {
        const out = new ELEMENTS[spec.kind as ElementKind].make(store.capacity);
        out.set(source as ArrayLike<number>);
        return out;
      }
      default:
        return spec.kind === 'value' ? new Array<unknown>(length).fill(undefined) : new ELEMENTS[spec.kind].make(store.capacity);
    }
  });
  const view = makeRowView(store.registry, store.prototype, specs, columns);

  declared.forEach((spec, j) => {
    const t = targets.get(spec.name)!;
    const column = columns[j] as unknown[];
    const how = hows[j]!;
    if (how === 'convert') {
      const was = sourceOf(spec)!;
      const source = store.columns[oldAt.get(was.name)!] as unknown[];
      let changed = 0;
      for (const row of rowList()) {
        const value = source[row];
        const fit = spec.kind === 'value' ? (!t.checked || fits(value, t.shape) ? { value } : convert(value, t.shape)) : toElement(spec.kind, value);
        if (fit) {
          if (!Object.is(fit.value, value)) changed++;
          column[row] = fit.value;
        } else if (!hook) miss(spec, value, spec.kind === 'value' ? 'has no exact conversion' : elementMisfit(spec.kind, value));
        else if (spec.kind === 'value') column[row] = value;
        else leave(j, row, value);
      }
      if (changed > 0) converted.set(spec.name, changed);
    } else if (how === 'constant') {
      const value = spec.initializer!.call(view);
      if (spec.kind !== 'value' && !fitsElement(spec.kind, value)) {
        throw reject(
          spec,
          `${spec.owner.name}.${spec.name}: its initializer gives ${describeValue(value)}, which ${elementMisfit(spec.kind, value)}; nothing was changed; give it a value of type ${spec.decl.typeText}`,
        );
      }
      if (spec.kind === 'value') {
        for (const row of rowList()) column[row] = value;
      } else (column as unknown as { fill(v: number): void }).fill(value as number);
    } else if (how === 'init') {
      const init = spec.initializer!;
      for (const row of rowList()) {
        view[ROW] = row;
        let value: unknown;
        try {
          value = init.call(view);
        } catch (e: unknown) {
          throw reject(
            spec,
            `the initializer of ${spec.owner.name}.${spec.name} threw for row ${row} of ${store.name} (nothing was changed): ${e instanceof Error ? `${e.name}: ` : ''}${messageOf(e)}`,
          );
        }
        if (spec.kind !== 'value' && !fitsElement(spec.kind, value)) miss(spec, value, `its initializer gave (it ${elementMisfit(spec.kind, value)})`);
        column[row] = value;
      }
    } else if (how === 'empty' && spec.kind !== 'value') {
      // A typed column cannot hold undefined: the hook must set every row (the planner made sure there is one).
      for (const row of rowList()) leave(j, row, undefined);
    }
  });

  if (hook) runHook(store, plan, rowList(), { old, before, specs, declared: declared.length, columns, miss, sourceOf, pending, reject });
  if (misfits.size > 0) throw misfits.rejection(env, plan, { kind: 'rows', count, store: store.name });
  return { specs, columns, converted };
}

interface HookPass {
  /** The store's columns now (before this step). */
  readonly old: readonly ColumnSpec[];
  /** The store's columns before the transaction: which of them are old. */
  readonly before: readonly ColumnSpec[];
  readonly specs: readonly ColumnSpec[];
  readonly declared: number;
  readonly columns: Column[];
  readonly miss: (spec: ColumnSpec, value: unknown, reason: string) => void;
  readonly sourceOf: (spec: ColumnSpec) => ColumnSpec | null;
  readonly pending: Map<number, Map<number, unknown>>;
  readonly reject: (spec: ColumnSpec | null, message: string) => Error;
}

/** The class's `migrateInstance(row, old, fromVersion)` for every row; what it writes is checked. */
function runHook(store: StoreCore, plan: LayoutPlan, rows: Int32Array, pass: HookPass): void {
  const { before, specs, columns } = pass;
  // A row's old values: the columns it had before the transaction, read where they are now (rows may
  // have moved since; a column an earlier step of the change added is not old).
  const had = new Set(before.map((s) => s.name));
  const oldAt = pass.old.flatMap((s, j) => (had.has(s.name) ? [j] : []));
  const oldSpecs = oldAt.map((j) => pass.old[j]!);
  const oldColumns = oldAt.map((j) => store.columns[j]!);
  const { step } = plan;
  const targets = new Map<string, FieldPlan>(plan.fields.map((t) => [t.field.name, t]));
  // Typed arrays round or wrap what is written to them: check a value before it is stored.
  const view = makeRowView(store.registry, store.prototype, specs, columns, (j, value, row) => {
    const spec = specs[j]!;
    pass.pending.get(j)?.delete(row);
    if (j < pass.declared && spec.kind !== 'value' && !fitsElement(spec.kind, value))
      pass.miss(spec, value, `migrateInstance wrote (it ${elementMisfit(spec.kind as ElementKind, value)})`);
  });
  for (const row of rows) {
    view[ROW] = row;
    try {
      step.hook!.call(step.identity.constructor, view, rowValues(oldSpecs, oldColumns, row), step.identity.layoutVersion);
    } catch (e: unknown) {
      throw pass.reject(
        null,
        `${step.identity.name}.migrateInstance threw for row ${row} of ${store.name} (nothing was changed): ${e instanceof Error ? `${e.name}: ` : ''}${messageOf(e)}`,
      );
    }
  }
  for (const [j, left] of pass.pending) {
    const spec = specs[j]!;
    for (const value of left.values()) {
      const why = value === undefined ? 'has no initializer' : elementMisfit(spec.kind as ElementKind, value);
      pass.miss(spec, value, `${why}, and migrateInstance did not set it`);
    }
  }
  for (let j = 0; j < pass.declared; j++) {
    const spec = specs[j]!;
    const t = targets.get(spec.name)!;
    if (spec.kind !== 'value' || !t.checked || t.source.kind === 'kept') continue;
    const column = columns[j] as unknown[];
    for (const row of rows) if (!fits(column[row], t.shape)) pass.miss(spec, column[row], 'migrateInstance left there');
  }
}
