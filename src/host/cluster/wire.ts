// What imago's cluster primary and its worker processes say to each other besides a cohort's steps
// (cohort/messages.ts), over the cluster's IPC channel: the worker's settings go in its environment.

import type { Diagnostic } from '../../compile/diagnostic.js';
import type { ImageEvent, Phase } from '../../runtime/events.js';
import { TAG } from '../cohort/messages.js';
import type { WorkerSettings } from '../workers.js';

/** The environment variable a worker process finds its settings in. */
export const WORKER_ENV = 'IMAGO_CLUSTER_WORKER';

export interface ClusterWorkerSettings {
  readonly entry: string;
  readonly root: string;
  readonly tickMs: number;
  /** The program's own arguments (process.argv after the entry). */
  readonly args: readonly string[];
  readonly settings: WorkerSettings;
}

export type ToWorker =
  /** Load the program on these texts (what the cluster runs now; the files may hold a rejected edit). */
  | { readonly imago: typeof TAG; readonly t: 'start'; readonly texts: ReadonlyArray<readonly [string, string]> }
  /** Stop the program (its stop()) and exit. */
  | { readonly imago: typeof TAG; readonly t: 'stop' };

export type FromWorker =
  /** The worker listens: the primary may send `start`. */
  | { readonly imago: typeof TAG; readonly t: 'listening' }
  | { readonly imago: typeof TAG; readonly t: 'loaded' }
  | { readonly imago: typeof TAG; readonly t: 'failed'; readonly phase: Phase; readonly errors: readonly Diagnostic[] }
  /** An event of the worker's image the primary's events file and terminal say (runtime errors, warnings). */
  | { readonly imago: typeof TAG; readonly t: 'event'; readonly event: ImageEvent };

export function isClusterMessage<T extends { readonly t: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && (m as { imago?: unknown }).imago === TAG;
}
