// Energy rules: moving costs energy, resting brings it back.

import type { Entity } from './entity.ts';
import { length } from './vector.ts';

export function metabolism(entities: readonly Entity[], dt: number): void {
  for (const e of entities) {
    e.age += dt;
    const cost = length(e.vx, e.vy) * dt;
    e.energy = e.energy > cost ? e.energy - cost : 100;
  }
}
