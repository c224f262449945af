import { Entity, Kind } from './entity.ts';
class Walker extends Entity { constructor(x: number) { super(x, Kind.Walker); } speed(): number { return 1; } }
class Flyer extends Entity { constructor(x: number) { super(x, Kind.Flyer); } speed(): number { return 10; } }
const world: Entity[] = [new Walker(0), new Flyer(100)];
let frames = 0;
setInterval(() => { frames++; for (const e of world) e.step(); if (frames % 3 === 0) console.log(world.map((e) => e.describe()).join(' ') + ' spawned=' + Entity.spawned + ' ' + (world[0] instanceof Walker)); }, 10);
