// Checker threads and TypeScript's processes under them: a thread started, retired with its process, a
// process killed, and whether one is still there (a zombie not yet reaped counts as ended).

import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ToChecker } from './protocol.js';

/** Ends process `pid` (TypeScript's, under a checker), if there is one. */
export function killProcess(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

/** True when process `pid` is still there (a zombie not yet reaped counts as ended). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Ends a checker thread that is no longer the gate's, and its TypeScript process: the process is killed
 * and the thread is given a moment to hear of it before it ends (the thread that started a child process
 * is the one that reaps it: a thread ended at once leaves a zombie behind for every restart).
 */
export function retire(worker: Worker, pid: number | null): void {
  killProcess(pid);
  const close: ToChecker = { kind: 'close' };
  worker.postMessage(close);
  setTimeout(() => void worker.terminate(), 1000).unref();
}

/** How long a checker must have lived for its loss to start a new one at once (not a loop of losses). */
export const EAGER_AFTER_MS = 5000;

/** How a thread ended before anyone listened (a prestarted one that failed as it loaded). */
export const endedEarly = new WeakMap<Worker, string>();

export function newCheckerThread(): Worker {
  // What the thread (and TypeScript's process under it) writes goes to imago's stderr as is.
  const worker = new Worker(new URL('./checker-thread.js', import.meta.url), { stdout: false, stderr: false });
  // The checker keeps the program alive only while it is asked something (see #hold).
  worker.unref();
  // Heard from the start: an error event nobody listens to would end imago itself.
  worker.once('error', (e) => endedEarly.set(worker, e.message));
  worker.once('exit', (code) => {
    if (!endedEarly.has(worker)) endedEarly.set(worker, `exit code ${code}`);
  });
  return worker;
}
