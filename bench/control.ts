// The control channel (issue 17): a REPL round trip (`1 + 1` typed to printed, type check included)
// on an idle image and on one ticking every 16 ms, with how late the program's ticks ran while the
// REPL worked against an idle stretch of the same length; and `deps` of a class used by 30 files of a
// 200-file project, live and from the files. Baseline in the same run: the `hello` round trip (the
// socket and the protocol, nothing checked or run).

import { spawnSync } from 'node:child_process';
import { CliRun } from '../test/helpers/cli.js';
import { RawClient } from '../test/helpers/control.js';
import { tempProject } from '../test/helpers/project.js';
import { fmt, median, quantile } from './stats.js';

const ROUNDS = 50;

const IDLE = `export let counter = 0;\nexport function bump(): number { return ++counter; }\n`;
/** Records how late each tick came (its gap past 16 ms), in windows the bench opens and closes. */
const TICKING = `let last = 0;
export let lateMax = 0;
export let late: number[] = [];
export let ticks = 0;
export function tick() {
  const now = performance.now();
  if (last !== 0) { const l = now - last - 16; late.push(l); if (l > lateMax) lateMax = l; }
  last = now;
  ticks++;
}
export function window(): number[] { const w = late; late = []; lateMax = 0; return w; }
`;

export interface ControlResult {
  readonly hello: number[];
  /** The first input after the image started (nothing warmed up): what a user meets at once. */
  readonly first: number;
  readonly idle: number[];
  readonly ticking: number[];
  readonly lateDuringRepl: number[];
  readonly lateIdle: number[];
  readonly depsLive: number[];
  readonly depsOffline: number[];
  readonly depsReferences: number;
}

/** Runs `imago run main.ts` in a project of `files` and hands `fn` a control client, the folder and the run. */
export async function withImage<T>(files: Record<string, string>, fn: (client: RawClient, dir: string, cli: CliRun) => Promise<T>): Promise<T> {
  const p = tempProject({ 'package.json': '{"type":"module","main":"main.ts"}', ...files });
  const cli = CliRun.run(p.dir, ['main.ts']);
  try {
    await cli.until('ready', () => cli.events().some((e) => e.kind === 'ready'), 120000);
    const client = await RawClient.connect(p.path('.imago/control.sock'));
    try {
      return await fn(client, p.dir, cli);
    } finally {
      client.close();
    }
  } finally {
    await cli.stop();
    p.remove();
  }
}

async function timed(n: number, ask: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await ask();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await ask();
    out.push(performance.now() - t);
  }
  return out;
}

/** A 200-file project: `Entity` in model.ts, used by 30 files; 170 files that do not use it. */
export function bigProject(): Record<string, string> {
  const files: Record<string, string> = {
    'model.ts': 'export class Entity { x = 0; y = 0; hp = 100; step(dt: number) { this.x += dt; } }\n',
  };
  const imports: string[] = [];
  for (let i = 0; i < 199; i++) {
    const name = `f${String(i).padStart(3, '0')}`;
    files[`src/${name}.ts`] =
      i < 30
        ? `import { Entity } from '../model.js';\nexport function ${name}(e: Entity): number { e.step(${i}); return e.x + e.hp; }\nexport const make${i} = (): Entity => new Entity();\n`
        : `export function ${name}(n: number): number { return n * ${i}; }\n`;
    imports.push(`import { ${name} } from './src/${name}.js';`);
  }
  files['main.ts'] = `${imports.join('\n')}\nexport const all = [${Object.keys(files)
    .filter((f) => f.startsWith('src/'))
    .map((f) => f.slice(4, -3))
    .join(', ')}];\n`;
  return files;
}

export async function measureControl(): Promise<ControlResult> {
  const idle = await withImage({ 'main.ts': IDLE }, async (c) => ({
    first: await (async () => {
      const t = performance.now();
      await c.eval('2 + 2');
      return performance.now() - t;
    })(),
    hello: await timed(ROUNDS, () => c.ask({ kind: 'hello' })),
    evals: await timed(ROUNDS, () => c.eval('1 + 1')),
  }));
  const ticking = await withImage({ 'main.ts': TICKING }, async (c) => {
    // Warm first (the first inputs load the compiler's paths and the checker's trees), then two windows.
    for (let i = 0; i < 10; i++) await c.eval('1 + 1');
    await c.eval('window()');
    await new Promise((r) => setTimeout(r, 2000));
    const quiet = (await c.eval('JSON.stringify(window())'))['text'] as string;
    const evals: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      await c.eval('1 + 1');
      evals.push(performance.now() - t);
    }
    const busy = (await c.eval('JSON.stringify(window())'))['text'] as string;
    const parse = (t: string): number[] => JSON.parse(JSON.parse(t.replace(/^'|'$/g, '"')) as string) as number[];
    return { evals, lateIdle: parse(quiet), lateDuringRepl: parse(busy) };
  });
  const project = bigProject();
  let references = 0;
  const depsLive = await withImage(project, (c) =>
    timed(5, async () => {
      const r = await c.ask({ kind: 'deps', module: 'model.ts', name: 'Entity' });
      references = (r['groups'] as Array<{ references: unknown[] }>).reduce((n, g) => n + g.references.length, 0);
    }),
  );
  const p = tempProject({ 'package.json': '{"type":"module"}', ...project });
  const depsOffline: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['bin/imago.js', 'deps', '--root', p.dir, '--entry', p.path('main.ts'), 'model.ts:Entity'], { encoding: 'utf8' });
    depsOffline.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`imago deps failed: ${r.stderr}`);
  }
  p.remove();
  return {
    hello: idle.hello,
    first: idle.first,
    idle: idle.evals,
    ticking: ticking.evals,
    lateDuringRepl: ticking.lateDuringRepl,
    lateIdle: ticking.lateIdle,
    depsLive,
    depsOffline,
    depsReferences: references,
  };
}

export function reportControl(r: ControlResult): string[] {
  const m = median(r.hello);
  const row = (what: string, values: readonly number[], goal: string): string =>
    `  ${what.padEnd(54)} median ${fmt(median(values), 1).padStart(6)} ms  p90 ${fmt(quantile(values, 0.9), 1).padStart(6)} ms  (${fmt(median(values) / m, 1)}x hello)  goal ${goal}`;
  const worst = (v: readonly number[]): number => Math.max(0, ...v);
  return [
    'control channel and REPL (issue 17), medians of round trips over the socket:',
    row('hello (baseline: socket and protocol only)', r.hello, '-'),
    row('REPL `1 + 1`, type check included, idle image', r.idle, '<= 15 ms'),
    `  the first REPL input after the image started (cold): ${fmt(r.first, 1)} ms`,
    row('REPL `1 + 1` while the program ticks every 16 ms', r.ticking, '<= 30 ms'),
    `  ticks late past 16 ms during ${ROUNDS} REPL inputs: median ${fmt(median(r.lateDuringRepl), 1)}, p99 ${fmt(quantile(r.lateDuringRepl, 0.99), 1)}, worst ${fmt(worst(r.lateDuringRepl), 1)} ms; in 2 s without: median ${fmt(median(r.lateIdle), 1)}, p99 ${fmt(quantile(r.lateIdle, 0.99), 1)}, worst ${fmt(worst(r.lateIdle), 1)} ms (goal: the REPL delays no tick > 5 ms)`,
    `  deps of a class used by 30 of 200 files (${r.depsReferences} references): live ${fmt(median(r.depsLive), 0)} ms median; from the files ${fmt(median(r.depsOffline), 0)} ms (a whole imago deps process, checker start included); goal <= 200 ms`,
  ];
}
