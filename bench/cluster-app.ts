// What the cluster bench (bench/cluster.ts) runs: one small HTTP server whose answer names its
// worker's pid and a version string, as TypeScript for `imago run --cluster` and compiled to plain
// JavaScript for PM2's cluster mode; PM2 itself, in a PM2_HOME of its own; and the events file of
// imago read as it grows.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'oxc-transform';
import type { Event } from '../test/helpers/cli.js';

/** The repository (this file runs from dist/bench). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The entry: a server on $PORT; under a cluster every worker runs it and shares the port. `graceful`:
 * on SIGINT (how PM2 stops a worker) it stops accepting, lets the requests under way end and exits, as
 * PM2's documentation asks of an app (imago never stops a worker for a change).
 */
export function server(graceful: boolean): string {
  const stop = graceful
    ? `
process.on('SIGINT', () => {
  server.close(() => process.exit(0));
});
`
    : '';
  return `import http from 'node:http';
import { answer } from './handler.ts';

const port = Number(process.env['PORT']);
const server = http.createServer((_req, res) => {
  const body: string = JSON.stringify(answer(process.pid));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
server.listen(port);
${stop}`;
}

/**
 * The module every change edits: the version in the answer. `throwInWorker`: a top-level statement that
 * throws in that cluster worker only (a change that fails to prepare in one process of several).
 */
export function handler(version: string, throwInWorker?: number): string {
  const head =
    throwInWorker === undefined
      ? ''
      : `import cluster from 'node:cluster';\n\nif (cluster.worker?.id === ${throwInWorker}) throw new Error('this version fails in worker ${throwInWorker} only');\n\n`;
  return `${head}export interface Answer {
  readonly pid: number;
  readonly version: string;
}

export function answer(pid: number): Answer {
  return { pid, version: '${version}' };
}
`;
}

/** The same module compiled as a build would (types stripped, `.ts` imports to `.js`), for PM2. */
export function compiled(file: string, source: string): string {
  const out = transformSync(file, source, { typescript: { rewriteImportExtensions: 'rewrite' } });
  if (out.errors.length > 0) throw new Error(`${file} did not compile: ${out.errors.map((e) => e.message).join('; ')}`);
  return out.code;
}

/** A port free on 127.0.0.1 now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

// The same check imago's image-file lock uses.
export { alive } from '../src/host/image-file.js';

// ---- imago's events file, read as it grows

/** Each event with when this process read it (performance.now()). */
export class EventsTail {
  readonly seen: Array<{ readonly event: Event; readonly at: number }> = [];
  #offset = 0;
  #partial = '';
  #watcher: fs.FSWatcher | null = null;
  readonly #poll: NodeJS.Timeout;

  constructor(readonly file: string) {
    // inotify for promptness; the poll for the moment before the file exists, and for safety.
    this.#poll = setInterval(() => this.read(), 20);
  }

  read(): void {
    if (!this.#watcher && fs.existsSync(this.file)) this.#watcher = fs.watch(this.file, () => this.read());
    let text: string;
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= this.#offset) return;
        const buffer = Buffer.alloc(size - this.#offset);
        fs.readSync(fd, buffer, 0, buffer.length, this.#offset);
        this.#offset = size;
        text = buffer.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const at = performance.now();
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop()!;
    for (const l of lines) if (l.trim()) this.seen.push({ event: JSON.parse(l) as Event, at });
  }

  /** The reload events seen so far. */
  reloads(): Array<{ readonly event: Event; readonly at: number }> {
    return this.seen.filter((e) => e.event.kind === 'reload');
  }

  dispose(): void {
    clearInterval(this.#poll);
    this.#watcher?.close();
  }
}

// ---- PM2

const PM2_BIN = path.join(REPO, 'bench', 'peers', 'node_modules', 'pm2', 'bin', 'pm2');
const APP_NAME = 'imago-cluster-bench';

/** PM2 in a PM2_HOME of its own (so a user's PM2 is never touched), its daemon started on the first command. */
export class Pm2 {
  readonly home: string;

  constructor(readonly dir: string) {
    if (!fs.existsSync(PM2_BIN)) throw new Error(`no PM2 at ${PM2_BIN}: \`npm run bench\` installs it (npm --prefix bench/peers install)`);
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-pm2-home-'));
    // PM2 checks for a newer version of itself on its first run in a home without this file.
    fs.writeFileSync(path.join(this.home, 'touch'), String(Date.now()));
  }

  /** `pm2 <args>` in the app's folder; rejects with its output when it exits non-zero. Resolves with its ms. */
  run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<number> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [PM2_BIN, ...args], {
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PM2_HOME: this.home, PM2_DISABLE_VERSION_CHECK: '1', NO_COLOR: '1', ...env },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(performance.now() - t0);
        else reject(new Error(`pm2 ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`));
      });
    });
  }

  /** `pm2 start server.js -i <n>`, with PORT in the app's environment. */
  start(instances: number, port: number): Promise<number> {
    return this.run(['start', 'server.js', '-i', String(instances), '--name', APP_NAME], { PORT: String(port) });
  }

  /** `pm2 reload`: PM2 restarts the workers one by one (a new one listening before an old one is stopped). */
  reload(): Promise<number> {
    return this.run(['reload', APP_NAME]);
  }

  /** The daemon's pid, from its pid file (null: none running). */
  daemonPid(): number | null {
    try {
      return Number(fs.readFileSync(path.join(this.home, 'pm2.pid'), 'utf8').trim()) || null;
    } catch {
      // No pid file: no daemon was started, or it removed the file as it ended.
      return null;
    }
  }

  /** `pm2 kill` (the daemon and every app), then the home removed. */
  async kill(): Promise<void> {
    try {
      await this.run(['kill']);
    } finally {
      fs.rmSync(this.home, { recursive: true, force: true });
    }
  }
}
