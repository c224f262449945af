// A program run with `imago run --ui` and the inspector it serves: its address, token and port (read
// from what imago printed), and the page's own ways in: `ask` (POST /api) and `events` (GET /events).

import http from 'node:http';
import { CliRun } from './cli.js';
import { type TempProject, tempProject } from './project.js';

export interface Reply {
  readonly kind: string;
  readonly [k: string]: unknown;
}

export interface Inspected {
  readonly project: TempProject;
  readonly cli: CliRun;
  readonly url: string;
  readonly token: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The address of the inspector imago printed on stderr (the last one), or null. */
export function printedUrl(stderr: string): string | null {
  return [...stderr.matchAll(/inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/g)].at(-1)?.[1] ?? null;
}

export function parts(url: string): { token: string; port: number } {
  const u = new URL(url);
  return { token: u.searchParams.get('token') ?? '', port: Number(u.port) };
}

/** Runs `imago run --ui [args] main.ts` in a new project of `files`; resolves once the program is ready and the address printed. */
export async function runWithInspector(files: Record<string, string>, args: readonly string[] = []): Promise<Inspected> {
  const project = tempProject(files);
  const cli = CliRun.run(project.dir, ['--ui', ...args, 'main.ts']);
  await cli.until('ready', () => cli.events().some((e) => e.kind === 'ready'), 30000);
  const url = await cli.until('the inspector address', () => printedUrl(cli.stderr), 10000);
  return {
    project,
    cli,
    url,
    ...parts(url),
    async stop() {
      await cli.stop();
      project.remove();
    },
  };
}

export interface Raw {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1:`port`, headers as given (a `host` header replaces the one Node sends). */
export function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent: false, host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let nextId = 1;

/** Asks the inspector one question as the page does. */
export async function ask(run: { port: number; token: string }, question: Record<string, unknown>, client?: number): Promise<Reply> {
  const body = JSON.stringify({ id: nextId++, ...question });
  const r = await request(run.port, {
    method: 'POST',
    path: `/api?token=${run.token}${client === undefined ? '' : `&client=${client}`}`,
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (r.status !== 200) throw new Error(`POST /api ${question['kind']}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Reply;
}

/** The page's event stream: every event received so far, by name, in order. */
export class EventStream {
  readonly received: Array<{ readonly name: string; readonly data: unknown }> = [];
  #req: http.ClientRequest;

  constructor(port: number, token: string) {
    this.#req = http.get({ host: '127.0.0.1', port, path: `/events?token=${token}` }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buffer += d;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) this.received.push({ name, data: JSON.parse(data) as unknown });
        }
      });
    });
    this.#req.on('error', () => undefined);
  }

  of(name: string): unknown[] {
    return this.received.filter((e) => e.name === name).map((e) => e.data);
  }

  close(): void {
    this.#req.destroy();
  }
}

/** Polls an asynchronous `check` until it gives a value, or fails after `ms` with `what` in the message. */
export async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 10000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
