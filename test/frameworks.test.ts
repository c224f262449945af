// Servers written the way their frameworks teach, under the real CLI: Fastify (a plugin with inline async
// routes), Hono (the idiomatic single file, on its Node server) and Express (inline `app.get`). Requests
// go to 127.0.0.1 under constant load while the inline handlers are edited 10 times: every edit is served
// as soon as imago reports it, no request fails, and the server's state lives on.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliRun } from './helpers/cli.js';
import { type TempProject, tempProject } from './helpers/project.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'esnext',
    moduleResolution: 'bundler',
    allowImportingTsExtensions: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  },
});

/** A project that resolves the frameworks from imago's own (pinned) devDependencies. */
function frameworkProject(files: Record<string, string>): TempProject {
  const project = tempProject({ 'tsconfig.json': TSCONFIG, ...files });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), project.path('node_modules'), 'dir');
  return project;
}

interface Answer {
  readonly v: number;
  readonly hits: number;
  readonly [k: string]: unknown;
}

/** Keeps `concurrency` keep-alive requests in flight until stopped; records every answer and failure. */
class Load {
  readonly answers: Array<{ answer: Answer; seenBefore: number }> = [];
  readonly failures: string[] = [];
  /** How many edits the test had seen reported when each request was sent. */
  seen = 0;
  #stopped = false;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  readonly #loops: Array<Promise<void>>;

  constructor(
    readonly port: number,
    readonly url: string,
    concurrency = 4,
  ) {
    this.#loops = Array.from({ length: concurrency }, () => this.#loop());
  }

  get(): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path: this.url, agent: this.#agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body}`));
          else {
            try {
              resolve(JSON.parse(body) as Answer);
            } catch (e: unknown) {
              reject(new Error(`not JSON (${(e as Error).message}): ${body}`));
            }
          }
        });
      });
      req.on('error', reject);
    });
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const seenBefore = this.seen;
      try {
        this.answers.push({ answer: await this.get(), seenBefore });
      } catch (e: unknown) {
        this.failures.push((e as Error).message);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }
}

interface Framework {
  readonly files: (v: number) => Record<string, string>;
  /** The file the edits change. */
  readonly edited: string;
  readonly url: string;
}

const FRAMEWORKS: Record<string, Framework> = {
  'Fastify, a plugin with inline async routes that destructure the request': {
    edited: 'routes.ts',
    url: '/users',
    files: (v) => ({
      'main.ts': `import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import routes from './routes.ts';

const app = Fastify();
app.register(routes);
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('listening on ' + (app.server.address() as AddressInfo).port);
`,
      'routes.ts': `import type { FastifyInstance } from 'fastify';

const db = { hits: 0, users: ['ada', 'alan'] };

export default async function routes(app: FastifyInstance): Promise<void> {
  app.get('/users', async ({ query }) => {
    db.hits++;
    return { v: ${v}, hits: db.hits, users: db.users, query };
  });
  app.get('/health', async () => ({ ok: true }));
}
`,
    }),
  },
  'Hono, the idiomatic single file on its Node server': {
    edited: 'main.ts',
    url: '/',
    files: (v) => ({
      'main.ts': `import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
let hits = 0;

app.get('/', (c) => {
  hits++;
  return c.json({ v: ${v}, hits });
});

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log('listening on ' + info.port);
});
`,
    }),
  },
  'Express, inline app.get': {
    edited: 'main.ts',
    url: '/',
    files: (v) => ({
      'main.ts': `import express from 'express';
import type { AddressInfo } from 'node:net';

const app = express();
const state = { hits: 0 };

app.get('/', (_req, res) => {
  state.hits++;
  res.json({ v: ${v}, hits: state.hits });
});

const server = app.listen(0, '127.0.0.1', () => {
  console.log('listening on ' + (server.address() as AddressInfo).port);
});
`,
    }),
  },
};

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

/** Runs a server project under the CLI until it prints `listening on <port>`. */
async function serve(files: Record<string, string>): Promise<{ project: TempProject; cli: CliRun; port: number }> {
  const project = frameworkProject(files);
  const cli = CliRun.run(project.dir, ['main.ts']);
  cleanup.push(() => {
    cli.kill();
    project.remove();
  });
  const port = await cli.until(
    'the server to listen',
    () => {
      const m = cli.lines.map((l) => /listening on (\d+)/.exec(l)).find(Boolean);
      return m ? Number(m[1]) : null;
    },
    30000,
  );
  return { project, cli, port };
}

describe('frameworks under load while their inline handlers are edited', () => {
  for (const [name, fw] of Object.entries(FRAMEWORKS)) {
    it(name, async () => {
      const { project, cli, port } = await serve(fw.files(0));
      const load = new Load(port, fw.url);
      await cli.until('requests to be served', () => load.answers.length >= 50);
      for (let k = 1; k <= 10; k++) {
        project.write({ [fw.edited]: fw.files(k)[fw.edited]! });
        const reload = await cli.until(`edit ${k} to be reported`, () => cli.reloads()[k - 1], 15000);
        assert.equal(reload.ok, true, `edit ${k}: ${JSON.stringify(reload)}`);
        load.seen = k;
        const probe = await load.get();
        assert.equal(probe.v, k, `the first request after edit ${k} was reported runs the edited handler`);
        await cli.until(`requests after edit ${k}`, () => load.answers.filter((a) => a.seenBefore === k).length >= 20);
      }
      await load.stop();
      assert.deepEqual(load.failures, [], 'no request failed');
      const late = load.answers.filter((a) => a.answer.v < a.seenBefore);
      assert.deepEqual(late, [], 'no request sent after an edit was reported ran an older handler');
      const hits = load.answers.map((a) => a.answer.hits);
      assert.equal(new Set(hits).size, hits.length, 'every request counted once: the state was never reset');
      assert.ok(Math.max(...hits) >= load.answers.length, `the hit counter kept counting across the 10 edits (${Math.max(...hits)})`);
      assert.doesNotMatch(cli.stderr, /keep their old body/, 'no closure was left behind');
      assert.equal(cli.stderr.match(/reloaded /g)?.length, 10, cli.stderr);
      assert.equal((await cli.stop()).code, 143, `stopped by SIGTERM as documented; stderr: ${cli.stderr}`);
    });
  }
});

describe('a Fastify route that cannot take an edit', () => {
  it('keeps serving its old body and the reload line and the events record say so', async () => {
    const routes = (local: string, reply: string): string => `import type { FastifyInstance } from 'fastify';

export default async function routes(app: FastifyInstance): Promise<void> {
  ${local}
  app.get('/users', async () => ({ users: ${reply} }));
}
`;
    const { project, cli, port } = await serve({
      ...FRAMEWORKS['Fastify, a plugin with inline async routes that destructure the request']!.files(0),
      'routes.ts': routes('', "['ada']"),
    });
    const load = new Load(port, '/users', 1);
    project.write({ 'routes.ts': routes("const db = { users: ['grace'] };", 'db.users') });
    const reload = await cli.until('the edit to be reported', () => cli.reloads()[0], 15000);
    await load.stop();
    assert.equal(reload.ok, true);
    assert.deepEqual((await load.get())['users'], ['ada'], 'the route registered before keeps its body');
    assert.deepEqual(load.failures, []);
    const lines = await cli.until('the kept-closures lines', () => {
      const all = cli.stderr.split('\n');
      const at = all.findIndex((l) => l.includes('keep their old body'));
      return at >= 0 && all.length > at + 1 ? all.slice(at, at + 2) : null;
    });
    assert.deepEqual(lines, [
      '[imago] closures made by the old routes() keep their old body until they are made again:',
      `  routes.ts:5:21 the function passed to app.get("/users"): it reads 'db', which the closures made before do not have`,
    ]);
    const summary = reload['summary'] as { closures: { kept: Array<Record<string, unknown>> } };
    assert.deepEqual(summary.closures.kept, [
      {
        file: 'routes.ts',
        line: 5,
        column: 21,
        closure: 'the function passed to app.get("/users")',
        madeBy: 'the old routes()',
        reason: "it reads 'db', which the closures made before do not have",
      },
    ]);
    await cli.stop();
  });
});
