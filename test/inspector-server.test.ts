// The inspector's server through the real CLI: who it refuses (no token, a wrong one, a foreign Host or
// Origin, another site), what it serves, and what it answers about a running image: modules and values
// (getters and proxies left alone), classes and instances, stores and rows, the timeline with diffs,
// health, the REPL; `imago inspect` opening and closing it through the control channel.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
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
    }).catch((e: Error) => ({ status: 413, body: e.message, headers: {} }));
    assert.equal(huge.status, 413);
    const bad = await ask(run, { kind: 'inspect', root: { module: 'world.ts' } });
    assert.equal(bad.kind, 'error');
    assert.match(String(bad['message']), /'root' of 'inspect' must be/);
  });

  it('listens on the loopback address only', async () => {
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (outside === undefined) return;
    const error = await new Promise<string>((resolve) => {
      const req = http.get({ host: outside, port: run.port, path: '/' }, () => resolve('connected'));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.equal(error, 'ECONNREFUSED');
  });

  it('lists modules with previews of their values, and opens values page by page without running getters or traps', async () => {
    const modules = (await ask(run, { kind: 'modules' }))['modules'] as Array<{
      rel: string;
      version: number;
      bindings: Array<{ name: string; kind: string; value: { text: string; expandable: boolean } }>;
      functions: Array<{ name: string; versions: number }>;
    }>;
    const world = modules.find((m) => m.rel === 'world.ts')!;
    const store = world.bindings.find((b) => b.name === 'critters')!;
    assert.deepEqual(store.value, { type: 'store', text: 'Store<Critter>: 2,500 rows (its rows are in the Stores pane)', expandable: false });
    const config = world.bindings.find((b) => b.name === 'config')!;
    assert.equal(config.kind, 'state');
    assert.ok(config.value.expandable);
    assert.ok(config.value.text.length <= 200, config.value.text);
    assert.ok(modules.find((m) => m.rel === 'main.ts')!.functions.some((f) => f.name === 'speed' && f.versions === 1));
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
