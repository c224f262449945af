// One entity of the world: a position, a velocity and some energy.

export class Entity {
  x: number;
  y: number;
  vx: number;
  vy: number;
  energy = 100;
  age = 0;

  constructor(x: number, y: number, vx: number, vy: number) {
    this.x = x;
    this.y = y;
    this.vx = vx;
    this.vy = vy;
  }
}
