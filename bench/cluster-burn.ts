// The cluster bench's control (bench/cluster.ts): a process that is not imago, which on each message
// keeps both cores busy for the milliseconds it is told (its main thread and one worker thread), so that
// the report can say what a burst of CPU anywhere on this machine does to the latency of the load,
// measured in the same run as imago's changes.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

const spin = (ms: number): void => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    // Busy on purpose: this is the burst.
  }
};

/** The burner, started as a child process (this file, run by itself). */
export class Burner {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;

  constructor() {
    this.#child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#ready = new Promise((resolve) => this.#child.once('message', () => resolve()));
  }

  /** Keeps both cores busy for `ms` (sent, not awaited: the burst starts at once). */
  async burn(ms: number): Promise<void> {
    await this.#ready;
    this.#child.send(ms);
  }

  stop(): void {
    this.#child.kill();
  }
}

if (isMainThread && process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const helper = new Worker(fileURLToPath(import.meta.url));
  helper.on('online', () => process.send!('ready'));
  process.on('message', (ms: number) => {
    helper.postMessage(ms);
    spin(ms);
  });
  process.on('disconnect', () => process.exit(0));
} else if (!isMainThread) {
  parentPort!.on('message', (ms: number) => spin(ms));
}
