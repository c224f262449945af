// A small live simulation driven by imago: start() once, tick(dt) every 16 ms, stop() on Ctrl-C.
// Run it with `npm run demo`, then edit examples/sim/rules.ts (or render.ts) and save.

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

export function start(): void {
  for (let i = 0; i < 6; i++) spawn((i + 0.5) * (FIELD / 6));
  born += 6;
  console.log('simulation started: edit examples/sim/rules.ts and save; the critters live on');
}

export function tick(dt: number): void {
  time += dt;
  for (const c of critters) {
    c.age += dt;
    c.x = wrap(c.x + move(c, dt));
    c.energy -= metabolism(c, dt);
  }
  died += removeDead();
  if (shouldSpawn(critters.length)) { spawn(Math.random() * FIELD); born++; }
  if (time - lastFrame >= 0.5) {
    lastFrame = time;
    console.log(render(critters, time));
  }
}

export function stop(): void {
  console.log(`simulation stopped after ${time.toFixed(1)} s: ${born} born, ${died} died, ${critters.length} alive`);
}
