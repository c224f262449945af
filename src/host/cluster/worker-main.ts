// A worker process of `imago run --cluster`: the program's image, loaded on the texts the primary
// sends, driven like the program under `imago run` (start/tick/stop), and a member of the primary's
// cohort: every change comes from the primary, which watches and type-checks for all (cluster/primary.ts).

import cluster from 'node:cluster';
import path from 'node:path';
import { createImage } from '../../index.js';
import { Lifecycle } from '../../runtime/lifecycle.js';
import { loadOn, serveCoordinator } from '../cohort/member.js';
import { isToMember, TAG, type ToCoordinator } from '../cohort/messages.js';
import { ShippedModules } from '../cohort/shipped.js';
import { createNodeHost } from '../node-host.js';
import { Reporter } from '../report.js';
import { catchRuntimeErrors } from '../runtime-errors.js';
import { onWorkerStart, useWorkerSettings } from '../workers.js';
import { type ClusterWorkerSettings, type FromWorker, isClusterMessage, type ToWorker, WORKER_ENV } from './wire.js';

const settings = JSON.parse(process.env[WORKER_ENV] ?? 'null') as ClusterWorkerSettings | null;
if (!settings || !process.send) {
  process.stderr.write('imago: this file is the worker of `imago run --cluster`; run `imago run --cluster <n> <entry.ts>`\n');
  process.exit(2);
}
const send = (m: FromWorker | ToCoordinator): void => {
  if (process.connected) process.send!(m);
};
const id = cluster.worker?.id ?? '?';
process.argv = [process.argv[0] ?? process.execPath, settings.entry, ...settings.args];
useWorkerSettings(settings.settings);
// Threads this worker starts run through imago's loader, but only the primary's workers take changes.
onWorkerStart((file) =>
  out.line(
    `a worker thread runs ${path.relative(settings.root, file)}; under --cluster, threads do not take changes yet: they run the code they started with (docs/scaling.md#limits)`,
  ),
);
// Each change's modules come compiled from the primary (cohort/shipped.ts).
const shipped = new ShippedModules();
const host = createNodeHost({ compileCache: shipped });
const image = createImage({
  host,
  entry: settings.entry,
  root: settings.root,
  aliases: settings.settings.aliases,
  compileOptions: settings.settings.compile,
  // Changes land between ticks, as in one process.
  safePoint: () => lifecycle?.safePoint() ?? Promise.resolve(),
});
// The primary's terminal and events file say what happened here, named by worker.
const out = new Reporter((text) => process.stderr.write(text.replace(/^\[imago\] /gm, `[imago worker ${id}] `)));
const errors = catchRuntimeErrors(image, out);
image.subscribe((event) => {
  if (event.kind === 'error' || event.kind === 'warning') send({ imago: TAG, t: 'event', event });
  // A change that applies resumes a tick paused by an error, as in one process.
  if (event.kind === 'reload' && event.ok && lifecycle?.paused) {
    lifecycle.resume();
    out.line('tick resumed');
  }
});
let lifecycle: Lifecycle | null = null;
let member: ReturnType<typeof serveCoordinator> | null = null;

async function start(texts: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const loaded = await loadOn(image, settings!.entry, texts);
  if (loaded.kind === 'rejected') {
    send({ imago: TAG, t: 'failed', phase: loaded.phase, errors: loaded.errors });
    process.exitCode = 1;
    process.disconnect();
    return;
  }
  member = serveCoordinator(image, send, shipped);
  lifecycle = new Lifecycle({
    host,
    exports: () => image.entry,
    tickMs: settings!.tickMs,
    onError: errors.report,
    onNotice: (m) => out.line(m),
    holding: () => image.committing,
  });
  if (lifecycle.drives || typeof image.entry?.['start'] === 'function') await lifecycle.start();
  send({ imago: TAG, t: 'loaded' });
}

async function stop(): Promise<void> {
  await lifecycle?.stop();
  member?.dispose();
  image.dispose();
  errors.dispose();
  process.disconnect();
}

process.on('message', (m: unknown) => {
  if (isToMember(m)) member?.heard(m);
  else if (isClusterMessage<ToWorker>(m)) {
    if (m.t === 'start') void start(m.texts);
    else void stop();
  }
});
// A message that comes before a listener is dropped: the primary sends the texts once this one listens.
send({ imago: TAG, t: 'listening' });
