import { idx } from './util';
import { plain } from './plain';
import { tscStyle } from './tsc-style.js';
import type { Unused } from './types';
export function probe(): string { return idx + plain + tscStyle; }
setInterval(() => console.log(probe()), 15);
