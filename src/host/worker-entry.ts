// The entry of a worker started on a project TypeScript file (workers.ts): loads the file as an image
// in this thread, on the texts the program runs now, joins the program's cohort (its edits apply here
// with the program's: cohort/), maps its stack traces, and reports a failure to load as Node reports a
// worker's.

import fs from 'node:fs';
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import { formatDiagnostic } from '../compile/diagnostic.js';
import { createImage } from '../index.js';
import { loadOn, serveCoordinator } from './cohort/member.js';
import { isToMember, TAG } from './cohort/messages.js';
import { ShippedModules } from './cohort/shipped.js';
import { createNodeHost } from './node-host.js';
import { ENVELOPE, useWorkerCohort, useWorkerSettings, type WorkerEnvelope } from './workers.js';

/** The nearest folder at or above `dir` with a package.json, as for the program itself. */
function rootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

const { entry, settings, cohort } = (workerData as Record<string, WorkerEnvelope>)[ENVELOPE]!;
// Workers this one starts take the same settings, and join the same cohort through this worker's channel.
if (settings) useWorkerSettings(settings);
// Each change's modules come compiled from the program's thread (cohort/shipped.ts).
const shipped = new ShippedModules();
const image = createImage({
  host: createNodeHost({ compileCache: shipped }),
  entry,
  root: rootOf(path.dirname(entry)),
  ...(settings ? { aliases: settings.aliases, compileOptions: settings.compile } : {}),
});
const port = cohort?.port ?? null;
if (port)
  useWorkerCohort({
    join: (p, threadId, file) => port.postMessage({ imago: TAG, t: 'adopt', threadId, file, port: p }, [p]),
    texts: () => image.introspection.texts(),
  });
// The program's modules as they run, not as the files say (an edit rejected since is on disk).
const loaded = await loadOn(image, entry, cohort?.texts ?? []);
if (loaded.kind === 'rejected') {
  const details = loaded.errors.map((d) => formatDiagnostic(d)).join('\n');
  throw new Error(`imago could not start the worker ${path.basename(entry)} (${loaded.phase}):\n${details}`);
}
if (port) {
  const member = serveCoordinator(image, (m) => port.postMessage(m), shipped);
  port.on('message', (m: unknown) => {
    if (isToMember(m)) member.heard(m);
  });
  port.unref();
}
