// The program the soak runs (bench/soak.ts, test/soak.test.ts): a tick loop moving bodies, a timer made
// by a top-level statement, and an HTTP server whose answer says which version of rules.ts runs. Edits
// rewrite rules.ts; every good one is a new version `k` (the answer and the timer's beat show it), every
// bad one carries a negative marker, so an answer that ever shows one means a rejected edit ran.

/** The kinds of bad edit, each with the phase its rejection must name. */
export const BAD_KINDS = [
  { kind: 'syntax', phase: 'parse' },
  { kind: 'type', phase: 'typecheck' },
  { kind: 'throw', phase: 'evaluate' },
] as const;
export type BadKind = (typeof BAD_KINDS)[number]['kind'];

/** The entry: it owns the bodies and the server, and calls rules.ts for every step and answer. */
export const MAIN = `import http from 'node:http';
import { type Body, describe, step } from './rules.ts';

const bodies: Body[] = [];
for (let i = 0; i < 400; i++) bodies.push({ x: i % 100, y: (i * 7) % 100, vx: (i % 5) - 2, vy: (i % 3) - 1 });
let ticks = 0;
let server: http.Server | null = null;

export function start(): void {
  server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(describe(ticks, bodies));
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => {
    const address = server?.address();
    if (address && typeof address === 'object') console.log('soak-port ' + address.port);
  });
}

export function tick(dt: number): void {
  ticks++;
  for (const b of bodies) step(b, dt);
}

export function stop(): void {
  server?.closeAllConnections();
  server?.close();
}
`;

/** rules.ts at version `k` (a positive integer; a bad edit passes its negative marker). */
export function rules(k: number): string {
  return `export interface Body { x: number; y: number; vx: number; vy: number }

export const VERSION = ${k};
export const beat = { v: 0, n: 0 };

setInterval(() => {
  beat.v = ${k};
  beat.n++;
}, 10);

export function step(b: Body, dt: number): void {
  b.x += b.vx * dt * ${1 + (Math.abs(k) % 7)};
  b.y += b.vy * dt;
  if (b.x < 0 || b.x > 100) b.vx = -b.vx;
  if (b.y < 0 || b.y > 100) b.vy = -b.vy;
}

export function describe(ticks: number, bodies: readonly Body[]): string {
  let energy = 0;
  for (const b of bodies) energy += b.vx * b.vx + b.vy * b.vy;
  return 'v=' + ${k} + ' beat=' + beat.v + ' ticks=' + ticks + ' bodies=' + bodies.length + ' energy=' + energy;
}
`;
}

/** A bad edit: rules.ts at marker `-n` with a fault of `kind` the gate or the evaluation must reject. */
export function badRules(kind: BadKind, n: number): string {
  const base = rules(-n);
  switch (kind) {
    case 'syntax':
      return `${base}\nexport function broken${n}(a: number {\n  return a;\n}\n`;
    case 'type':
      return `${base}\nexport const wrong${n}: number = 'text ${n}';\n`;
    case 'throw':
      return `${base}\nif (beat.n >= 0) throw new Error('soak: bad edit ${n} throws');\n`;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** What an answer says: the version of describe() that made it and the one of the timer that beat last. */
export interface Answer {
  readonly v: number;
  readonly beat: number;
  readonly ticks: number;
}

const ANSWER = /^v=(-?\d+) beat=(-?\d+) ticks=(\d+) bodies=400 energy=(\d+)$/;

/** Reads an answer; null when the body is not one the program makes. */
export function parseAnswer(body: string): Answer | null {
  const m = ANSWER.exec(body);
  if (!m) return null;
  return { v: Number(m[1]), beat: Number(m[2]), ticks: Number(m[3]) };
}
