// `imago/store`: handle-based stores of rows laid out by a class (docs/stores.md). Numeric fields are
// typed-array columns, other fields plain columns; rows are reached by generational handles; when the
// class's fields change in the source, imago rearranges the columns of every live store in the same
// atomic change that migrates the class's instances.
//
// A program run by imago gets its image's own copy of this API (store/api.ts: each image has its own
// stores and handle tags). Imported outside imago, createStore has no classes to lay stores out by and
// says so.

import type { NumericColumn } from './elements.js';
import { StoreError } from './errors.js';
import type { Handle } from './handle.js';
import type { StoreImage } from './serialize.js';
import type { StoreLayout } from './store-core.js';

export type { StoreApi } from './api.js';
export type { ElementKind, NumericColumn } from './elements.js';
export { StoreError } from './errors.js';
export type { Handle } from './handle.js';
export type { StoreImage } from './serialize.js';
export type { StoreLayout } from './store-core.js';

/** Column element types: a field written `x: f32` is stored in a Float32Array. Plain `number` is f64. */
export type f64 = number;
export type f32 = number;
export type i32 = number;
export type u32 = number;
export type i16 = number;
export type u16 = number;
export type i8 = number;
export type u8 = number;

type Method = (...args: never[]) => unknown;

/** The data fields of `T` (methods aside). */
export type FieldOf<T> = { [K in keyof T]-?: T[K] extends Method ? never : K }[keyof T] & string;

/** Values for a new row: fields left out get their initializer's value. */
export type RowValues<T> = { readonly [K in FieldOf<T>]?: T[K] };

/** A numeric field's column is a typed array; any other field's a plain array. */
export type ColumnOf<V> = number extends V ? ([V] extends [number] ? NumericColumn : V[]) : V[];

export interface Store<T> extends Iterable<Handle<T>> {
  /** `Store<Particle>`, or `name (Store<Particle>)` when the options named it. */
  readonly name: string;
  readonly layout: StoreLayout;
  /** Live rows. */
  readonly size: number;
  /** Adds a row; returns its handle. Throws (adding nothing) for an unknown field or a missing value. */
  add(values?: RowValues<T>): Handle<T>;
  /** Removes the row; its handle (and every copy of it) is stale from now on. */
  remove(handle: Handle<T>): void;
  /** True while the handle's row lives. */
  has(handle: Handle<T>): boolean;
  get<K extends FieldOf<T>>(handle: Handle<T>, field: K): T[K];
  set<K extends FieldOf<T>>(handle: Handle<T>, field: K, value: T[K]): void;
  /** The column index of a live handle's row (throws for a stale one): `store.column('x')[store.row(h)]`. */
  row(handle: Handle<T>): number;
  /** The column index of the row at position k of packed order (0 <= k < size). */
  rowAt(k: number): number;
  /** The handle of the row at a column index. */
  handleAt(row: number): Handle<T>;
  /**
   * A field's column, indexed by row. Valid until the next add (a store grows by replacing its columns)
   * or layout change: fetch columns once per pass, not once per program.
   */
  column<K extends FieldOf<T>>(field: K): ColumnOf<T[K]>;
  /** Calls `fn` with the column index of each live row, in packed order. `fn` may remove the row it is given. */
  each(fn: (row: number) => void): void;
  /** Columns as bytes plus a layout description (for image files). */
  save(): StoreImage;
  /** Replaces every row with a saved image's; saved handles are valid again. */
  restore(image: StoreImage): void;
}

export interface StoreOptions {
  /** `packed` (default): dense rows, removal moves the last row. `stable`: rows never move, holes reused. */
  readonly layout?: StoreLayout;
  /** Rows to allocate for up front (default 16; the store doubles as it fills). */
  readonly capacity?: number;
  /** A name for messages. */
  readonly name?: string;
}

type AnyClass = abstract new (...args: never[]) => object;

function outsideImago(cls: unknown): never {
  const name = typeof cls === 'function' ? cls.name || 'an anonymous class' : String(cls);
  throw new StoreError(
    `createStore(${name}): stores live in a program that imago runs (imago run <entry.ts>); this copy of imago/store was loaded outside one`,
  );
}

/**
 * A store of rows laid out like instances of `cls`, a top-level class of the program imago runs. Its
 * public fields are the columns, in declaration order (inherited fields first).
 *
 * @example
 * class Particle { x: f32 = 0; y: f32 = 0; }
 * const particles = createStore(Particle, { capacity: 1024 });
 * const h = particles.add({ x: 1 });
 */
export function createStore<C extends AnyClass>(cls: C, _options?: StoreOptions): Store<InstanceType<C>> {
  return outsideImago(cls);
}

/** `new Store(Particle, options)`: the same as `createStore(Particle, options)`. */
export const Store = function Store(cls: AnyClass) {
  return outsideImago(cls);
} as unknown as new <C extends AnyClass>(
  cls: C,
  options?: StoreOptions,
) => Store<InstanceType<C>>;
