export enum Kind { Walker, Flyer }
export abstract class Entity {
  static spawned = 0;
  #id: number;
  constructor(public x: number, readonly kind: Kind) { this.#id = ++Entity.spawned; }
  get id(): number { return this.#id; }
  abstract speed(): number;
  step(): void { this.x += this.speed(); }
  describe(): string { return `v2:${Kind[this.kind]}#${this.#id}`; }
}
