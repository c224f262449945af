// The worker threads of a program as its cohort: each worker started on a project file (workers.ts)
// joins the session's coordinator through a MessageChannel of its own; a worker it starts joins through
// its channel (`adopt`). A worker that ends closes its channel: it leaves the cohort then.

import type { MessagePort } from 'node:worker_threads';
import type { WorkerCohort } from '../workers.js';
import { Coordinator, type MemberLink } from './coordinator.js';
import { isAdopt, isToCoordinator } from './messages.js';

/** What workers started from the program join (`useWorkerCohort`), with `texts` the program's own. */
export function threadCohort(coordinator: Coordinator, root: string, texts: () => ReadonlyMap<string, string>): WorkerCohort {
  const join = (port: MessagePort, threadId: number, file: string): void => {
    const link: MemberLink = { name: Coordinator.threadName(root, threadId, file), send: (m) => port.postMessage(m) };
    const heard = coordinator.join(link);
    port.on('message', (m: unknown) => {
      if (isAdopt(m)) join(m.port, m.threadId, m.file);
      else if (isToCoordinator(m)) heard(m);
    });
    port.on('close', () => coordinator.leave(link, 'exited'));
    // The channel never keeps the program alive: the worker does, while it runs.
    port.unref();
  };
  return { join, texts: () => new Map([...coordinator.texts, ...texts()]) };
}
