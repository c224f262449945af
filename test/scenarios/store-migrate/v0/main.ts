import { createStore, type f32 } from 'imago/store';

export class Unit {
  x: f32 = 0;
  hp: number = 10;
  name = 'u';
  legacy = 1;
}

const units = createStore(Unit, { name: 'units' });
// Runs once: this statement's text never changes, so edits keep the rows (and handles) it made.
const hs = seed();

function seed() {
  const made = [units.add({ x: 1.5, hp: 7, name: 'a' }), units.add({ x: 2.5, hp: 9, name: 'b' }), units.add({ x: 3.5, hp: 11, name: 'c' })];
  units.remove(made[1]!);
  return made;
}

export function probe(): string {
  return hs.filter((h) => units.has(h)).map((h) => `${units.get(h, 'name')}:${units.get(h, 'x')}:${units.get(h, 'hp')}`).join(' ');
}
setInterval(() => console.log(probe()), 20);
