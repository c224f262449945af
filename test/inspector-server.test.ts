// The inspector's server through the real CLI: who it refuses (no token, a wrong one, a foreign Host or
// Origin, another site), what it serves, and what it answers about a running image: modules and values
// (getters and proxies left alone), classes and instances, stores and rows, the timeline with diffs,
// health, the REPL; `imago inspect` opening and closing it through the control channel.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CLI, runOnce } from './helpers/cli.js';
import { runWithControl } from './helpers/control.js';
import { ask, EventStream, eventually, type Inspected, parts, type Reply, request, runWithInspector } from './helpers/inspector.js';
import { waitFor } from './helpers/project.js';

const WORLD = `import { createStore, type f64 } from 'imago/store';
export class Critter { x: f64 = 0; hp: f64 = 10; name = 'c'; }
export const critters = createStore(Critter, { capacity: 4096 });
for (let i = 0; i < 2500; i++) critters.add({ x: i, hp: 10, name: \`c\${i}\` });
export class Pet { name = 'rex'; }
export let pets: Pet[] = [new Pet(), new Pet()];
export let config = { speed: 2, tags: new Map([['a', 1], ['b', 2]]), big: Array.from({ length: 5000 }, (_, i) => i) };
export let ran = 0;
export let odd = { n: 1, get boom(): number { ran++; throw new Error('getter ran'); } };
export const trap = new Proxy({}, { ownKeys() { ran++; return []; }, getOwnPropertyDescriptor() { ran++; return undefined; } });
`;
const MAIN = `import { config, critters, pets } from './world.js';
export let ticks = 0;
export function tick() { ticks++; }
export function speed(): number { return config.speed + critters.size * 0 + pets.length * 0; }
`;

const entriesOf = (r: Reply): Array<{ key: string | number; label: string; value: { type: string; text: string }; mapKey?: { text: string } }> =>
  r['entries'] as Array<{ key: string | number; label: string; value: { type: string; text: string }; mapKey?: { text: string } }>;

describe('inspector server', () => {
  let run: Inspected;
  before(async () => {
    run = await runWithInspector({ 'world.ts': WORLD, 'main.ts': MAIN });
  });
  after(async () => {
    await run?.stop();
  });

  it('refuses a request without the token, with a wrong one, for a foreign Host, from a foreign Origin or another site', async () => {
    const none = await request(run.port, { path: '/' });
    assert.equal(none.status, 403);
    assert.match(none.body, /no token/);
    const wrong = await request(run.port, { path: `/?token=${'0'.repeat(64)}` });
    assert.equal(wrong.status, 403);
    assert.match(wrong.body, /wrong token/);
    const short = await request(run.port, { path: '/?token=abc' });
    assert.equal(short.status, 403);
    const rebinding = await request(run.port, { path: `/?token=${run.token}`, headers: { host: `attacker.example:${run.port}` } });
    assert.equal(rebinding.status, 403);
    assert.match(rebinding.body, /DNS rebinding/);
    const origin = await request(run.port, {
      method: 'POST',
      path: `/api?token=${run.token}`,
      headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
      body: JSON.stringify({ id: 1, kind: 'eval', code: 'ticks = -1' }),
    });
    assert.equal(origin.status, 403);
    assert.match(origin.body, /Origin 'http:\/\/attacker.example'/);
    const otherPort = await request(run.port, { path: `/?token=${run.token}`, headers: { origin: `http://127.0.0.1:${run.port + 1}` } });
    assert.equal(otherPort.status, 403);
    const site = await request(run.port, { path: `/?token=${run.token}`, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(site.status, 403);
    for (const path of ['/events', `/ui/${'1'.repeat(64)}/app.js`, '/api'])
      assert.equal((await request(run.port, { path, method: path === '/api' ? 'POST' : 'GET' })).status, 403, path);
    // The refused eval never ran.
    const ticks = await ask(run, { kind: 'eval', code: 'ticks >= 0' });
    assert.equal(ticks['text'], 'true');
  });

  it('serves the page with its token, a nonce for its import map and headers that keep it to itself', async () => {
    const page = await request(run.port, { path: `/?token=${run.token}` });
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /%TOKEN%/);
    assert.match(page.body, new RegExp(`/ui/${run.token}/app\\.js`));
    const nonce = /<script type="importmap" nonce="([^"]+)">/.exec(page.body)?.[1];
    assert.ok(nonce, 'the import map carries a nonce');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, new RegExp(`script-src 'self' 'nonce-${nonce.replace(/[+/=]/g, (c) => `\\${c}`)}'`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const preact = await request(run.port, { path: `/ui/${run.token}/vendor/preact.mjs` });
    assert.equal(preact.status, 200);
    assert.match(String(preact.headers['content-type']), /text\/javascript/);
    const app = await request(run.port, { path: `/ui/${run.token}/app.js` });
    assert.equal(app.status, 200);
    assert.equal((await request(run.port, { path: `/ui/${run.token}/..%2F..%2Fpackage.json` })).status, 404);
    assert.equal((await request(run.port, { path: `/ui/${run.token}/vendor/fs.mjs` })).status, 404);
    // The token in a header does as well as in the address.
    assert.equal((await request(run.port, { path: '/', headers: { 'x-imago-token': run.token } })).status, 200);
  });

  it('takes JSON only, within 1 MiB, and answers a malformed request with an error that says why', async () => {
    const plain = await request(run.port, { method: 'POST', path: `/api?token=${run.token}`, headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(plain.status, 415);
    const huge = await request(run.port, {
      method: 'POST',
      path: `/api?token=${run.token}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, kind: 'eval', code: 'x'.repeat(1.2 * 2 ** 20) }),
    });
    assert.equal(huge.status, 413);
    const bad = await ask(run, { kind: 'inspect', root: { module: 'world.ts' } });
    assert.equal(bad.kind, 'error');
    assert.match(String(bad['message']), /'root' of 'inspect' must be/);
  });

  it('listens on the loopback address only', () => {
    // The kernel's table of TCP sockets: the listening one on this port is bound to 127.0.0.1 (0100007F), not to every address.
    const hex = run.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = fs
      .readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
      .map((f) => f[1]);
    assert.deepEqual(listening, [`0100007F:${hex}`]);
    assert.ok(!fs.readFileSync('/proc/net/tcp6', 'utf8').includes(`:${hex} 00000000000000000000000000000000:0000 0A`), 'nothing listens on IPv6');
  });

  it('lists modules with previews of their values, and opens values page by page without running getters or traps', async () => {
    type ModuleView = {
      rel: string;
      version: number;
      bindings: Array<{ name: string; kind: string; value: { text: string; expandable: boolean } }>;
      functions: Array<{ name: string; versions: number }>;
    };
    const listing = (await ask(run, { kind: 'modules' }))['modules'] as Array<{ rel: string; exports: string[]; exportCount: number; bindings: number }>;
    assert.deepEqual(listing.map((m) => m.rel).sort(), ['main.ts', 'world.ts']);
    assert.ok(listing.find((m) => m.rel === 'world.ts')!.exports.includes('config'));
    const world = (await ask(run, { kind: 'module', module: 'world.ts' }))['module'] as ModuleView;
    const main = (await ask(run, { kind: 'module', module: 'main.ts' }))['module'] as ModuleView;
    const store = world.bindings.find((b) => b.name === 'critters')!;
    assert.deepEqual(store.value, { type: 'store', text: 'Store<Critter>: 2,500 rows (its rows are in the Stores pane)', expandable: false });
    const config = world.bindings.find((b) => b.name === 'config')!;
    assert.equal(config.kind, 'state');
    assert.ok(config.value.expandable);
    assert.ok(config.value.text.length <= 200, config.value.text);
    assert.ok(main.functions.some((f) => f.name === 'speed' && f.versions === 1));
    assert.match(String((await ask(run, { kind: 'module', module: 'nowhere.ts' }))['message']), /no module 'nowhere\.ts' is loaded/);
    const top = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'config' } });
    assert.deepEqual(
      entriesOf(top).map((e) => e.key),
      ['speed', 'tags', 'big'],
    );
    const page = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'config' }, path: ['big'], offset: 4990, limit: 100 });
    assert.equal(page['total'], 5000);
    assert.deepEqual(
      entriesOf(page).map((e) => e.value.text),
      ['4990', '4991', '4992', '4993', '4994', '4995', '4996', '4997', '4998', '4999'],
    );
    const tags = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'config' }, path: ['tags'] });
    assert.deepEqual(
      entriesOf(tags).map((e) => `${e.mapKey?.text} => ${e.value.text}`),
      ['"a" => 1', '"b" => 2'],
    );
    const odd = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'odd' } });
    assert.deepEqual(
      entriesOf(odd).map((e) => `${e.label} ${e.value.type}`),
      ['n number', 'get boom getter'],
    );
    const boom = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'odd' }, path: ['boom'] });
    assert.match(String(boom['message']), /a getter: the inspector does not run it/);
    const trap = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'trap' } });
    assert.equal((trap['value'] as { type: string }).type, 'proxy');
    assert.equal(trap['total'], 0);
    const ran = await ask(run, { kind: 'eval', code: 'ran', module: 'world.ts' });
    assert.equal(ran['text'], '0', 'no getter or trap ran');
    const gone = await ask(run, { kind: 'inspect', root: { module: 'world.ts', name: 'nothing' } });
    assert.match(String(gone['message']), /world\.ts has no top-level 'nothing'/);
  });

  it('shows classes with their layouts and stores, counts instances on request, and pages store rows', async () => {
    const classes = (await ask(run, { kind: 'classes' }))['classes'] as Array<{
      name: string;
      fields: Array<{ name: string }>;
      layouts: unknown[];
      stores: Array<{ rows: number }>;
    }>;
    const critter = classes.find((c) => c.name === 'Critter')!;
    assert.deepEqual(
      critter.fields.map((f) => f.name),
      ['x', 'hp', 'name'],
    );
    assert.equal(critter.stores[0]?.rows, 2500);
    // A store's rows and its row views are no instances: nothing made a Critter with new.
    assert.equal((await ask(run, { kind: 'instances', module: 'world.ts', name: 'Critter' }))['count'], 0);
    const pets = await ask(run, { kind: 'instances', module: 'world.ts', name: 'Pet' });
    assert.equal(pets['count'], 2);
    assert.equal(typeof pets['ms'], 'number');
    const listed = await ask(run, { kind: 'inspect', root: { instances: pets['set'] as number } });
    assert.equal(listed['total'], 2);
    assert.match(entriesOf(listed)[0]!.value.text, /^Pet \{name: "rex"\}$/);
    const stores = (await ask(run, { kind: 'stores' }))['stores'] as Array<{
      tag: number;
      rows: number;
      columns: Array<{ name: string; kind: string; bytes: number }>;
    }>;
    const store = stores[0]!;
    assert.equal(store.rows, 2500);
    assert.deepEqual(
      store.columns.find((c) => c.name === 'x'),
      { name: 'x', kind: 'f64', type: 'f64', bytes: 4096 * 8 },
    );
    const rows = await ask(run, { kind: 'rows', store: store.tag, offset: 2400, limit: 200 });
    assert.equal(rows['total'], 2500);
    const list = rows['rows'] as Array<{ row: number; cells: string[] }>;
    assert.equal(list.length, 100);
    assert.deepEqual(list[0], { ...list[0], row: 2400, cells: ['2400', '10', '"c2400"'] });
    const row = await ask(run, { kind: 'inspect', root: { store: store.tag, row: 7 } });
    assert.deepEqual(
      entriesOf(row).map((e) => `${e.key}=${e.value.text}`),
      ['x=7', 'hp=10', 'name="c7"'],
    );
    assert.match(String((await ask(run, { kind: 'rows', store: 999 }))['message']), /no live store 999/);
  });

  it('pushes each change as it is applied or refused, with its diff, timings and errors; health every second', async () => {
    const events = new EventStream(run.port, run.token);
    try {
      const hello = (await waitFor('hello', () => events.of('hello')[0])) as { client: number; timeline: Array<{ event: { kind: string } }> };
      assert.ok(hello.timeline.some((e) => e.event.kind === 'ready'));
      run.project.write({ 'main.ts': MAIN.replace('return config.speed', 'return 2 * config.speed') });
      const applied = (await waitFor('the change pushed', () =>
        events.of('change').find((c) => (c as { event: { kind: string } }).event.kind === 'reload'),
      )) as {
        id: number;
        diff: boolean;
        event: { ok: boolean; timings: { prepareMs: number; commitMs: number }; summary: { functions: { changed: number } } };
      };
      assert.ok(applied.event.ok);
      assert.ok(applied.event.summary.functions.changed >= 1);
      assert.ok((applied.event.summary as { names?: { functions: { changed: string[] } } }).names?.functions.changed.includes('main.ts:speed'));
      assert.ok(applied.event.timings.prepareMs >= 0 && applied.event.timings.commitMs >= 0);
      const diff = await ask(run, { kind: 'diff', change: applied.id });
      const file = (diff['files'] as Array<{ file: string; patch: string; added: number; removed: number }>)[0]!;
      assert.equal(file.file, 'main.ts');
      assert.match(file.patch, /^-export function speed\(\): number \{ return config\.speed/m);
      assert.match(file.patch, /^\+export function speed\(\): number \{ return 2 \* config\.speed/m);
      assert.equal(file.added, 1);
      assert.equal(file.removed, 1);
      run.project.write({ 'main.ts': MAIN.replace('return config.speed', "return 'fast'") });
      const refused = (await waitFor('the refusal pushed', () =>
        events.of('change').find((c) => (c as { event: { kind: string; ok: boolean } }).event.kind === 'reload' && !(c as { event: { ok: boolean } }).event.ok),
      )) as { id: number; event: { phase: string; errors: Array<{ code: string; frame: string; line: number }> } };
      assert.equal(refused.event.phase, 'typecheck');
      assert.equal(refused.event.errors[0]?.code, 'TS2322');
      assert.match(refused.event.errors[0]!.frame, /return 'fast'/);
      const tried = await ask(run, { kind: 'diff', change: refused.id });
      assert.match(String(tried['note']), /refused/);
      assert.match((tried['files'] as Array<{ patch: string }>)[0]!.patch, /^\+.*return 'fast'/m);
      const timeline = (await ask(run, { kind: 'timeline', after: applied.id - 1 }))['entries'] as Array<{ id: number }>;
      assert.deepEqual(timeline.map((e) => e.id).slice(0, 2), [applied.id, refused.id]);
      const sample = (await waitFor('a health sample with a tick rate', () =>
        events.of('health').find((s) => ((s as { ticksPerSecond: number | null }).ticksPerSecond ?? 0) > 0),
      )) as { rss: number; loopP99: number };
      assert.ok(sample.rss > 0);
      // Every whole-program check that completes is there to see, a clean one too (one follows each applied change).
      run.project.write({ 'main.ts': MAIN });
      const health = await eventually('a whole-program check', async () => {
        const h = await ask(run, { kind: 'health' });
        return (h['typecheck'] as { lastCheck: unknown }).lastCheck ? h : null;
      });
      assert.equal(health['ticking'], 'running');
      assert.equal((health['typecheck'] as { lastCheck: { ok: boolean } }).lastCheck.ok, true);
      assert.equal((health['typecheck'] as { mode: string }).mode, 'gate');
    } finally {
      events.close();
      run.project.write({ 'main.ts': MAIN });
    }
  });

  it("keeps a page's REPL declarations between its inputs", async () => {
    const events = new EventStream(run.port, run.token);
    try {
      const { client } = (await waitFor('hello', () => events.of('hello')[0])) as { client: number };
      assert.equal((await ask(run, { kind: 'eval', code: 'let z = 40' }, client))['kind'], 'value');
      assert.equal((await ask(run, { kind: 'eval', code: 'z + 2' }, client))['text'], '42');
      // A long input holds back the page's next inputs, never its other questions.
      const slow = ask(run, { kind: 'eval', code: 'await new Promise((r) => setTimeout(r, 3000)); 1' }, client);
      const t0 = Date.now();
      await ask(run, { kind: 'modules' }, client);
      assert.ok(Date.now() - t0 < 2500, `modules waited ${Date.now() - t0} ms behind an input`);
      assert.equal((await slow)['text'], '1');
      // Asked at once, answered in order: the second sees what the first declared.
      const [first, second] = await Promise.all([ask(run, { kind: 'eval', code: 'let q = 1' }, client), ask(run, { kind: 'eval', code: 'q + 1' }, client)]);
      assert.equal(first['kind'], 'value');
      assert.equal(second['text'], '2');
      const other = await ask(run, { kind: 'eval', code: 'z' });
      assert.equal(other['kind'], 'rejected', 'another page has a session of its own');
    } finally {
      events.close();
    }
  });
});

describe('imago inspect', () => {
  it('opens the inspector of a running image, says the same address again, and closes it', async () => {
    const running = await runWithControl({
      'main.ts': MAIN.replace(/import .*\n/, 'const config = { speed: 1 }, critters = { size: 0 }, pets: unknown[] = [];\n'),
    });
    try {
      const inspect = (...args: string[]) => spawnSync(process.execPath, [CLI, 'inspect', ...args], { cwd: running.project.dir, encoding: 'utf8' });
      const first = inspect();
      assert.equal(first.status, 0, first.stderr);
      const url = first.stdout.trim();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
      assert.equal(inspect().stdout.trim(), url);
      const status = spawnSync(process.execPath, [CLI, 'status'], { cwd: running.project.dir, encoding: 'utf8' });
      assert.ok(status.stdout.includes(`inspector: ${url}`), status.stdout);
      const { port, token } = parts(url);
      assert.equal((await request(port, { path: `/?token=${token}` })).status, 200);
      const timeline = await ask({ port, token }, { kind: 'timeline' });
      assert.ok(
        (timeline['entries'] as Array<{ event: { kind: string } }>).some((e) => e.event.kind === 'ready'),
        'the timeline began before the page opened',
      );
      const closed = inspect('--close');
      assert.equal(closed.stdout.trim(), 'the inspector is closed');
      await assert.rejects(request(port, { path: `/?token=${token}` }), /ECONNREFUSED/);
      const bad = inspect('--ui-port', '70000');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--ui-port takes a port number from 0 to 65535/);
    } finally {
      await running.stop();
    }
  });

  it('says a taken --ui-port and runs the program without the page', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const running = await runWithControl({ 'main.ts': 'export let n = 1;\n' }, ['--ui', '--ui-port', String(taken)]);
      try {
        await running.cli.until('the refusal', () => /the inspector is not open: port \d+ is taken: pass another --ui-port/.test(running.cli.stderr));
      } finally {
        await running.stop();
      }
    } finally {
      blocker.close();
    }
  });

  it('refuses --ui-port without --ui, and a port out of range', () => {
    const alone = runOnce({ 'main.ts': 'export {};\n' }, ['--ui-port', '8080', 'main.ts']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--ui-port goes with --ui/);
    const range = runOnce({ 'main.ts': 'export {};\n' }, ['--ui', '--ui-port', '70000', 'main.ts']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /--ui-port takes a port number/);
  });
});

const HOSTILE = `export let ran = 0;
class Stack extends Array<number> { constructor(...items: number[]) { super(...items); ran++; } override slice(): number[] { ran++; return []; } }
export let stack = new Stack(1, 2, 3);
class Bag extends Map<string, number> {
  override get size(): number { ran++; return 0; }
  override entries(): MapIterator<[string, number]> { ran++; return super.entries(); }
}
export let bag = new Bag([['a', 1], ['b', 2]]);
export let fproxy = new Proxy(function named() {}, { get(t, k) { ran++; return Reflect.get(t, k); }, getOwnPropertyDescriptor(t, k) { ran++; return Reflect.getOwnPropertyDescriptor(t, k); } });
const protoTrap = new Proxy({}, { getPrototypeOf() { ran++; return null; }, getOwnPropertyDescriptor() { ran++; return undefined; } });
export let child = Object.create(protoTrap) as { x?: number };
child.x = 1;
class Oops extends Error {}
const oops = new Oops('x');
Object.defineProperty(oops, 'message', { value: { toString() { ran++; return 'm'; } } });
export let err = oops;
const re = /ab+c/gi;
Object.defineProperty(re, 'flags', { get() { ran++; return 'g'; } });
Object.defineProperty(re, 'global', { get() { ran++; return true; } });
export let regex = re;
class Bytes extends Uint8Array { override get length(): number { ran++; return 0; } }
export let bytes = new Bytes(4);
export let prim = { [Symbol.toPrimitive]() { ran++; return 1; }, toString() { ran++; return 's'; } };
class Player { #secret = 'hidden'; name = 'p'; reveal(): string { return this.#secret; } }
export let player = new Player();
export let long = 'x'.repeat(4500);
export const captured: { stack?: string } = {};
Error.captureStackTrace(captured);
class Base { #x = 1; base(): number { return this.#x; } }
class Derived extends Base { #x = 2; derived(): number { return this.#x; } }
export let both = new Derived();
export let odds = { class() { return 1; }, buffer: new ArrayBuffer(16) };
ran = 0;
`;
const BUSY = `import './hostile.js';
import { big } from './big.js';
export let ticks = 0;
export let storm = false;
export function tick() { ticks++; }
setInterval(() => { if (storm) throw new Error('storm'); }, 2);
export const size = big.length;
`;
const bigText = (n: number, salt: string): string =>
  `export const big = [\n${Array.from({ length: n }, (_, i) => `  '${salt}${(i * 7919) % n}',`).join('\n')}\n];\n`;

describe('inspector under hostile values and heavy use', () => {
  let run: Inspected;
  before(async () => {
    run = await runWithInspector({ 'hostile.ts': HOSTILE, 'big.ts': bigText(6000, 'a'), 'main.ts': BUSY }, ['--typecheck', 'off']);
  });
  after(async () => {
    await run?.stop();
  });

  it("shows values without running the program's code: subclass methods and getters, proxies in a prototype chain, toString", async () => {
    const hostile = (await ask(run, { kind: 'module', module: 'hostile.ts' }))['module'] as { bindings: Array<{ name: string; value: { text: string } }> };
    const text = (name: string): string => hostile.bindings.find((b) => b.name === name)!.value.text;
    assert.equal(text('stack'), 'Array(3) [1, 2, 3]');
    assert.equal(text('bag'), 'Bag(2) {"a" => 1, "b" => 2}');
    assert.match(text('fproxy'), /^Proxy of a function/);
    assert.equal(text('child'), '{x: 1}');
    assert.equal(text('err'), 'Oops');
    assert.equal(text('regex'), '/ab+c/gi');
    assert.equal(text('bytes'), 'Bytes(4) [0, 0, 0, 0]');
    assert.equal((await ask(run, { kind: 'eval', code: 'ran', module: 'hostile.ts', typecheck: 'off' }))['text'], '0', 'module view');
    for (const name of ['stack', 'bag', 'fproxy', 'child', 'err', 'regex', 'bytes', 'prim']) {
      const opened = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name } });
      assert.notEqual(opened['kind'], 'error', `${name}: ${JSON.stringify(opened)}`);
      assert.equal((await ask(run, { kind: 'eval', code: 'ran', module: 'hostile.ts', typecheck: 'off' }))['text'], '0', name);
    }
    const player = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'player' } });
    assert.deepEqual(
      entriesOf(player).map((e) => `${e.label}=${e.value.text}`),
      ['name="p"', '#secret="hidden"'],
    );
    const secret = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'player' }, path: ['#secret'] });
    assert.equal((secret['value'] as { text: string }).text, '"hidden"');
    assert.match(text('long'), /\(4,500 characters\)$/);
    assert.equal(text('odds'), '{class: ƒ class, buffer: ArrayBuffer}');
    const odds = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'odds' } });
    assert.deepEqual(
      entriesOf(odds).map((e) => e.value.text),
      ['ƒ class()', 'ArrayBuffer(16 bytes)'],
    );
    // A captured stack is formatted when it is first read (Error.prepareStackTrace): it is not read.
    assert.equal(text('captured'), '{stack: (...)}');
    const twins = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'both' } });
    assert.deepEqual(
      entriesOf(twins).map((e) => `${e.label}=${e.value.text}`),
      ['#x=1', '#x (2)=2'],
    );
    const second2 = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'both' }, path: ['#x (2)'] });
    assert.equal((second2['value'] as { text: string }).text, '2');
    const pieces = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'long' } });
    assert.equal(pieces['total'], 5);
    assert.equal(entriesOf(pieces)[4]!.value.text, 'x'.repeat(500));
    const second = await ask(run, { kind: 'inspect', root: { module: 'hostile.ts', name: 'bag' }, path: [1] });
    assert.equal((second['value'] as { text: string }).text, '2');
    assert.equal((await ask(run, { kind: 'eval', code: 'ran', module: 'hostile.ts', typecheck: 'off' }))['text'], '0', 'nothing of the program ran');
  });

  it('diffs a file rewritten whole without holding the program up', async () => {
    const before = Number((await ask(run, { kind: 'eval', code: 'ticks', typecheck: 'off' }))['text']);
    const reloads = run.cli.reloads().length;
    run.project.write({ 'big.ts': bigText(6000, 'b') });
    await run.cli.until('the rewrite applied', () => run.cli.reloads().length > reloads, 20000);
    const entry = ((await ask(run, { kind: 'timeline' }))['entries'] as Array<{ id: number; event: { kind: string; files?: string[] } }>)
      .filter((e) => e.event.kind === 'reload' && e.event.files?.includes('big.ts'))
      .at(-1)!;
    const t0 = Date.now();
    const diff = await ask(run, { kind: 'diff', change: entry.id });
    const ms = Date.now() - t0;
    const file = (diff['files'] as Array<{ patch: string; tooLarge?: boolean; added: number }>)[0]!;
    assert.ok(file.tooLarge === true || file.added === 6000, JSON.stringify({ ...file, patch: file.patch.length }));
    const after = Number((await ask(run, { kind: 'eval', code: 'ticks', typecheck: 'off' }))['text']);
    // The program ticked on while the diff was computed (every 16 ms; here at least a tenth of that).
    assert.ok(after - before >= Math.floor(ms / 160), `${after - before} ticks in ${ms} ms`);
  });

  it('keeps the changes in its timeline through an error thrown hundreds of times', async () => {
    await ask(run, { kind: 'eval', code: 'storm = true', typecheck: 'off' });
    await eventually('hundreds of errors', async () => ((await ask(run, { kind: 'timeline' }))['entries'] as Array<{ id: number }>).at(-1)!.id > 400);
    await ask(run, { kind: 'eval', code: 'storm = false', typecheck: 'off' });
    const entries = (await ask(run, { kind: 'timeline' }))['entries'] as Array<{ event: { kind: string } }>;
    assert.ok(
      entries.some((e) => e.event.kind === 'ready'),
      'the first load is still there',
    );
    assert.ok(entries.filter((e) => e.event.kind === 'error').length <= 200);
  });

  it('refuses a subscription asked over HTTP (a page has its event stream)', async () => {
    const r = await ask(run, { kind: 'subscribe' });
    assert.equal(r['kind'], 'error');
    assert.match(String(r['message']), /GET \/events/);
  });
});
