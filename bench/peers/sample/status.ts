// The status line printed every tick: `tick <n> <marker> state <id> energy <average>`.

import type { World } from './world.ts';
import { marker } from './marker.ts';
import { averageEnergy } from './stats.ts';

export function statusLine(world: World): string {
  return `tick ${world.ticks} ${marker()} state ${world.stateId} energy ${averageEnergy(world.entities).toFixed(2)}`;
}
