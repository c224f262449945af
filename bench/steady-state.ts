// Hot code speed after swaps: the same loops timed before the first swap and after 10 swaps of the
// module they call (every swap installs a fresh layer with fresh closures of every function, and a new
// version of the class whose 100k live instances runBodies calls methods on). Also
// the cost of imago's indirections against the same code loaded natively by Node.

import { pathToFileURL } from 'node:url';
import { createImage } from '../src/index.js';
import { tempProject } from '../test/helpers/project.js';
import { fastestInterleaved, fmt } from './stats.js';

const STEP = 'export function step(a: number, b: number): number { return (a + (b ^ (a >>> 3))) | 0; }\n';
const ENTITIES = `export interface E { x: number; v: number }
export const ents: E[] = [];
for (let i = 0; i < 10000; i++) ents.push({ x: i, v: (i % 7) - 3 });
export function update(e: E, dt: number): void { e.x += e.v * dt; if (e.x < 0 || e.x > 1e6) e.v = -e.v; }
`;
const BODIES = (
  k: number,
): string => `export class Body { x = 0; v = 1; #m = 2; step(dt: number): void { this.x += this.v * dt * this.#m; if (this.x > 1e6) this.x = 0; } energy(): number { return this.v * this.v * this.#m; } version(): number { return ${k}; } }
export const bodies: Body[] = [];
for (let i = 0; i < 100000; i++) bodies.push(new Body());
`;
const sim = (
  k: number,
): string => `${STEP}${ENTITIES}${BODIES(k)}export function runLocal(n: number): number { let acc = 1; for (let i = 0; i < n; i++) acc = step(acc, i); return acc; }
export function other(): number { return ${k}; }\n`;
const main = (k: number): string => `import { step, ents, update, bodies } from './sim.ts';
export { runLocal } from './sim.ts';
export function runImported(n: number): number { let acc = 1; for (let i = 0; i < n; i++) acc = step(acc, i); return acc; }
export function runEntities(frames: number): number { for (let f = 0; f < frames; f++) for (const e of ents) update(e, 0.016); return ents.length; }
export function runBodies(frames: number): number { let e = 0; for (let f = 0; f < frames; f++) for (const b of bodies) { b.step(0.016); e += b.energy(); } return e; }
export function tag(): number { return ${k}; }\n`;
const strip = (ts: string): string =>
  ts
    .replace(/: number/g, '')
    .replace(/: void/g, '')
    .replace(/: E\[\]/g, '')
    .replace(/: Body\[\]/g, '')
    .replace(/\(dt: number\)/g, '(dt)')
    .replace(/\(e: E, dt\)/g, '(e, dt)')
    .replace(/export interface E \{[^}]*\}\n/, '')
    .replaceAll("'./sim.ts'", "'./sim.mjs'");

type Api = Record<string, (n: number) => number>;
const WORK: Array<[string, number]> = [
  ['runLocal', 5e6],
  ['runImported', 5e6],
  ['runEntities', 300],
  ['runBodies', 30],
];

/**
 * Fastest ms per run of each workload for each api, over interleaved rounds (same noise for all). The
 * minimum, not the median: on a shared machine noise only ever adds time, so the fastest run is the
 * truest measure of the code's speed.
 */
function timeInterleaved(apis: readonly Api[], rounds: number): Array<Record<string, number>> {
  const out = apis.map(() => ({}) as Record<string, number>);
  for (const [fn, n] of WORK) {
    const fastest = fastestInterleaved(
      apis.map((api) => () => api[fn]!(n)),
      rounds,
    );
    fastest.forEach((ms, i) => {
      out[i]![fn] = ms;
    });
  }
  return out;
}

export interface SteadyResult {
  /** Swapped image before its first swap, and a never-swapped control image in the same rounds. */
  readonly before: Record<string, number>;
  readonly controlBefore: Record<string, number>;
  readonly after: Record<string, number>;
  readonly controlAfter: Record<string, number>;
  readonly native: Record<string, number>;
}

async function loadImage(
  files: Record<string, string>,
): Promise<{ api: Api; close: () => void; project: ReturnType<typeof tempProject>; image: ReturnType<typeof createImage> }> {
  const project = tempProject(files);
  const image = createImage({ entry: project.path('main.ts') });
  const r = await image.load();
  if (r.kind !== 'applied') throw new Error(`bench program did not load: ${JSON.stringify(r)}`);
  const api: Api = Object.fromEntries(WORK.map(([fn]) => [fn, (n: number) => (image.entry![fn] as (n: number) => number)(n)]));
  return {
    api,
    project,
    image,
    close: () => {
      image.dispose();
      project.remove();
    },
  };
}

export async function measureSteadyState(rounds = 31): Promise<SteadyResult> {
  const swapped = await loadImage({ 'sim.ts': sim(0), 'main.ts': main(0) });
  const control = await loadImage({ 'sim.ts': sim(0), 'main.ts': main(0), 'sim.mjs': strip(sim(0)), 'main.mjs': strip(main(0)) });
  try {
    const native = (await import(pathToFileURL(control.project.path('main.mjs')).href)) as Api;
    const [before, controlBefore, nativeTimes] = timeInterleaved([swapped.api, control.api, native], rounds);
    for (let k = 1; k <= 10; k++) {
      swapped.project.write({ 'sim.ts': sim(k), ...(k % 2 === 0 ? { 'main.ts': main(k) } : {}) });
      const r = await swapped.image.change([swapped.project.path('sim.ts'), swapped.project.path('main.ts')]);
      if (r.kind !== 'applied') throw new Error(`swap ${k} was not applied: ${JSON.stringify(r)}`);
      timeInterleaved([swapped.api], 2);
    }
    const [after, controlAfter] = timeInterleaved([swapped.api, control.api], rounds);
    return { before: before!, controlBefore: controlBefore!, after: after!, controlAfter: controlAfter!, native: nativeTimes! };
  } finally {
    swapped.close();
    control.close();
  }
}

export function reportSteadyState(r: SteadyResult): string[] {
  const lines = [
    'steady state after 10 swaps (fastest of 31 interleaved runs). swap effect = (swapped / control after) / (swapped / control before),',
    'where control is an identical image never swapped, timed in the same interleaved rounds; goal <= 1.03:',
  ];
  for (const [fn] of WORK) {
    const ratioBefore = r.before[fn]! / r.controlBefore[fn]!;
    const ratioAfter = r.after[fn]! / r.controlAfter[fn]!;
    lines.push(
      `  ${fn.padEnd(12)} before ${fmt(r.before[fn]!)} ms, after 10 swaps ${fmt(r.after[fn]!)} ms: swap effect ${fmt(ratioAfter / ratioBefore, 3)}   imago/native Node ${fmt(r.controlBefore[fn]! / r.native[fn]!, 2)}x`,
    );
  }
  return lines;
}
