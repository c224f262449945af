// The control channel's edges a new user found: multi-line input, imports the compiler dropped, inputs
// that would end the program, a paused tick, clashes after edits, limits, and messages that say what to do.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { printed, RawClient, type Running, runWithControl } from './helpers/control.js';
import { imago } from './helpers/image-cli.js';
import { waitFor } from './helpers/project.js';

const KINDS = `export interface Config { mode: string; speed: number }
export class Box { static count = 0; static make() { return new Box(); } v = 1; }
export const { px, py } = { px: 1, py: 2 };
export let config: Config = { mode: 'slow', speed: 1 };
`;
const MAIN = `import { Box, config, type Config } from './kinds.js';
export let ticks = 0;
export let settings: { speed: number } | null = { speed: 1 };
export function tick() { ticks += settings!.speed; }
export function mode(c: Config): string { return c.mode + config.mode; }
export const made = (): Box => new Box();
`;

function repl(dir: string, input: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'repl'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', () => resolve(out));
    child.stdin.end(input);
  });
}

describe('control channel edges', () => {
  let run: Running;
  let client: RawClient;
  before(async () => {
    run = await runWithControl({ 'kinds.ts': KINDS, 'main.ts': MAIN });
    client = await RawClient.connect(run.socket);
  });
  after(async () => {
    client?.close();
    await run?.stop();
  });

  it('continues a template literal over lines, and .break drops a multi-line input', async () => {
    const out = await repl(run.project.dir, '`a\nb`\nfunction f() {\n.break\n40 + 2\n.exit\n');
    assert.match(out, /'a\\nb'/);
    assert.match(out, /\b42\b/);
    assert.doesNotMatch(out, /IMAGO_PARSE/);
  });

  it('offers imports the compiled code does not read (used as types only) by name', async () => {
    assert.equal(printed(await client.eval('new Box().v + Box.count')), '1');
    const d = await client.ask({ kind: 'describe', name: 'Box' });
    assert.equal((d['what'] as { kind: string; from: string }).kind, 'import');
    assert.equal((d['what'] as { from: string }).from, './kinds.js');
    assert.deepEqual((await client.ask({ kind: 'complete', code: 'Bo' }))['items'], ['Boolean', 'Box']);
  });

  it('refuses an input that would end the program, and says how to stop it properly', async () => {
    for (const code of ['process.exit(0)', 'if (ticks > 0) process.abort()', 'process.kill(process.pid)']) {
      const r = await client.eval(code);
      assert.equal(r.kind, 'rejected', code);
      assert.match(JSON.stringify(r['errors']), /would end the program without its stop\(\) and without saving its image: \.exit leaves the REPL/);
    }
    assert.equal(run.cli.exit, null);
  });

  it('resumes a tick an input paused, once another input fixed what it reads', async () => {
    await client.eval('settings = null');
    await run.cli.until('the tick to pause', () => run.cli.stderr.includes('ticking is paused'), 10000);
    assert.match(String((await client.ask({ kind: 'status' }))['ticking']), /paused/);
    const fixed = await client.eval('settings = { speed: 2 }');
    assert.match(printed(fixed), /the tick was paused by an error: it is resumed/);
    const t0 = Number(printed(await client.eval('ticks')));
    await waitFor('ticks to go on', async () => Number(printed(await client.eval('ticks'))) > t0 + 4, 5000);
    assert.equal((await client.ask({ kind: 'status' }))['ticking'], 'running');
  });

  it('forgets a whole earlier input when the module comes to declare one of its names', async () => {
    await client.eval('let extra = 10; const helper = (n: number) => n + 1;');
    assert.equal(printed(await client.eval('helper(extra)')), '11');
    const reloads = run.cli.reloads().length;
    run.project.write({ 'main.ts': `${MAIN}export let extra = 'file';\n` });
    await waitFor('the edit', () => run.cli.reloads().length > reloads, 15000);
    const r = await client.eval('extra');
    assert.match(printed(r), /main\.ts declares extra now: the session's inputs that declared them are forgotten \(extra, helper\)\n'file'/);
    assert.equal((await client.eval('helper(1)', { typecheck: 'off' })).kind, 'thrown', 'helper is gone for the run as for the check');
  });

  it('caps what it prints, and tells the 65th client why it is turned away', async () => {
    const big = await client.eval('Object.fromEntries(Array.from({ length: 200000 }, (_, i) => ["k" + i, i]))');
    assert.ok(String(big['text']).length < 300_000);
    assert.match(String(big['text']), /more characters not shown: print a part of it\)$/);
    const held: RawClient[] = [];
    try {
      for (let i = 0; i < 63; i++) held.push(await RawClient.connect(run.socket));
      const r = imago(run.project.dir, ['status']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /the image has 64 control clients already: close one/);
    } finally {
      for (const c of held) c.close();
    }
  });

  it('describes statics, refuses a member to describe, and follows destructured and interface-typed bindings in deps', async () => {
    const box = imago(run.project.dir, ['describe', 'kinds.ts:Box']);
    assert.match(box.stdout, /statics {4}make, count|statics {4}count, make/);
    const member = imago(run.project.dir, ['describe', 'kinds.ts:Box.v']);
    assert.equal(member.code, 1);
    assert.match(member.stderr, /describe takes a top-level name \(<module>:<name>\); for what references Box\.v: imago deps/);
    const px = imago(run.project.dir, ['deps', 'kinds.ts:px']);
    assert.equal(px.code, 0, px.stderr);
    assert.match(px.stdout, /kinds\.ts:px: 1 reference in 1 file\n {2}declared at kinds\.ts:3:16/);
    const mode = imago(run.project.dir, ['deps', 'kinds.ts:config.mode']);
    assert.equal(mode.code, 0, mode.stderr);
    assert.match(mode.stdout, /kinds\.ts:config\.mode: \d+ references? in \d files?\n {2}declared at kinds\.ts:1:27 {2}export interface Config/);
    assert.match(mode.stdout, /function mode\n {6}5:\d+/);
    const inRepl = await repl(run.project.dir, '.describe Box --instances\n.describe\n.exit\n');
    assert.match(inRepl, /import Box {2}\(main\.ts:1:10; an alias of 'Box' from '\.\/kinds\.js'/);
    assert.match(inRepl, /\.describe takes a name of the module/);
  });

  it('says what is wrong with a bad flag, a folder or a file where the socket goes', async () => {
    const flag = imago(run.project.dir, ['run', '--no-control=1', 'main.ts']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--no-control takes no value; see 'imago run --help'/);
    const bad = await RawClient.connect(run.socket);
    assert.match(String((await bad.ask({ foo: 1 }))['message']), /a request needs a 'kind' \(one of hello, eval/);
    bad.close();
    fs.mkdirSync(run.project.path('adir'));
    fs.rmSync(run.cli.eventsFile, { force: true });
    const second = CliRun.run(run.project.dir, ['--control', 'adir', 'main.ts']);
    await second.until('its notice', () => /control channel is not open/.test(second.stderr), 30000);
    assert.match(second.stderr, /adir is a folder: give the socket's own path, e\.g\. --control .*adir\/control\.sock/);
    await second.stop();
  });
});

describe('the REPL session across redeclarations, edits and a lost checker', () => {
  it('lets a later let shadow an earlier one, refuses a second const, and keeps what a dropped input shares', async () => {
    const run = await runWithControl({ 'main.ts': 'export let n = 1;\nexport function tick() {}\n' });
    const c = await RawClient.connect(run.socket);
    try {
      await c.eval('let x = 1');
      await c.eval("let x = 'a'");
      assert.equal(printed(await c.eval('x.toUpperCase()')), "'A'");
      await c.eval('const k = 1');
      const again = await c.eval('const k = 2');
      assert.equal(again.kind, 'rejected');
      assert.match(JSON.stringify(again['errors']), /'k' is a const of this REPL session already/);
      await c.eval('let a = 1, b = 2');
      await c.eval("let b = 'xyz'");
      const reloads = run.cli.reloads().length;
      run.project.write({ 'main.ts': 'export let n = 1;\nexport let a = 5;\nexport function tick() {}\n' });
      await waitFor('the edit', () => run.cli.reloads().length > reloads, 15000);
      const r = await c.eval('b.length + a');
      assert.match(printed(r), /main\.ts declares a now[\s\S]*\n8$/);
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('replaces a checker whose TypeScript process died, at the next question', async () => {
    const run = await runWithControl({ 'main.ts': 'export let n = 1;\nexport function tick() {}\n' });
    const c = await RawClient.connect(run.socket);
    try {
      assert.equal(printed(await c.eval('n + 1')), '2');
      const imagoPid = Number((await c.ask({ kind: 'hello' }))['pid']);
      const children = (pid: number): number[] =>
        spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
          .stdout.split('\n')
          .map((l) => Number(l.trim()))
          .filter((p) => p > 0);
      // The checker is a thread of imago: TypeScript's processes are imago's own children.
      const typescript = children(imagoPid).filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--api');
        } catch {
          return false;
        }
      });
      assert.ok(typescript.length > 0, 'TypeScript processes found');
      for (const pid of typescript) process.kill(pid, 'SIGKILL');
      const replies = [];
      for (let i = 0; i < 3; i++) replies.push(await c.eval('n + 2'));
      assert.equal(printed(replies.at(-1)!), '3', JSON.stringify(replies));
      const reloads = run.cli.reloads().length;
      run.project.write({ 'main.ts': 'export let n = 1;\nexport const m = 7;\nexport function tick() {}\n' });
      await waitFor('the edit', () => run.cli.reloads().length > reloads, 20000);
      assert.equal(run.cli.reloads().at(-1)?.ok, true, JSON.stringify(run.cli.reloads().at(-1)));
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('answers deps of a program run unchecked with the code as it is now', async () => {
    const run = await runWithControl({ 'main.ts': 'export function bump(n: number) { return n + 1; }\nexport function tick() { bump(1); }\n' }, [
      '--typecheck',
      'off',
    ]);
    try {
      assert.match(imago(run.project.dir, ['deps', 'main.ts:bump']).stdout, /main\.ts:bump: 1 reference in 1 file/);
      const reloads = run.cli.reloads().length;
      run.project.write({
        'main.ts':
          'export function bump(n: number) { return n + 1; }\nexport function tick() { bump(1); }\nexport function twice() { return bump(2) + bump(3); }\n',
      });
      await waitFor('the edit', () => run.cli.reloads().length > reloads, 15000);
      assert.match(imago(run.project.dir, ['deps', 'main.ts:bump']).stdout, /main\.ts:bump: 3 references in 1 file/);
    } finally {
      await run.stop();
    }
  });
});

describe('control channel of a program that did not load', () => {
  it('says why in status, and answers deps from the file', async () => {
    const run = await runWithControl({ 'main.ts': 'export let n: number = 1;\nexport function tick() {}\n' });
    try {
      const reloads = run.cli.events().length;
      run.project.write({ 'main.ts': 'export let n: number = "bad";\nexport function tick() {}\n' });
      await waitFor('the rejection', () => run.cli.events().length > reloads, 15000);
    } finally {
      await run.cli.stop();
    }
    fs.rmSync(run.cli.eventsFile, { force: true });
    const cli = CliRun.run(run.project.dir, ['main.ts']);
    try {
      await cli.until('the first load to be rejected', () => cli.events().some((e) => e.kind === 'load'), 30000);
      await waitFor('the socket', () => fs.existsSync(path.join(run.project.dir, '.imago/control.sock')), 10000);
      const status = imago(run.project.dir, ['status']);
      assert.match(
        status.stdout,
        /the program has not loaded: its first load was rejected \(typecheck\): main\.ts:1:12 Type 'string' is not assignable to type 'number'/,
      );
      const deps = imago(run.project.dir, ['deps', 'main.ts:n']);
      assert.equal(deps.code, 0, deps.stderr);
      assert.match(deps.stdout, /main\.ts:n: 0 references in 0 files\n {2}declared at main\.ts:1:12/);
      const offline = imago(run.project.dir, ['deps', '--entry', 'nope.ts', 'main.ts:n']);
      assert.match(offline.stdout + offline.stderr, /main\.ts:n/);
    } finally {
      await cli.stop();
      run.project.remove();
    }
  });
});
