// `imago run --cluster` (issue 22), through the real CLI: worker processes share the program's port;
// edits apply in all of them under load with no failed request; a change one worker refuses is refused
// by all; a worker that dies is forked again on the code the cluster runs (not on a rejected edit the
// files hold).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { freePort } from './helpers/ports.js';
import { sleep, tempProject, waitFor } from './helpers/project.js';

const SERVER = `import http from 'node:http';
import { answer } from './handler.ts';
http.createServer((req, res) => {
  res.end(answer());
}).listen(Number(process.env['PORT']));
`;
const handler = (version: string, extra = ''): string => `${extra}export function answer(): string {\n  return '${version} ' + process.pid;\n}\n`;

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One GET: the body's version and pid, or the error. `fresh`: on a new connection (the cluster hands each to a worker in turn). */
function get(port: number, fresh = false): Promise<{ version: string; pid: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: fresh ? false : agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => {
        const [version, pid] = body.split(' ');
        resolve(res.statusCode === 200 && version && pid ? { version, pid: Number(pid) } : { error: `status ${res.statusCode}: ${body}` });
      });
    });
    req.on('error', (e) => resolve({ error: e.message }));
    // A request the program never answers (its handler threw) is a failure, not a hang.
    req.setTimeout(3000, () => req.destroy(new Error('no answer within 3 s')));
  });
}

/** The pids that answer `version`, from `tries` requests. */
async function serving(port: number, tries = 40): Promise<Map<number, string>> {
  const seen = new Map<number, string>();
  for (let i = 0; i < tries; i++) {
    const r = await get(port, true);
    if ('pid' in r) seen.set(r.pid, r.version);
  }
  return seen;
}

function startCluster(dir: string, port: number, extra: readonly string[] = []): CliRun {
  const events = path.join(dir, '.events.ndjson');
  return new CliRun(dir, ['run', '--events', events, '--cluster', '2', ...extra, 'server.ts'], events, [], { env: { PORT: String(port) } });
}

describe('imago run --cluster', () => {
  it('two workers share the port and take every edit under load, with no failed request', async () => {
    const port = await freePort();
    const p = tempProject({ 'server.ts': SERVER, 'handler.ts': handler('v0') });
    const cli = startCluster(p.dir, port);
    try {
      const ready = await cli.until('the workers ready', () => cli.events().find((e) => e.kind === 'ready'), 30000);
      assert.equal(ready['workers'], 2);
      await cli.until('the running line', () => /running server\.ts \(2 modules, in 2 worker processes\)/.test(cli.stderr));
      const pids = await serving(port);
      assert.equal(pids.size, 2, 'both workers answer');
      // Constant load: four clients, one request after another, for the whole run.
      let stop = false;
      const failures: string[] = [];
      let served = 0;
      const client = async (): Promise<void> => {
        while (!stop) {
          const r = await get(port);
          if ('error' in r) failures.push(r.error);
          else served++;
        }
      };
      const clients = [client(), client(), client(), client()];
      for (let v = 1; v <= 8; v++) {
        const n = cli.reloads().length;
        p.write({ 'handler.ts': handler(`v${v}`) });
        const r = await cli.until(`edit ${v} applied`, () => cli.reloads()[n], 15000);
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.equal(r['members'], 2);
        // Once the change is reported, every worker serves it.
        const now = await serving(port, 12);
        assert.deepEqual([...new Set(now.values())], [`v${v}`], `after edit ${v}: ${JSON.stringify([...now])}`);
        await sleep(100);
      }
      stop = true;
      await Promise.all(clients);
      assert.deepEqual(failures, [], `failed requests during the edits (${served} served)`);
      assert.ok(served > 100, `only ${served} requests were served`);
      const after = await serving(port);
      assert.deepEqual(new Set(after.keys()), new Set(pids.keys()), 'a worker was restarted: the edits were to be swapped in place');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a change one worker refuses is refused by all; a killed worker comes back on the running code, not on the files', async () => {
    const port = await freePort();
    const p = tempProject({ 'server.ts': SERVER, 'handler.ts': handler('v1') });
    const cli = startCluster(p.dir, port);
    try {
      await cli.until('the workers ready', () => cli.events().find((e) => e.kind === 'ready'), 30000);
      // Throws only in the second worker process as it is committed.
      p.write({ 'handler.ts': handler('v2', "import cluster from 'node:cluster';\nif (cluster.worker?.id === 2) throw new Error('not in worker 2');\n") });
      const r = await cli.until('the rejection', () => cli.reloads()[0], 15000);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.equal(r.phase, 'evaluate');
      assert.match((r['errors'] as Array<{ message: string }>)[0]!.message, /not in worker 2 \(in worker process 2 \(pid \d+\)\)/);
      const now = await serving(port);
      assert.equal(now.size, 2);
      assert.deepEqual([...new Set(now.values())], ['v1'], 'a worker serves the refused change');

      // The files now hold an edit that does not type-check (refused): a new worker must not start on it.
      p.write({ 'handler.ts': 'export function answer(): string {\n  return 5;\n}\n' });
      await cli.until('the type error', () => cli.reloads()[1]?.phase === 'typecheck', 15000);
      const victim = [...now.keys()][0]!;
      process.kill(victim, 'SIGKILL');
      await cli.until(
        'the restart said',
        () => /worker process \d+ \(pid \d+\) was killed \(SIGKILL\): a new worker is forked on the code the cluster runs now/.test(cli.stderr),
        15000,
      );
      let after = new Map<number, string>();
      for (let i = 0; i < 100 && (after.size < 2 || after.has(victim)); i++) {
        after = await serving(port, 10);
        await sleep(50);
      }
      assert.equal(after.size, 2, `two workers again: ${JSON.stringify([...after])}`);
      assert.ok(!after.has(victim));
      assert.deepEqual([...new Set(after.values())], ['v1'], 'the new worker did not start on the running code');
      // And the new worker takes the next change with the other.
      p.write({ 'handler.ts': handler('v3') });
      await cli.until('the change applied', () => cli.reloads().find((e) => e.ok === true), 15000);
      assert.deepEqual([...new Set((await serving(port)).values())], ['v3']);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a worker that failed to load is forked again by the fix; the only worker killed comes back on the running code', async () => {
    const port = await freePort();
    const p = tempProject({ 'server.ts': SERVER, 'handler.ts': handler('v1', "throw new Error('not yet');\n") });
    const cli = new CliRun(
      p.dir,
      ['run', '--events', path.join(p.dir, '.events.ndjson'), '--cluster', '1', 'server.ts'],
      path.join(p.dir, '.events.ndjson'),
      [],
      {
        env: { PORT: String(port) },
      },
    );
    try {
      await cli.until('the failed load said', () => /worker process 1 \(pid \d+\) could not load the program \(evaluate\)/.test(cli.stderr), 30000);
      p.write({ 'handler.ts': handler('v2') });
      await cli.until('a worker forked again', () => /forking 1 worker again on the changed code/.test(cli.stderr), 15000);
      let now = new Map<number, string>();
      for (let i = 0; i < 100 && now.size === 0; i++) {
        now = await serving(port, 2);
        await sleep(100);
      }
      assert.deepEqual([...new Set(now.values())], ['v2']);
      // A rejected edit on disk, and the one worker killed: it comes back on v2, which no file holds now.
      p.write({ 'handler.ts': 'export function answer(): string {\n  return 5;\n}\n' });
      await cli.until('the type error', () => cli.reloads().some((e) => e.phase === 'typecheck'), 15000);
      const [victim] = [...now.keys()];
      process.kill(victim!, 'SIGKILL');
      let after = new Map<number, string>();
      for (let i = 0; i < 100 && (after.size === 0 || after.has(victim!)); i++) {
        after = await serving(port, 2);
        await sleep(100);
      }
      assert.deepEqual([...new Set(after.values())], ['v2'], JSON.stringify([...after]));
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('stops every worker with the primary, and refuses what it cannot do yet', async () => {
    const port = await freePort();
    const p = tempProject({ 'server.ts': `${SERVER}export function stop(): void { console.log('stopped ' + process.pid); }\n`, 'handler.ts': handler('v1') });
    const cli = startCluster(p.dir, port);
    try {
      await cli.until('the workers ready', () => cli.events().find((e) => e.kind === 'ready'), 30000);
      const pids = [...(await serving(port)).keys()];
      // The primary holds no program: what reads it says where it runs.
      const described = spawnSync(process.execPath, [CLI, 'describe', 'handler.ts:answer'], { cwd: p.dir, encoding: 'utf8' });
      assert.equal(described.status, 1);
      assert.match(
        described.stderr,
        /this is the primary of 'imago run --cluster 2': the program runs in its worker processes \(worker \d+ \(pid \d+\), worker \d+ \(pid \d+\)\)/,
      );
      const exit = await cli.stop('SIGINT');
      assert.equal(exit.code, 130, cli.stderr);
      assert.deepEqual(cli.lines.filter((l) => l.startsWith('stopped ')).sort(), pids.map((pid) => `stopped ${pid}`).sort());
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'a worker outlived the primary');
    } finally {
      cli.kill();
      p.remove();
    }
    for (const [flags, message] of [
      [['--cluster', '0'], /--cluster takes a number of worker processes \(1 to 256\) or auto, got '0'/],
      [['--cluster', 'many'], /--cluster takes a number/],
      [['--cluster', 'main.ts'], /--cluster needs a number of worker processes \(or auto\) before the entry/],
      [['--cluster', '2', '--image', 'x.img'], /--cluster does not go with --image yet/],
      [['--cluster', '2', '--ui'], /--cluster does not go with --ui yet/],
      [['--swap-timeout', '0'], /--swap-timeout takes a number >= 1, got '0'/],
      [['--swap-timeout', '3000000000'], /--swap-timeout takes at most 600000 ms/],
    ] as const) {
      const q = tempProject({ 'main.ts': 'console.log(1);\n' });
      const run = new CliRun(q.dir, ['run', ...flags, 'main.ts']);
      try {
        const done = await waitFor('the refusal', () => run.exit, 15000);
        assert.equal(done.code, 2);
        assert.match(run.stderr, message);
      } finally {
        run.kill();
        q.remove();
      }
    }
  });
});
