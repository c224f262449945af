// Figures over the whole world for the status line.

import type { Entity } from './entity.ts';

export function averageEnergy(entities: readonly Entity[]): number {
  let sum = 0;
  for (const e of entities) sum += e.energy;
  return entities.length === 0 ? 0 : sum / entities.length;
}
