// A small live simulation driven by imago: start() once, tick(dt) every 16 ms, stop() on Ctrl-C.
// Run it with `npm run demo`, then edit examples/sim/rules.ts (or render.ts, or the Critter class in
// world.ts) and save. Ctrl-C saves the simulation to examples/sim/sim.img; the next `npm run demo`
// resumes it (`node bin/imago.js run --fresh --image examples/sim/sim.img examples/sim/main.ts` starts over).

import { critters, removeDead, spawn } from './world.ts';
import { FIELD, metabolism, move, shouldSpawn } from './rules.ts';
import { render } from './render.ts';

let time = 0;
let lastFrame = -1;
let born = 0;
let died = 0;

function wrap(x: number): number {
  return ((x % FIELD) + FIELD) % FIELD;
}

export function start({ resumed }: { resumed: boolean }): void {
  // Resumed from the image file (npm run demo saves it on Ctrl-C): the critters are back, do not seed again.
  if (resumed) {
    console.log(`simulation resumed at ${time.toFixed(1)} s with ${critters.size} critters (${born} born, ${died} died so far)`);
    return;
  }
  for (let i = 0; i < 6; i++) spawn((i + 0.5) * (FIELD / 6));
  born += 6;
  console.log('simulation started: edit examples/sim/rules.ts and save; the critters live on');
}

export function tick(dt: number): void {
  time += dt;
  // A pass over the store: its rows are dense, so this is a loop over typed arrays.
  const id = critters.column('id');
  const x = critters.column('x');
  const energy = critters.column('energy');
  const age = critters.column('age');
  for (let row = 0; row < critters.size; row++) {
    age[row] = age[row]! + dt;
    x[row] = wrap(x[row]! + move(age[row]!, id[row]!, dt));
    energy[row] = energy[row]! - metabolism(age[row]!, dt);
  }
  died += removeDead();
  if (shouldSpawn(critters.size)) { spawn(Math.random() * FIELD); born++; }
  if (time - lastFrame >= 0.5) {
    lastFrame = time;
    console.log(render(time));
  }
}

export function stop(): void {
  console.log(`simulation stopped after ${time.toFixed(1)} s: ${born} born, ${died} died, ${critters.size} alive`);
}
