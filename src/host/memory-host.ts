// A host whose files live in a Map and whose clock can be driven by hand: runtime tests (and anything
// else that runs an image of files it holds itself) need neither the disk nor sleeps. Code compiles and
// packages load as on the Node host; only files and time differ. The same contract tests run against
// both hosts (test/host-contract.test.ts).

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { FileRead, Host, Timers } from '../runtime/host.js';
import { moduleKindOf } from '../runtime/module-kind.js';
import { lowerDecorators } from './decorator-lowering.js';
import { createInstanceFinder } from './instances.js';
import { captureTimers } from './node-host.js';

/** A clock moved by `advance`: timers run in time order, immediates first, when their time comes. */
export class ManualClock {
  #now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: (...args: unknown[]) => void; args: unknown[]; every: number | null }>();

  now(): number {
    return this.#now;
  }

  /** Moves time on by `ms`, running every timer that falls due on the way (timers they set too). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let id = -1;
      let at = Infinity;
      for (const [k, t] of this.#due) if (t.at < at || (t.at === at && k < id)) [id, at] = [k, t.at];
      if (id < 0 || at > end) break;
      const timer = this.#due.get(id)!;
      this.#now = Math.max(this.#now, at);
      if (timer.every === null) this.#due.delete(id);
      else timer.at = this.#now + Math.max(1, timer.every);
      timer.fn(...timer.args);
    }
    this.#now = end;
  }

  /** Timer functions over this clock; handles are objects, as Node's are. */
  readonly timers: Timers = {
    setTimeout: (fn, ms = 0, ...args) => this.#add(fn, Math.max(1, ms), null, args),
    setInterval: (fn, ms = 0, ...args) => this.#add(fn, Math.max(1, ms), Math.max(1, ms), args),
    setImmediate: (fn, ...args) => this.#add(fn, 0, null, args),
    clearTimeout: (h) => this.#clear(h),
    clearInterval: (h) => this.#clear(h),
    clearImmediate: (h) => this.#clear(h),
  };

  #add(fn: (...args: unknown[]) => void, ms: number, every: number | null, args: unknown[]): { readonly id: number } {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, fn, args, every });
    return { id };
  }

  #clear(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle) this.#due.delete((handle as { id: number }).id);
  }
}

export interface MemoryHost extends Host {
  /** Writes files (absolute path -> text; null deletes). */
  write(files: Readonly<Record<string, string | null>>): void;
  /** Makes a file unreadable with an error code (EACCES, ELOOP, EISDIR, EIO...), until it is written. */
  breakFile(file: string, code: string, message: string): void;
  /** The manual clock, when the host was made with one. */
  readonly clock: ManualClock | null;
}

export interface MemoryHostOptions {
  /** Files to start with (absolute path -> text). */
  readonly files?: Readonly<Record<string, string>>;
  /** Drive time by hand (ManualClock) instead of the platform's timers. */
  readonly manualClock?: boolean;
}

/** A host over files held in memory. */
export function createMemoryHost(options: MemoryHostOptions = {}): MemoryHost {
  const files = new Map<string, string>(Object.entries(options.files ?? {}));
  const broken = new Map<string, { code: string; message: string }>();
  /** How many times each file was written (its reads' stamps: the same save read twice has one). */
  const writes = new Map<string, number>();
  const clock = options.manualClock ? new ManualClock() : null;
  const timers: Timers = clock?.timers ?? captureTimers();
  return {
    async readFile(file): Promise<FileRead> {
      const problem = broken.get(file);
      if (problem) return { kind: 'unreadable', ...problem };
      const text = files.get(file);
      return text === undefined ? { kind: 'missing' } : { kind: 'text', text, stamp: `${file}#${writes.get(file) ?? 0}` };
    },
    isFile: (file) => files.has(file) || broken.has(file),
    compileFunction(code, params, filename) {
      return vm.compileFunction(code, [...params], { filename }) as (...args: unknown[]) => unknown;
    },
    async importPlatform(specifier) {
      return (await import(specifier)) as object;
    },
    requirePlatform(specifier) {
      return createRequire(import.meta.url)(specifier);
    },
    resolvePlatform(specifier) {
      return createRequire(import.meta.url).resolve(specifier);
    },
    lowerDecorators,
    moduleKind(file) {
      return moduleKindOf(file, path.posix.dirname, (dir) => {
        const text = files.get(path.posix.join(dir, 'package.json'));
        if (text === undefined) return null;
        try {
          const type = (JSON.parse(text) as { type?: unknown }).type;
          return typeof type === 'string' ? type : '';
        } catch {
          return '';
        }
      });
    },
    findInstances: createInstanceFinder(),
    fileUrl: (file) => pathToFileURL(file).href,
    paths: { dirname: path.posix.dirname, resolve: path.posix.resolve, relative: path.posix.relative, isAbsolute: path.posix.isAbsolute },
    timers,
    now: () => clock?.now() ?? performance.now(),
    write(changes) {
      for (const [file, text] of Object.entries(changes)) {
        broken.delete(file);
        writes.set(file, (writes.get(file) ?? 0) + 1);
        if (text === null) files.delete(file);
        else files.set(file, text);
      }
    },
    breakFile(file, code, message) {
      broken.set(file, { code, message });
    },
    clock,
  };
}
