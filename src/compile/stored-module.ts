// A compiled module as plain data and back, for a cache that keeps modules between runs (the host's
// compile cache: host/compile-cache.ts). Everything in a CompiledModule is data (maps and sets included)
// but its position maps, which are kept as the data they are made of.

import type { CompiledModule } from './compiled-module.js';
import { type PositionData, PositionMap } from './position-map.js';

/** A CompiledModule with its position maps as data. */
export type StoredModule = Omit<CompiledModule, 'positions' | 'late'> & {
  readonly positions: PositionData;
  readonly late: { readonly code: string; readonly positions: PositionData } | null;
};

export function storeModule(m: CompiledModule): StoredModule {
  return { ...m, positions: m.positions.toData(), late: m.late ? { code: m.late.code, positions: m.late.positions.toData() } : null };
}

export function restoreModule(s: StoredModule): CompiledModule {
  return {
    ...s,
    positions: PositionMap.fromData(s.positions),
    late: s.late ? { code: s.late.code, positions: PositionMap.fromData(s.late.positions) } : null,
  };
}
