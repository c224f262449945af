// The image in-process: files in memory (real files on disk where packages are needed), changes applied
// through the API, time driven by hand where timers matter.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ManualClock } from '../src/host/memory-host.js';
import type { LiveImage } from '../src/index.js';
import { applyEdit, call, type Project, type StartOptions, startImage } from './helpers/image.js';

async function start(
  files: Record<string, string>,
  entry = 'main.ts',
  options: StartOptions = {},
): Promise<{ image: LiveImage; project: Project; exports: () => Record<string, unknown>; clock: ManualClock }> {
  const live = await startImage(files, entry, { manualClock: !options.disk, ...options });
  const clock = live.host?.clock;
  return { image: live.image, project: live.project, exports: live.api, clock: clock ?? (null as unknown as ManualClock) };
}

const edit = applyEdit;

describe('functions', () => {
  it('reaches the new body through every saved reference', async () => {
    const { image, project, exports } = await start({
      'main.ts': "export function f(): string { return 'a'; }\nexport const saved = [f];\nexport const byMap = new Map([['k', f]]);\n",
    });
    const saved = exports()['saved'] as Array<() => string>;
    const fromOutside = exports()['f'] as () => string;
    await edit(image, project, {
      'main.ts': "export function f(): string { return 'b'; }\nexport const saved = [f];\nexport const byMap = new Map([['k', f]]);\n",
    });
    assert.equal(saved[0]!(), 'b', 'a reference saved in an array reaches the new body');
    assert.equal(fromOutside(), 'b', 'a reference held outside the image reaches the new body');
    assert.equal((exports()['byMap'] as Map<string, () => string>).get('k')!(), 'b');
    assert.equal(exports()['f'], fromOutside, 'the function keeps its identity');
  });

  it('throws an error naming the function and file when a removed function is called', async () => {
    const { image, project, exports } = await start({
      'main.ts': 'export function gone(): number { return 1; }\nexport function keep(): number { return 2; }\n',
    });
    const gone = exports()['gone'] as () => number;
    const r = await edit(image, project, { 'main.ts': 'export function keep(): number { return 3; }\n' });
    assert.equal(r.kind, 'applied');
    assert.throws(() => gone(), /gone\(\) was removed from main\.ts/);
    assert.equal(call(exports(), 'keep'), 3);
  });

  it('makes added functions callable at once, also as arrow consts', async () => {
    const { image, project, exports } = await start({ 'main.ts': 'export function a(): number { return 1; }\n' });
    await edit(image, project, {
      'main.ts': 'export function a(): number { return b() + c(); }\nfunction b(): number { return 10; }\nconst c = (): number => 100;\n',
    });
    assert.equal(call(exports(), 'a'), 110);
  });
});

describe('module state', () => {
  it('keeps values unless the initializer changed or reads a re-evaluated binding', async () => {
    const v = (size: number, label: string): string =>
      `export let count = 0;\nexport function bump(): number { return ++count; }\nexport const SIZE = ${size};\nexport const grid: number[] = new Array(SIZE).fill(0);\nexport const label = '${label}';\n`;
    const { image, project, exports } = await start({ 'main.ts': v(3, 'x') });
    call(exports(), 'bump');
    call(exports(), 'bump');
    const grid = exports()['grid'];
    await edit(image, project, { 'main.ts': v(3, 'y') });
    assert.equal(exports()['count'], 2, 'count kept: its initializer did not change');
    assert.equal(exports()['grid'], grid, 'grid kept: neither it nor SIZE changed');
    assert.equal(exports()['label'], 'y', 'label re-evaluated: its initializer changed');
    const r = await edit(image, project, { 'main.ts': v(5, 'y') });
    assert.equal((exports()['grid'] as number[]).length, 5, 'grid re-evaluated because SIZE was');
    assert.equal(r.kind === 'applied' && r.summary.bindings.reevaluated, 2);
  });

  it('re-evaluates bindings in an unedited importer when an imported binding was re-evaluated', async () => {
    const { image, project, exports } = await start({
      'config.ts': 'export const SPEED = 2;\nexport let hits = 0;\n',
      'main.ts': "import { SPEED, hits } from './config.ts';\nexport const doubled = SPEED * 2;\nexport const seen = hits;\nexport const constant = 7;\n",
    });
    assert.equal(exports()['doubled'], 4);
    await edit(image, project, { 'config.ts': 'export const SPEED = 5;\nexport let hits = 0;\n' });
    assert.equal(exports()['doubled'], 10, 'main.ts was not edited, but doubled reads SPEED');
    assert.equal(exports()['constant'], 7);
  });

  it('initializes new bindings once', async () => {
    const { image, project, exports } = await start({ 'main.ts': 'export let a = 1;\n' });
    await edit(image, project, { 'main.ts': 'export let a = 1;\nexport let b = a + 1;\nexport function setB(v: number) { b = v; }\n' });
    assert.equal(exports()['b'], 2);
    call(exports(), 'setB', 9);
    await edit(image, project, { 'main.ts': 'export let a = 1;\nexport let b = a + 1;\nexport function setB(v: number) { b = v * 1; }\n' });
    assert.equal(exports()['b'], 9, 'b is not re-initialized by a later change');
  });
});

describe('effects', () => {
  it('runs a statement again only when its text changed, clearing its timers first', async () => {
    const { image, project, exports, clock } = await start({
      'main.ts': "export const log: string[] = [];\nlog.push('boot');\nsetInterval(() => log.push('a'), 5);\n",
    });
    clock.advance(40);
    assert.ok((exports()['log'] as string[]).includes('a'), 'the first interval ran');
    await edit(image, project, { 'main.ts': "export const log: string[] = [];\nlog.push('boot');\nsetInterval(() => log.push('b'), 5);\n" });
    const log = exports()['log'] as string[];
    const mark = log.length;
    clock.advance(40);
    const after = log.slice(mark);
    assert.equal(log.filter((l) => l === 'boot').length, 1, 'the unchanged statement did not run again');
    assert.ok(after.length > 0 && after.every((l) => l === 'b'), `only the new interval ticks: ${after.join(',')}`);
  });

  it('keeps timers chained from a statement owned by it, and clears them when it is removed', async () => {
    const { image, project, exports, clock } = await start({
      'main.ts': 'export let n = 0;\nfunction loop(): void { n++; setTimeout(loop, 2); }\nloop();\n',
    });
    clock.advance(30);
    assert.equal(exports()['n'], 16, 'the chain ran every 2 ms before the edit: once at load, then 15 times in 30 ms');
    await edit(image, project, { 'main.ts': 'export let n = 0;\nfunction loop(): void { n++; setTimeout(loop, 2); }\n' });
    const n = exports()['n'] as number;
    clock.advance(30);
    assert.equal(exports()['n'], n, 'the setTimeout chain stopped with the statement that started it');
  });

  it('offers import.meta.hot: data kept, dispose before re-run, accept after a change', async () => {
    const { image, project, exports } = await start({
      'main.ts':
        "export const events: string[] = [];\nimport.meta.hot.data.runs = (import.meta.hot.data.runs ?? 0) + 1;\nimport.meta.hot.dispose(() => events.push('dispose1'));\nimport.meta.hot.accept(() => events.push('accepted'));\nexport function v() { return 1; }\n",
    });
    await edit(image, project, {
      'main.ts':
        "export const events: string[] = [];\nimport.meta.hot.data.runs = (import.meta.hot.data.runs ?? 0) + 1;\nimport.meta.hot['dispose'](() => events.push('dispose2'));\nimport.meta.hot.accept(() => events.push('accepted'));\nexport function v() { return 2; }\n",
    });
    assert.deepEqual(exports()['events'], ['dispose1', 'accepted']);
  });
});

describe('atomic changes', () => {
  it('rejects a change whose statement throws, restoring functions, state and timers', async () => {
    const v1 = "export let state = 1;\nexport function f(): string { return 'f1'; }\nexport let ticks = 0;\nsetInterval(() => { ticks++; }, 2);\n";
    const { image, project, exports, clock } = await start({ 'main.ts': v1 });
    const r = await edit(image, project, {
      'main.ts':
        "export let state = 2;\nexport function f(): string { return 'f2'; }\nexport let ticks = 0;\nsetInterval(() => { ticks += 1000; }, 2);\nthrow new Error('boom');\n",
    });
    assert.equal(r.kind, 'rejected');
    if (r.kind !== 'rejected') return;
    assert.equal(r.phase, 'evaluate');
    assert.deepEqual([r.errors[0]!.file, r.errors[0]!.line], ['main.ts', 5], 'the rejection points at the throw');
    assert.match(r.errors[0]!.message, /boom/);
    assert.equal(call(exports(), 'f'), 'f1', 'the old function is back');
    assert.equal(exports()['state'], 1, 'the old state is back');
    clock.advance(20);
    assert.ok((exports()['ticks'] as number) < 1000, 'the new interval was cleared');
    assert.ok((exports()['ticks'] as number) > 0, 'the old interval still runs');
  });

  it('applies a rejected file together with the next edit that fixes another', async () => {
    const { image, project, exports } = await start({
      'lib.ts': "export function part(): string { return 'L1'; }\n",
      'main.ts': "import { part } from './lib.ts';\nexport function probe(): string { return part() + ' M1'; }\n",
    });
    const bad = await edit(image, project, {
      'lib.ts': "export function part(): string { return 'L2'; }\n",
      'main.ts': "import { part } from './lib.ts';\nexport function probe(): string { return part() + ' M2' +; }\n",
    });
    assert.equal(bad.kind, 'rejected');
    assert.equal(call(exports(), 'probe'), 'L1 M1', 'neither file applied');
    const good = await edit(image, project, { 'main.ts': "import { part } from './lib.ts';\nexport function probe(): string { return part() + ' M3'; }\n" });
    assert.equal(good.kind, 'applied');
    assert.equal(call(exports(), 'probe'), 'L2 M3', 'the pending lib.ts edit applied with the fix');
  });

  it('rejects an import of a name the dependency does not export', async () => {
    const { image, project } = await start({ 'lib.ts': 'export const a = 1;\n', 'main.ts': "import { a } from './lib.ts';\nexport const b = a;\n" });
    const r = await edit(image, project, { 'lib.ts': 'export const z = 1;\n' });
    assert.equal(r.kind, 'rejected');
    if (r.kind === 'rejected') {
      assert.equal(r.phase, 'link');
      assert.match(r.errors[0]!.message, /lib\.ts has no export named 'a' \(it exports z\)/);
      assert.equal(r.errors[0]!.file, 'main.ts');
    }
  });

  it('rejects an unresolvable import with the place and what was tried', async () => {
    const { image, project } = await start({ 'main.ts': 'export const a = 1;\n' });
    const r = await edit(image, project, { 'main.ts': "import { x } from './nope.ts';\nexport const a = x;\n" });
    assert.equal(r.kind === 'rejected' && r.phase, 'resolve');
    if (r.kind === 'rejected') assert.deepEqual([r.errors[0]!.line, r.errors[0]!.column], [1, 19]);
  });
});

describe('imports', () => {
  it('resolves .ts, .js (to the .ts behind it), extensionless and index.ts specifiers', async () => {
    const { exports } = await start({
      'a.ts': 'export const a = 1;\n',
      'b.ts': 'export const b = 2;\n',
      'c.ts': 'export const c = 3;\n',
      'dir/index.ts': 'export const d = 4;\n',
      'main.ts':
        "import { a } from './a.ts';\nimport { b } from './b.js';\nimport { c } from './c';\nimport { d } from './dir';\nexport const sum = a + b + c + d;\n",
    });
    assert.equal(exports()['sum'], 10);
  });

  it('gives live bindings across a cycle', async () => {
    const { exports } = await start({
      'a.ts':
        "import { fromB } from './b.ts';\nexport function fromA(): string { return 'A'; }\nexport let counter = 0;\nexport function bump(): void { counter++; }\nexport function viaB(): string { return fromB(); }\n",
      'b.ts': "import { fromA, counter } from './a.ts';\nexport function fromB(): string { return 'B' + fromA() + counter; }\n",
      'main.ts': "export { viaB, bump } from './a.ts';\n",
    });
    assert.equal(call(exports(), 'viaB'), 'BA0');
    call(exports(), 'bump');
    assert.equal(call(exports(), 'viaB'), 'BA1', 'b.ts sees the current value of counter');
  });

  it('loads packages (ESM and CommonJS) and builtins once through Node', async () => {
    const { image, project, exports } = await start(
      {
        'node_modules/esm-pkg/package.json': '{ "name": "esm-pkg", "type": "module", "exports": "./index.js" }',
        'node_modules/esm-pkg/index.js': 'export const loaded = (globalThis.__esmLoads = (globalThis.__esmLoads ?? 0) + 1);\n',
        'node_modules/cjs-pkg/package.json': '{ "name": "cjs-pkg", "main": "index.js" }',
        'node_modules/cjs-pkg/index.js': 'exports.kind = "cjs";\n',
        'main.ts':
          "import { loaded } from 'esm-pkg';\nimport cjs from 'cjs-pkg';\nimport { sep } from 'node:path';\nexport function info(): string { return loaded + cjs.kind + sep; }\n",
      },
      'main.ts',
      { disk: true },
    );
    assert.equal(call(exports(), 'info'), '1cjs/');
    await edit(image, project, {
      'main.ts':
        "import { loaded } from 'esm-pkg';\nimport cjs from 'cjs-pkg';\nimport { sep } from 'node:path';\nexport function info(): string { return 'v2 ' + loaded + cjs.kind + sep; }\n",
    });
    assert.equal(call(exports(), 'info'), 'v2 1cjs/', 'the package was not loaded again');
  });

  it('unloads a module no longer imported, clearing its timers', async () => {
    const { image, project, clock } = await start({
      'ticker.ts': 'export let n = 0;\nsetInterval(() => { n++; (globalThis as Record<string, unknown>).__tickerN = n; }, 2);\n',
      'main.ts': "import { n } from './ticker.ts';\nexport const first = n;\n",
    });
    clock.advance(10);
    const g = globalThis as Record<string, unknown>;
    assert.equal(g['__tickerN'], 5, 'the interval ran before the edit');
    const r = await edit(image, project, { 'main.ts': 'export const first = 0;\n' });
    assert.equal(r.kind === 'applied' && r.summary.modules.removed, 1);
    const seen = g['__tickerN'];
    clock.advance(20);
    assert.equal(g['__tickerN'], seen, "the removed module's interval stopped");
    assert.deepEqual(image.files, ['main.ts']);
  });

  it('imports JSON project files as default exports, swapped on change', async () => {
    const { image, project, exports } = await start({
      'data.json': '{ "speed": 3 }',
      'main.ts': "import data from './data.json';\nexport function speed(): number { return data.speed; }\n",
    });
    assert.equal(call(exports(), 'speed'), 3);
    await edit(image, project, { 'data.json': '{ "speed": 4 }' });
    assert.equal(call(exports(), 'speed'), 4);
  });

  it('rejects broken JSON at its place in the file', async () => {
    const { image, project } = await start({ 'data.json': '{ "speed": 3 }', 'main.ts': "import data from './data.json';\nexport const d = data;\n" });
    const r = await edit(image, project, { 'data.json': '{ "speed": 7, "name": "x"' });
    assert.equal(r.kind, 'rejected');
    if (r.kind === 'rejected') {
      assert.deepEqual([r.phase, r.errors[0]!.file, r.errors[0]!.line], ['parse', 'data.json', 1]);
      assert.doesNotMatch(r.errors[0]!.frame ?? '', /export default/, "the frame shows the file, not imago's wrapper");
    }
  });

  it('loads project files imported dynamically into the image', async () => {
    const { exports } = await start({
      'later.ts': 'export const x = 42;\n',
      'main.ts': "export async function get(): Promise<number> { return (await import('./later.ts')).x; }\n",
    });
    assert.equal(await call(exports(), 'get'), 42);
  });
});

describe('events', () => {
  it('sends each event to every subscriber until it unsubscribes', async () => {
    const { image, project } = await start({ 'main.ts': 'export const v = 1;\n' });
    const seen: string[] = [];
    const stop = image.subscribe((e) => seen.push(e.kind === 'reload' ? `reload:${e.ok}` : e.kind));
    const other: string[] = [];
    image.subscribe((e) => other.push(e.kind));
    assert.equal((await edit(image, project, { 'main.ts': 'export const v = 2;\n' })).kind, 'applied');
    assert.equal((await edit(image, project, { 'main.ts': 'export const v = ;\n' })).kind, 'rejected');
    image.publish({ kind: 'warning', message: 'hello', errors: [] });
    assert.deepEqual(seen, ['reload:true', 'reload:false', 'warning']);
    stop();
    await edit(image, project, { 'main.ts': 'export const v = 3;\n' });
    assert.equal(seen.length, 3, 'nothing after it unsubscribed');
    assert.equal(other.length, 4, 'the other subscriber still hears');
  });

  it('surfaces a throwing subscriber as an uncaught error, and the change it heard of still applies', () => {
    // In a process of its own: the test runner claims uncaught errors in its own.
    const script = `
      import { createImage } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
      import { createMemoryHost } from ${JSON.stringify(new URL('../src/host/memory-host.js', import.meta.url).href)};
      const host = createMemoryHost({ files: { '/p/main.ts': 'export const v = 1;\\n' } });
      const image = createImage({ entry: '/p/main.ts', root: '/p', host });
      let uncaught = 0;
      process.on('uncaughtException', (e) => { if (e.message === 'subscriber bug') uncaught++; });
      await image.load();
      image.subscribe(() => { throw new Error('subscriber bug'); });
      host.write({ '/p/main.ts': 'export const v = 2;\\n' });
      const r = await image.change(['/p/main.ts']);
      await new Promise((r) => setImmediate(r));
      console.log(JSON.stringify({ kind: r.kind, v: image.entry.v, uncaught }));
      image.dispose();
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { kind: 'applied', v: 2, uncaught: 1 });
  });
});

describe('layers and errors', () => {
  it('keeps every installed layer in V8 fast mode after many swaps', async () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const hasFast = vm.runInThisContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;
    const { image, project } = await start({ 'main.ts': 'export function f(): number { return 0; }\nexport function g(): number { return 0; }\n' });
    for (let i = 1; i <= 10; i++)
      await edit(image, project, { 'main.ts': `export function f(): number { return ${i}; }\nexport function g(): number { return ${i}; }\n` });
    for (const layer of image.layers()) assert.ok(hasFast(layer), 'a layer was left in dictionary mode (fact 1: 14x slower calls)');
  });

  it("hides imago's own frames (class constructors, trampolines) from the program's stack traces", async () => {
    const { exports } = await start({
      'main.ts':
        'export class K {\n  constructor(n: number) {\n    if (n > 0) throw new Error("no");\n  }\n}\nexport class Sub extends K {}\nexport function make(): K {\n  return new Sub(1);\n}\n',
    });
    let stack = '';
    try {
      call(exports(), 'make');
    } catch (e: unknown) {
      stack = (e as Error).stack ?? '';
    }
    assert.match(stack, /main\.ts:3:/, `the throw is shown in main.ts:\n${stack}`);
    assert.match(stack, /main\.ts:8:/, 'and the call in make()');
    assert.doesNotMatch(stack, /\?class=|\?trampolines|\?v\d/, `no generated frame is shown:\n${stack}`);
  });

  it('maps stack traces of project code to the TypeScript source', async () => {
    const live = await start({
      'main.ts': 'type P = { x: number };\n\nexport function boom(p: P): number {\n  if (p.x > 0) throw new Error("bad");\n  return 0;\n}\n',
    });
    const exports = live.exports;
    let stack = '';
    try {
      call(exports(), 'boom', { x: 1 });
    } catch (e: unknown) {
      stack = (e as Error).stack ?? '';
    }
    assert.ok(stack.includes(`${live.project.path('main.ts')}:4:22`), `expected main.ts:4:22 (the new Error) in\n${stack}`);
  });
});
