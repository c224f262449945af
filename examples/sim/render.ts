// One status line per frame: the field with each critter as a letter.

import { critters } from './world.ts';
import { FIELD } from './rules.ts';

export function render(time: number): string {
  const cells = new Array<string>(FIELD).fill('.');
  const x = critters.column('x');
  const energy = critters.column('energy');
  const name = critters.column('name');
  for (let row = 0; row < critters.size; row++) {
    const at = Math.min(FIELD - 1, Math.max(0, Math.floor(x[row]!)));
    cells[at] = energy[row]! > 3 ? name[row]!.toUpperCase() : name[row]!;
  }
  return `|${cells.join('')}| t=${time.toFixed(1)}s n=${critters.size}`;
}
