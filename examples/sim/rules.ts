// The rules of the simulation: EDIT THIS FILE while `npm run demo` runs.
// Try: make critters drift right (`return 6 * dt;`), change FIELD, or let them live longer.
// The running critters keep their positions, ages and energy; only the rules change.

export const FIELD = 48;

/** How far a critter of this age and id moves this tick. */
export function move(age: number, id: number, dt: number): number {
  return Math.sin(age * 1.5 + id) * 9 * dt;
}

/** Energy a critter of this age spends this tick. */
export function metabolism(age: number, dt: number): number {
  return (0.4 + age * 0.01) * dt;
}

/** Whether a new critter is born this tick. */
export function shouldSpawn(population: number): boolean {
  return population < 10 && Math.random() < 0.02;
}
