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
    assert.match(
      reasons(summary).join('\n'),
      /^3:the function passed to fs\.push\(\): there are 3 closures at its place where there were 2, and its body changed/,
    );
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
  fs.push(([a, b]: number[], c: number) => '${w} ' + (a + b + c));
  fs.push(({ c } = { c: 3 }) => '${w} ' + c);
  fs.push((x: number, ...[y, z]: number[]) => '${w} ' + (x + y! + z!));
}
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const [f, g, d, h] = api()['fs'] as Array<(...a: unknown[]) => unknown>;
    const lengths = [f!.length, g!.length, d!.length, h!.length];
    assert.deepEqual(lengths, [1, 2, 0, 1]);
    const summary = applied(await edit({ 'main.ts': v('two') }));
    assert.equal(summary.closures?.followed, 4);
    assert.equal(await f!({ params: 'p' }), 'two p none');
    assert.equal(g!([1, 2], 3), 'two 6');
    assert.equal(d!(), 'two 3');
    assert.equal(h!(1, 2, 3), 'two 6');
    assert.deepEqual([f!.length, g!.length, d!.length, h!.length], lengths);
  });

  it('a destructuring closure whose unpacking would mean something else in its body keeps its body, and says so', async () => {
    const v = (w: string): string => `export const fs: Array<(...a: any[]) => unknown> = [];
const label = 'outer';
export function add(): void {
  fs.push(({ a }: { a: number }, b = a * 2) => '${w} ' + (a + b));
  fs.push(({ a = label }: { a?: string }) => { const label = 'inner'; return '${w} ' + a + '/' + label; });
  fs.push(function* ({ a }: { a: number }) { yield '${w} ' + a; });
}
add();
`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const [f, g, h] = api()['fs'] as Array<(...a: unknown[]) => unknown>;
    assert.deepEqual([f!({ a: 1 }), g!({})], ['one 3', 'one outer/inner'], 'they run as written');
    const summary = applied(await edit({ 'main.ts': v('two') }));
    assert.deepEqual([f!({ a: 1 }), g!({}), [...(h!({ a: 1 }) as Iterable<string>)]], ['one 3', 'one outer/inner', ['one 1']]);
    assert.deepEqual(reasons(summary), [
      '4:the function passed to fs.push(): a parameter after one it destructures has a default value',
      "5:the function passed to fs.push(): its parameters' defaults read 'label', which its body declares too",
      '6:the function passed to fs.push(): it is a generator that destructures its parameters',
    ]);
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
      "3:Counter.bump(): it reads 'suffix', which the closures made before do not have",
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

describe('second review', () => {
  it('a nested closure that cannot follow does not make its statement run again', async () => {
    const v = (extra: string, body: string): string => `import { EventEmitter } from 'node:events';
export const bus = new EventEmitter();
export const later: Array<() => void> = [];
export const log: string[] = [];
bus.on('job', (id: string) => {
  ${extra}
  later.push(() => { ${body} });
});
bus.emit('job', 'a');
`;
    const { api, edit } = await startImage({ 'main.ts': v('', "log.push('done ' + id);") });
    const summary = applied(await edit({ 'main.ts': v("const tag = '#';", "log.push('done ' + tag + id);") }));
    assert.equal(summary.effects.run, 0);
    assert.equal((api()['bus'] as EventEmitter).listenerCount('job'), 1);
    assert.match(reasons(summary)[0] ?? '', /^7:the function passed to later\.push\(\): it reads 'tag'/);
  });

  it('a destructuring closure in a class with private fields reads them', async () => {
    const v = (k: number): string =>
      `export class T {\n  #x = 5;\n  handler() { return ({ a }: { a: number }) => a + this.#x * ${k}; }\n}\nexport const h = new T().handler();\n`;
    const { api, edit } = await startImage({ 'main.ts': v(1) });
    const h = api()['h'] as (o: { a: number }) => number;
    assert.equal(h({ a: 1 }), 6);
    applied(await edit({ 'main.ts': v(2) }));
    assert.equal(h({ a: 1 }), 11);
  });

  it('a captured variable whose value is a closure is not declared differently when that closure is edited', async () => {
    const v = (w: string): string =>
      `export const log: string[] = [];\nexport const fns: Array<() => void> = [];\nexport function start(): void {\n  const onTick = () => { log.push('${w}'); };\n  fns.push(() => onTick());\n}\nstart();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('one') });
    const summary = applied(await edit({ 'main.ts': v('two') }));
    (api()['fns'] as Array<() => void>)[0]!();
    assert.deepEqual(api()['log'], ['two']);
    assert.deepEqual(reasons(summary), []);
  });

  it('two classes made by one function keep their own methods when their declarations swap', async () => {
    const M = "  class Mover { update(): string { return 'mover ' + this.speed; } speed = 1; }\n";
    const S = "  class Shooter { update(): string { return 'shooter ' + this.ammo.length; } ammo = [1]; }\n";
    const v = (a: string, b: string): string =>
      `export function make(): Array<{ update(): string }> {\n${a}${b}  return [new Mover(), new Shooter()];\n}\nexport const objs = make();\n`;
    const { api, edit } = await startImage({ 'main.ts': v(M, S) });
    const objs = api()['objs'] as Array<{ update(): string }>;
    applied(await edit({ 'main.ts': v(S, M) }));
    assert.deepEqual(
      objs.map((o) => o.update()),
      ['mover 1', 'shooter 1'],
    );
  });

  it("a captured class or loop variable declared differently keeps the closure's body, and a sync generator turned async too", async () => {
    const v = (cls: string, loop: string, gen: string): string => `export const fns: Array<() => unknown> = [];
export const users = [{ name: 'ann' }];
export const ids = [7];
export function start(): void {
  ${cls}
  ${loop}
  fns.push(${gen});
}
start();
`;
    const before = v(
      "class A { hi(): string { return 'one'; } }\n  fns.push(() => new A().hi());",
      'for (const x of users) fns.push(() => x.name.toUpperCase());',
      'function* () { yield 1; }',
    );
    const after = v(
      "class A { hi(): string { return 'one'; } bye(): string { return 'two'; } }\n  fns.push(() => new A().bye());",
      'for (const x of ids) fns.push(() => x.toFixed(1));',
      'async function* () { yield 2; }',
    );
    const { api, edit } = await startImage({ 'main.ts': before });
    const [a, x, g] = api()['fns'] as Array<() => unknown>;
    const summary = applied(await edit({ 'main.ts': after }));
    assert.deepEqual([a!(), x!(), [...(g!() as Iterable<number>)]], ['one', 'ANN', [1]]);
    assert.deepEqual(
      (summary.closures?.kept ?? []).map((k) => k.reason.replace(/;.*/, '')),
      ["it reads 'A', which is declared differently now", "it reads 'x', which is declared differently now", 'it is an async generator now'],
    );
  });

  it('says nothing of closures never made, nor of a duplicate removed, nor of a timer its statement stopped', async () => {
    const never = (k: string): string =>
      `export function never(): () => number {\n  ${k}\n  function helper(): number { return ${k ? 'k' : '1'}; }\n  return helper;\n}\n`;
    const one = await startImage({ 'main.ts': never('') });
    assert.deepEqual(reasons(applied(await one.edit({ 'main.ts': never('const k = 2;') }))), [], 'helper was never made');

    const dup = (n: number): string =>
      `export const fns: Array<() => string> = [];\nexport function start(): void {\n${"  fns.push(() => 'same');\n".repeat(n)}}\nstart();\n`;
    const two = await startImage({ 'main.ts': dup(2) });
    assert.deepEqual(reasons(applied(await two.edit({ 'main.ts': dup(1) }))), [
      '4:the function passed to fns.push(): the new version has no counterpart for it',
    ]);

    const timer = (b: string): string =>
      `export const log: number[] = [];\nconst DELAY = 10;\n{\n  const a = 1;${b ? ' const b = 2;' : ''}\n  setInterval(() => { log.push(a${b}); }, DELAY);\n}\n`;
    const three = await startImage({ 'main.ts': timer('') });
    const stopped = applied(await three.edit({ 'main.ts': timer(' + b') }));
    assert.equal(stopped.effects.run, 1);
    assert.deepEqual(reasons(stopped), []);
  });

  it('a one-shot timer or microtask a statement queues runs again with its statement when its body is edited', async () => {
    const v = (w: string): string =>
      `export const log: string[] = [];\nqueueMicrotask(() => { log.push('${w}'); });\nsetTimeout(() => { log.push('t ${w}'); }, 0);\n`;
    const { api, edit, host } = await startImage({ 'main.ts': v('one') }, 'main.ts', { manualClock: true });
    await Promise.resolve();
    host!.clock!.advance(1);
    const summary = applied(await edit({ 'main.ts': v('two') }));
    await Promise.resolve();
    host!.clock!.advance(1);
    assert.equal(summary.effects.run, 2);
    assert.deepEqual(api()['log'], ['one', 't one', 'two', 't two']);
  });
});

describe('third review', () => {
  it('closures swapped at one place keep their own bodies; a template with expressions names a route', async () => {
    const v = (a: string, b: string): string => `export const log: string[] = [];
export const routes = new Map<string, () => string>();
const P = '/api';
function get(p: string, f: () => string): void { routes.set(p, f); }
export function start(): void {
  ${a}
  ${b}
}
start();
`;
    const fast = "setInterval(() => { log.push('fast'); }, 5);";
    const slow = "setInterval(() => { log.push('slow'); }, 50);";
    const users = "get(`${P}/users`, () => 'users'); get(`${P}/orders`, () => 'orders');";
    const { api, edit, host } = await startImage({ 'main.ts': v(fast, `${slow}\n  ${users}`) }, 'main.ts', { manualClock: true });
    const routes = new Map(api()['routes'] as Map<string, () => string>);
    const swapped = "get(`${P}/orders`, () => 'orders'); get(`${P}/users`, () => 'users');";
    const summary = applied(await edit({ 'main.ts': v(slow, `${fast}\n  ${swapped}`) }));
    host!.clock!.advance(5);
    assert.deepEqual(api()['log'], ['fast'], 'the 5 ms interval still logs fast');
    assert.deepEqual([routes.get('/api/users')!(), routes.get('/api/orders')!()], ['users', 'orders']);
    assert.deepEqual(reasons(summary), []);
  });

  it('an initializer is evaluated again for an edited closure only if it called it while it ran', async () => {
    const v = (k: number): string => `import http from 'node:http';
function sum(xs: number[], f: (x: number) => number): number { let s = 0; for (const x of xs) s += f(x); return s; }
export const total = sum([1, 2, 3], (x) => x * ${k});
export const server = http.createServer((_req, res) => { res.end('v${k}'); });
export let made = 0;
export const obj = (() => { made++; return { f: () => ${k} }; })();
`;
    const { api, edit } = await startImage({ 'main.ts': v(2) });
    const server = api()['server'];
    const f = (api()['obj'] as { f: () => number }).f;
    const summary = applied(await edit({ 'main.ts': v(10) }));
    assert.equal(api()['total'], 60, 'sum called its closure: evaluated again');
    assert.equal(api()['server'], server, 'createServer did not call its handler: the server is kept');
    assert.deepEqual([api()['made'], f()], [1, 10], 'the object made once; its closure follows');
    assert.equal(summary.bindings.reevaluated, 1);
  });

  it('a closure that keeps its body is said once, and its statement does not run again at later changes', async () => {
    const v = (extra: string, body: string, tail: string): string => `export const log: string[] = [];
export let runs = 0;
{
  runs++;
  ${extra}
  setTimeout(() => undefined, 0);
  queueMicrotask(() => undefined);
  globalThis.addEventListener?.('x', () => undefined);
  (globalThis as { cb?: () => void }).cb = () => { ${body} };
}
export const tail = '${tail}';
`;
    const { api, edit } = await startImage({ 'main.ts': v('', "log.push('one');", 'a') });
    const first = applied(await edit({ 'main.ts': v("const tag = '#';", "log.push('two' + tag);", 'a') }));
    assert.equal(api()['runs'], 2, 'the statement ran again: its closure cannot follow');
    const later = applied(await edit({ 'main.ts': v("const tag = '#';", "log.push('two' + tag);", 'b') }));
    assert.equal(api()['runs'], 2, 'not again');
    assert.equal(first.effects.run, 1);
    assert.deepEqual(reasons(later), []);
  });

  it('named entries of an array keep their counterparts when an entry is inserted', async () => {
    const v = (entries: string[]): string => `export const commands = [
${entries.map((e) => `  { name: '${e}', run: (): string => '${e} reply' },`).join('\n')}
];
`;
    const { api, edit } = await startImage({ 'main.ts': v(['start', 'help']) });
    const help = (api()['commands'] as Array<{ run(): string }>)[1]!.run;
    applied(await edit({ 'main.ts': v(['start', 'stats', 'help']).replace("'help reply'", "'help reply 2'") }));
    assert.equal(help(), 'help reply 2');
  });

  it('a statement that ran again because its closure cannot follow says so beside its error', async () => {
    const v = (params: string): string => `const routes: string[] = [];
let built = false;
function get(path: string, f: (...a: unknown[]) => unknown): void { if (built) throw new Error('the router is built'); routes.push(path); void f; }
get('/', (${params}) => 'hi');
built = true;
`;
    const { edit } = await startImage({ 'main.ts': v('c: unknown') });
    const r = await edit({ 'main.ts': v('c: unknown, next: unknown') });
    assert.equal(r.kind, 'rejected');
    const message = (r as Extract<ChangeResult, { kind: 'rejected' }>).errors[0]?.message ?? '';
    assert.match(
      message,
      /the router is built \(this statement ran again because the function passed to get\("\/"\) cannot take its new body: it takes 2 parameters now/,
    );
  });
});

describe('fourth review', () => {
  it('of two closures with the same body at one place, the edited one takes the edit, old and new', async () => {
    const v = (first: string): string => `export const log: string[] = [];
export const made: Array<() => void> = [];
function every(f: () => void, _ms: number): void { made.push(f); }
export function start(): void {
  every(() => { log.push('${first}'); }, 1000);
  every(() => { log.push('x'); }, 16);
}
start();
`;
    const { api, edit } = await startImage({ 'main.ts': v('x') });
    applied(await edit({ 'main.ts': v('slow') }));
    (api()['start'] as () => void)();
    for (const f of api()['made'] as Array<() => void>) f();
    assert.deepEqual(api()['log'], ['slow', 'x', 'slow', 'x']);
  });

  it('an item runs again only for an edit of a closure it called, also after an await', async () => {
    const v = (k: number, greeting: string): string => `export let regs = 0;
function setup(cfg: () => number, handler: () => string) { regs++; return { port: cfg(), handler }; }
export const app = setup(() => 80, () => '${greeting}');
async function sum(xs: number[], f: (x: number) => number): Promise<number> { await null; let s = 0; for (const x of xs) s += f(x); return s; }
export const total = await sum([1, 2, 3], (x) => x * ${k});
`;
    const { api, edit } = await startImage({ 'main.ts': v(2, 'hi') });
    const app = api()['app'] as { handler(): string };
    applied(await edit({ 'main.ts': v(2, 'bye') }));
    assert.deepEqual([api()['app'] === app, app.handler(), api()['regs']], [true, 'bye', 1], 'the handler was never called: the app is kept');
    applied(await edit({ 'main.ts': v(3, 'bye') }));
    assert.equal(api()['total'], 18, 'sum called its closure after an await: evaluated again');
  });

  it('a closure said to keep its body is said again when an edit brings that body back after it followed another', async () => {
    const v = (local: string, body: string): string =>
      `export const fs: Array<() => unknown> = [];\nexport function start(): void {\n  ${local}\n  fs.push(() => ${body});\n}\nstart();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('', '1') });
    const f = (api()['fs'] as Array<() => unknown>)[0]!;
    assert.equal(reasons(applied(await edit({ 'main.ts': v('const db = 2;', 'db') }))).length, 1);
    applied(await edit({ 'main.ts': v('', '3') }));
    assert.equal(f(), 3);
    assert.equal(reasons(applied(await edit({ 'main.ts': v('const db = 2;', 'db') }))).length, 1, 'said again');
    assert.equal(f(), 3);
  });

  it('async closures called while an item runs settle as in plain Node', async () => {
    const src = `export const log: string[] = [];
function call(f: () => Promise<void>): Promise<void> { return f(); }
call(async () => { log.push('a'); }).then(() => log.push('f done'));
Promise.resolve().then(() => log.push('1')).then(() => log.push('2')).then(() => log.push('3'));
`;
    const { api } = await startImage({ 'main.ts': src });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(api()['log'], ['a', 'f done', '1', '2', '3']);
  });

  it('an entry that names itself is the same place when its description changes', async () => {
    const v = (description: string, reply: string): string =>
      `export const commands = [\n  { name: 'help', description: '${description}', run: (): string => '${reply}' },\n];\n`;
    const { api, edit } = await startImage({ 'main.ts': v('shows help', 'v1') });
    const run = (api()['commands'] as Array<{ run(): string }>)[0]!.run;
    applied(await edit({ 'main.ts': v('shows the help', 'v2') }));
    assert.equal(run(), 'v2');
  });

  it('a failure of another statement in the same change carries no note about a statement that ran again', async () => {
    const a = (params: string): string =>
      `export const fns: Array<(...a: number[]) => number> = [];\nexport function register(f: (...a: number[]) => number): void { fns.push(f); }\nregister((${params}) => 1);\n`;
    const main1 = "import { fns } from './a.ts';\nimport.meta.hot.dispose(() => { throw new Error('dispose failed'); });\nexport const n = fns.length;\n";
    const main2 = "import { fns } from './a.ts';\nexport const n = fns.length + 0;\n";
    const { edit } = await startImage({ 'main.ts': main1, 'a.ts': a('x: number') });
    const r = await edit({ 'a.ts': a('x: number, y: number'), 'main.ts': main2 });
    assert.equal(r.kind, 'rejected');
    const message = (r as Extract<ChangeResult, { kind: 'rejected' }>).errors[0]?.message ?? '';
    assert.match(message, /dispose failed/);
    assert.doesNotMatch(message, /ran again/);
  });
});
