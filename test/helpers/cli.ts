// Drives the real `imago` command in a child process, as a user would.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject, waitFor } from './project.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/imago.js');

/** Runs `imago run --no-watch <args>` to its end in a temporary project of `files`, then removes it. */
export function runOnce(files: Record<string, string>, args: readonly string[] = ['main.ts']): { code: number | null; stdout: string; stderr: string } {
  const p = tempProject(files);
  try {
    const r = spawnSync(process.execPath, [CLI, 'run', '--no-watch', ...args], {
      cwd: p.dir,
      encoding: 'utf8',
      timeout: 30000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    p.remove();
  }
}

export interface Event {
  readonly kind: string;
  readonly ok?: boolean;
  readonly phase?: string;
  readonly [k: string]: unknown;
}

export class CliRun {
  readonly lines: string[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly #child: ChildProcess;
  #buffer = '';

  constructor(
    readonly dir: string,
    args: readonly string[],
    readonly eventsFile = path.join(dir, '.events.ndjson'),
    nodeArgs: readonly string[] = [],
    /** As another user, say (`uid`, `gid`); `env`: variables added to the environment. */
    spawnOptions: { readonly uid?: number; readonly gid?: number; readonly env?: Readonly<Record<string, string>> } = {},
  ) {
    this.#child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...spawnOptions,
      env: { ...process.env, NO_COLOR: '1', ...spawnOptions.env },
    });
    this.#child.stdout!.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      const parts = this.#buffer.split('\n');
      this.#buffer = parts.pop()!;
      this.lines.push(...parts);
    });
    this.#child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    // 'close', not 'exit': the process's last output has arrived by then.
    this.#child.on('close', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  /** The process id of imago (its node process). */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Starts `imago run --events <file> ...args`. */
  static run(dir: string, args: readonly string[], nodeArgs: readonly string[] = []): CliRun {
    const events = path.join(dir, '.events.ndjson');
    return new CliRun(dir, ['run', '--events', events, ...args], events, nodeArgs);
  }

  events(): Event[] {
    try {
      return fs
        .readFileSync(this.eventsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Event);
    } catch {
      return [];
    }
  }

  reloads(): Event[] {
    return this.events().filter((e) => e.kind === 'reload');
  }

  async until<T>(what: string, check: () => T | null | undefined | false, ms = 8000): Promise<T> {
    return waitFor(
      what,
      () => {
        if (this.exit) throw new Error(`imago exited (${JSON.stringify(this.exit)}) while waiting for ${what}; stderr:\n${this.stderr}`);
        return check();
      },
      ms,
    ).catch((e: unknown) => {
      throw new Error(
        `${(e as Error).message}\nlast stdout: ${this.lines.slice(-5).join(' | ')}\nstderr:\n${this.stderr.slice(-(Number(process.env['IMAGO_TEST_STDERR']) || 1500))}`,
      );
    });
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) this.#child.kill(signal);
    return waitFor('imago to exit', () => this.exit, 15000).catch((e: unknown) => {
      this.#child.kill('SIGKILL');
      throw e;
    });
  }

  kill(): void {
    if (!this.exit) this.#child.kill('SIGKILL');
  }
}
