// What happens around the program: files that cannot be read (a symlink loop, a folder where a file
// was, no permission), and the reader of imago's output going away. Through the real CLI.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createImage } from '../src/index.js';
import { CLI, CliRun, type Event } from './helpers/cli.js';
import { RawClient } from './helpers/control.js';
import { memoryProject } from './helpers/image.js';
import { sleep, tempProject, waitFor } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

const lib = (n: number): string => `export function part(): string { return 'p${n}'; }\n`;
const main = "import { part } from './lib.ts';\nsetInterval(() => console.log(part()), 10);\n";

/** Starts imago on a project of main.ts and lib.ts and waits for its first line. */
async function startLib(args: readonly string[] = ['--typecheck', 'off']): Promise<{ cli: CliRun; p: ReturnType<typeof tempProject> }> {
  const p = tempProject({ 'main.ts': main, 'lib.ts': lib(1) });
  const cli = CliRun.run(p.dir, [...args, 'main.ts']);
  cleanup.push(() => {
    cli.kill();
    p.remove();
  });
  await cli.until('the first line', () => cli.lines.includes('p1'), 20000);
  return { cli, p };
}

const lastReload = (cli: CliRun): Event | undefined => cli.reloads().at(-1);
/** The last reload event once it is a read rejection (the delete before a replacement may come first). */
const readRejection = (cli: CliRun): Event | undefined => {
  const r = lastReload(cli);
  return r?.phase === 'read' ? r : undefined;
};

describe('files that cannot be read', () => {
  it('rejects a symlink loop where a module was, as a read error naming the file and the cause; restoring it applies', async () => {
    const { cli, p } = await startLib();
    fs.rmSync(p.path('lib.ts'));
    fs.symlinkSync('lib.ts', p.path('lib.ts'));
    const r = await cli.until('the rejection', () => readRejection(cli));
    assert.equal(r.ok, false);
    assert.equal(r.phase, 'read');
    const d = (r['errors'] as Array<{ file: string; code: string; message: string }>)[0]!;
    assert.equal(d.file, 'lib.ts');
    assert.equal(d.code, 'IMAGO_READ');
    assert.match(d.message, /cannot read lib\.ts: too many levels of symbolic links \(ELOOP\); the path is a loop of symbolic links/);
    await cli.until('the rejection on stderr', () => /rejected change to lib\.ts \(read\); the previous version keeps running/.test(cli.stderr));
    assert.doesNotMatch(cli.stderr, /internal error/);
    fs.rmSync(p.path('lib.ts'));
    fs.writeFileSync(p.path('lib.ts'), lib(2));
    await cli.until('the restored module', () => cli.lines.includes('p2'));
  });

  it('rejects a folder where a module was, as a read error', async () => {
    const { cli, p } = await startLib();
    fs.rmSync(p.path('lib.ts'));
    fs.mkdirSync(p.path('lib.ts'));
    const r = await cli.until('the rejection', () => readRejection(cli));
    assert.equal(r.phase, 'read');
    assert.match(JSON.stringify(r['errors']), /cannot read lib\.ts: it is a folder \(EISDIR\); a folder is where the file was/);
    assert.ok(
      cli.lines.slice(-3).every((l) => l === 'p1'),
      'the previous version keeps running',
    );
  });

  it('rejects a named pipe or a device where a module was without waiting on it, goes on applying edits, and stops on SIGTERM', async () => {
    const { cli, p } = await startLib();
    fs.rmSync(p.path('lib.ts'));
    spawnSync('mkfifo', [p.path('lib.ts')]);
    const r = await cli.until('the rejection', () => readRejection(cli));
    assert.equal(r.phase, 'read');
    assert.match(JSON.stringify(r['errors']), /cannot read lib\.ts: it is not a regular file \(a named pipe\) \(ENOTREG\); a module must be a regular file/);
    fs.rmSync(p.path('lib.ts'));
    fs.symlinkSync('/dev/zero', p.path('lib.ts'));
    await cli.until('the device rejected', () => /a character device/.test(JSON.stringify(lastReload(cli)?.['errors'] ?? '')));
    fs.rmSync(p.path('lib.ts'));
    fs.writeFileSync(p.path('lib.ts'), lib(4));
    await cli.until('the restored module', () => cli.lines.includes('p4'));
    const t0 = Date.now();
    const exit = await cli.stop('SIGTERM');
    assert.equal(exit.code, 143);
    assert.ok(Date.now() - t0 < 2000, 'stopped within 2 s');
  });

  it('rejects a module it may not read, as a read error (run as an unprivileged user when root)', async () => {
    const p = tempProject({ 'main.ts': main, 'lib.ts': lib(1) });
    fs.chmodSync(p.dir, 0o777);
    const asRoot = process.getuid?.() === 0;
    const events = path.join(p.dir, '.events.ndjson');
    const cli = new CliRun(p.dir, ['run', '--events', events, '--typecheck', 'off', 'main.ts'], events, [], asRoot ? { uid: 65534, gid: 65534 } : {});
    cleanup.push(() => {
      cli.kill();
      p.remove();
    });
    await cli.until('the first line', () => cli.lines.includes('p1'), 20000);
    fs.chmodSync(p.path('lib.ts'), 0o000);
    fs.appendFileSync(p.path('lib.ts'), '\n');
    const r = await cli.until('the rejection', () => readRejection(cli));
    assert.equal(r.phase, 'read');
    assert.match(JSON.stringify(r['errors']), /cannot read lib\.ts: permission denied \(EACCES\); give imago permission to read it/);
    fs.chmodSync(p.path('lib.ts'), 0o644);
    fs.writeFileSync(p.path('lib.ts'), lib(3));
    await cli.until('the readable module', () => cli.lines.includes('p3'));
  });

  it('rejects an unreadable file in-process too, with the cause the host gives', async () => {
    const { project, host } = memoryProject({ 'main.ts': "import { part } from './lib.ts';\nexport const v = part();\n", 'lib.ts': lib(1) });
    const image = createImage({ entry: project.path('main.ts'), root: project.dir, host });
    cleanup.push(() => image.dispose());
    assert.equal((await image.load()).kind, 'applied');
    host.breakFile(project.path('lib.ts'), 'EIO', 'an input/output error');
    const r = await image.change([project.path('lib.ts')]);
    assert.ok(r.kind === 'rejected' && r.phase === 'read', JSON.stringify(r));
    assert.match(r.kind === 'rejected' ? r.errors[0]!.message : '', /cannot read lib\.ts: an input\/output error \(EIO\); check the file and save it again/);
  });
});

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Starts `imago run --typecheck off [args] main.ts` in `p` with its output piped, waits for `first` in it,
 * then closes the pipes: the reader went away (a parent that died, `| head -1`).
 */
async function orphaned(p: ReturnType<typeof tempProject>, args: readonly string[], first: string): Promise<{ child: ChildProcess; exited: () => boolean }> {
  const child = spawn(process.execPath, [CLI, 'run', '--typecheck', 'off', ...args, 'main.ts'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => {
    child.kill('SIGKILL');
    p.remove();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor('the first line', () => out.includes(first), 20000);
  child.stdout!.destroy();
  child.stderr!.destroy();
  await sleep(300);
  return { child, exited: () => exited };
}

describe('when the reader of its output goes away', () => {
  it('keeps the program running without spinning, applies edits, says so in the events file, and stops on SIGTERM', async () => {
    const p = tempProject({ 'main.ts': "export function probe(): string { return 'a'; }\nsetInterval(() => console.log(probe()), 20);\n" });
    const events = path.join(p.dir, '.events.ndjson');
    const { child, exited } = await orphaned(p, ['--events', events], 'a');
    fs.writeFileSync(p.path('main.ts'), "export function probe(): string { return 'b'; }\nsetInterval(() => console.log(probe()), 20);\n");
    const read = (): Array<Record<string, unknown>> =>
      fs
        .readFileSync(events, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor('the edit applied', () => read().some((e) => e['kind'] === 'reload' && e['ok'] === true), 10000);
    const before = cpuSeconds(child.pid!);
    await sleep(2000);
    const used = cpuSeconds(child.pid!) - before;
    assert.ok(used < 1, `imago used ${used.toFixed(2)} s of CPU in 2 s with nobody reading its output (spinning would be ~2 s)`);
    assert.ok(
      read().some((e) => e['kind'] === 'warning' && /the reader of imago's stdout went away/.test(String(e['message']))),
      'the events file says the output is dropped',
    );
    const t0 = Date.now();
    child.kill('SIGTERM');
    await waitFor('imago to exit', exited, 5000);
    assert.ok(Date.now() - t0 < 2000, 'it stopped within 2 s of SIGTERM');
  });
});

describe('stopping with nobody reading', () => {
  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    it(`stops within 2 s of ${signal} after the reader of its output went away`, async () => {
      const p = tempProject({ 'main.ts': "setInterval(() => console.log('tick'), 10);\n" });
      const { child, exited } = await orphaned(p, [], 'tick');
      const t0 = Date.now();
      child.kill(signal);
      await waitFor('imago to exit', exited, 5000);
      assert.ok(Date.now() - t0 < 2000, `it stopped within 2 s of ${signal}`);
    });
  }
});

/** main.ts printing `p<n>` every 10 ms. */
const probeMain = (n: number): string => `${lib(n).replace('part', 'probe')}setInterval(() => console.log(probe()), 10);\n`;

describe('when the disk is full for the events file', () => {
  it('says so once, goes on applying edits, and stops on SIGTERM', async () => {
    const p = tempProject({ 'main.ts': probeMain(1) });
    cleanup.push(() => p.remove());
    const cli = new CliRun(p.dir, ['run', '--typecheck', 'off', '--events', '/dev/full', 'main.ts']);
    cleanup.push(() => cli.kill());
    await cli.until('the first line', () => cli.lines.includes('p1'), 20000);
    p.write({ 'main.ts': probeMain(2) });
    await cli.until('the edit applied', () => cli.lines.includes('p2'));
    p.write({ 'main.ts': probeMain(3) });
    await cli.until('the next edit applied', () => cli.lines.includes('p3'));
    const warnings = cli.stderr.split('\n').filter((l) => l.includes('cannot write the events file /dev/full'));
    assert.equal(warnings.length, 1, cli.stderr);
    assert.match(warnings[0]!, /ENOSPC/);
    const t0 = Date.now();
    await cli.stop('SIGTERM');
    assert.ok(Date.now() - t0 < 2000, 'it stopped within 2 s of SIGTERM');
  });
});

describe('when the project folder goes away', () => {
  for (const how of ['moved', 'deleted'] as const) {
    it(`says once that the folder was ${how}, keeps the program running its last version, and stops on SIGTERM`, async () => {
      const p = tempProject({ 'main.ts': main, 'lib.ts': lib(1) });
      const away = `${p.dir}-away`;
      cleanup.push(() => fs.rmSync(away, { recursive: true, force: true }));
      const cli = new CliRun(p.dir, ['run', '--typecheck', 'off', 'main.ts']);
      cleanup.push(() => {
        cli.kill();
        p.remove();
      });
      await cli.until('the first line', () => cli.lines.includes('p1'), 20000);
      if (how === 'moved') {
        fs.renameSync(p.dir, away);
        await sleep(200);
        // An edit where the project is now: imago cannot see it, and must not call the entry deleted.
        fs.writeFileSync(path.join(away, 'lib.ts'), lib(2));
      } else fs.rmSync(p.dir, { recursive: true });
      const said = /the project folder .* was moved or deleted: imago no longer sees edits/;
      await cli.until('the folder gone said', () => said.test(cli.stderr));
      await sleep(500);
      const mark = cli.lines.length;
      await cli.until('the program going on', () => cli.lines.slice(mark).includes('p1'));
      assert.equal(cli.stderr.split('\n').filter((l) => said.test(l)).length, 1, cli.stderr);
      // A moved folder is not a deleted entry; a deleted one may reject before the folder itself goes, never after.
      const after = cli.stderr.slice(cli.stderr.search(said));
      assert.doesNotMatch(how === 'moved' ? cli.stderr : after, /rejected/);
      if (how === 'moved') {
        // Its control socket moved with it: the REPL still evaluates in the running program.
        const client = await RawClient.connect(path.join(away, '.imago', 'control.sock'));
        cleanup.push(() => client.close());
        const reply = await client.eval('6 * 2');
        assert.equal(reply.kind, 'value', JSON.stringify(reply));
      }
      const t0 = Date.now();
      await cli.stop('SIGTERM');
      assert.ok(Date.now() - t0 < 2000, 'it stopped within 2 s of SIGTERM');
    });
  }
});

/** The children of process `pid` (Linux). */
function childrenOf(pid: number): number[] {
  try {
    // Each thread's children: TypeScript's process is started by the checker's thread.
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' '))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("when TypeScript's process is killed", () => {
  it('rejects the change in flight saying so, starts a checker again, and applies the change saved again', async () => {
    const { cli, p } = await startLib([]);
    await cli.until('the checker running', () => childrenOf(cli.pid).length > 0, 20000);
    const killed = childrenOf(cli.pid);
    // Frozen, the checker cannot answer: the change waits for it, in flight, when it is killed.
    for (const child of killed) process.kill(child, 'SIGSTOP');
    p.write({ 'lib.ts': lib(2) });
    await sleep(300);
    for (const child of killed) process.kill(child, 'SIGKILL');
    const rejected = await cli.until('the change rejected', () => lastReload(cli)?.ok === false && lastReload(cli));
    assert.match(JSON.stringify(rejected['errors']), /TypeScript's process \(pid \d+\) ended.*save again/);
    const mark = cli.lines.length;
    await sleep(300);
    assert.ok(cli.lines.slice(mark).includes('p1'), 'the previous version keeps running');
    // Saved again: checked by a new checker (started at once, or by this change when the lost one had
    // lived only a moment), and applied.
    p.write({ 'lib.ts': lib(2) });
    await cli.until('the change saved again applied', () => cli.lines.includes('p2'), 20000);
    assert.ok(
      childrenOf(cli.pid).some((c) => !killed.includes(c)),
      'a new checker',
    );
    assert.equal(lastReload(cli)?.ok, true);
    await cli.stop('SIGTERM');
  });

  it('says so at once when it is killed between changes, and the next change is checked by a new checker', async () => {
    const { cli, p } = await startLib([]);
    await cli.until('the checker running', () => childrenOf(cli.pid).length > 0, 20000);
    const killed = childrenOf(cli.pid);
    for (const child of killed) process.kill(child, 'SIGKILL');
    await cli.until('imago to say so', () =>
      /TypeScript's process \(pid \d+\) ended \(killed by SIGKILL\); a new type checker checks the next change/.test(cli.stderr),
    );
    p.write({ 'lib.ts': lib(2) });
    await cli.until('the change applied', () => cli.lines.includes('p2'), 20000);
    assert.deepEqual(
      cli.reloads().map((r) => r.ok),
      [true],
      'applied, not rejected',
    );
    await cli.stop('SIGTERM');
  });
});
