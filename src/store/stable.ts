// The stable layout: a row never moves (its column index is its slot), and a removed row's slot is a
// hole the next add reuses. Handles need no extra table; a pass over the store goes through the list of
// live slots, kept dense (removal swaps the last entry into the gap).

import { StoreCore } from './store-core.js';

/** 2^24 (INDEX_SPAN in handle.ts), local: a module's own constant folds into row(), an imported one is a load. */
const SPAN = 16777216;
/** Stamps a handle can carry (tag 1 and up, no FREE bit): unused and retired slots hold 0, free ones FREE + stamp. */
const MIN_STAMP = 65536;
const MAX_STAMP = 536870911;

export class StableStore extends StoreCore {
  readonly layout = 'stable' as const;
  /** Live slots in packed order. */
  live: Int32Array = new Int32Array(this.capacity);
  /** Slot -> its position in `live`. */
  livePos: Int32Array = new Int32Array(this.capacity);

  row(handle: number): number {
    const stamp = Math.floor(handle / SPAN);
    const slot = handle - stamp * SPAN;
    if (this.stamps[slot] !== stamp || stamp < MIN_STAMP || stamp > MAX_STAMP) this.stale(handle);
    return slot;
  }

  rowAt(k: number): number {
    return this.live[k]!;
  }

  columnLength(): number {
    return this.slotsUsed;
  }

  protected isLiveRow(row: number): boolean {
    if (!Number.isInteger(row) || row < 0 || row >= this.slotsUsed) return false;
    const stamp = this.stamps[row]!;
    return stamp >= MIN_STAMP && stamp <= MAX_STAMP;
  }

  protected slotAt(row: number): number {
    return row;
  }

  protected attach(slot: number): number {
    this.live[this.size] = slot;
    this.livePos[slot] = this.size;
    return slot;
  }

  protected detach(slot: number): void {
    const at = this.livePos[slot]!;
    const lastSlot = this.live[this.size - 1]!;
    this.live[at] = lastSlot;
    this.livePos[lastSlot] = at;
    // Let go of the values a hole held in plain columns.
    for (const c of this.columns) if (Array.isArray(c)) c[slot] = undefined;
  }

  checkTables(stamps: Uint32Array, [live, pos]: readonly Int32Array[], size: number, used: number): string | null {
    for (let k = 0; k < size; k++) {
      const slot = live![k]!;
      const stamp = slot >= 0 && slot < used ? stamps[slot]! : 0;
      if (stamp < MIN_STAMP || stamp > MAX_STAMP || pos![slot] !== k) return `live-list entry ${k} (${slot}) is not a live slot listed once`;
    }
    return null;
  }

  tables(): readonly Int32Array[] {
    return [this.live, this.livePos];
  }

  setTables([live, pos]: readonly Int32Array[]): void {
    this.live = live!;
    this.livePos = pos!;
  }
}
