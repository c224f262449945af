// Resuming an image after the code changed, through the real CLI: fields added, removed, renamed and
// retyped, an enum renumbered, a store's class changed, a class removed (refused, then dropped on
// request); what cannot be saved (a socket) and what is left out on purpose (@transient).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { imago, line, runImage, withProject } from './helpers/image-cli.js';

const CRITTERS = `import { resumed } from 'imago/image';
import { createStore, type f32 } from 'imago/store';
export enum Kind { Cat, Dog }
export class Critter {
  x = 0;
  hp = '10';
  gone = true;
  kind: Kind = Kind.Cat;
  name = '';
}
class Dot { x: f32 = 0; y: f32 = 0; }
export const dots = createStore(Dot, { name: 'dots' });
export const critters: Critter[] = [];
if (!resumed()) {
  for (let i = 0; i < 4; i++) {
    const c = new Critter();
    c.x = i;
    c.name = 'c' + i;
    c.kind = i % 2 ? Kind.Dog : Kind.Cat;
    critters.push(c);
    dots.add({ x: i, y: i + 0.5 });
  }
}
// After the load settled: fields no longer declared leave instances then (as after a live change).
setTimeout(() => {
  console.log('KEYS ' + JSON.stringify([Object.keys(critters[0]!), Object.keys(new Critter())]));
  console.log('OUT ' + JSON.stringify({ resumed: resumed(), critters, dots: dots.size }));
}, 0);
`;

describe('resuming an image after the code changed', () => {
  it('migrates instances, enum values and store columns by the rules of a live change', async () => {
    await withProject({ 'main.ts': CRITTERS }, (p) => {
      const first = runImage(p, [], true);
      assert.equal(first.code, 0, first.stderr);
      const edited = CRITTERS.replace('export enum Kind { Cat, Dog }', 'export enum Kind { Bird, Dog, Cat }')
        .replace('  x = 0;', '  /** @renamed x */ px = 0;\n  added = "new";')
        .replace("  hp = '10';", '  hp = 0;')
        .replace('  gone = true;\n', '')
        .replace('c.x = i;', 'c.px = i;')
        .replace('dots.add({ x: i, y: i + 0.5 })', 'dots.add({ left: i, y: i + 0.5 })')
        .replace('class Dot { x: f32 = 0; y: f32 = 0; }', 'class Dot { /** @renamed x */ left: f32 = 0; y: f32 = 0; z: f32 = 9; }')
        .replace(
          "  console.log('OUT '",
          "  console.log('DOTS ' + JSON.stringify([...dots].map((h) => [dots.get(h, 'left'), dots.get(h, 'y'), dots.get(h, 'z')])));\nconsole.log('OUT '",
        );
      p.write({ 'main.ts': edited });
      const second = runImage(p, [], true);
      assert.equal(second.code, 0, second.stderr);
      const out = JSON.parse(line(second.stdout, 'OUT')) as { resumed: boolean; critters: Array<Record<string, unknown>> };
      assert.equal(out.resumed, true);
      assert.deepEqual(
        out.critters.map((c) => [c['px'], c['added'], c['hp'], c['kind'], c['name'], 'gone' in c, 'x' in c]),
        [
          [0, 'new', 10, 2, 'c0', false, false],
          [1, 'new', 10, 1, 'c1', false, false],
          [2, 'new', 10, 2, 'c2', false, false],
          [3, 'new', 10, 1, 'c3', false, false],
        ],
        'renamed values kept, the added field initialized, the retyped one converted, Cat renumbered from 0 to 2',
      );
      const [restoredKeys, freshKeys] = JSON.parse(line(second.stdout, 'KEYS')) as [string[], string[]];
      assert.deepEqual(restoredKeys, freshKeys, 'a restored instance has its fields in the order a new one has them');
      assert.deepEqual(JSON.parse(line(second.stdout, 'DOTS')), [
        [0, 0.5, 9],
        [1, 1.5, 9],
        [2, 2.5, 9],
        [3, 3.5, 9],
      ]);
      assert.match(second.stderr, /migrated on load: Critter: \+added \(4 instances\), -gone, x→px \(renamed\), hp: string→number \(4 converted\)/);
      assert.match(second.stderr, /migrated on load: Dot: \+z \(4 rows in 1 store\), x→left \(renamed\)/);
    });
  });

  it('keeps every handle of packed and stable stores valid across a resume, removed rows and all', async () => {
    const program = `import { resumed } from 'imago/image';
import { createStore, type f32, type Handle, type i32 } from 'imago/store';
class Row { a: f32 = 0; b: i32 = 0; label = ''; }
const packed = createStore(Row, { name: 'packed' });
const stable = createStore(Row, { layout: 'stable', name: 'stable' });
const handles: Array<[Handle<Row>, Handle<Row>]> = [];
let removed: Handle<Row> | null = null;
if (!resumed()) {
  for (let i = 0; i < 40; i++) handles.push([packed.add({ a: i, b: -i, label: 'p' + i }), stable.add({ a: i, b: -i, label: 's' + i })]);
  for (const i of [3, 17, 39]) { packed.remove(handles[i]![0]); stable.remove(handles[i]![1]); }
  removed = handles[3]![0];
  handles.splice(39, 1); handles.splice(17, 1); handles.splice(3, 1);
}
const fresh = [packed.add({ a: 100, label: 'new' }), stable.add({ a: 100, label: 'new' })];
let stale = 'none';
try { if (removed) packed.get(removed, 'a'); } catch (e) { stale = (e as Error).constructor.name; }
console.log('OUT ' + JSON.stringify({
  sizes: [packed.size, stable.size],
  values: handles.map(([p, s]) => [packed.get(p, 'a'), packed.get(p, 'label'), stable.get(s, 'b'), stable.get(s, 'label')]).slice(0, 5),
  fresh: [packed.get(fresh[0]!, 'label'), stable.get(fresh[1]!, 'label')],
  stale,
}));
`;
    await withProject({ 'main.ts': program }, (p) => {
      const first = runImage(p, [], true);
      assert.equal(first.code, 0, first.stderr);
      const second = runImage(p, [], true);
      assert.equal(second.code, 0, second.stderr);
      const out = JSON.parse(line(second.stdout, 'OUT')) as { sizes: number[]; values: unknown[]; fresh: string[]; stale: string };
      // `fresh` is a saved binding: restored, its initializer (which adds a row) does not run again.
      assert.deepEqual(out.sizes, [38, 38], 'the 37 rows left and the one `fresh` added come back, and nothing else');
      assert.deepEqual(out.values, [
        [0, 'p0', 0, 's0'],
        [1, 'p1', -1, 's1'],
        [2, 'p2', -2, 's2'],
        [4, 'p4', -4, 's4'],
        [5, 'p5', -5, 's5'],
      ]);
      assert.deepEqual(out.fresh, ['new', 'new']);
      assert.equal(out.stale, 'StoreError', 'a handle of a row removed before the save is still caught as stale');
    });
  });

  it('refuses a resume when an enum member the image holds is gone, and leaves the file as it was', async () => {
    await withProject({ 'main.ts': CRITTERS }, (p) => {
      assert.equal(runImage(p).code, 0);
      const before = fs.readFileSync(p.path('app.img'));
      p.write({ 'main.ts': CRITTERS.replace('export enum Kind { Cat, Dog }', 'export enum Kind { Cat, Wolf }').replace('Kind.Dog', 'Kind.Wolf') });
      const r = runImage(p);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Critter\.kind holds Kind\.Dog \(2 objects\) in the image, and enum Kind has no such member now/);
      assert.ok(fs.readFileSync(p.path('app.img')).equals(before), 'the image is untouched');
    });
  });

  it('refuses a resume when a class the image holds is gone, then drops it with --image-drop-missing', async () => {
    const program = `import { resumed } from 'imago/image';
class Wolf { hp = 3; }
class Sheep { wool = 1; }
let wolves: unknown[] = [];
let sheep: Sheep[] = [];
let count = 0;
if (!resumed()) { wolves = [new Wolf(), new Wolf()]; sheep = [new Sheep()]; count = 5; }
console.log('OUT ' + JSON.stringify({ wolves: wolves.length, sheep: sheep.length, count }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      const before = fs.readFileSync(p.path('app.img'));
      p.write({ 'main.ts': program.replace('class Wolf { hp = 3; }\n', '').replace('[new Wolf(), new Wolf()]', '[]') });
      const refused = runImage(p);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /class Wolf of main\.ts no longer exists \(2 objects of it in the image\)/);
      assert.match(refused.stderr, /--image-drop-missing/);
      assert.ok(fs.readFileSync(p.path('app.img')).equals(before), 'a refused resume never touches the image');
      const dropped = runImage(p, ['--image-drop-missing']);
      assert.equal(dropped.code, 0, dropped.stderr);
      assert.deepEqual(JSON.parse(line(dropped.stdout, 'OUT')), { wolves: 0, sheep: 1, count: 5 });
      assert.match(dropped.stderr, /initialized again: main\.ts: wolves \(it held what no longer exists\)/);
      assert.match(dropped.stderr, /class Wolf of main\.ts no longer exists \(2 objects of it in the image\): dropped/);
    });
  });

  it('reports a binding holding a socket with the path to it, and initializes it again on resume', async () => {
    const program = `import net from 'node:net';
import { resumed } from 'imago/image';
const players: Array<{ name: string; socket?: net.Socket }> = [{ name: 'a' }];
let score = 0;
if (!resumed()) { players.push({ name: 'b', socket: new net.Socket() }); score = 7; }
console.log('OUT ' + JSON.stringify({ players: players.map((p) => p.name), score }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      const first = runImage(p);
      assert.match(
        first.stderr,
        /not saved: main\.ts: players, because players\[1\]\.socket is a Socket\. The whole binding is left out and starts from its initializer on resume/,
      );
      const info = imago(p.dir, ['image', 'info', 'app.img']);
      assert.match(info.stdout, /not saved \(1; initialized again on resume\):\n {2}main\.ts: players\[1\]\.socket is a Socket/);
      const second = runImage(p);
      assert.deepEqual(JSON.parse(line(second.stdout, 'OUT')), { players: ['a'], score: 7 });
      assert.match(second.stderr, /initialized again: main\.ts: players \(it was not saved: players\[1\]\.socket was a Socket\)/);
    });
  });

  it('leaves @transient bindings and fields out: they get their initializers on resume', async () => {
    const program = `import { resumed } from 'imago/image';
class Conn {
  id = 0;
  /** @transient */ handle: string = 'fresh';
}
/** @transient */
let cache = new Map<string, number>([['fresh', 1]]);
const conns: Conn[] = [];
if (!resumed()) { const c = new Conn(); c.id = 9; c.handle = 'live'; conns.push(c); cache.set('old', 2); }
console.log('OUT ' + JSON.stringify({ conns, cache: [...cache.keys()] }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p, [], true).code, 0);
      const second = runImage(p, [], true);
      assert.deepEqual(JSON.parse(line(second.stdout, 'OUT')), { conns: [{ id: 9, handle: 'fresh' }], cache: ['fresh'] });
      const info = imago(p.dir, ['image', 'info', 'app.img']);
      assert.match(info.stdout, /main\.ts: conns\n/);
      assert.match(info.stdout, /Conn \(main\.ts\): 1 instance, layout version 1; fields \{ id: number, handle: string \(@transient\) \}/);
    });
  });

  it('keeps saved data when a declaration changed, takes a changed constant, and reports both', async () => {
    const program = `import { resumed } from 'imago/image';
const LIMIT = 10;
let speed = 1;
const world = { items: [] as number[] };
const doubled = LIMIT * 2;
if (!resumed()) { speed = 5; world.items.push(1, 2, 3); }
console.log('OUT ' + JSON.stringify({ LIMIT, speed, world, doubled }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      p.write({
        'main.ts': program
          .replace('const LIMIT = 10;', 'const LIMIT = 20;')
          .replace('let speed = 1;', 'let speed = 2;')
          .replace('{ items: [] as number[] }', "{ items: [] as number[], weather: 'sunny' }"),
      });
      const second = runImage(p);
      // Saved data wins (speed, world); a constant is code (LIMIT); nothing cascades (doubled keeps its saved 20).
      assert.deepEqual(JSON.parse(line(second.stdout, 'OUT')), { LIMIT: 20, speed: 5, world: { items: [1, 2, 3] }, doubled: 20 });
      assert.match(second.stderr, /kept: main\.ts: speed keeps its saved value though its declaration changed since the save/);
      assert.match(second.stderr, /kept: main\.ts: world keeps its saved value/);
      assert.match(second.stderr, /initialized again: main\.ts: LIMIT \(a constant whose declaration changed since the save: the new value counts\)/);
    });
  });

  it('refuses a resume when a saved binding is gone, and restores a binding marked @renamed under its new name', async () => {
    const program = `import { resumed } from 'imago/image';
let score = 0;
if (!resumed()) score = 41;
console.log('OUT ' + score);
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      const before = fs.readFileSync(p.path('app.img'));
      p.write({ 'main.ts': program.replaceAll('score', 'points') });
      const refused = runImage(p);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /binding score of main\.ts is no longer declared \(its saved value would be lost; to keep it under a new name, mark the new binding \/\*\* @renamed score \*\/\)/,
      );
      assert.ok(fs.readFileSync(p.path('app.img')).equals(before));
      p.write({ 'main.ts': program.replaceAll('score', 'points').replace('let points', '/** @renamed score */ let points') });
      const renamed = runImage(p);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal(line(renamed.stdout, 'OUT'), '41');
      assert.match(renamed.stderr, /kept: main\.ts: score→points \(a renamed binding\): its saved value, under its new name/);
    });
  });

  it('says every value that keeps a binding out of the image, not one per save', async () => {
    const program = `const state = { a: () => 1, b: Promise.resolve(), c: new WeakMap(), n: 1 };
console.log('OUT ' + state.n);
`;
    await withProject({ 'main.ts': program }, (p) => {
      const r = runImage(p);
      assert.match(r.stderr, /not saved: main\.ts: state, because state\.c is a WeakMap; state\.b is a Promise; state\.a is a function \(a: a closure/);
    });
  });

  it('--fresh ignores the image and the next save replaces it', async () => {
    const program = `import { resumed } from 'imago/image';\nlet n = 0;\nn++;\nconsole.log('OUT ' + resumed() + ' ' + n);\n`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.match(runImage(p).stdout, /OUT false 1/);
      assert.match(runImage(p).stdout, /OUT true 2/);
      const fresh = runImage(p, ['--fresh']);
      assert.match(fresh.stdout, /OUT false 1/);
      assert.match(fresh.stderr, /--fresh: not resuming from app\.img; the next save replaces it/);
      assert.match(runImage(p).stdout, /OUT true 2/);
    });
  });
});
