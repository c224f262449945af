// The packed layout: rows are dense (0 .. size-1 in every column), so a pass over the store is a plain
// loop over typed arrays. Removing a row moves the last row into the hole; a handle reaches its row
// through one more table (slot -> row), so handles stay valid when rows move.

import { StoreCore } from './store-core.js';

/** 2^24 (INDEX_SPAN in handle.ts), local: a module's own constant folds into row(), an imported one is a load. */
const SPAN = 16777216;
/** Stamps a handle can carry (tag 1 and up, no FREE bit): unused and retired slots hold 0, free ones FREE + stamp. */
const MIN_STAMP = 65536;
const MAX_STAMP = 536870911;

export class PackedStore extends StoreCore {
  readonly layout = 'packed' as const;
  /** Slot -> row. */
  rowOfSlot: Int32Array = new Int32Array(this.capacity);
  /** Row -> slot. */
  slotOfRow: Int32Array = new Int32Array(this.capacity);

  row(handle: number): number {
    const stamp = Math.floor(handle / SPAN);
    const slot = handle - stamp * SPAN;
    if (this.stamps[slot] !== stamp || stamp < MIN_STAMP || stamp > MAX_STAMP) this.stale(handle);
    return this.rowOfSlot[slot]!;
  }

  rowAt(k: number): number {
    return k;
  }

  columnLength(): number {
    return this.size;
  }

  protected isLiveRow(row: number): boolean {
    return Number.isInteger(row) && row >= 0 && row < this.size;
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

  checkTables(stamps: Uint32Array, [rows, slots]: readonly Int32Array[], size: number, used: number): string | null {
    for (let slot = 0; slot < used; slot++) {
      const stamp = stamps[slot]!;
      if (stamp < MIN_STAMP || stamp > MAX_STAMP) continue;
      const row = rows![slot]!;
      if (!(row >= 0 && row < size) || slots![row] !== slot) return `slot ${slot} and row ${row} do not name each other`;
    }
    return null;
  }

  tables(): readonly Int32Array[] {
    return [this.rowOfSlot, this.slotOfRow];
  }

  setTables([rows, slots]: readonly Int32Array[]): void {
    this.rowOfSlot = rows!;
    this.slotOfRow = slots!;
  }
}
