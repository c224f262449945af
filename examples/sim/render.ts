// One status line per frame: the field with each critter as a letter.

import type { Critter } from './world.ts';
import { FIELD } from './rules.ts';

export function render(critters: readonly Critter[], time: number): string {
  const cells = new Array<string>(FIELD).fill('.');
  for (const c of critters) {
    const at = Math.min(FIELD - 1, Math.max(0, Math.floor(c.x)));
    cells[at] = c.energy > 3 ? c.name.toUpperCase() : c.name;
  }
  return `|${cells.join('')}| t=${time.toFixed(1)}s n=${critters.length}`;
}
