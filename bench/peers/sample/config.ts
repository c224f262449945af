// Settings of the sample program, read once at start.

/** Milliseconds between ticks. */
export const TICK_MS = 2;
/** Entities in the world. */
export const ENTITIES = 10_000;
/** Side of the square world. */
export const FIELD = 1000;
/** How long building the state takes, as loading assets or a database would (env SETUP_MS). */
export const SETUP_MS = Number(process.env['SETUP_MS'] ?? 0);
