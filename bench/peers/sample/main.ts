// A long-running program: builds its world once, then ticks every TICK_MS and prints a status line.
// The peer benchmark (bench/peers) runs it under each tool and edits marker.ts while it runs.

import { TICK_MS } from './config.ts';
import { move } from './physics.ts';
import { metabolism } from './rules.ts';
import { statusLine } from './status.ts';
import { buildWorld } from './world.ts';

const world = buildWorld();

function tick(): void {
  const dt = TICK_MS / 1000;
  move(world.entities, dt);
  metabolism(world.entities, dt);
  world.ticks++;
  console.log(statusLine(world));
}

const timer = setInterval(tick, TICK_MS);

// Tools that run this module again must stop the old loop first: Vite and dynohot call dispose; Bun's
// --hot has no import.meta.hot and keeps old timers, so its docs keep such things on globalThis.
import.meta.hot?.dispose(() => clearInterval(timer));
const shared = globalThis as { sampleTimer?: ReturnType<typeof setInterval> };
if (shared.sampleTimer !== undefined) clearInterval(shared.sampleTimer);
shared.sampleTimer = timer;
