// Image files (issue 16): saving and resuming a million class instances and a million-row store, against
// v8.serialize/v8.deserialize of the same state in the same run; a resume that migrates the million
// instances (a field added, one renamed); and kill -9 at random moments while a program autosaves.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { readImageFile, writeImageFile } from '../src/host/image-file.js';
import { imagoVersion, type StateHeader } from '../src/host/image-saver.js';
import { createImage } from '../src/index.js';
import type { Image } from '../src/runtime/image.js';
import { CLI } from '../test/helpers/cli.js';
import { tempProject } from '../test/helpers/project.js';
import { fmt } from './stats.js';

const N = 1_000_000;
const KILLS = Number(process.env['IMAGO_BENCH_KILLS'] ?? 100);

const INSTANCES = (fields: string, first: string): string => `import { resumed } from 'imago/image';
export class Body { ${fields} }
export let bodies: Body[] = [];
if (!resumed()) for (let i = 0; i < ${N}; i++) { const b = new Body(); b.${first} = i; b.y = i * 0.5; b.name = 'body-' + i; bodies.push(b); }
`;
const V0 = "x = 0; y = 0; vx = 1.5; vy = -0.5; mass = 2; name = '';";
const V1 = "/** @renamed x */ px = 0; y = 0; vx = 1.5; vy = -0.5; mass = 2; name = ''; hp = 100;";
const STORE = `import { resumed } from 'imago/image';
import { createStore, type f32, type f64, type i32, type u8 } from 'imago/store';
export class Row { x: f32 = 0; y: f32 = 0; vx: f64 = 0; hp: i32 = 0; kind: u8 = 0; }
export const rows = createStore(Row, { capacity: ${N} });
if (!resumed()) for (let i = 0; i < ${N}; i++) rows.add({ x: i, y: -i, vx: i * 0.25, hp: i % 1000, kind: i % 7 });
`;
/** Bytes of the store's columns (f32, f32, f64, i32, u8). */
const STORE_BYTES = N * (4 + 4 + 8 + 4 + 1);

export interface ImageResult {
  readonly save: { pausedMs: number; writeMs: number; bytes: number };
  readonly v8: { serializeMs: number; bytes: number; deserializeMs: number; prototypesMs: number };
  readonly resume: { loadMs: number; readMs: number; restoreMs: number; prototypes: boolean; fast: boolean };
  readonly migrate: { loadMs: number; migrated: boolean };
  readonly store: { saveMs: number; loadMs: number; bytes: number };
  readonly kills: { rounds: number; loaded: number; corrupt: number; midSave: number };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const now = (): number => performance.now();

async function load(
  entry: string,
  resume?: { file: string; header: StateHeader; payload: Uint8Array },
): Promise<{ image: Image & { dispose(): void }; ms: number }> {
  const image = createImage({
    entry,
    ...(resume ? { resume: { file: resume.file, directory: resume.header.state, payload: resume.payload, dropMissing: false } } : {}),
  });
  const t = now();
  const r = await image.load();
  const ms = now() - t;
  if (r.kind !== 'applied') throw new Error(`bench program did not load: ${JSON.stringify(r)}`);
  return { image, ms };
}

async function save(image: Image, file: string, entry: string): Promise<{ pausedMs: number; writeMs: number; bytes: number }> {
  const { state, pausedMs } = await image.captureState();
  const t = now();
  const header: StateHeader = { entry, savedAt: new Date().toISOString(), imago: imagoVersion(), state: state.directory };
  const { bytes } = await writeImageFile(file, header, state.payload);
  return { pausedMs, writeMs: now() - t, bytes };
}

async function read(file: string): Promise<{ file: string; header: StateHeader; payload: Uint8Array; ms: number }> {
  const t = now();
  const r = await readImageFile(file);
  if (!r.ok) throw new Error(r.problem);
  return { file, header: r.header as StateHeader, payload: r.payload, ms: now() - t };
}

/** The first run: saves a million instances, and measures v8.serialize/deserialize of the same array. */
async function firstRun(entry: string, file: string): Promise<{ saved: ImageResult['save']; v8Result: ImageResult['v8'] }> {
  const a = await load(entry);
  gc();
  const saved = await save(a.image, file, 'main.ts');
  const bodies = a.image.entry!['bodies'] as object[];
  const proto = Object.getPrototypeOf(bodies[0]) as object;
  let t = now();
  const serialized = v8.serialize(bodies);
  const serializeMs = now() - t;
  t = now();
  const back = v8.deserialize(serialized) as object[];
  const deserializeMs = now() - t;
  t = now();
  for (const o of back) Object.setPrototypeOf(o, proto);
  const prototypesMs = now() - t;
  a.image.dispose();
  return { saved, v8Result: { serializeMs, bytes: serialized.length, deserializeMs, prototypesMs } };
}

/** The resume of the first run's image, in a function of its own (its million objects die with it). */
async function resumeRun(entry: string, file: string): Promise<ImageResult['resume']> {
  const input = await read(file);
  const b = await load(entry, input);
  const restored = b.image.entry!['bodies'] as object[];
  const Body = b.image.entry!['Body'] as { prototype: object };
  const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const sample = [0, 1, N / 2, N - 1].map((i) => restored[i]!);
  const resume: ImageResult['resume'] = {
    loadMs: b.ms,
    readMs: input.ms,
    restoreMs: b.image.resumed?.ms ?? NaN,
    prototypes: restored.length === N && sample.every((o) => Object.getPrototypeOf(o) === Body.prototype),
    fast: sample.every(fast),
  };
  b.image.dispose();
  return resume;
}

export async function measureImage(): Promise<ImageResult> {
  const p = tempProject({ 'main.ts': INSTANCES(V0, 'x'), 'store.ts': STORE });
  const file = p.path('app.img');
  try {
    // The store first, on a heap that holds nothing else yet (the million instances below leave a heap
    // a later GC would have to walk).
    const storeFile = p.path('store.img');
    const s = await load(p.path('store.ts'));
    gc();
    const storeSaved = await save(s.image, storeFile, 'store.ts');
    s.image.dispose();
    gc();
    const storeInput = await read(storeFile);
    const s2 = await load(p.path('store.ts'), storeInput);
    const store = { saveMs: storeSaved.pausedMs, loadMs: s2.image.resumed?.ms ?? NaN, bytes: storeSaved.bytes };
    s2.image.dispose();
    // In a function of its own: the million instances and v8's copy of them are garbage once it returns.
    const { saved, v8Result } = await firstRun(p.path('main.ts'), file);
    gc();

    const resume = await resumeRun(p.path('main.ts'), file);
    gc();

    p.write({ 'main.ts': INSTANCES(V1, 'px') });
    const c = await load(p.path('main.ts'), await read(file));
    const migratedBodies = c.image.entry!['bodies'] as Array<Record<string, unknown>>;
    const last = migratedBodies[N - 1]!;
    const migrate = { loadMs: c.ms, migrated: last['px'] === N - 1 && last['hp'] === 100 && !('x' in last) };
    c.image.dispose();
    gc();

    return { save: saved, v8: v8Result, resume, migrate, store, kills: await killLoop(KILLS) };
  } finally {
    p.remove();
  }
}

/** Runs a program that autosaves every 0.1 s and kills it (SIGKILL) at a random moment, `rounds` times; checks the image each time. */
async function killLoop(rounds: number): Promise<ImageResult['kills']> {
  const program = `import { resumed } from 'imago/image';
class Body { x = 0; y = 0; name = ''; }
let bodies: Body[] = [];
let generation = 0;
if (!resumed()) bodies = Array.from({ length: 100000 }, (_, i) => Object.assign(new Body(), { x: i, name: 'b' + i }));
setInterval(() => { generation++; for (let i = 0; i < 1000; i++) bodies[i]!.x++; }, 5);
`;
  const p = tempProject({ 'main.ts': program });
  let loaded = 0;
  let corrupt = 0;
  let midSave = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const child = spawn(process.execPath, [CLI, 'run', '--typecheck=off', '--image', 'app.img', '--autosave', '0.1', 'main.ts'], {
        cwd: p.dir,
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 600));
      midSave += fs.readdirSync(p.dir).some((f) => f.endsWith('.tmp')) ? 1 : 0;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      if (!fs.existsSync(path.join(p.dir, 'app.img'))) continue;
      const info = spawnSync(process.execPath, [CLI, 'image', 'info', 'app.img'], { cwd: p.dir, encoding: 'utf8' });
      if (info.status === 0) loaded++;
      else corrupt++;
    }
  } finally {
    p.remove();
  }
  return { rounds, loaded, corrupt, midSave };
}

export function reportImage(r: ImageResult): string[] {
  const mb = (n: number): string => `${fmt(n / 1e6, 1)} MB`;
  const v = r.v8;
  return [
    `image files: ${N.toLocaleString('en-US')} instances of a class (5 numbers + 1 string) reachable from one binding`,
    `  save: program paused ${fmt(r.save.pausedMs, 0)} ms (goal <= 1000), file written in ${fmt(r.save.writeMs, 0)} ms more, ${mb(r.save.bytes)}; v8.serialize of the same array ${fmt(v.serializeMs, 0)} ms, ${mb(v.bytes)}: ${fmt(r.save.pausedMs / v.serializeMs)}x its time, ${fmt(r.save.bytes / v.bytes)}x its size`,
    `  resume: load to the first tick ${fmt(r.resume.loadMs, 0)} ms (goal <= 1000; of it restoring the state ${fmt(r.resume.restoreMs, 0)} ms), file read and checked ${fmt(r.resume.readMs, 0)} ms; v8.deserialize ${fmt(v.deserializeMs, 0)} ms + setPrototypeOf ${fmt(v.prototypesMs, 0)} ms = ${fmt(v.deserializeMs + v.prototypesMs, 0)} ms; prototypes intact: ${r.resume.prototypes}, fast properties (%HasFastProperties): ${r.resume.fast}`,
    `  resume with a field added and one renamed on every instance: ${fmt(r.migrate.loadMs, 0)} ms (goal <= 1500), migrated: ${r.migrate.migrated}`,
    `  a ${N.toLocaleString('en-US')}-row store (5 typed columns): save ${fmt(r.store.saveMs, 0)} ms + load ${fmt(r.store.loadMs, 0)} ms = ${fmt(r.store.saveMs + r.store.loadMs, 0)} ms (goal <= 100); file ${mb(r.store.bytes)} for ${mb(STORE_BYTES)} of columns: ${fmt((r.store.bytes / STORE_BYTES - 1) * 100, 1)}% more (goal <= 10%)`,
    `  kill -9 at a random moment while autosaving (100k objects, every 0.1 s), ${r.kills.rounds} times: the previous image loaded ${r.kills.loaded} times, ${r.kills.corrupt} corrupt files (${r.kills.midSave} kills with a save under way)`,
  ];
}
