// Moves every entity by its velocity; the world wraps around at its edges.

import { FIELD } from './config.ts';
import type { Entity } from './entity.ts';
import { wrap } from './vector.ts';

export function move(entities: readonly Entity[], dt: number): void {
  for (const e of entities) {
    e.x = wrap(e.x + e.vx * dt, FIELD);
    e.y = wrap(e.y + e.vy * dt, FIELD);
  }
}
