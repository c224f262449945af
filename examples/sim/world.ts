// The simulation's state. It lives as long as the process: edits to the other files never reset it.

export interface Critter {
  readonly id: number;
  readonly name: string;
  x: number;
  energy: number;
  age: number;
}

export const critters: Critter[] = [];
let nextId = 0;

export function spawn(x: number): Critter {
  const id = nextId++;
  const critter: Critter = { id, name: String.fromCharCode(97 + (id % 26)), x, energy: 10, age: 0 };
  critters.push(critter);
  return critter;
}

export function removeDead(): number {
  let removed = 0;
  for (let i = critters.length - 1; i >= 0; i--) {
    if (critters[i]!.energy <= 0) { critters.splice(i, 1); removed++; }
  }
  return removed;
}
