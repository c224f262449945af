// `imago run --cluster <n>`: imago's primary runs no program; it forks n worker processes with Node's
// cluster module (which shares the program's listening sockets among them), each loading the program
// (worker-main.ts) and joining the primary's cohort as a member: the primary watches, type-checks once,
// and takes every change to all of them in the cohort's steps. A worker that dies is forked again, on
// the code the cluster runs now.

import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../compile/diagnostic.js';
import type { ImageEvent } from '../../runtime/events.js';
import type { Coordinator, MemberLink } from '../cohort/coordinator.js';
import { isToCoordinator, TAG } from '../cohort/messages.js';
import { type ClusterWorkerSettings, type FromWorker, isClusterMessage, type ToWorker, WORKER_ENV } from './wire.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-boot.js', import.meta.url));
/** A worker that dies this soon after it loaded, this many times in a row, is not forked again. */
const EARLY_DEATH_MS = 2000;
const EARLY_DEATHS = 3;
/** How long the primary waits for a worker to stop (its stop()) before it is killed. */
const STOP_MS = 10_000;

export interface ClusterOptions {
  readonly count: number;
  readonly coordinator: Coordinator;
  readonly worker: ClusterWorkerSettings;
  /** The texts the cluster runs now (the members' modules), for a worker forked to start on. */
  readonly texts: () => ReadonlyMap<string, string>;
  readonly notice: (message: string, errors?: readonly Diagnostic[]) => void;
  /** A worker's own event (a runtime error, a warning), for the terminal's and the events file's reporting. */
  readonly publish: (event: ImageEvent) => void;
}

interface Slot {
  worker: Worker;
  link: MemberLink;
  loadedAt: number | null;
}

export class ClusterPrimary {
  readonly #options: ClusterOptions;
  readonly #slots = new Set<Slot>();
  #stopping = false;
  #earlyDeaths = 0;

  constructor(options: ClusterOptions) {
    this.#options = options;
    cluster.setupPrimary({ exec: WORKER_MAIN, args: [], silent: false });
  }

  /** Forks every worker; resolves with the number loaded (a worker that fails to load is said and not forked again). */
  async start(): Promise<number> {
    const loads = Array.from({ length: this.#options.count }, () => this.#fork());
    return (await Promise.all(loads)).filter(Boolean).length;
  }

  /** Workers running now. */
  get size(): number {
    return this.#slots.size;
  }

  /** `worker 1 (pid 4242), worker 2 (pid 4243)`: the workers running now. */
  describe(): string {
    return [...this.#slots].map((s) => `worker ${s.worker.id} (pid ${s.worker.process.pid ?? '?'})`).join(', ') || 'none running now';
  }

  /** Stops every worker (its program's stop()), then resolves; one that does not stop in time is killed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      [...this.#slots].map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.worker.isDead()) return resolve();
            const kill = setTimeout(() => {
              this.#options.notice(
                `worker process ${slot.worker.id} (pid ${slot.worker.process.pid ?? '?'}) did not stop within ${STOP_MS / 1000} s (busy?): it is killed, its stop() did not finish`,
              );
              slot.worker.process.kill('SIGKILL');
            }, STOP_MS);
            slot.worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            this.#send(slot.worker, { imago: TAG, t: 'stop' });
          }),
      ),
    );
  }

  /** Forks one worker on the current texts; resolves true once it loaded, false if it failed to. */
  #fork(): Promise<boolean> {
    const env = { [WORKER_ENV]: JSON.stringify(this.#options.worker) };
    const worker = cluster.fork(env);
    const name = (): string => `worker process ${worker.id} (pid ${worker.process.pid ?? '?'})`;
    const link: MemberLink = {
      get name() {
        return name();
      },
      send: (m) => this.#send(worker, m),
      // Forked again on the texts the cluster runs, as any worker that dies.
      restart: () => worker.process.kill('SIGKILL'),
    };
    const slot: Slot = { worker, link, loadedAt: null };
    this.#slots.add(slot);
    const heard = this.#options.coordinator.join(link);
    return new Promise((resolve) => {
      worker.on('message', (m: unknown) => {
        if (!isClusterMessage<FromWorker>(m)) return;
        // A worker forked while a change is under way starts on what the change leaves, not on the texts before it.
        if (m.t === 'listening')
          void this.#options.coordinator.idle().then(() => this.#send(worker, { imago: TAG, t: 'start', texts: [...this.#options.texts()] }));
        else if (m.t === 'loaded') {
          slot.loadedAt = Date.now();
          resolve(true);
        } else if (m.t === 'failed') {
          this.#options.notice(`${name()} could not load the program (${m.phase}); a worker is forked again when a change applies`, m.errors);
          slot.loadedAt = -1;
          resolve(false);
        } else if (m.t === 'event') this.#options.publish(m.event);
        else if (isToCoordinator(m)) heard(m);
      });
      worker.on('exit', (code, signal) => {
        this.#slots.delete(slot);
        this.#options.coordinator.leave(link, 'exited');
        resolve(false);
        if (this.#stopping || slot.loadedAt === -1) return;
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        if (slot.loadedAt === null || Date.now() - slot.loadedAt < EARLY_DEATH_MS) this.#earlyDeaths++;
        else this.#earlyDeaths = 0;
        if (this.#earlyDeaths >= EARLY_DEATHS) {
          this.#options.notice(
            `${name()} ${how}; ${EARLY_DEATHS} workers died within ${EARLY_DEATH_MS / 1000} s of starting: no more are forked until a change applies`,
          );
          return;
        }
        this.#options.notice(`${name()} ${how}: a new worker is forked on the code the cluster runs now`);
        void this.#fork();
      });
    });
  }

  /** After a change applied, workers that died early or failed to load are forked again (the change may be the fix). */
  refill(): void {
    if (this.#stopping) return;
    this.#earlyDeaths = 0;
    // A worker that failed to load may not have exited yet: it counts as missing.
    const missing = this.#options.count - [...this.#slots].filter((slot) => slot.loadedAt !== -1).length;
    if (missing > 0) this.#options.notice(`forking ${missing} worker${missing > 1 ? 's' : ''} again on the changed code`);
    for (let i = 0; i < missing; i++) void this.#fork();
  }

  #send(worker: Worker, m: ToWorker | Parameters<MemberLink['send']>[0]): void {
    if (!worker.isConnected()) return;
    try {
      worker.send(m);
    } catch {
      // The worker is going away; its exit says so.
    }
  }
}
