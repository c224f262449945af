// A store as raw bytes plus a description of its layout: what an image file writes, and what it reads
// back. Numeric columns and slot tables are copied as bytes (little-endian, as the platform's typed
// arrays are); plain columns are handed over as arrays of values for the image writer to encode.
// Restoring keeps every saved handle valid: slots, generations and the store's tag come back as saved.

import { ELEMENTS, isElementKind } from './elements.js';
import { StoreError } from './errors.js';
import { FREE, MAX_STAMP, MIN_STAMP, tagOfStamp } from './handle.js';
import type { Column } from './row-view.js';
import type { ColumnKind } from './schema.js';
import type { StoreCore, StoreLayout } from './store-core.js';

export const STORE_FORMAT = 'imago-store/1';

export interface StoreImage {
  readonly format: typeof STORE_FORMAT;
  readonly class: string;
  readonly layout: StoreLayout;
  readonly tag: number;
  readonly size: number;
  readonly slotsUsed: number;
  readonly freeCount: number;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly kind: ColumnKind; readonly type: string }>;
  /** Slot stamps, free slots, then the layout's two tables: each its first `slotsUsed` entries as bytes. */
  readonly tables: readonly Uint8Array[];
  /** Per field: the bytes of a numeric column's used part, or a plain column's values. */
  readonly columns: ReadonlyArray<Uint8Array | readonly unknown[]>;
}

const viewOf = (a: ArrayBufferView, count: number, width: number): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, count * width);
const bytesOf = (a: ArrayBufferView, count: number, width: number): Uint8Array => viewOf(a, count, width).slice();

/**
 * The store's rows as an image; with `views`, its byte arrays are views of the live columns and tables
 * (no copy: for a caller that reads them before the store changes again, as an image file's save does).
 */
export function saveStore(store: StoreCore, views = false): StoreImage {
  const bytes = views ? viewOf : bytesOf;
  const used = store.slotsUsed;
  const length = store.columnLength();
  return {
    format: STORE_FORMAT,
    class: store.className,
    layout: store.layout,
    tag: store.tag,
    size: store.size,
    slotsUsed: used,
    freeCount: store.freeCount,
    fields: store.specs.map((s) => ({ name: s.name, kind: s.kind, type: s.decl.typeText })),
    tables: [bytes(store.stamps, used, 4), bytes(store.free, used, 4), ...store.tables().map((t) => bytes(t, used, 4))],
    columns: store.columns.map((c, j) => {
      const kind = store.specs[j]!.kind;
      return kind === 'value' ? (c as unknown[]).slice(0, length) : bytes(c as ArrayBufferView, length, ELEMENTS[kind].bytes);
    }),
  };
}

const int32s = (bytes: Uint8Array): Int32Array => new Int32Array(bytes.slice().buffer);

/**
 * What is wrong with the image's slots, if anything: every used slot is live (a stamp of the image's
 * tag), free (the FREE bit, listed once in the free list) or retired (0); as many live slots as rows; and
 * the layout's tables agree with the stamps (store.checkTables).
 */
function checkSlots(store: StoreCore, image: StoreImage): string | null {
  const stamps = new Uint32Array(image.tables[0]!.slice().buffer);
  const free = int32s(image.tables[1]!);
  let live = 0;
  let freeSlots = 0;
  for (let slot = 0; slot < image.slotsUsed; slot++) {
    const stamp = stamps[slot]!;
    if (stamp === 0) continue;
    const bare = stamp >= FREE ? stamp - FREE : stamp;
    if (bare < MIN_STAMP || bare > MAX_STAMP || tagOfStamp(bare) !== image.tag) return `slot ${slot} holds stamp ${stamp}, not one of tag ${image.tag}`;
    if (stamp >= FREE) freeSlots++;
    else live++;
  }
  if (live !== image.size) return `its slots hold ${live} rows, but its size is ${image.size}`;
  if (freeSlots !== image.freeCount) return `${freeSlots} of its slots are free, but its free list has ${image.freeCount}`;
  const listed = new Set<number>();
  for (let k = 0; k < image.freeCount; k++) {
    const slot = free[k]!;
    if (!(slot >= 0 && slot < image.slotsUsed) || stamps[slot]! < FREE || listed.has(slot))
      return `free-list entry ${k} (${slot}) is not a free slot listed once`;
    listed.add(slot);
  }
  return store.checkTables(stamps, image.tables.slice(2).map(int32s), image.size, image.slotsUsed);
}

function fail(store: StoreCore, problem: string): never {
  throw new StoreError(`cannot restore ${store.name}: ${problem}; nothing was changed`);
}

/** Replaces the store's rows with the image's. Throws (changing nothing) when the image does not fit. */
export function restoreStore(store: StoreCore, image: StoreImage): void {
  if (typeof image !== 'object' || image === null || image.format !== STORE_FORMAT)
    fail(store, `not a store image (format ${JSON.stringify((image as { format?: unknown } | null)?.format)}, expected ${STORE_FORMAT})`);
  if (!Array.isArray(image.fields) || !Array.isArray(image.tables) || !Array.isArray(image.columns)) fail(store, 'its fields, tables or columns are not lists');
  if (image.class !== store.className) fail(store, `the image holds rows of ${image.class}`);
  if (image.layout !== store.layout) fail(store, `the image is of the ${image.layout} layout, this store is ${store.layout}`);
  const saved = image.fields.map((f) => `${f.name}: ${f.kind}`).join(', ');
  const current = store.specs.map((s) => `${s.name}: ${s.kind}`).join(', ');
  if (saved !== current) fail(store, `its columns were { ${saved} } and are now { ${current} } (a layout migration on load comes with image files)`);
  const { size, slotsUsed: used, freeCount } = image;
  const count = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 2 ** 24;
  if (!count(size) || !count(used) || !count(freeCount) || size > used || freeCount > used || size + freeCount > used)
    fail(store, `its counts do not add up (size ${String(size)}, slots ${String(used)}, free ${String(freeCount)})`);
  if (image.tables.length !== 2 + store.tables().length || image.tables.some((t) => !(t instanceof Uint8Array) || t.byteLength !== used * 4))
    fail(store, `its slot tables are not ${used} entries each`);
  if (!Number.isInteger(image.tag) || image.tag < 1 || image.tag >= 2 ** 13) fail(store, `its tag ${String(image.tag)} is not a store tag (1 to 8191)`);
  if (image.columns.length !== image.fields.length) fail(store, `it has ${image.columns.length} columns for ${image.fields.length} fields`);
  const length = store.layout === 'packed' ? size : used;
  image.columns.forEach((c, j) => {
    const kind = image.fields[j]!.kind;
    const ok =
      kind === 'value'
        ? Array.isArray(c) && c.length === length
        : isElementKind(kind) && c instanceof Uint8Array && c.byteLength === length * ELEMENTS[kind].bytes;
    if (!ok) fail(store, `column ${image.fields[j]!.name} does not hold ${length} values`);
  });
  const problem = checkSlots(store, image);
  if (problem) fail(store, problem);

  const capacity = Math.max(store.capacity, used, 1);
  const fill = <A extends ArrayBufferView>(into: A, bytes: Uint8Array): A => {
    new Uint8Array(into.buffer).set(bytes);
    return into;
  };
  const [stampBytes, freeBytes, ...own] = image.tables;
  const columns: Column[] = image.columns.map((c, j) => {
    const kind = image.fields[j]!.kind;
    return kind === 'value' ? (c as readonly unknown[]).slice() : fill(new ELEMENTS[kind].make(capacity), c as Uint8Array);
  });
  // Everything checked: from here on nothing throws but the tag, taken first.
  if (image.tag !== store.tag) {
    const before = store.tag;
    store.tag = store.registry.takeTag(store, image.tag);
    store.registry.releaseTag(before, store);
  }
  store.capacity = capacity;
  store.stamps = fill(new Uint32Array(capacity), stampBytes!);
  store.free = fill(new Int32Array(capacity), freeBytes!);
  store.setTables(own.map((t) => fill(new Int32Array(capacity), t)));
  store.size = size;
  store.slotsUsed = used;
  store.freeCount = freeCount;
  store.removedAt.clear();
  store.install(store.specs, columns);
}
