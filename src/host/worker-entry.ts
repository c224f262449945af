// The entry of a worker started on a project TypeScript file (workers.ts): loads the file as an image
// in this thread, maps its stack traces, and reports a failure to load as Node reports a worker's.

import fs from 'node:fs';
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import { formatDiagnostic } from '../compile/diagnostic.js';
import { createImage } from '../index.js';
import { ENVELOPE, useWorkerSettings, type WorkerEnvelope } from './workers.js';

/** The nearest folder at or above `dir` with a package.json, as for the program itself. */
function rootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

const { entry, settings } = (workerData as Record<string, WorkerEnvelope>)[ENVELOPE]!;
// Workers this one starts take the same settings.
if (settings) useWorkerSettings(settings);
const image = createImage({
  entry,
  root: rootOf(path.dirname(entry)),
  ...(settings ? { aliases: settings.aliases, compileOptions: settings.compile } : {}),
});
const loaded = await image.load();
if (loaded.kind === 'rejected') {
  const details = loaded.errors.map((d) => formatDiagnostic(d)).join('\n');
  throw new Error(`imago could not start the worker ${path.basename(entry)} (${loaded.phase}):\n${details}`);
}
