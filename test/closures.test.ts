// Closures follow edits, in-process: callbacks, listeners, handlers and methods made by old code run the
// new body with their own captured variables; the ones that cannot are reported; a top-level statement
// whose only change is inside the closure it passes is not run again.

import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ChangeResult } from '../src/index.js';
import { call, startImage } from './helpers/image.js';

const applied = (r: ChangeResult): NonNullable<Extract<ChangeResult, { kind: 'applied' }>['summary']> => {
  assert.equal(r.kind, 'applied', JSON.stringify(r));
  return (r as Extract<ChangeResult, { kind: 'applied' }>).summary;
};

describe('closures made by old code', () => {
  it('run the new body of a setInterval callback made in a function, with their own captured variables', async () => {
    const v = (word: string): string => `export const log: string[] = [];
function start(label: string): void {
  let n = 0;
  setInterval(() => { n++; log.push('${word} ' + label + n); }, 5);
}
start('a');
start('b');
`;
    const { api, edit, host } = await startImage({ 'main.ts': v('one') }, 'main.ts', { manualClock: true });
    host!.clock!.advance(5);
    const summary = applied(await edit({ 'main.ts': v('two') }));
    assert.equal(summary.closures?.followed, 1, 'one site, its closures follow');
    host!.clock!.advance(5);
    assert.deepEqual((api()['log'] as string[]).slice(-2), ['two a2', 'two b2'], 'each closure keeps its own label and counter');
  });

  it('run the new body of closures registered in a list, and writes reach the captured variable', async () => {
    const v = (step: number): string => `export const systems: Array<() => number> = [];
export function install(): void {
  let total = 0;
  systems.push(() => { total += ${step}; return total; });
}
install();
`;
    const { api, edit } = await startImage({ 'main.ts': v(1) });
    const run = (): number => (api()['systems'] as Array<() => number>)[0]!();
    assert.equal(run(), 1);
    applied(await edit({ 'main.ts': v(10) }));
    assert.equal(run(), 11, 'the old closure adds 10 to its own total');
    applied(await edit({ 'main.ts': v(100) }));
    assert.equal(run(), 111, 'and follows the next edit too');
  });

  it('reach an EventEmitter listener, a pending .then callback and a method bound before the edit', async () => {
    const v = (tag: string): string => `import { EventEmitter } from 'node:events';
export const bus = new EventEmitter();
export const seen: string[] = [];
export let release: (v: string) => void = () => undefined;
export class Handler {
  name = 'h';
  handle(x: string): void { seen.push('${tag} method ' + this.name + ' ' + x); }
}
export function wire(): void {
  bus.on('ping', (x: string) => { seen.push('${tag} listener ' + x); });
  new Promise<string>((r) => { release = r; }).then((x) => { seen.push('${tag} then ' + x); });
  const h = new Handler();
  bus.on('ping', h.handle.bind(h));
}
wire();
`;
    const { api, edit } = await startImage({ 'main.ts': v('old') });
    applied(await edit({ 'main.ts': v('new') }));
    (api()['bus'] as EventEmitter).emit('ping', 'p');
    call(api(), 'release', 'r');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(api()['seen'], ['new listener p', 'new method h p', 'new then r']);
  });

  it("reach a class's field arrows on instances made before", async () => {
    const v = (word: string): string => `export class Button { label = 'b'; onClick = (): string => '${word} ' + this.label; }
export const old = new Button();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    applied(await edit({ 'main.ts': v('two') }));
    assert.equal((api()['old'] as { onClick(): string }).onClick(), 'two b');
  });

  it('keep their own captured variables when the same text captures other variables in another version', async () => {
    // v1's closure reads the module's k; v2's closure, the same text, reads make()'s own k.
    const v = (local: string, body: string): string =>
      `const k = 5;\nexport const fs: Array<() => number> = [];\nexport function make(): void { ${local} fs.push(() => ${body}); }\nmake();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('', 'k + 1') });
    applied(await edit({ 'main.ts': v('const k = 1;', 'k + 1') }));
    call(api(), 'make');
    const fs = api()['fs'] as Array<() => number>;
    assert.deepEqual(
      fs.map((f) => f()),
      [6, 2],
    );
    const summary = applied(await edit({ 'main.ts': v('const k = 1;', 'k + 2') }));
    assert.equal(fs[1]!(), 3, 'the closure v2 made reads its own k through the new body');
    assert.equal(fs[0]!(), 6, "v1's closure has no k of its own: it keeps its body");
    assert.equal(summary.closures?.kept[0]?.reason, "it reads 'k', which the closures made before do not have");
  });

  it('follow when their body is an expression in parentheses (an object literal, a sequence, after a comment)', async () => {
    const v = (n: number): string => `export const fs: Array<() => unknown> = [];
export function add(): void {
  fs.push(() => ({ n: ${n} }));
  fs.push(() => (void 0, ${n}));
  fs.push(() => /* the answer */ (((${n}))));
  fs.push(async () => ({ n: ${n} }));
}
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v(1) });
    const fs = api()['fs'] as Array<() => unknown>;
    applied(await edit({ 'main.ts': v(2) }));
    assert.deepEqual(
      fs.slice(0, 3).map((f) => f()),
      [{ n: 2 }, 2, 2],
    );
    assert.deepEqual(await fs[3]!(), { n: 2 });
  });

  it('find their counterpart when closures are added or removed elsewhere in the function', async () => {
    const v = (extra: string, word: string): string => `export const handlers: Record<string, () => string> = {};
function on(name: string, f: () => string): void { handlers[name] = f; }
export function setup(): void {
  ${extra}
  on('a', () => '${word} a');
  on('b', () => '${word} b');
}
setup();
`;
    const { api, edit } = await startImage({ 'main.ts': v('', 'one') });
    const handlers = { ...(api()['handlers'] as Record<string, () => string>) };
    applied(await edit({ 'main.ts': v("setTimeout(() => undefined, 1); on('c', () => 'c');", 'two') }));
    assert.equal(handlers['a']!(), 'two a');
    assert.equal(handlers['b']!(), 'two b');
  });

  it('run an async body, and nested closures made by the new body follow later edits too', async () => {
    const v = (word: string): string => `export let inner: (() => string) | null = null;
export const outer = async (x: number): Promise<string> => { inner = () => '${word} inner ' + x; return '${word} ' + x; };
export const saved: Array<(x: number) => Promise<string>> = [];
export function keep(): void { saved.push(async (x: number) => { inner = () => '${word} inner ' + x; return '${word} ' + x; }); }
keep();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    applied(await edit({ 'main.ts': v('two') }));
    const saved = (api()['saved'] as Array<(x: number) => Promise<string>>)[0]!;
    assert.equal(await saved(1), 'two 1');
    const made = api()['inner'] as () => string;
    assert.equal(made(), 'two inner 1');
    applied(await edit({ 'main.ts': v('three') }));
    assert.equal(made(), 'three inner 1', 'the closure the late body made follows the next edit');
    assert.equal(await saved(2), 'three 2');
  });
});

describe('closures that cannot follow', () => {
  it('keep their old body when the new one reads a variable they do not have, and say so', async () => {
    const v1 = 'export let out = "";\nfunction start(): () => void {\n  return () => { out = "old body"; };\n}\nexport const tick = start();\n';
    const v2 =
      'export let out = "";\nfunction start(): () => void {\n  const scale = 2;\n  return () => { out = "new body " + scale; };\n}\nexport const tick = start();\n';
    const { api, edit } = await startImage({ 'main.ts': v1 });
    const tick = api()['tick'] as () => void;
    const summary = applied(await edit({ 'main.ts': v2 }));
    tick();
    assert.equal(api()['out'], 'old body');
    assert.deepEqual(
      summary.closures?.kept.map(({ column: _, ...k }) => k),
      [
        {
          file: 'main.ts',
          line: 4,
          closure: 'the function returned',
          madeBy: 'the old start()',
          reason: "it reads 'scale', which the closures made before do not have",
        },
      ],
    );
  });

  it('keep their old body when their site is gone from the new version, and say so once', async () => {
    const v = (body: string): string => `export const fs: Array<() => string> = [];\nexport function add(): void {\n  ${body}\n}\nadd();\n`;
    const { edit } = await startImage({ 'main.ts': v("fs.push(() => 'a');") });
    const gone = applied(await edit({ 'main.ts': v('') }));
    assert.equal(gone.closures?.kept[0]?.reason, 'the new version has no counterpart for it');
    const again = applied(await edit({ 'main.ts': v('void 0;') }));
    assert.equal(again.closures, undefined, 'said once');
  });

  it('say nothing of a site none of whose closures was made', async () => {
    const v = (x: string): string => `function never(): () => string {\n  return () => ${x};\n}\nexport const f = never;\n`;
    const { edit } = await startImage({ 'main.ts': v('1') });
    const summary = applied(await edit({ 'main.ts': v('y').replace('function never', 'const y = 2;\nfunction never') }));
    assert.equal(summary.closures, undefined);
  });
});

describe('top-level statements that pass a closure', () => {
  it('are not run again when only the closure changed: the registered closure runs the new body', async () => {
    const v = (word: string): string => `export const routes: Array<() => string> = [];
export let registered = 0;
function get(f: () => string): void { routes.push(f); registered++; }
get(() => '${word}');
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const summary = applied(await edit({ 'main.ts': v('two') }));
    assert.equal(summary.effects.run, 0, 'the registration did not run again');
    assert.equal(api()['registered'], 1);
    assert.equal((api()['routes'] as Array<() => string>)[0]!(), 'two');
  });

  it('are run again when the statement changed outside the closure', async () => {
    const v = (path: string): string => `export const routes: Record<string, () => string> = {};
function get(p: string, f: () => string): void { routes[p] = f; }
get('${path}', () => 'same');
`;
    const { api, edit } = await startImage({ 'main.ts': v('/a') });
    const summary = applied(await edit({ 'main.ts': v('/b') }));
    assert.equal(summary.effects.run, 1);
    assert.deepEqual(Object.keys(api()['routes'] as object).sort(), ['/a', '/b']);
  });

  it('do not redirect anything when the change is rejected', async () => {
    const v = (word: string, tail = ''): string => `export const fs: Array<() => string> = [];\nfs.push(() => '${word}');\n${tail}`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const r = await edit({ 'main.ts': v('two', 'throw new Error("no");\n') });
    assert.equal(r.kind, 'rejected');
    assert.equal((api()['fs'] as Array<() => string>)[0]!(), 'one');
  });
});

describe('closures the new code makes', () => {
  it('are not redirected: a site whose body did not change keeps one cell, and stack traces of late bodies point at the source', async () => {
    const v = (word: string): string => `export const fs: Array<() => string> = [];
export function add(): void { fs.push(() => { if (fs.length > 99) throw new Error('too many'); return '${word}'; }); }
add();
`;
    const { api, edit, project } = await startImage({ 'main.ts': v('one') });
    applied(await edit({ 'main.ts': v('two') }));
    call(api(), 'add');
    const fs = api()['fs'] as Array<() => string>;
    assert.deepEqual(
      fs.map((f) => f()),
      ['two', 'two'],
    );
    for (let i = 0; i < 98; i++) fs.push(fs[0]!);
    let stack = '';
    try {
      fs[0]!();
    } catch (e: unknown) {
      stack = (e as Error).stack ?? '';
    }
    assert.match(stack, new RegExp(`${project.path('main.ts').replace(/[/.]/g, '\\$&')}:2:`), `the late body's frame is mapped:\n${stack}`);
  });
});
