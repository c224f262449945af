// `imago fleet apply` (issue 22, docs/scaling.md): one change to two running images, each a primary of
// its own (one with --cluster 2, one without), driven through their control sockets by one command:
// applied in both, or refused in both; an image that cannot be reached changes nothing anywhere.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { freePort } from './helpers/ports.js';
import { sleep, type TempProject, tempProject } from './helpers/project.js';

const SERVER = `import http from 'node:http';
import { answer } from './handler.ts';
http.createServer((req, res) => {
  res.end(answer());
}).listen(Number(process.env['PORT']));
`;
const handler = (body: string): string => `${body}export function answer(): string {\n  return 'v' + VERSION;\n}\n`;
const V1 = handler('const VERSION = 1;\n');

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve(body));
      })
      .on('error', (e) => resolve(`error: ${e.message}`));
  });
}

/** The versions a server answers with, over a few requests (a cluster's workers each get some). */
async function versions(port: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) seen.add(await get(port));
  return [...seen].sort();
}

interface Primary {
  readonly project: TempProject;
  readonly cli: CliRun;
  readonly port: number;
  readonly socket: string;
}

async function primary(extra: readonly string[]): Promise<Primary> {
  const port = await freePort();
  const project = tempProject({ 'server.ts': SERVER, 'handler.ts': V1 });
  const events = path.join(project.dir, '.events.ndjson');
  const cli = new CliRun(project.dir, ['run', '--events', events, '--no-watch', ...extra, 'server.ts'], events, [], { env: { PORT: String(port) } });
  return { project, cli, port, socket: path.join(project.dir, '.imago', 'control.sock') };
}

function fleet(release: string, sockets: readonly string[], ...more: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'fleet', 'apply', ...sockets.flatMap((s) => ['--control', s]), '--root', release, ...more, 'handler.ts'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('imago fleet apply', () => {
  it('takes one change to two primaries (one a cluster) through their control sockets: in both, or in neither', async () => {
    const a = await primary(['--cluster', '2']);
    const b = await primary([]);
    const release = tempProject({ 'handler.ts': handler('const VERSION = 2;\n') });
    try {
      for (const p of [a, b]) await p.cli.until('the program running', () => p.cli.events().some((e) => e.kind === 'ready'), 30000);
      for (const p of [a, b]) {
        for (let i = 0; i < 100 && (await versions(p.port)).join() !== 'v1'; i++) await sleep(100);
        assert.deepEqual(await versions(p.port), ['v1']);
      }

      const applied = fleet(release.dir, [a.socket, b.socket]);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.match(applied.stdout, /^applied handler\.ts in 2 of 2 images in [\d.]+ ms$/m);
      assert.deepEqual(await versions(a.port), ['v2']);
      assert.deepEqual(await versions(b.port), ['v2']);
      const ra = a.cli.reloads().at(-1)!;
      assert.equal(ra.ok, true);
      assert.equal(ra['members'], 2, 'the cluster took it in both workers');
      // The files of the images were not touched: the change came from the release.
      assert.match(b.cli.stderr, /reloaded handler\.ts/);

      // Refused by one image only (its environment): rolled back in the other, and in its workers.
      release.write({ 'handler.ts': handler(`if (process.env['PORT'] === '${b.port}') throw new Error('not here');\nconst VERSION = 3;\n`) });
      const refused = fleet(release.dir, [a.socket, b.socket]);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stdout, /^refused \(evaluate\): nothing changed in any image$/m);
      assert.match(refused.stdout, /not here \(in the image at .*control\.sock\)/);
      assert.deepEqual(await versions(a.port), ['v2']);
      assert.deepEqual(await versions(b.port), ['v2']);
      assert.equal(a.cli.reloads().at(-1)!.ok, false);

      // A type error is refused by the images' own checkers, before anything runs.
      release.write({ 'handler.ts': handler('const VERSION: string = 4;\n') });
      const typed = fleet(release.dir, [a.socket, b.socket], '--json');
      assert.equal(typed.code, 1);
      const outcome = JSON.parse(typed.stdout) as { ok: boolean; phase: string };
      assert.deepEqual([outcome.ok, outcome.phase], [false, 'typecheck']);

      // An image that cannot be reached: nothing is asked of the others.
      release.write({ 'handler.ts': handler('const VERSION = 5;\n') });
      const missing = fleet(release.dir, [a.socket, path.join(release.dir, 'nobody.sock')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no imago is running there \(no socket at .*nobody\.sock\)/);
      assert.deepEqual(await versions(a.port), ['v2']);

      // A file missing from the release that no image runs: a mistake, not a deletion.
      const typo = spawnSync(process.execPath, [CLI, 'fleet', 'apply', '--control', a.socket, '--root', release.dir, 'handlr.ts'], { encoding: 'utf8' });
      assert.equal(typo.status, 1);
      assert.match(typo.stderr, /no such file in .*: handlr\.ts \(and no image runs it\): nothing was changed in any image/);

      // And the next good change applies in both again.
      const again = fleet(release.dir, [a.socket, b.socket]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(await versions(a.port), ['v5']);
      assert.deepEqual(await versions(b.port), ['v5']);
    } finally {
      a.cli.kill();
      b.cli.kill();
      a.project.remove();
      b.project.remove();
      release.remove();
    }
  });

  it('says what is wrong with its command line', () => {
    const cases: Array<[string[], RegExp]> = [
      [['fleet'], /Usage: imago fleet apply/],
      [['fleet', 'push'], /unknown fleet command 'push'/],
      [['fleet', 'apply', 'x.ts'], /needs the images: --control <socket> for each/],
      [['fleet', 'apply', '--control', 'a.sock'], /needs the files to apply/],
      [['fleet', 'apply', '--control', 'a.sock', '--control', 'a.sock', 'x.ts'], /--control names the same socket twice/],
      [['fleet', 'apply', '--control', 'a.sock', '--swap-timeout', 'soon', 'x.ts'], /--swap-timeout takes a number of milliseconds/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      assert.match(r.stdout + r.stderr, message, args.join(' '));
      assert.equal(r.status, args.length === 1 ? 0 : 2, args.join(' '));
    }
  });
});
