// The control channel through real sockets: a program under `imago run`, requests by hand.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliRun } from './helpers/cli.js';
import { printed, RawClient, type Running, runWithControl, WORLD } from './helpers/control.js';
import { sleep, waitFor } from './helpers/project.js';

const MAIN = `import { Critter, critters, count } from './world.js';
export let ticks = 0;
export let speed = 1;
const LIMIT = 10;
export function tick() {
  ticks++;
  for (const c of critters) c.move(speed);
}
export function report(): string { return \`\${count()} critters, \${ticks} ticks, \${critters[0]!.x} far\`; }
export function newCritter(): Critter { return new Critter(); }
void LIMIT;
`;

describe('the control channel', () => {
  let run: Running;
  let client: RawClient;
  before(async () => {
    run = await runWithControl({ 'world.ts': WORLD, 'main.ts': MAIN });
    client = await RawClient.connect(run.socket);
  });
  after(async () => {
    client?.close();
    await run?.stop();
  });

  it('listens in a folder only its user can open, on a socket only its user can use', () => {
    assert.equal(fs.statSync(path.dirname(run.socket)).mode & 0o777, 0o700);
    const st = fs.lstatSync(run.socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('says hello with the protocol version and the program', async () => {
    const r = await client.ask({ kind: 'hello', client: 'test' });
    assert.equal(r.kind, 'hello');
    assert.equal(r['protocol'], 1);
    assert.equal(r['entry'], run.project.path('main.ts'));
    assert.equal(r['typecheck'], 'gate');
  });

  it('evaluates in the scope of the entry: its state, constants, functions and imports', async () => {
    assert.equal(printed(await client.eval('LIMIT + 1')), '11');
    assert.equal(printed(await client.eval('count()')), '2');
    assert.equal(printed(await client.eval('critters.length === count() && critters[0] instanceof Critter')), 'true');
    assert.match(printed(await client.eval('ticks')), /^\d+$/);
  });

  it('evaluates in another module by its path', async () => {
    const r = await client.eval('critters.push(new Critter()); count()', { module: 'world.ts' });
    assert.equal(r['module'], 'world.ts');
    assert.equal(printed(r), '3');
    assert.equal(printed(await client.eval('count()')), '3', 'the entry sees the same live array');
    const missing = await client.eval('1', { module: 'nope.ts' });
    assert.equal(missing.kind, 'error');
    assert.match(String(missing['message']), /no module 'nope\.ts' is loaded \(loaded: .*world\.ts/);
  });

  it('changes module state the program then uses', async () => {
    const before = Number(printed(await client.eval('critters[0]!.x')));
    assert.equal(printed(await client.eval('speed = 1000')), '1000');
    await waitFor('the program to move critters with the new speed', async () => Number(printed(await client.eval('critters[0]!.x'))) > before + 1500, 10000);
    await client.eval('speed = 1');
  });

  it('refuses an input that does not type-check, and runs none of it', async () => {
    const r = await client.eval('speed = 5;\nconst s: string = count();');
    assert.equal(r.kind, 'rejected');
    const errors = r['errors'] as Array<{ code: string; line: number; frame: string }>;
    assert.equal(errors[0]?.code, 'TS2322');
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]!.frame, /> 2 \| const s: string = count\(\);/);
    assert.equal(printed(await client.eval('speed')), '1', 'the assignment before the error did not run');
    const field = await client.eval("critters[0]!.x = 'far'");
    assert.equal(field.kind, 'rejected');
  });

  it('refuses assigning a const, a function or an import, typed or not', async () => {
    assert.equal((await client.eval('LIMIT = 3')).kind, 'rejected');
    const untyped = await client.eval('count = () => 0', { typecheck: 'off' });
    assert.equal(untyped.kind, 'thrown');
    assert.match(String(untyped['text']), /'count' is imported by main\.ts/);
    assert.equal(printed(await client.eval('count()')), '3');
  });

  it('survives a thrown error and a rejected promise, with the stack in what was typed', async () => {
    const thrown = await client.eval('function f(n: number): number {\n  if (n > 1) throw new Error("boom");\n  return n;\n}\nf(2)');
    assert.equal(thrown.kind, 'thrown');
    assert.match(String(thrown['text']), /^Uncaught Error: boom\n {4}at f \(REPL\d+:2:\d+\)/);
    assert.doesNotMatch(String(thrown['text']), /node:vm|__imago/);
    const rejected = await client.eval('await Promise.reject(new RangeError("later"))');
    assert.equal(rejected.kind, 'thrown');
    assert.match(String(rejected['text']), /Uncaught RangeError: later/);
    const floating = await client.eval('Promise.reject(new Error("unawaited"))');
    assert.equal(floating.kind, 'value');
    await sleep(100);
    assert.equal(run.cli.events().filter((e) => e.kind === 'error').length, 0, 'no unhandled rejection reached the program');
    assert.equal(printed(await client.eval('f(1)')), '1', 'the declaration lives on in the session');
  });

  it('stops a runaway input at its timeout and the program goes on ticking', async () => {
    const t0 = Number(printed(await client.eval('ticks')));
    const r = await client.eval('while (true) {}', { timeoutMs: 300 });
    assert.equal(r.kind, 'thrown');
    assert.equal(r['timedOut'], true);
    assert.match(String(r['text']), /timed out after 300ms/);
    await waitFor('ticks to go on', async () => Number(printed(await client.eval('ticks'))) > t0 + 3, 5000);
  });

  it('awaits at the top level, and keeps declarations for the inputs after', async () => {
    assert.equal(printed(await client.eval('const later = await new Promise<number>((r) => setTimeout(() => r(7), 20)); later * 2')), '14');
    assert.equal(printed(await client.eval('later + LIMIT')), '17');
    assert.equal((await client.eval('later = 1')).kind, 'rejected', 'a const of the session is a const');
    assert.equal(printed(await client.eval('class Pair { constructor(readonly a: number, readonly b: number) {} }\nnew Pair(1, 2).b')), '2');
    assert.equal(printed(await client.eval('const { a } = new Pair(5, 6); a')), '5');
    const os = await client.eval('const os = await import("node:os"); typeof os.cpus');
    assert.equal(printed(os), "'function'");
    const own = await client.eval('(await import("./world.js")).critters === critters');
    assert.equal(printed(own), 'true', 'a module of the image is its live exports, not a second copy');
    const cleared = await client.ask({ kind: 'clear' });
    assert.ok((cleared['names'] as string[]).includes('later'));
    assert.equal((await client.eval('later')).kind, 'rejected');
  });

  it('refuses redeclaring a module binding, imports and exports', async () => {
    const again = await client.eval('let ticks = 0');
    assert.equal(again.kind, 'rejected');
    assert.match(JSON.stringify(again['errors']), /'ticks' is a top-level binding of main\.ts already/);
    assert.match(JSON.stringify((await client.eval("import fs from 'node:fs'")).errors), /an import is not part of a REPL input/);
    assert.match(JSON.stringify((await client.eval('export const z = 1')).errors), /an export is not part of a REPL input/);
  });

  it('keeps each client its own session, and serves several at once', async () => {
    const other = await RawClient.connect(run.socket);
    try {
      await client.eval('let mine = 1');
      const r = await other.eval('mine');
      assert.equal(r.kind, 'rejected');
      const both = await Promise.all([client.eval('count()'), other.eval('count()')]);
      assert.deepEqual(both.map(printed), ['3', '3']);
      const status = await other.ask({ kind: 'status' });
      assert.equal(status['clients'], 2);
    } finally {
      other.close();
    }
  });

  it('completes names in scope and members from the checker', async () => {
    const names = await client.ask({ kind: 'complete', code: 'crit' });
    assert.deepEqual(names['items'], ['critters']);
    const members = await client.ask({ kind: 'complete', code: 'critters[0]!.' });
    assert.deepEqual(members['items'], ['move', 'x', 'y']);
    const some = await client.ask({ kind: 'complete', code: 'newCritter().mo' });
    assert.deepEqual(some['items'], ['move']);
  });

  it('sends the events a client subscribed to', async () => {
    const watcher = await RawClient.connect(run.socket);
    try {
      const r = await watcher.ask({ kind: 'subscribe', events: ['reload'] });
      assert.deepEqual(r['events'], ['reload']);
      run.project.write({ 'main.ts': MAIN.replace('export let speed = 1;', 'export let speed = 1;\nexport const added = 2;') });
      const event = await waitFor('a reload event', () => watcher.received.find((m) => m.kind === 'event'), 15000);
      assert.equal((event['event'] as { kind: string; ok: boolean }).kind, 'reload');
      assert.equal((event['event'] as { ok: boolean }).ok, true);
      assert.equal(printed(await client.eval('added')), '2', 'inputs see the new version');
    } finally {
      watcher.close();
    }
  });

  it('keeps the gate right after inputs were checked in a module that then changed', async () => {
    assert.equal(printed(await client.eval('count()', { module: 'world.ts' })), '3');
    const reloads = run.cli.reloads().length;
    run.project.write({ 'world.ts': `${WORLD}export const LABEL = 'L';\n` });
    await waitFor('the first edit', () => run.cli.reloads().length > reloads, 15000);
    assert.equal(run.cli.reloads().at(-1)?.ok, true);
    assert.equal(printed(await client.eval('LABEL', { module: 'world.ts' })), "'L'");
    run.project.write({
      'main.ts': MAIN.replace(
        "import { Critter, critters, count } from './world.js';",
        "import { Critter, critters, count, LABEL } from './world.js';\nexport const label = LABEL;",
      ),
    });
    await waitFor('the second edit', () => run.cli.reloads().length > reloads + 1, 15000);
    const last = run.cli.reloads().at(-1)!;
    assert.equal(last.ok, true, JSON.stringify(last));
    assert.equal(printed(await client.eval('label')), "'L'");
  });

  it('forgets what a failed input declared, keeps declared types, and checks each input on its own flow', async () => {
    const threw = await client.eval('const k = (() => { throw new Error("no"); })()');
    assert.equal(threw.kind, 'thrown');
    assert.match(JSON.stringify((await client.eval('k')).errors), /Cannot find name 'k'/);
    assert.match(String((await client.eval('k', { typecheck: 'off' })).text), /ReferenceError: k is not defined/);
    assert.equal(printed(await client.eval('const k = 2; k')), '2', 'the name is free again');
    assert.equal(printed(await client.eval('type P = { a: number };\ninterface Q { b: string }')), 'undefined');
    assert.equal(printed(await client.eval('const p: P = { a: 1 }; const q: Q = { b: "x" }; p.a + q.b')), "'1x'");
    await client.eval('let cur: string | null = null');
    await client.eval('cur = "abc"');
    assert.equal(printed(await client.eval('cur!.length')), '3');
    assert.match(JSON.stringify((await client.eval('import.meta.url')).errors), /import\.meta is not part of a REPL input/);
    const badTimeout = await client.eval('1', { timeoutMs: 1.5 });
    assert.equal(badTimeout.kind, 'error');
    assert.match(String(badTimeout['message']), /'timeoutMs' of 'eval' must be a whole number of milliseconds from 1 to 2147483647/);
    const unknown = await client.ask({ kind: 'clear', module: 'nope.ts' });
    assert.equal(unknown['code'], 'not-found');
  });

  it('places errors in what was typed, and lets functions typed earlier see the module as it is now', async () => {
    const r = await client.eval('const longname = (null as any).foo');
    assert.match(String(r['text']), /TypeError: Cannot read properties of null \(reading 'foo'\)\n {4}at REPL\d+:1:3[12]/);
    assert.equal(printed(await client.eval('function probeExtra() { return typeof EXTRA; }', { typecheck: 'off' })), 'undefined');
    assert.equal(printed(await client.eval('probeExtra()')), "'undefined'");
    const reloads = run.cli.reloads().length;
    run.project.write({
      'world.ts': `${WORLD}export const LABEL = 'L';\n`,
      'main.ts': MAIN.replace(
        "import { Critter, critters, count } from './world.js';",
        "import { Critter, critters, count, LABEL } from './world.js';\nexport const label = LABEL;\nexport const EXTRA = 5;",
      ),
    });
    await waitFor('the edit', () => run.cli.reloads().length > reloads, 15000);
    assert.equal(printed(await client.eval('probeExtra()')), "'number'");
  });

  it('answers malformed, unknown and oversized messages with errors, and the image runs on (a fuzzer, 1,000 messages)', async () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const good = { id: 1, kind: 'eval', code: '1' };
    const kinds: Array<() => string> = [
      () => '{"id": 1, "kind": "nope"}',
      () => '{"kind": "eval", "code": "1"}',
      () => '[1, 2, 3]',
      () => `{"id": ${random(100)}, "kind": "eval", "code": ${random(9)}}`,
      () => '{"id": 2, "kind": "eval", "code": "1", "extra": true}',
      () => '{"id": 3, "kind": "subscribe", "events": ["nothing"]}',
      () => '{"id": 4, "kind": "eval", "code": "1", "timeoutMs": -5}',
      () => JSON.stringify({ ...good, code: 'x'.repeat(random(300)) }).slice(0, 1 + random(60)),
      () =>
        `#${Buffer.from(Array.from({ length: 1 + random(40) }, () => random(256)))
          .toString('latin1')
          .replace(/\n/g, ' ')}`,
    ];
    let errors = 0;
    let closed = 0;
    let fuzz = await RawClient.connect(run.socket);
    for (let i = 0; i < 1000; i++) {
      if (fuzz.closed) {
        closed++;
        fuzz = await RawClient.connect(run.socket);
      }
      const seen = fuzz.received.length;
      fuzz.write(`${kinds[random(kinds.length)]!()}\n`);
      await waitFor('an answer', () => fuzz.closed || fuzz.received.length > seen, 10000);
      const reply = fuzz.received[seen];
      if (reply) {
        assert.ok(['error', 'rejected', 'value', 'thrown'].includes(reply.kind), JSON.stringify(reply));
        if (reply.kind === 'error') errors++;
      }
    }
    fuzz.close();
    assert.ok(errors >= 500, `${errors} error replies`);
    assert.ok(closed >= 1, 'a line that is not JSON closes its connection');
    const huge = await RawClient.connect(run.socket);
    huge.write(Buffer.alloc(2 << 20, 'a'));
    await waitFor('the oversized line to close the connection', () => huge.closed, 10000);
    assert.equal(huge.received[0]?.['code'], 'too-large');
    assert.equal(printed(await client.eval('count()')), '3', 'the image answers as before');
    assert.equal(run.cli.exit, null);
  });

  it('is refused to another user by the socket file modes', { skip: process.getuid?.() !== 0 ? 'needs root to connect as another user' : false }, async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('net').connect(${JSON.stringify(run.socket)}).on('error', (e) => { console.log(e.code); process.exit(0); }).on('connect', () => { console.log('connected'); process.exit(0); })`,
      ],
      {
        uid: 65534,
        gid: 65534,
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => child.on('close', r));
    assert.equal(out.trim(), 'EACCES');
  });
});

describe('the control socket across runs', () => {
  it('refuses a second imago on a taken socket, takes over a stale one, and removes its own', async () => {
    const first = await runWithControl({ 'main.ts': 'export let n = 1;\nexport function tick() {}\n' });
    try {
      const second = CliRun.run(first.project.dir, ['main.ts'], []);
      await second.until('the second to report', () => /control channel is not open: another imago listens at/.test(second.stderr) && second.stderr, 30000);
      await second.stop();
      const c = await RawClient.connect(first.socket).catch((e: Error) => {
        throw new Error(`${e.message}; first: ${JSON.stringify(first.cli.exit)} ${first.cli.stderr}; second: ${second.stderr}`);
      });
      assert.equal(printed(await c.eval('n')), '1');
      c.close();
      first.cli.kill();
      await waitFor('the first to die', () => first.cli.exit, 5000);
      assert.ok(fs.existsSync(first.socket), 'kill -9 leaves the socket behind');
      // Its own events: the first's ready is in the shared file.
      fs.rmSync(first.cli.eventsFile, { force: true });
      const third = CliRun.run(first.project.dir, ['main.ts'], []);
      await third.until('ready', () => third.events().some((e) => e.kind === 'ready'), 30000);
      const d = await RawClient.connect(first.socket);
      assert.equal(printed(await d.eval('n + 1')), '2');
      d.close();
      await third.stop();
      assert.ok(!fs.existsSync(first.socket), 'a stopped imago removes its socket');
    } finally {
      first.project.remove();
    }
  });

  it('refuses a --control folder other users may write to', async () => {
    const open = await runWithControl({ 'main.ts': 'export let n = 5;\nexport function tick() {}\n' }, ['--no-control']);
    await open.cli.stop();
    try {
      fs.mkdirSync(open.project.path('shared'), { mode: 0o777 });
      fs.chmodSync(open.project.path('shared'), 0o777);
      fs.rmSync(open.cli.eventsFile, { force: true });
      const cli = CliRun.run(open.project.dir, ['--control', 'shared/app.sock', 'main.ts']);
      await cli.until('ready', () => cli.events().some((e) => e.kind === 'ready'), 30000);
      assert.match(
        cli.stderr,
        /the control channel is not open: .*shared is writable by other users \(mode 777\), who could replace the socket: put it in a folder only you can write to/,
      );
      assert.ok(!fs.existsSync(open.project.path('shared/app.sock')));
      await cli.stop();
    } finally {
      open.project.remove();
    }
  });

  it('moves the socket with --control and opens none with --no-control', async () => {
    const moved = await runWithControl({ 'main.ts': 'export let n = 5;\nexport function tick() {}\n' }, ['--control', 'ctl/app.sock']);
    try {
      assert.ok(!fs.existsSync(moved.socket));
      const c = await RawClient.connect(moved.project.path('ctl/app.sock'));
      assert.equal(printed(await c.eval('n')), '5');
      c.close();
    } finally {
      await moved.stop();
    }
    const none = await runWithControl({ 'main.ts': 'export let n = 5;\nexport function tick() {}\n' }, ['--no-control']);
    try {
      assert.ok(!fs.existsSync(path.dirname(none.socket)));
    } finally {
      await none.stop();
    }
  });
});
