// Live layout change of handle stores: when a class's fields change, every live store of it (or of a
// subclass) gets new columns in the same atomic change that migrates the instances. Columns are built
// off to the side (phase 1, may throw; the live columns are never written) and swapped in at the end
// (phase 2, cannot throw). A column that keeps its name and kind is kept as is, a literal initializer
// fills a new column in one pass, and rows never move, so every handle stays valid.

import type { FieldDecl } from '../compile/compiled-module.js';
import { type Diagnostic, diagnosticAt } from '../compile/diagnostic.js';
import { acceptsUndefined } from '../compile/type-shape.js';
import { ELEMENTS, type ElementKind, elementMisfit, fitsElement, toElement, widens } from '../store/elements.js';
import { type Column, makeRowView, ROW, rowValues } from '../store/row-view.js';
import { type ColumnSpec, columnsOf, isConstantInitializer } from '../store/schema.js';
import { type StoreCore, storesOf } from '../store/store-core.js';
import type { ClassIdentity } from './class-identity.js';
import { classesByPrototype, hookOf, lookupIn, type MigrationHook } from './class-lookup.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, messageOf } from './errors.js';
import { diffLayout } from './layout-diff.js';
import type { LayoutChange } from './migrate.js';
import type { ModuleRecord } from './module-record.js';
import { checkable, convert, describeValue, fits, resolveShape, type ValueShape } from './value-fit.js';

/** What the instance migration knows about one changed class. */
export interface ChangedClass {
  readonly identity: ClassIdentity;
  readonly record: ModuleRecord;
  readonly hook: MigrationHook | null;
  readonly report: { rows: number; stores: number; readonly converted: Map<string, number> };
}

export interface StoreContext {
  readonly changed: ReadonlyMap<ClassIdentity, ChangedClass>;
  /** The class (and its module) of a stable prototype. */
  classOf(prototype: object): { readonly identity: ClassIdentity; readonly record: ModuleRecord } | undefined;
  /** A class name as the module of `record` sees it (for checking values against class types). */
  lookup(record: ModuleRecord, name: string): unknown;
  diagnostic(record: ModuleRecord, offset: number, message: string): Diagnostic;
}

export interface StagedStore {
  readonly store: StoreCore;
  readonly specs: readonly ColumnSpec[];
  readonly columns: Column[];
}

interface Misfit {
  count: number;
  example: unknown;
  reason: string;
  readonly spec: ColumnSpec;
  readonly was: ColumnSpec | null;
}

/** A value check for a column: typed columns by element, plain columns by the field's type shape. */
interface Target {
  readonly spec: ColumnSpec;
  readonly shape: ValueShape | null;
  readonly checked: boolean;
}

function initializerOf(spec: ColumnSpec): (() => unknown) | null {
  const table = spec.owner.initializers();
  return spec.decl.initializer !== null && Object.hasOwn(table, spec.name) ? table[spec.name]! : null;
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Phase 1: new columns for every live store of a changed class. Throws ChangeRejection; changes nothing. */
export function stageStores(sc: StoreContext): StagedStore[] {
  const stores = new Set<StoreCore>();
  for (const identity of sc.changed.keys()) for (const s of storesOf(identity.constructor.prototype)) stores.add(s);
  const staged: StagedStore[] = [];
  for (const store of stores) {
    const s = stageStore(sc, store);
    if (s) staged.push(s);
  }
  return staged;
}

/** Phase 2: the staged columns become the stores' columns. */
export function installStores(staged: readonly StagedStore[]): void {
  for (const s of staged) s.store.install(s.specs, s.columns);
}

function stageStore(sc: StoreContext, store: StoreCore): StagedStore | null {
  const old = store.specs;
  const next = columnsOf(store.prototype);
  const result = diffLayout(
    store.className,
    old.map((s) => s.decl),
    next.map((s) => s.decl),
  );
  if (!result.ok) return null; // the class's own step rejects the change with this message
  const oldAt = new Map(old.map((s, j) => [s.name, j]));
  const sourceOf = new Map<string, number>();
  for (const spec of next) {
    const added = result.diff.added.find((a) => a.field === spec.decl);
    const from = added ? added.from?.name : spec.name;
    if (from !== undefined && oldAt.has(from)) sourceOf.set(spec.name, oldAt.get(from)!);
  }
  const unchanged =
    next.length === old.length && next.every((s, j) => s.name === old[j]!.name && s.kind === old[j]!.kind && s.decl.typeText === old[j]!.decl.typeText);
  // Same columns: only the defaults for new rows may have changed (an edited initializer).
  if (unchanged) return { store, specs: next, columns: store.columns.slice() };

  // The changed classes of the store's chain, base first: their hooks run, their reports count the rows.
  const chain: ChangedClass[] = [];
  for (let p: object | null = store.prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const c = sc.classOf(p);
    const changed = c ? sc.changed.get(c.identity) : undefined;
    if (changed) chain.unshift(changed);
  }
  const hooks = chain.filter((c) => c.hook !== null);
  const recordOf = (spec: ColumnSpec): ModuleRecord | null => sc.classOf(spec.owner.prototype)?.record ?? null;
  const reject = (spec: ColumnSpec | null, message: string): ChangeRejection => {
    const record = (spec ? recordOf(spec) : null) ?? chain[0]?.record;
    return new ChangeRejection(record ? [sc.diagnostic(record, spec?.decl.sourceOffset ?? 0, message)] : [], 'migrate');
  };
  const targets: Target[] = next.map((spec) => {
    if (spec.kind !== 'value') return { spec, shape: null, checked: true };
    const record = recordOf(spec);
    const shape = resolveShape(spec.decl.type, (name) => (record ? sc.lookup(record, name) : undefined));
    return { spec, shape, checked: checkable(shape) };
  });

  const length = store.columnLength();
  // The live rows, listed only for the passes that go row by row (a literal fills a whole column).
  const count = store.size;
  let listed: Int32Array | null = null;
  const rowList = (): Int32Array => {
    if (!listed) {
      listed = new Int32Array(count);
      for (let k = 0; k < count; k++) listed[k] = store.rowAt(k);
    }
    return listed;
  };
  const mentionsThis = (d: FieldDecl): boolean => /\bthis\b/.test(d.initializer ?? '');
  const copyAll = hooks.length > 0 || next.some((s) => !sourceOf.has(s.name) && mentionsThis(s.decl));
  const misfits = new Map<string, Misfit>();
  const miss = (spec: ColumnSpec, was: ColumnSpec | null, value: unknown, reason: string): void => {
    const m = misfits.get(spec.name);
    if (m) m.count++;
    else misfits.set(spec.name, { count: 1, example: value, reason, spec, was });
  };
  const converted = new Map<string, number>();
  // Typed values a hook must set (they do not convert, or the column has no initializer): column -> row -> old value.
  const pending = new Map<number, Map<number, unknown>>();
  const leave = (j: number, row: number, value: unknown): void => {
    const rows = pending.get(j) ?? new Map<number, unknown>();
    pending.set(j, rows);
    rows.set(row, value);
  };
  // A typed column stores what it is given rounded or wrapped: check first.
  const checkTyped = (spec: ColumnSpec, value: unknown, source: string): void => {
    if (spec.kind !== 'value' && !fitsElement(spec.kind, value)) miss(spec, null, value, `${source} (it ${elementMisfit(spec.kind, value)})`);
  };

  // How each new column gets its values, decided once.
  type How = 'keep' | 'copy' | 'widen' | 'convert' | 'constant' | 'init' | 'empty';
  const hows: How[] = next.map((spec, j) => {
    const from = sourceOf.get(spec.name);
    if (from === undefined) {
      const init = initializerOf(spec);
      return init ? (isConstantInitializer(spec.decl) ? 'constant' : 'init') : 'empty';
    }
    const was = old[from]!;
    const same = was.kind === spec.kind && (spec.kind !== 'value' || was.decl.typeText === spec.decl.typeText || !targets[j]!.checked);
    if (same) return copyAll ? 'copy' : 'keep';
    return was.kind !== 'value' && spec.kind !== 'value' && widens(was.kind, spec.kind) ? 'widen' : 'convert';
  });
  // Allocate first: initializers that mention `this` see the new columns filled so far.
  const columns: Column[] = next.map((spec, j) => {
    const from = sourceOf.get(spec.name);
    const source = from === undefined ? null : store.columns[from]!;
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
  const view = makeRowView(store.prototype, next, columns);

  next.forEach((spec, j) => {
    const target = targets[j]!;
    const column = columns[j] as unknown[];
    const how = hows[j]!;
    if (how === 'convert') {
      const from = sourceOf.get(spec.name)!;
      const was = old[from]!;
      const source = store.columns[from] as unknown[];
      let count = 0;
      for (const row of rowList()) {
        const value = source[row];
        const fit =
          spec.kind === 'value' ? (!target.checked || fits(value, target.shape!) ? { value } : convert(value, target.shape!)) : toElement(spec.kind, value);
        if (fit) {
          if (!Object.is(fit.value, value)) count++;
          column[row] = fit.value;
        } else if (hooks.length === 0) miss(spec, was, value, spec.kind === 'value' ? 'has no exact conversion' : elementMisfit(spec.kind, value));
        else if (spec.kind === 'value') column[row] = value;
        else leave(j, row, value);
      }
      if (count > 0) converted.set(spec.name, count);
    } else if (how === 'constant') {
      const value = initializerOf(spec)!.call(view);
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
      const init = initializerOf(spec)!;
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
        checkTyped(spec, value, 'its initializer gave');
        column[row] = value;
      }
    } else if (how === 'empty' && hooks.length > 0 && spec.kind !== 'value') {
      for (const row of rowList()) leave(j, row, undefined);
    } else if (how === 'empty' && hooks.length === 0 && !(spec.kind === 'value' && acceptsUndefined(spec.decl.type))) {
      throw reject(
        spec,
        `${spec.owner.name}.${spec.name} is added to the ${plural(count, 'row')} of ${store.name} but has no initializer, and ${spec.decl.typeText || 'its type'} does not allow undefined; give it an initializer (${spec.name}: ${spec.decl.typeText || 'T'} = ...), or set it in static migrateInstance(instance, old) on ${spec.owner.name}`,
      );
    }
  });

  if (hooks.length > 0) runHooks(store, hooks, rowList(), { old, next, targets, columns, reject, miss, sourceOf, pending });
  if (misfits.size > 0)
    throw new ChangeRejection(
      [...misfits.values()].map((m) => misfitDiagnostic(sc, store, m, count, hooks.length > 0, recordOf(m.spec) ?? chain[0]!.record)),
      'migrate',
    );

  for (const c of chain) {
    c.report.rows += count;
    c.report.stores++;
    for (const [field, n] of converted) c.report.converted.set(field, (c.report.converted.get(field) ?? 0) + n);
  }
  return { store, specs: next, columns };
}

interface HookPass {
  readonly old: readonly ColumnSpec[];
  readonly next: readonly ColumnSpec[];
  readonly targets: readonly Target[];
  readonly columns: Column[];
  readonly reject: (spec: ColumnSpec | null, message: string) => ChangeRejection;
  readonly miss: (spec: ColumnSpec, was: ColumnSpec | null, value: unknown, reason: string) => void;
  readonly sourceOf: ReadonlyMap<string, number>;
  readonly pending: Map<number, Map<number, unknown>>;
}

/** Each changed class's `migrateInstance(row, old, fromVersion)` for every row; what it writes is checked. */
function runHooks(store: StoreCore, hooks: readonly ChangedClass[], rows: Int32Array, pass: HookPass): void {
  const { old, next, targets, columns } = pass;
  const wasOf = (spec: ColumnSpec): ColumnSpec | null => {
    const j = pass.sourceOf.get(spec.name);
    return j === undefined ? null : old[j]!;
  };
  // Typed arrays round or wrap what is written to them: check a value before it is stored.
  const view = makeRowView(store.prototype, next, columns, (j, value, row) => {
    const spec = next[j]!;
    pass.pending.get(j)?.delete(row);
    if (spec.kind !== 'value' && !fitsElement(spec.kind, value))
      pass.miss(spec, wasOf(spec), value, `migrateInstance wrote (it ${elementMisfit(spec.kind as ElementKind, value)})`);
  });
  for (const hook of hooks) {
    for (const row of rows) {
      view[ROW] = row;
      try {
        hook.hook!.call(hook.identity.constructor, view, rowValues(old, store.columns, row), hook.identity.layoutVersion);
      } catch (e: unknown) {
        throw pass.reject(
          null,
          `${hook.identity.name}.migrateInstance threw for row ${row} of ${store.name} (nothing was changed): ${e instanceof Error ? `${e.name}: ` : ''}${messageOf(e)}`,
        );
      }
    }
  }
  for (const [j, rows] of pass.pending) {
    const spec = next[j]!;
    for (const value of rows.values()) {
      const why = value === undefined ? 'has no initializer' : elementMisfit(spec.kind as ElementKind, value);
      pass.miss(spec, wasOf(spec), value, `${why}, and migrateInstance did not set it`);
    }
  }
  next.forEach((spec, j) => {
    const t = targets[j]!;
    if (spec.kind !== 'value' || !t.checked) return;
    const column = columns[j] as unknown[];
    for (const row of rows) if (!fits(column[row], t.shape!)) pass.miss(spec, wasOf(spec), column[row], 'migrateInstance left there');
  });
}

function misfitDiagnostic(sc: StoreContext, store: StoreCore, m: Misfit, rows: number, hook: boolean, record: ModuleRecord): Diagnostic {
  const cls = m.spec.owner.name;
  const field = m.spec.name;
  const to = m.spec.decl.typeText || m.spec.kind;
  const types = m.was ? `\`${m.was.decl.typeText || m.was.kind}\` -> \`${to}\`` : `\`${to}\``;
  const fix = hook
    ? `make migrateInstance give ${field} a value of type ${to}`
    : `add static migrateInstance(instance, old) to ${cls} to convert them (it runs for rows too), or keep the old type`;
  return sc.diagnostic(
    record,
    m.spec.decl.sourceOffset,
    `${cls}.${field} ${types}: ${plural(m.count, 'value')} in the ${plural(rows, 'row')} of ${store.name} ${m.count === 1 ? 'does' : 'do'} not fit (for example ${describeValue(m.example)}, which ${m.reason}); nothing was changed; ${fix}`,
  );
}

/**
 * Migrates the live stores of a class as its new version is defined, so the statements after it in the
 * change already see the new columns. Journaled: a rejected change puts every store back.
 */
export function migrateStoresOf(ctx: ImageContext, change: LayoutChange): void {
  const started = ctx.host.now();
  const classes = classesByPrototype(ctx);
  const sources = ctx.sourceOf ?? (() => '');
  const staged = stageStores({
    changed: new Map([
      [change.identity, { identity: change.identity, record: change.record, hook: hookOf(change.identity, change.next), report: change.stores }],
    ]),
    classOf: (p) => classes.get(p),
    lookup: (record, name) => lookupIn(record, name),
    diagnostic: (record, offset, message) => diagnosticAt(record.rel, sources(record), offset, message, 'IMAGO_LAYOUT'),
  });
  for (const s of staged) {
    const saved = s.store.snapshot(ctx.commitScope ?? { open: false });
    ctx.journal?.push(() => s.store.restoreSnapshot(saved));
  }
  installStores(staged);
  change.stores.ms += ctx.host.now() - started;
}
