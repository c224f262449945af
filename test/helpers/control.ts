// Helpers for control-channel tests: a program under `imago run`, and a raw JSON-lines client of its socket.

import net from 'node:net';
import path from 'node:path';
import { CliRun } from './cli.js';
import { type TempProject, tempProject } from './project.js';

/** A module of live instances the control tests share: a class, an array of its instances, a function. */
export const WORLD = `export class Critter {
  x = 0;
  y = 0;
  move(dx: number) { this.x += dx; }
}
export let critters: Critter[] = [new Critter(), new Critter()];
export function count(): number { return critters.length; }
`;

export type Message = { readonly kind: string; readonly id?: number | string | null; readonly [k: string]: unknown };

/** A client that speaks the protocol by hand: requests by id, events and errors kept in order. */
export class RawClient {
  readonly received: Message[] = [];
  closed = false;
  #buffer = '';
  #next = 1;
  readonly #waiting = new Map<number | string, (m: Message) => void>();

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let i = this.#buffer.indexOf('\n'); i !== -1; i = this.#buffer.indexOf('\n')) {
        const m = JSON.parse(this.#buffer.slice(0, i)) as Message;
        this.#buffer = this.#buffer.slice(i + 1);
        this.received.push(m);
        if (m.id !== undefined && m.id !== null) {
          this.#waiting.get(m.id)?.(m);
          this.#waiting.delete(m.id);
        }
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static connect(file: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(file);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends `request` with a fresh id and waits for its reply. */
  ask(request: Record<string, unknown>, ms = 20000): Promise<Message> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(request)} in ${ms} ms`)), ms);
      this.#waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.socket.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  eval(code: string, extra: Record<string, unknown> = {}): Promise<Message> {
    return this.ask({ kind: 'eval', code, ...extra });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface Running {
  readonly project: TempProject;
  readonly cli: CliRun;
  readonly socket: string;
  stop(): Promise<void>;
}

/** Runs `imago run [args] main.ts` in a new project of `files` and waits until the program is ready. */
export async function runWithControl(files: Record<string, string>, args: readonly string[] = []): Promise<Running> {
  const project = tempProject({ 'package.json': '{"type":"module"}', ...files });
  const cli = CliRun.run(project.dir, [...args, 'main.ts']);
  await cli.until('ready', () => cli.events().some((e) => e.kind === 'ready'), 30000);
  return {
    project,
    cli,
    socket: path.join(project.dir, '.imago', 'control.sock'),
    async stop() {
      await cli.stop();
      project.remove();
    },
  };
}

/** The text of a `value` reply, or the whole reply as JSON when it is something else (for assertion messages). */
export function printed(m: Message): string {
  return m.kind === 'value' ? String(m['text']) : `<${m.kind}> ${JSON.stringify(m)}`;
}
