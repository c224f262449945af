// The state of the program: built once, slowly when SETUP_MS says so, then only changed by ticks.

import { ENTITIES, FIELD, SETUP_MS } from './config.ts';
import { Entity } from './entity.ts';
import { makeRng } from './rng.ts';

export interface World {
  /** Changes only when the state is built again. */
  readonly stateId: string;
  readonly entities: Entity[];
  ticks: number;
}

function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* building the state */ }
}

export function buildWorld(): World {
  const rng = makeRng(42);
  const entities: Entity[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    entities.push(new Entity(rng() * FIELD, rng() * FIELD, rng() * 2 - 1, rng() * 2 - 1));
  }
  busy(SETUP_MS);
  const stateId = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  return { stateId, entities, ticks: 0 };
}
