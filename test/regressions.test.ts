// Edge cases found in review: each test pins one behaviour that once went wrong.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type WatchFolder, watchTree } from '../src/host/watcher.js';
import { createNodeHost } from '../src/index.js';
import { call, startImage } from './helpers/image.js';
import { sleep, tempProject, waitFor } from './helpers/project.js';

const start = startImage;

describe('review regressions', () => {
  it("releases an edited statement's resources before its new text runs", async () => {
    const v = (arg: string): string =>
      `export const held = new Set<string>();\nfunction claim(k: string, _n?: number): void { if (held.has(k)) throw new Error('still held'); held.add(k); import.meta.hot.dispose(() => { held.delete(k); }); }\nclaim(${arg});\n`;
    const { edit, api } = await start({ 'main.ts': v("'port'") });
    const r = await edit({ 'main.ts': v("'port', 2") });
    assert.equal(r.kind, 'applied', `the old claim is released first: ${JSON.stringify(r)}`);
    assert.deepEqual([...(api()['held'] as Set<string>)], ['port']);
  });

  it('runs static initializers and blocks with super reaching the superclass', async () => {
    const { api } = await start({
      'main.ts':
        "class B { static f(): string { return 'b'; } }\nexport class D extends B { static y = super.f(); static z: string; static { this.z = super.f() + '!'; } }\n",
    });
    const D = api()['D'] as Record<string, unknown>;
    assert.deepEqual([D['y'], D['z']], ['b', 'b!']);
  });

  it('gives functions named like Object.prototype members their own identity', async () => {
    const { api } = await start({
      'lib.ts': "export function toString(): string { return 'mine'; }\nexport function valueOf(): number { return 42; }\n",
      'main.ts': "import { toString, valueOf } from './lib.ts';\nexport const both = toString() + valueOf();\n",
    });
    assert.equal(api()['both'], 'mine42');
  });

  it('puts static fields back when a change is rejected', async () => {
    const { api, edit } = await start({ 'main.ts': 'export class A { static count = 0; }\n' });
    const r = await edit({ 'main.ts': "export class A { static count = 5; static added = 7; }\nthrow new Error('later');\n" });
    assert.equal(r.kind, 'rejected');
    const A = api()['A'] as Record<string, unknown>;
    assert.deepEqual([A['count'], Object.hasOwn(A, 'added')], [0, false]);
  });

  it('puts back state of other modules that a rejected statement changed', async () => {
    const { api, edit } = await start({
      'c.ts': 'export let n = 0;\nexport function inc(): void { n++; }\n',
      'main.ts': "import { inc, n } from './c.ts';\nexport function read(): number { return n; }\n",
    });
    const r = await edit({
      'main.ts': "import { inc, n } from './c.ts';\nexport function read(): number { return n; }\ninc();\nthrow new Error('after inc');\n",
    });
    assert.equal(r.kind, 'rejected');
    assert.equal(call(api(), 'read'), 0, 'c.ts n is back to 0');
  });

  it('commits a change whose top-level await never settles, and keeps applying later changes', async () => {
    const loop = (v: number): string =>
      `export let n = 0;\nlet running = true;\nexport function halt(): void { running = false; }\nexport function v(): number { return ${v}; }\nwhile (running) { n++; await new Promise((r) => setTimeout(r, 5)); }\n`;
    const { api, edit } = await start({ 'main.ts': loop(1) });
    const n0 = api()['n'] as number;
    await sleep(40);
    assert.ok((api()['n'] as number) > n0, 'the loop keeps running');
    const r = await edit({ 'main.ts': loop(2) });
    assert.equal(r.kind, 'applied');
    assert.equal(call(api(), 'v'), 2);
    call(api(), 'halt');
  });

  it('keeps members a namespace merged into an enum', async () => {
    const v = (members: string): string =>
      `export enum Color { ${members} }\nexport namespace Color { export function parse(s: string): number { return s.length; } }\n`;
    const { api, edit } = await start({ 'main.ts': v('Red, Green') });
    await edit({ 'main.ts': v('Red, Green, Blue') });
    const Color = api()['Color'] as Record<string, unknown>;
    assert.equal(Color['Blue'], 2);
    assert.equal(typeof Color['parse'], 'function', 'the namespace member survived');
  });

  it('follows export * chains, in views and in link checks', async () => {
    const { api, edit } = await start({
      'c.ts': 'export const x = 1;\n',
      'b.ts': "export * from './c.ts';\n",
      'a.ts': "export * from './b.ts';\n",
      'main.ts':
        "import * as a from './a.ts';\nimport { x } from './b.ts';\nexport function names(): string { return Object.keys(a).sort().join(','); }\nexport const seen = x;\n",
    });
    await edit({ 'c.ts': 'export const x = 1;\nexport const y = 2;\n' });
    assert.equal(call(api(), 'names'), 'x,y', 'a name added two stars away is visible');
    const r = await edit({ 'c.ts': 'export const y = 2;\n' });
    assert.equal(r.kind === 'rejected' && r.phase, 'link', 'removing x under an export * breaks the import in main.ts');
  });

  it('resolves names through an export * cycle', async () => {
    const { api } = await start({
      'a.ts': "export * from './b.ts';\nexport const fromA = 'A';\n",
      'b.ts': "export * from './a.ts';\nexport const fromB = 'B';\n",
      'main.ts': "import { fromA, fromB } from './b.ts';\nexport const both = fromA + fromB;\n",
    });
    assert.equal(api()['both'], 'AB');
  });

  it('re-evaluates dependents through a named re-export and a namespace import', async () => {
    const { api, edit } = await start({
      'cfg.ts': 'export const SPEED = 1;\n',
      'idx.ts': "export { SPEED } from './cfg.ts';\n",
      'main.ts':
        "import { SPEED } from './idx.ts';\nimport * as cfg from './cfg.ts';\nexport const viaReexport = SPEED * 2;\nexport const viaNamespace = cfg.SPEED * 3;\n",
    });
    await edit({ 'cfg.ts': 'export const SPEED = 5;\n' });
    assert.deepEqual([api()['viaReexport'], api()['viaNamespace']], [10, 15]);
  });
});

describe('end-to-end review regressions', () => {
  it('lets a closure made before an edit follow a redirected import, and a function moved to another file', async () => {
    const files = {
      'en.ts': "export function greet(): string { return 'english'; }\n",
      'fr.ts': "export function greet(): string { return 'french'; }\n",
      'main.ts':
        "import { greet } from './en.ts';\nimport './fr.ts';\nexport const closure = (): string => greet();\nexport const saved: Array<() => string> = [];\nsaved.push(() => greet());\n",
    };
    const { api, edit } = await start(files);
    const saved = (api()['saved'] as Array<() => string>)[0]!;
    assert.equal(saved(), 'english');
    await edit({
      'main.ts':
        "import { greet } from './fr.ts';\nimport './en.ts';\nexport const closure = (): string => greet();\nexport const saved: Array<() => string> = [];\nsaved.push(() => greet());\n",
    });
    assert.equal(saved(), 'french', 'the old closure reads the import as it is now');
    await edit({
      'en.ts': 'export {};\n',
      'fr.ts': "export function hello(): string { return 'moved'; }\n",
      'main.ts':
        "import { hello as greet } from './fr.ts';\nimport './en.ts';\nexport const closure = (): string => greet();\nexport const saved: Array<() => string> = [];\nsaved.push(() => greet());\n",
    });
    assert.equal(saved(), 'moved', 'and follows a function moved and renamed');
  });
});

describe('a rejected change undone by hand', () => {
  it('says the files are the running version again, with a reload that swaps nothing', async () => {
    const good = 'export function f(): number { return 1; }\n';
    const { edit, image } = await start({ 'main.ts': good });
    const events: string[] = [];
    const stop = image.subscribe((e) => {
      if (e.kind === 'reload') events.push(e.ok ? 'ok' : `rejected ${e.phase}`);
    });
    assert.equal((await edit({ 'main.ts': 'export function f(): number { return 1 +; }\n' })).kind, 'rejected');
    const back = await edit({ 'main.ts': good });
    assert.equal(back.kind, 'applied');
    assert.equal((await edit({ 'main.ts': good })).kind, 'unchanged', 'said once');
    stop();
    assert.deepEqual(events, ['rejected parse', 'ok']);
  });
});

describe('host regressions', () => {
  it('watches a folder again after it is moved away and replaced', async () => {
    const p = tempProject({ 'lib/a.ts': 'export {};\n' });
    const seen: string[] = [];
    const w = watchTree(
      p.dir,
      (f) => seen.push(f),
      (m) => assert.fail(m),
    );
    try {
      fs.renameSync(p.path('lib'), p.path('old'));
      fs.mkdirSync(p.path('lib'));
      await sleep(50);
      fs.writeFileSync(p.path('lib/b.ts'), 'export {};\n');
      await waitFor('an event for the new lib/b.ts', () => seen.includes(path.join(p.dir, 'lib', 'b.ts')), 3000);
    } finally {
      w.close();
      p.remove();
    }
  });

  it('reports a watch that fails, naming the folder, instead of dropping it', () => {
    const p = tempProject({ 'lib/a.ts': 'export {};\n' });
    const watchers: Array<EventEmitter & { close(): void }> = [];
    const fake: WatchFolder = () => {
      const w = Object.assign(new EventEmitter(), { close: () => undefined });
      watchers.push(w);
      return w as unknown as fs.FSWatcher;
    };
    const errors: string[] = [];
    const w = watchTree(
      p.dir,
      () => undefined,
      (m) => errors.push(m),
      fake,
    );
    try {
      assert.equal(watchers.length, 2, 'the root and lib/ are watched');
      watchers[1]!.emit('error', new Error('EMFILE: too many open files'));
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /^watching .*lib failed \(EMFILE: too many open files\); edits there will not apply until imago restarts$/);
    } finally {
      w.close();
      p.remove();
    }
  });

  it('reads a file again when it is empty at first (a save caught half-written)', async () => {
    const p = tempProject({ 'x.ts': '' });
    try {
      const host = createNodeHost();
      const reading = host.readFile(p.path('x.ts'));
      setTimeout(() => fs.writeFileSync(p.path('x.ts'), 'export const a = 1;\n'), 5);
      const read = await reading;
      assert.equal(read.kind === 'text' && read.text, 'export const a = 1;\n');
    } finally {
      p.remove();
    }
  });
});
