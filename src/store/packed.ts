// The packed layout: rows are dense (0 .. size-1 in every column), so a pass over the store is a plain
// loop over typed arrays. Removing a row moves the last row into the hole; a handle reaches its row
// through one more table (slot -> row), so handles stay valid when rows move.

import { StoreCore } from './store-core.js';

/** 2^24 (INDEX_SPAN in handle.ts), local: a module's own constant folds into row(), an imported one is a load. */
const SPAN = 16777216;

export class PackedStore extends StoreCore {
  readonly layout = 'packed' as const;
  /** Slot -> row. */
  rowOfSlot: Int32Array = new Int32Array(this.capacity);
  /** Row -> slot. */
  slotOfRow: Int32Array = new Int32Array(this.capacity);

  row(handle: number): number {
    const stamp = Math.floor(handle / SPAN);
    const slot = handle - stamp * SPAN;
    if (this.stamps[slot] !== stamp) this.stale(handle);
    return this.rowOfSlot[slot]!;
  }

  rowAt(k: number): number {
    return k;
  }

  columnLength(): number {
    return this.size;
  }

  protected slotAt(row: number): number {
    return this.slotOfRow[row]!;
  }

  protected attach(slot: number): number {
    const row = this.size;
    this.rowOfSlot[slot] = row;
    this.slotOfRow[row] = slot;
    return row;
  }

  protected detach(slot: number): void {
    const row = this.rowOfSlot[slot]!;
    const last = this.size - 1;
    const { columns } = this;
    if (row !== last) {
      for (let j = 0; j < columns.length; j++) {
        const c = columns[j] as unknown[];
        c[row] = c[last];
      }
      const moved = this.slotOfRow[last]!;
      this.slotOfRow[row] = moved;
      this.rowOfSlot[moved] = row;
    }
    // Plain columns stay as long as the store (packed arrays, no holes), and let go of the values.
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j]!;
      if (Array.isArray(c) && c.length > last) c.length = last;
    }
  }

  tables(): readonly Int32Array[] {
    return [this.rowOfSlot, this.slotOfRow];
  }

  setTables([rows, slots]: readonly Int32Array[]): void {
    this.rowOfSlot = rows!;
    this.slotOfRow = slots!;
  }

  protected growTables(capacity: number): void {
    const rows = new Int32Array(capacity);
    rows.set(this.rowOfSlot);
    this.rowOfSlot = rows;
    const slots = new Int32Array(capacity);
    slots.set(this.slotOfRow);
    this.slotOfRow = slots;
  }
}
