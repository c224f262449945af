// Generational handles (the first seed: "everything has to be either an index or a handle"). A handle is
// one number: the slot index in the low 24 bits, and above them a stamp = store tag (13 bits) and the
// slot's generation (16 bits). A slot keeps the stamp of the row living in it and moves to the next
// generation when the row is removed (flagged FREE until reused), so one comparison rejects a stale
// handle and a handle of another store. A slot whose generation is spent is retired, never reused: a stale handle never reads a row.

declare const handleOf: unique symbol;

/** A row of a store of `T`: a number, but only a store hands one out. */
export type Handle<T = unknown> = number & { readonly [handleOf]: T };

export const INDEX_BITS = 24;
export const MAX_SLOTS = 2 ** INDEX_BITS;
export const INDEX_SPAN = 2 ** INDEX_BITS;
export const GENERATIONS = 2 ** 16;
/** The stamps a live row can have: tag 1 and up (an unused or retired slot holds 0), no FREE bit. */
export const MIN_STAMP = GENERATIONS;
export const MAX_STAMP = 2 ** 29 - 1;
/** Added to the stamp of a free slot, so no handle (stamps stay below 2^29) matches it. */
export const FREE = 2 ** 31;

export function makeHandle(slot: number, stamp: number): number {
  return stamp * INDEX_SPAN + slot;
}

/** The stamp of a handle (a non-integer or negative number gives a value no slot holds). */
export function stampOf(handle: number): number {
  return Math.floor(handle / INDEX_SPAN);
}

export function slotOf(handle: number): number {
  return handle - Math.floor(handle / INDEX_SPAN) * INDEX_SPAN;
}

export function tagOfStamp(stamp: number): number {
  return Math.floor(stamp / GENERATIONS);
}

export function generationOfStamp(stamp: number): number {
  return stamp % GENERATIONS;
}
