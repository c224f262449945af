// Workers whose entry is a project TypeScript file (`new Worker(new URL('./w.ts', import.meta.url))`)
// start through imago's loader: the worker runs worker-entry.js, which loads the file as an image of its
// own, on the texts the program runs now, and joins the program's cohort (cohort/): an edit to a module
// it holds is one change with the program's. The program sees `node:worker_threads` with this Worker
// class, and inside such a worker, `workerData` as the program passed it.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type { CompileOptions } from '../compile/transpile.js';
import type { PathAliases } from '../runtime/resolve.js';

const BOOTSTRAP = fileURLToPath(new URL('./worker-entry.js', import.meta.url));
const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/** What imago wraps the program's `workerData` in, to tell the worker which file to load. */
export const ENVELOPE = '__imago_worker';
export interface WorkerEnvelope {
  readonly entry: string;
  readonly data: unknown;
  /** The project's settings, as the program's image compiles and resolves with them. */
  readonly settings: WorkerSettings | null;
  /** The worker's end of its channel to the cohort's coordinator, and the texts it starts on (null: no cohort). */
  readonly cohort: { readonly port: WorkerThreads.MessagePort; readonly texts: ReadonlyArray<readonly [string, string]> } | null;
}

/** Where workers started from now on join a cohort (the session's coordinator, or the worker's own channel to it). */
export interface WorkerCohort {
  /** A worker on `file` started: the coordinator's end of its channel. */
  join(port: WorkerThreads.MessagePort, threadId: number, file: string): void;
  /** The texts a new worker starts on (what the program runs now). */
  texts(): ReadonlyMap<string, string>;
}

let cohort: WorkerCohort | null = null;

/** Workers started from now on join `next`, until the returned function is called. */
export function useWorkerCohort(next: WorkerCohort): () => void {
  cohort = next;
  return () => {
    if (cohort === next) cohort = null;
  };
}

/** What a worker's image takes from the program's: tsconfig paths and the settings that change what runs. */
export interface WorkerSettings {
  readonly aliases: PathAliases | null;
  readonly compile: CompileOptions;
}

let settings: WorkerSettings | null = null;

/** Workers started from now on compile and resolve with `next` (the session's), until the returned function is called. */
export function useWorkerSettings(next: WorkerSettings): () => void {
  settings = next;
  return () => {
    if (settings === next) settings = null;
  };
}

/** Told of every project file a worker starts (the session says that its edits apply on restart). */
export type WorkerListener = (file: string) => void;
const listeners = new Set<WorkerListener>();

/** Hears of workers started on project files until the returned function is called. */
export function onWorkerStart(listener: WorkerListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Told of a worker on a project file that threw (its thread ended). */
export type WorkerCrashListener = (file: string, threadId: number, error: unknown) => void;
const crashListeners = new Set<WorkerCrashListener>();

/** Hears of workers on project files that threw, until the returned function is called. */
export function onWorkerCrash(listener: WorkerCrashListener): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** The project TypeScript file a Worker's first argument names, or null (a .js file, code to eval). */
function typeScriptEntry(filename: unknown, options: WorkerThreads.WorkerOptions | undefined): string | null {
  if (options?.eval) return null;
  let file: string | null = null;
  if (typeof filename === 'string') file = filename.startsWith('file:') ? fileURLToPath(filename) : path.resolve(filename);
  else if (filename instanceof URL && filename.protocol === 'file:') file = fileURLToPath(filename);
  return file && TYPESCRIPT.test(file) ? file : null;
}

/** `node:worker_threads` as project code sees it under imago. */
export function workerThreadsFor(real: typeof WorkerThreads): object {
  const Real = real.Worker;
  class Worker extends Real {
    constructor(filename: string | URL, options?: WorkerThreads.WorkerOptions) {
      const entry = typeScriptEntry(filename, options);
      if (!entry) {
        super(filename, options);
        return;
      }
      const joining = cohort;
      const channel = joining ? new real.MessageChannel() : null;
      const envelope: WorkerEnvelope = {
        entry,
        data: options?.workerData,
        settings,
        cohort: channel && joining ? { port: channel.port2, texts: [...joining.texts()] } : null,
      };
      const transferList = [...(options?.transferList ?? []), ...(channel ? [channel.port2] : [])];
      super(BOOTSTRAP, { ...options, workerData: { [ENVELOPE]: envelope }, transferList });
      if (channel && joining) joining.join(channel.port1, this.threadId, entry);
      for (const l of listeners) l(entry);
      const threadId = this.threadId;
      // A worker that throws is said (its modules take no changes from now on); the program's own
      // 'error' handlers see it as before, and with none the error is thrown as Node would.
      this.on('error', (e: unknown) => {
        for (const l of crashListeners) l(entry, threadId, e);
        if (this.listenerCount('error') === 1) throw e;
      });
    }
  }
  const data = real.workerData as Record<string, unknown> | null | undefined;
  const workerData = data && typeof data === 'object' && ENVELOPE in data ? (data[ENVELOPE] as WorkerEnvelope).data : real.workerData;
  const namespace = { ...real, Worker, workerData };
  return { ...namespace, default: namespace };
}
