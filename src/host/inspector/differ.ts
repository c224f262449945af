// Asks the diff worker (diff-worker.ts) for diffs: one worker thread, started at the first diff asked
// for and kept (unref'd: it never keeps the program alive); a worker that fails is started again at the
// next diff, and the diffs it owed are answered as failed.

import { Worker } from 'node:worker_threads';
import type { DiffAnswered, DiffAsked } from './diff-worker.js';

export class Differ {
  #worker: Worker | null = null;
  readonly #waiting = new Map<number, (patch: string | null | Error) => void>();
  #next = 1;

  /** The unified diff of two texts (null: they differ too much to diff in time), or an Error. */
  diff(file: string, before: string | null, after: string | null): Promise<string | null | Error> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      worker.postMessage({ id, file, before, after } satisfies DiffAsked);
    });
  }

  dispose(): void {
    void this.#worker?.terminate();
    this.#worker = null;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./diff-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (m: DiffAnswered) => {
      this.#waiting.get(m.id)?.(m.patch);
      this.#waiting.delete(m.id);
    });
    const fail = (e: Error): void => {
      if (this.#worker === worker) this.#worker = null;
      for (const resolve of this.#waiting.values()) resolve(e);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the diff worker ended (exit code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
