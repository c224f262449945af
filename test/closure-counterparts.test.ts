// Which closure is whose counterpart, what follows and what is said: the cases two reviews found, each
// a program edited the way a user would.

import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ChangeResult } from '../src/index.js';
import { startImage } from './helpers/image.js';

type Summary = NonNullable<Extract<ChangeResult, { kind: 'applied' }>['summary']>;
const applied = (r: ChangeResult): Summary => {
  assert.equal(r.kind, 'applied', JSON.stringify(r));
  return (r as Extract<ChangeResult, { kind: 'applied' }>).summary;
};
const reasons = (s: Summary): string[] => (s.closures?.kept ?? []).map((k) => `${k.line}:${k.closure}: ${k.reason}`);

describe('counterparts', () => {
  it('a listener added above one of the same event does not take the old one over', async () => {
    const v = (extra: string): string => `import { EventEmitter } from 'node:events';
export const chat = new EventEmitter();
export const log: string[] = [];
export function wire(room: string): void {
  ${extra}
  chat.on('message', (from: string) => { log.push(room + ' says ' + from); });
}
wire('lobby');
`;
    const { api, edit } = await startImage({ 'main.ts': v('') });
    const summary = applied(await edit({ 'main.ts': v("chat.on('message', (from: string) => { log.push('audit ' + from); });") }));
    (api()['chat'] as EventEmitter).emit('message', 'ann');
    assert.deepEqual(api()['log'], ['lobby says ann'], 'the old listener keeps its own body: it is unchanged');
    assert.deepEqual(reasons(summary), []);
  });

  it('routes told apart by their path, their event constant or the call they are wrapped in', async () => {
    const v = (word: string, extra: string): string => `export const routes = new Map<string, () => string>();
const Ev = { Join: 'join', Leave: 'leave', Kick: 'kick' } as const;
const wrap = (f: () => string): (() => string) => () => f();
function get(path: string, f: () => string): void { routes.set(path, f); }
function route(r: { url: string; handler: () => string }): void { routes.set(r.url, r.handler); }
export function install(): void {
  ${extra}
  get('/users', wrap(() => '${word} users'));
  route({ url: '/stats', handler: () => '${word} stats' });
  get(Ev.Join, () => '${word} join');
}
install();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one', '') });
    const before = new Map(api()['routes'] as Map<string, () => string>);
    const extra = "get('/health', wrap(() => 'ok')); route({ url: '/version', handler: () => 'v' }); get(Ev.Kick, () => 'kick');";
    const summary = applied(await edit({ 'main.ts': v('two', extra) }));
    assert.deepEqual(
      ['/users', '/stats', 'join'].map((p) => before.get(p)!()),
      ['two users', 'two stats', 'two join'],
    );
    assert.deepEqual(reasons(summary), []);
  });

  it('when the number of closures at a place changes, only unchanged ones are paired; the others are said', async () => {
    const v = (bodies: string[]): string => `export const fs: Array<() => string> = [];
export function add(): void {
${bodies.map((b) => `  fs.push(() => '${b}');`).join('\n')}
}
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v(['a', 'b']) });
    const old = [...(api()['fs'] as Array<() => string>)];
    const summary = applied(await edit({ 'main.ts': v(['new', 'a', 'B']) }));
    assert.deepEqual(
      old.map((f) => f()),
      ['a', 'b'],
      'a is unchanged; b cannot be told from the new closures',
    );
    assert.match(reasons(summary).join('\n'), /^4:the function passed to fs\.push\(\): there are 3 closures at its place where there were 2/);
  });

  it('closures in a chain of calls, a top-level IIFE and a namespace follow', async () => {
    const v = (w: string): string => `export const routes = new Map<string, () => string>();
export const log: string[] = [];
const app = { get(p: string, f: () => string) { routes.set(p, f); return app; } };
app.get('/a', () => '${w} a').get('/b', () => '${w} b');
export let tick: () => void = () => undefined;
(() => { let n = 0; tick = () => { log.push('${w}' + n++); }; })();
export namespace Util { export function greet(): string { return '${w} greet'; } }
export const greet = Util.greet;
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const routes = new Map(api()['routes'] as Map<string, () => string>);
    const tick = api()['tick'] as () => void;
    const greet = api()['greet'] as () => string;
    tick();
    const summary = applied(await edit({ 'main.ts': v('two') }));
    tick();
    assert.deepEqual([routes.get('/a')!(), routes.get('/b')!(), greet()], ['two a', 'two b', 'two greet']);
    assert.deepEqual(api()['log'], ['one0', 'two1'], 'the IIFE did not run again: the closure kept its n');
    assert.equal(summary.effects.run, 0);
  });
});

describe('what follows', () => {
  it('closures that destructure their parameters, with defaults and rest patterns, keep their length', async () => {
    const v = (w: string): string => `export const fs: Array<(...a: any[]) => unknown> = [];
export function add(): void {
  fs.push(async ({ params, query = 'none' }: { params: string; query?: string }) => '${w} ' + params + ' ' + query);
  fs.push(([a, b]: number[], { c } = { c: 3 }) => '${w} ' + (a + b + c));
  fs.push((x: number, ...[y, z]: number[]) => '${w} ' + (x + y! + z!));
}
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const [f, g, h] = api()['fs'] as Array<(...a: unknown[]) => unknown>;
    assert.deepEqual([f!.length, g!.length, h!.length], [1, 1, 1]);
    applied(await edit({ 'main.ts': v('two') }));
    assert.equal(await f!({ params: 'p' }), 'two p none');
    assert.equal(g!([1, 2]), 'two 6');
    assert.equal(h!(1, 2, 3), 'two 6');
    assert.deepEqual([f!.length, g!.length, h!.length], [1, 1, 1]);
  });

  it('a generator function made before runs the new body on its next call', async () => {
    const v = (w: string): string => `export const gens: Array<() => Generator<string>> = [];
export function add(): void { gens.push(function* () { yield '${w} 1'; yield '${w} 2'; }); }
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const gen = (api()['gens'] as Array<() => Generator<string>>)[0]!;
    applied(await edit({ 'main.ts': v('two') }));
    assert.deepEqual([...gen()], ['two 1', 'two 2']);
  });

  it('a nested closure made by a late body reads its own shadowing variable, and a captured function is called without `this`', async () => {
    const v = (a: string, b: string): string => `export const out: unknown[] = [];
export const fs: Array<() => void> = [];
export function make(): () => void {
  let x = 'outer';
  const who = function (this: unknown): unknown { return this; };
  return () => { out.push('${a} ' + x, who()); { let x = 'inner'; fs.push(() => { out.push('${b} ' + x); }); } };
}
export const g = make();
`;
    const { api, edit } = await startImage({ 'main.ts': v('A1', 'B1') });
    const g = api()['g'] as () => void;
    applied(await edit({ 'main.ts': v('A2', 'B1') }));
    g();
    applied(await edit({ 'main.ts': v('A2', 'B3') }));
    (api()['fs'] as Array<() => void>)[0]!();
    assert.deepEqual(api()['out'], ['A2 outer', undefined, 'B3 inner']);
  });

  it('a closure whose helper moved to another module follows', async () => {
    const v1 = "function helper(): string { return 'local'; }\nexport function make(): () => string { return () => helper(); }\nexport const g = make();\n";
    const v2 = "import { helper } from './util.ts';\nexport function make(): () => string { return () => helper(); }\nexport const g = make();\n";
    const { api, edit } = await startImage({ 'main.ts': v1, 'util.ts': "export function helper(): string { return 'util'; }\n" });
    const g = api()['g'] as () => string;
    applied(await edit({ 'main.ts': v2 }));
    assert.equal(g(), 'util');
  });

  it("the change's own code sees the new bodies, and an initializer that calls a closure is evaluated again", async () => {
    const v = (w: string, k: number): string => `export const hooks: Array<() => string> = [];
export function reg(): void { hooks.push(() => '${w}'); }
reg();
function sum(xs: number[], f: (x: number) => number): number { let s = 0; for (const x of xs) s += f(x); return s; }
export const total = sum([1, 2, 3], (x) => x * ${k});
export const snapshot = hooks.map((h) => h())${w === 'v2' ? '.slice()' : ''};
`;
    const { api, edit } = await startImage({ 'main.ts': v('v1', 2) });
    applied(await edit({ 'main.ts': v('v2', 10) }));
    assert.deepEqual(api()['snapshot'], ['v2']);
    assert.equal(api()['total'], 60);
  });

  it('a parenthesized expression body with a line comment in it loads and follows', async () => {
    const v = (w: string): string => `export function make(): () => { ok: string } {
  return () => (
    // the reply
    { ok: '${w}' }
  );
}
export const g = make();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const g = api()['g'] as () => { ok: string };
    applied(await edit({ 'main.ts': v('two') }));
    assert.deepEqual(g(), { ok: 'two' });
  });

  it('a closure passed by a static block follows; the block does not run again', async () => {
    const v = (w: string): string => `export const cbs: Array<() => string> = [];
export class K { static s = 's'; static { cbs.push(() => '${w} ' + K.s); } }
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    applied(await edit({ 'main.ts': v('two') }));
    assert.deepEqual(
      (api()['cbs'] as Array<() => string>).map((f) => f()),
      ['two s'],
    );
  });
});

describe('what cannot follow is said', () => {
  it('generators turned plain, `arguments`, accessors and methods of a class made in a function', async () => {
    const v = (w: string, extra: string): string => `export function make(label: string) {
  ${extra}
  class Counter { n = 0; bump(): string { return '${w} ' + label${extra ? ' + suffix' : ''}; } }
  return {
    get value(): string { return '${w} getter'; },
    args: function (x: number): string { return '${w} ' + arguments.length + x; },
    counter: new Counter(),
  };
}
export const made = make('a');
`;
    const { api, edit } = await startImage({ 'main.ts': v('one', '') });
    const made = api()['made'] as { value: string; args: (x: number) => string; counter: { bump(): string } };
    const summary = applied(await edit({ 'main.ts': v('two', "const suffix = '!';") }));
    assert.deepEqual([made.value, made.args(1), made.counter.bump()], ['one getter', 'one 11', 'one a']);
    assert.deepEqual(reasons(summary), [
      "3:bump(): it reads 'suffix', which the closures made before do not have",
      '5:value: it is an accessor',
      '6:args: it reads `arguments`',
    ]);
  });
});

describe('what a closure keeps, said', () => {
  it('a closure that makes a function in its destructuring parameters keeps its body, and says so', async () => {
    const v = (w: string): string =>
      `export const fs: Array<(o: { cb?: () => string }) => string> = [];\nexport function add(): void { fs.push(({ cb = () => 'd' }) => '${w} ' + cb()); }\nadd();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const summary = applied(await edit({ 'main.ts': v('two') }));
    assert.equal((api()['fs'] as Array<(o: object) => string>)[0]!({}), 'one d');
    assert.match(reasons(summary)[0] ?? '', /a function is made in its parameter list/);
  });

  it('a captured variable declared differently: closures keep their own, and a new body that needs the new one does not run', async () => {
    const v = (decl: string, body: string): string => `export const out: unknown[] = [];
export function setup(): () => void {
  ${decl}
  return () => { ${body} };
}
export const tick = setup();
`;
    const { api, edit } = await startImage({ 'main.ts': v('const pageSize = 10;', 'out.push(pageSize);') });
    const tick = api()['tick'] as () => void;
    const value = applied(await edit({ 'main.ts': v('const pageSize = 20;', 'out.push(pageSize);') }));
    assert.deepEqual(reasons(value), [
      "4:the function returned: it reads 'pageSize', which is declared differently now; the closures made before keep the 'pageSize' they were made with",
    ]);
    const typed = applied(await edit({ 'main.ts': v('const seen = new Set<number>();', 'seen.add(1); out.push(seen.size);') }));
    tick();
    assert.deepEqual(api()['out'], [10], 'the old closure kept its body and its pageSize: no TypeError from a number used as a Set');
    assert.match(reasons(typed)[0] ?? '', /it reads 'seen', which the closures made before do not have/);
  });

  it('a function that reads `this` and became an arrow keeps its body, and says so', async () => {
    const v = (handler: string): string => `import { EventEmitter } from 'node:events';
export const bus = new EventEmitter();
export class Game { score = 0; wire(): void { bus.on('hit', ${handler}); } }
export const game = new Game();
game.wire();
`;
    const { api, edit } = await startImage({ 'main.ts': v('function (this: { score: number }) { this.score += 1; }') });
    const summary = applied(await edit({ 'main.ts': v('() => { this.score += 10; }') }));
    (api()['bus'] as EventEmitter).emit('hit');
    assert.equal((api()['game'] as { score: number }).score, 0, 'the old function body ran, with the emitter as this');
    assert.match(reasons(summary)[0] ?? '', /it reads `this` and is an arrow function now/);
  });

  it('a gone closure is placed where it was, in its own version', async () => {
    const v = (pad: string, body: string): string => `${pad}export const fs: Array<() => string> = [];\nexport function add(): void {\n  ${body}\n}\nadd();\n`;
    const { edit } = await startImage({ 'main.ts': v('', "fs.push(() => 'a');") });
    applied(await edit({ 'main.ts': v('// pad\n'.repeat(10), "fs.push(() => 'a');") }));
    const gone = applied(await edit({ 'main.ts': v('// pad\n'.repeat(10), '') }));
    assert.equal(gone.closures?.kept[0]?.line, 13);
  });

  it('a statement whose timer closure cannot follow runs again, and a timer its old run started is not reported', async () => {
    const v = (body: string, period = 5): string => `export const log: string[] = [];
{
  let n = 0;
  const step = 10;
  setInterval(() => { ${body} }, ${period});
}
`;
    const { api, edit, host } = await startImage({ 'main.ts': v("log.push('a' + n++);") }, 'main.ts', { manualClock: true });
    host!.clock!.advance(5);
    const rerun = applied(await edit({ 'main.ts': v("log.push('b' + (n += step));") }));
    host!.clock!.advance(5);
    assert.equal(rerun.effects.run, 1);
    assert.deepEqual(reasons(rerun), []);
    assert.deepEqual(api()['log'], ['a0', 'b10'], 'one interval, in the new code');
    const period = applied(await edit({ 'main.ts': v("log.push('b' + (n += step));", 20) }));
    assert.deepEqual(reasons(period), [], 'the old interval was cleared: nothing keeps an old body');
  });

  it('closures of a module that leaves the program are said to keep their last body', async () => {
    const files = {
      'main.ts': "import { wire } from './api.ts';\nimport { EventEmitter } from 'node:events';\nexport const bus = new EventEmitter();\nwire(bus);\n",
      'api.ts': "import type { EventEmitter } from 'node:events';\nexport function wire(bus: EventEmitter): void { bus.on('x', () => undefined); }\n",
    };
    const { edit } = await startImage(files);
    const summary = applied(await edit({ 'main.ts': "import { EventEmitter } from 'node:events';\nexport const bus = new EventEmitter();\n" }));
    assert.deepEqual(
      summary.closures?.kept.map((k) => [k.file, k.line, k.reason]),
      [['api.ts', 2, 'api.ts left the program']],
    );
  });

  it('a closure whose body is edited back runs at full speed again, and late bodies are forgotten with old versions', async () => {
    const v = (w: string): string => `export const fs: Array<() => string> = [];\nexport function add(): void { fs.push(() => '${w}'); }\nadd();\n`;
    const { api, edit, image, project } = await startImage({ 'main.ts': v('a') });
    const f = (api()['fs'] as Array<() => string>)[0]!;
    for (let i = 1; i <= 12; i++) applied(await edit({ 'main.ts': v(`b${i}`) }));
    assert.equal(f(), 'b12');
    assert.equal(image.mapFrame(`${project.path('main.ts')}?v2.late`, 3, 1), null, 'the late bodies of version 2 are no longer mapped');
    assert.notEqual(image.mapFrame(`${project.path('main.ts')}?v13.late`, 3, 1), null);
    applied(await edit({ 'main.ts': v('a') }));
    assert.equal(f(), 'a');
  });

  it('a rejected change leaves no closure marked made', async () => {
    const v = (body: string, tail = ''): string => `export const fs: Array<() => string> = [];\nexport function add(): void { ${body} }\n${tail}`;
    const { edit } = await startImage({ 'main.ts': v("fs.push(() => 'a');") });
    const r = await edit({ 'main.ts': v("fs.push(() => 'a');", "add();\nthrow new Error('no');\n") });
    assert.equal(r.kind, 'rejected');
    const summary = applied(await edit({ 'main.ts': v('const k = 1;\n  fs.push(() => "a" + k);') }));
    assert.deepEqual(reasons(summary), [], 'no closure of add() was ever made in the running program');
  });
});
