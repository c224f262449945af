// The simulation's state: critters live in a handle store, one typed column per numeric field. It lives
// as long as the process: edits to the other files never reset it.
// EDIT THE CLASS while `npm run demo` runs: add a field (`mood = 'calm'`, `speed: f32 = 1`), remove
// one, rename one with `/** @renamed old */`, or change a type (`energy: f64`). Every live critter
// gets the new layout in the same change, keeping its values.

import { createStore, type f32, type Handle, type u32 } from 'imago/store';

export class Critter {
  id: u32 = 0;
  name = 'a';
  x: f32 = 0;
  energy: f32 = 10;
  age: f32 = 0;
}

export const critters = createStore(Critter, { name: 'critters' });
let nextId = 0;

export function spawn(x: number): Handle<Critter> {
  const id = nextId++;
  return critters.add({ id, name: String.fromCharCode(97 + (id % 26)), x });
}

export function removeDead(): number {
  let removed = 0;
  const energy = critters.column('energy');
  critters.each((row) => {
    if (energy[row]! <= 0) { critters.remove(critters.handleAt(row)); removed++; }
  });
  return removed;
}
