import { createStore, type i32 } from 'imago/store';

export class Unit {
  x: string = '0';
  health: i32 = 10;
  name: number = 0;
  armor: i32 = 3;
  maxHealth = this.health * 2;
}

const units = createStore(Unit, { name: 'units' });
// Runs once: this statement's text never changes, so edits keep the rows (and handles) it made.
const hs = seed();

function seed() {
  const made = [units.add({ x: '1.5', health: 7, name: 1 }), units.add({ x: '2.5', health: 9, name: 2 }), units.add({ x: '3.5', health: 11, name: 3 })];
  units.remove(made[1]!);
  return made;
}

export function probe(): string {
  return `name is ${typeof units.get(hs[0]!, 'name')}`;
}
setInterval(() => console.log(probe()), 20);
