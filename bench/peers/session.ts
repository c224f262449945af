// One tool running the sample program: its processes, the status lines they print (each stamped with the
// time the driver read it) and the memory of their process trees.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

/** A status line of the sample program: `tick <n> <marker> state <id> ...`. */
export interface StatusLine {
  /** performance.now() when the driver read the line. */
  readonly at: number;
  readonly tick: number;
  readonly version: string;
  readonly state: string;
}

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  /** Whether its stdout carries the program's status lines (tsc -w's does not). */
  readonly program: boolean;
}

const STATUS = /^tick (\d+) (\S+) state ([0-9a-f]+)/;
/** Lines that are not status lines are kept (the last few) to say why a tool failed. */
const KEPT_OTHER = 40;

type Waiter = { readonly test: (line: StatusLine) => boolean; readonly resolve: (line: StatusLine | null) => void };

/** Sessions still running, stopped by stopAll() when the driver is interrupted. */
const running = new Set<ToolSession>();

/** Stops every session still running (the driver got SIGINT or SIGTERM): no tool outlives the driver. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

export class ToolSession {
  readonly lines: StatusLine[] = [];
  readonly other: string[] = [];
  private readonly children: ChildProcess[] = [];
  private waiters: Waiter[] = [];
  private readonly exited = new Set<ChildProcess>();

  constructor(commands: readonly Command[], cwd: string, env: NodeJS.ProcessEnv) {
    for (const command of commands) {
      // Each tool leads its own process group, so stopping it stops everything it started.
      const child = spawn(command.file, command.args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push(child);
      this.read(child.stdout, command.program);
      this.read(child.stderr, false);
      child.on('exit', () => this.end(child));
      child.on('error', (error) => {
        this.keep(`${command.file}: ${error.message}`);
        this.end(child);
      });
    }
    running.add(this);
  }

  /** True when every process the session started has ended. */
  get ended(): boolean {
    return this.exited.size >= this.children.length;
  }

  /** The first status line from now on (or from `since`, an index into lines) that passes `test`, or null after `timeoutMs`. */
  waitFor(test: (line: StatusLine) => boolean, timeoutMs: number, since = this.lines.length): Promise<StatusLine | null> {
    for (let i = since; i < this.lines.length; i++) if (test(this.lines[i]!)) return Promise.resolve(this.lines[i]!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        test,
        resolve: (line) => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(line);
        },
      };
      const timer = setTimeout(() => waiter.resolve(null), timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Memory of every process the session started and of all their descendants, in bytes: each one's
   * proportional set size (PSS), so pages they share (Node's own code, libraries) count once in all,
   * not once per process. RSS where the kernel has no smaps_rollup.
   */
  treeRss(): number {
    const roots = this.children.map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
    return sumRss(descendantsOf(roots));
  }

  /** Stops every process tree: SIGTERM, then SIGKILL to what is left after a second. */
  async stop(): Promise<void> {
    running.delete(this);
    for (const child of this.children) signalGroup(child, 'SIGTERM');
    const deadline = Date.now() + 1000;
    while (!this.ended && Date.now() < deadline) await sleep(20);
    for (const child of this.children) signalGroup(child, 'SIGKILL');
  }

  private end(child: ChildProcess): void {
    this.exited.add(child);
    if (this.ended) for (const waiter of [...this.waiters]) waiter.resolve(null);
  }

  private read(stream: NodeJS.ReadableStream | null, program: boolean): void {
    if (!stream) return;
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const at = performance.now();
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) this.take(text, at, program);
    });
  }

  private take(text: string, at: number, program: boolean): void {
    const match = program ? STATUS.exec(text) : null;
    if (!match) {
      this.keep(text);
      return;
    }
    const line: StatusLine = { at, tick: Number(match[1]), version: match[2]!, state: match[3]! };
    this.lines.push(line);
    for (const waiter of [...this.waiters]) if (waiter.test(line)) waiter.resolve(line);
  }

  private keep(text: string): void {
    if (text.trim() === '') return;
    this.other.push(text);
    if (this.other.length > KEPT_OTHER) this.other.shift();
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* the group has already ended */
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pids of `roots` and of every process below them, read from /proc (Linux). */
function descendantsOf(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === null) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const found: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function parentOf(pid: number): number | null {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: the fields after its last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null; // the process ended while the table was read
  }
}

function sumRss(pids: readonly number[]): number {
  let bytes = 0;
  for (const pid of pids) {
    const pss = /^Pss:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/smaps_rollup`));
    const rss = pss ? null : /VmRSS:\s+(\d+) kB/.exec(readOr(`/proc/${pid}/status`));
    const kb = pss?.[1] ?? rss?.[1];
    if (kb !== undefined) bytes += Number(kb) * 1024;
  }
  return bytes;
}

/** The file's text, or '' when the process ended while it was read. */
function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
