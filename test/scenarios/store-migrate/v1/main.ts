import { createStore, type f32, type i32 } from 'imago/store';

export class Unit {
  x: f32 = 0;
  /** @renamed hp */
  health: number = 10;
  name = 'u';
  armor: i32 = 3;
  maxHealth = this.health * 2;
}

const units = createStore(Unit, { name: 'units' });
// Runs once: this statement's text never changes, so edits keep the rows (and handles) it made.
const hs = seed();

function seed() {
  const made = [units.add({ x: 1.5, health: 7, name: 'a' }), units.add({ x: 2.5, health: 9, name: 'b' }), units.add({ x: 3.5, health: 11, name: 'c' })];
  units.remove(made[1]!);
  return made;
}

export function probe(): string {
  return hs.filter((h) => units.has(h)).map((h) => `${units.get(h, 'name')}:${units.get(h, 'x')}:${units.get(h, 'health')}:${units.get(h, 'armor')}:${units.get(h, 'maxHealth')}:${units.column('armor') instanceof Int32Array}`).join(' ');
}
setInterval(() => console.log(probe()), 20);
