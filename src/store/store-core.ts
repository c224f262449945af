// What both store layouts share: columns, slots with generations, growth, defaults for new rows, checked
// handles. A layout (packed.ts, stable.ts) decides where a slot's row lives and what a removal moves.

import { acceptsUndefined } from '../compile/type-shape.js';
import { ELEMENTS, type NumericColumn } from './elements.js';
import { StoreError } from './errors.js';
import { FREE, GENERATIONS, generationOfStamp, MAX_SLOTS, MAX_STAMP, MIN_STAMP, makeHandle, slotOf, stampOf, tagOfStamp } from './handle.js';
import type { StoreRegistry } from './registry.js';
import { type Column, makeRowView, ROW, type RowView } from './row-view.js';
import { type ColumnSpec, columnsOf, isConstantInitializer } from './schema.js';
import { restoreStore, type StoreImage, saveStore } from './serialize.js';

export type Values = Readonly<Record<string, unknown>>;

/** How a column gets its value in a new row whose `add` did not give one. */
type Default = { readonly kind: 'constant'; readonly value: unknown } | { readonly kind: 'init'; readonly init: () => unknown } | { readonly kind: 'none' };

export type StoreLayout = 'packed' | 'stable';

export interface StoreSnapshot {
  readonly tag: number;
  readonly specs: readonly ColumnSpec[];
  readonly columns: Column[];
  readonly cols: Record<string, Column>;
  readonly defaults: Default[];
  readonly view: RowView;
  readonly size: number;
  readonly capacity: number;
  readonly slotsUsed: number;
  readonly freeCount: number;
  readonly stamps: Uint32Array;
  readonly free: Int32Array;
  readonly tables: readonly Int32Array[];
}

export abstract class StoreCore {
  abstract readonly layout: StoreLayout;
  /** `Store<Particle>`, or `particles (Store<Particle>)` when named. */
  /** `critters (Store<Critter>)`: what messages and images call it (a class renamed by an edit renames it). */
  name: string;
  className: string;
  readonly prototype: object;
  specs: readonly ColumnSpec[] = [];
  columns: Column[] = [];
  /** Columns by field name (what `get`, `set` and `column` read). */
  cols: Record<string, Column> = {};
  defaults: Default[] = [];
  view: RowView;
  size = 0;
  capacity: number;
  /** Slot -> stamp (tag and generation) of the row living there; of the next one plus FREE when free; 0 when retired. */
  stamps: Uint32Array;
  /** Free slots, reused last-in first-out. */
  free: Int32Array;
  freeCount = 0;
  /** Its class was renamed (`imago edit rename`): messages and image files use the new name. */
  renameClass(to: string): void {
    this.name = this.name.replace(`Store<${this.className}>`, `Store<${to}>`);
    this.className = to;
  }

  /** Slots ever used (the high-water mark). */
  slotsUsed = 0;
  tag: number;
  readonly removedAt = new Map<number, string>();
  /** The change whose snapshot shares the slot tables and some columns (see snapshot). */
  private sharedWith: { readonly scope: { readonly open: boolean }; readonly columns: ReadonlySet<Column> } | null = null;

  constructor(
    /** The registry of the image the store belongs to. */
    readonly registry: StoreRegistry<StoreCore>,
    cls: { readonly name: string; readonly prototype: object },
    options: { readonly capacity?: number; readonly name?: string },
  ) {
    this.className = cls.name;
    this.prototype = cls.prototype;
    this.name = options.name ? `${options.name} (Store<${cls.name}>)` : `Store<${cls.name}>`;
    const capacity = options.capacity ?? 16;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_SLOTS)
      throw new StoreError(`${this.name}: capacity must be an integer from 1 to ${MAX_SLOTS}, not ${String(capacity)}`);
    this.capacity = capacity;
    this.stamps = new Uint32Array(capacity);
    this.free = new Int32Array(capacity);
    this.tag = registry.takeTag(this);
    this.view = makeRowView(registry, this.prototype, [], []);
    this.install(columnsOf(this.prototype, registry.layoutOf), null);
    registry.add(this);
  }

  /** Column index `row` of a live handle; throws for a stale, foreign or made-up one. */
  abstract row(handle: number): number;
  /** The row at position `k` of packed order (0 <= k < size). */
  abstract rowAt(k: number): number;
  /** How long plain columns are (rows beyond `size` are holes in the stable layout). */
  abstract columnLength(): number;
  protected abstract attach(slot: number): number;
  protected abstract detach(slot: number): void;
  protected abstract slotAt(row: number): number;
  protected abstract isLiveRow(row: number): boolean;
  /** What is wrong with a saved image's layout tables given its stamps (null when they agree). */
  abstract checkTables(stamps: Uint32Array, tables: readonly Int32Array[], size: number, used: number): string | null;
  /** The layout's own slot tables (for saving and restoring). */
  abstract tables(): readonly Int32Array[];
  abstract setTables(tables: readonly Int32Array[]): void;

  /** Puts in new columns (a layout change, or the first layout when `columns` is null). Cannot throw. */
  install(specs: readonly ColumnSpec[], columns: Column[] | null): void {
    const length = this.columnLength();
    this.specs = specs;
    this.setColumns(columns ?? specs.map((s) => (s.kind === 'value' ? new Array<unknown>(length).fill(undefined) : new ELEMENTS[s.kind].make(this.capacity))));
    this.defaults = specs.map((s): Default => {
      if (s.retired) return { kind: 'constant', value: s.kind === 'value' ? undefined : 0 };
      const init = s.initializer;
      if (!init) return { kind: 'none' };
      if (isConstantInitializer(s.decl)) {
        try {
          return { kind: 'constant', value: init.call(this.view) };
        } catch {
          return { kind: 'init', init };
        }
      }
      return { kind: 'init', init };
    });
  }

  /** New column objects for the current specs (what `get`, `set`, `column` and the view read). */
  protected setColumns(columns: Column[]): void {
    this.columns = columns;
    const cols: Record<string, Column> = {};
    this.specs.forEach((s, j) => {
      cols[s.name] = columns[j]!;
    });
    this.cols = cols;
    this.view = makeRowView(this.registry, this.prototype, this.specs, columns);
  }

  add(values?: Values): number {
    if (values !== undefined) this.checkFields(values, 'add');
    if (this.sharedWith !== null) this.unshare();
    if (this.freeCount === 0 && this.slotsUsed === this.capacity) this.grow(this.capacity * 2);
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.free[--this.freeCount]!;
      this.stamps[slot] = this.stamps[slot]! - FREE;
    } else {
      slot = this.slotsUsed++;
      this.stamps[slot] = this.tag * GENERATIONS;
    }
    const row = this.attach(slot);
    this.size++;
    try {
      const { specs, columns, defaults } = this;
      for (let j = 0; j < specs.length; j++) {
        const name = specs[j]!.name;
        let value = values?.[name];
        if (value === undefined && !(values !== undefined && Object.hasOwn(values, name))) value = this.defaultFor(j, defaults[j]!, row);
        (columns[j] as unknown[])[row] = value;
      }
    } catch (e: unknown) {
      this.release(slot, false);
      throw e;
    }
    return makeHandle(slot, this.stamps[slot]!);
  }

  private defaultFor(j: number, d: Default, row: number): unknown {
    if (d.kind === 'constant') return d.value;
    const spec = this.specs[j]!;
    if (d.kind === 'init') {
      this.view[ROW] = row;
      try {
        return d.init.call(this.view);
      } catch (e: unknown) {
        throw new StoreError(
          `${this.name}.add: the initializer of ${spec.owner.name}.${spec.name} threw (no row was added): ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
    }
    if (spec.kind === 'value' && acceptsUndefined(spec.decl.type)) return undefined;
    throw new StoreError(
      `${this.name}.add: no value for ${spec.name}, and ${spec.owner.name}.${spec.name} has no initializer (no row was added); pass ${spec.name}, or give the field an initializer`,
    );
  }

  remove(handle: number): void {
    const slot = slotOf(handle);
    this.row(handle);
    if (this.sharedWith !== null) this.unshare();
    this.release(slot, true);
  }

  /** Frees a slot: its row goes, its generation moves on (or the slot retires when generations run out). */
  private release(slot: number, record: boolean): void {
    this.detach(slot);
    this.size--;
    const stamp = this.stamps[slot]!;
    if (generationOfStamp(stamp) + 1 < GENERATIONS) {
      this.stamps[slot] = stamp + 1 + FREE;
      this.free[this.freeCount++] = slot;
    } else {
      this.stamps[slot] = 0;
    }
    if (this.registry.debug && record) this.removedAt.set(slot, removalSite());
  }

  has(handle: number): boolean {
    const stamp = stampOf(handle);
    return stamp >= MIN_STAMP && stamp <= MAX_STAMP && this.stamps[slotOf(handle)] === stamp;
  }

  get(handle: number, field: string): unknown {
    const column = this.cols[field];
    if (column === undefined) this.unknownField(field, 'get');
    return column![this.row(handle)];
  }

  set(handle: number, field: string, value: unknown): void {
    const column = this.cols[field];
    if (column === undefined) this.unknownField(field, 'set');
    (column as unknown[])[this.row(handle)] = value;
  }

  column(field: string): Column {
    const column = this.cols[field];
    if (column === undefined) this.unknownField(field, 'column');
    return column!;
  }

  /** The handle of the live row at column index `row`; throws for a hole or an index out of range. */
  handleAt(row: number): number {
    if (!this.isLiveRow(row))
      throw new StoreError(
        `${this.name}.handleAt(${String(row)}): no live row there (${this.size.toLocaleString('en-US')} rows; a column index comes from rowAt, row or each)`,
      );
    const slot = this.slotAt(row);
    return makeHandle(slot, this.stamps[slot]!);
  }

  each(fn: (row: number) => void): void {
    for (let k = 0; k < this.size; k++) {
      const row = this.rowAt(k);
      const slot = this.slotAt(row);
      const stamp = this.stamps[slot];
      fn(row);
      // The current row was removed: the row now at k (moved there, or added into the freed slot) is new.
      if (k < this.size && (this.slotAt(this.rowAt(k)) !== slot || this.stamps[slot] !== stamp)) k--;
    }
  }

  [Symbol.iterator](): Iterator<number> {
    let k = 0;
    let last = -1;
    return {
      next: (): IteratorResult<number> => {
        if (last >= 0 && k < this.size && this.handleAt(this.rowAt(k)) === last) k++;
        if (k >= this.size) return { done: true, value: undefined };
        last = this.handleAt(this.rowAt(k));
        return { done: false, value: last };
      },
    };
  }

  /**
   * Everything a rejected change must put back. The slot tables are shared with the snapshot while
   * `scope` is open, and copied only if the change adds or removes rows before it closes.
   */
  snapshot(scope: { readonly open: boolean }): StoreSnapshot {
    this.sharedWith = { scope, columns: new Set(this.columns) };
    return {
      tag: this.tag,
      specs: this.specs,
      columns: this.columns,
      cols: this.cols,
      defaults: this.defaults,
      view: this.view,
      size: this.size,
      capacity: this.capacity,
      slotsUsed: this.slotsUsed,
      freeCount: this.freeCount,
      stamps: this.stamps,
      free: this.free,
      tables: this.tables(),
    };
  }

  restoreSnapshot(s: StoreSnapshot): void {
    // Put back as they were, defaults too: the class's old initializers may not be back yet.
    if (s.tag !== this.tag) {
      const taken = this.tag;
      this.tag = this.registry.takeTag(this, s.tag);
      this.registry.releaseTag(taken, this);
    }
    Object.assign(this, {
      specs: s.specs,
      columns: s.columns,
      cols: s.cols,
      defaults: s.defaults,
      view: s.view,
      size: s.size,
      capacity: s.capacity,
      slotsUsed: s.slotsUsed,
      freeCount: s.freeCount,
      stamps: s.stamps,
      free: s.free,
    });
    this.setTables(s.tables);
    this.sharedWith = null;
  }

  /**
   * Before rows are added or removed: copies the slot tables, and the columns kept as they were, if an
   * open change's snapshot shares them (a removal moves rows within columns).
   */
  protected unshare(): void {
    const shared = this.sharedWith;
    this.sharedWith = null;
    if (!shared?.scope.open) return;
    this.stamps = this.stamps.slice();
    this.free = this.free.slice();
    this.setTables(this.tables().map((t) => t.slice()));
    this.setColumns(this.columns.map((c) => (shared.columns.has(c) ? c.slice() : c)));
  }

  save(): StoreImage {
    return saveStore(this);
  }

  restore(image: StoreImage): void {
    restoreStore(this, image);
  }

  protected grow(capacity: number): void {
    if (capacity > MAX_SLOTS) {
      if (this.capacity >= MAX_SLOTS) throw new StoreError(`${this.name} is full: ${MAX_SLOTS.toLocaleString('en-US')} rows is the most a store holds`);
      capacity = MAX_SLOTS;
    }
    this.stamps = enlarged(this.stamps, capacity);
    this.free = enlarged(this.free, capacity);
    this.setTables(this.tables().map((t) => enlarged(t, capacity)));
    this.capacity = capacity;
    // Same specs and defaults: only the typed columns are new objects.
    this.setColumns(this.columns.map((c) => (Array.isArray(c) ? c : enlarged(c, capacity))));
  }

  protected checkFields(values: Values, what: string): void {
    for (const key in values) if (!Object.hasOwn(this.cols, key)) this.unknownField(key, what);
  }

  protected unknownField(field: string, what: string): never {
    const known = this.specs.map((s) => s.name).join(', ');
    throw new StoreError(`${this.name}.${what}: ${this.className} has no field ${JSON.stringify(field)} (its columns: ${known || 'none'})`);
  }

  /** Throws the error a bad handle deserves. */
  protected stale(handle: number): never {
    const stamp = stampOf(handle);
    const slot = slotOf(handle);
    const what = `${this.name}: handle ${String(handle)}`;
    if (typeof handle !== 'number' || !Number.isInteger(handle) || handle < 0 || stamp === 0)
      throw new StoreError(`${what} is not a handle (a store hands out handles from add)`);
    const tag = tagOfStamp(stamp);
    if (tag !== this.tag) {
      const other = this.registry.storeNameOfTag(tag);
      throw new StoreError(`${what} belongs to ${other ?? 'another store'}, not to this one`);
    }
    if (slot >= this.slotsUsed) throw new StoreError(`${what} names row ${slot}, which this store never had`);
    const now = this.stamps[slot]!;
    if (now === stamp + FREE) throw new StoreError(`${what} names a free slot (${slot}): a handle from before a restore, or a made-up number`);
    const where = this.removedAt.get(slot);
    const site = where ? `; it was removed ${where}` : this.registry.debug ? '' : ' (set IMAGO_DEBUG=1 to learn where it was removed)';
    throw new StoreError(
      `${what} is stale: its row (slot ${slot}, generation ${generationOfStamp(stamp)}) was removed${now === 0 ? ' and the slot retired' : ''}${site}`,
    );
  }
}

/** A copy of a typed array with room for `capacity` entries. */
function enlarged<A extends NumericColumn>(a: A, capacity: number): A {
  const out = new (a.constructor as new (n: number) => A)(capacity);
  out.set(a);
  return out;
}

/** The first stack frame outside the store, for "removed at" messages. */
function removalSite(): string {
  const lines = (new Error().stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
  const user = lines.find((l) => !l.includes('/store/'));
  return user ?? lines[0] ?? 'at an unknown place';
}
