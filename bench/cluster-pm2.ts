// The PM2 half of the cluster bench (bench/cluster.ts): the same server compiled to plain JavaScript,
// `pm2 start server.js -i 4`, the same load, and RELOADS changes each made as a PM2 user makes them:
// the handler saved, then `pm2 reload`. Once as the app is, once with the graceful stop PM2's
// documentation asks for.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep, tempProject } from '../test/helpers/project.js';
import { alive, compiled, freePort, handler, Pm2, REPO, server } from './cluster-app.js';
import type { LoadShape } from './cluster-imago.js';
import { ClusterLoad, probedWindow, type Sample, whenAllServe } from './cluster-load.js';

export interface Pm2Reload {
  /** `pm2 reload`'s own time (a node process started, the daemon asked, the workers restarted one by one). */
  readonly commandMs: number;
  /** Save to as many distinct pids as workers answering with the new version (null: not within 30 s). */
  readonly allServeMs: number | null;
}

export interface Pm2Result {
  readonly version: string;
  readonly graceful: boolean;
  readonly reloads: Pm2Reload[];
  readonly samples: Sample[];
  readonly quiet: readonly [number, number];
  readonly changeWindows: Array<readonly [number, number]>;
  readonly editPhase: readonly [number, number];
  readonly load: readonly [number, number];
  /** The daemon and worker pids still alive 3 s after `pm2 kill`. */
  readonly leftRunning: number[];
}

/** `graceful`: the server closes on SIGINT and exits when its requests have ended (bench/cluster-app.ts). */
export async function measurePm2Cluster(shape: LoadShape, reloads: number, graceful: boolean): Promise<Pm2Result> {
  const loadBefore = os.loadavg()[0]!;
  const project = tempProject({ 'server.js': compiled('server.ts', server(graceful)), 'handler.js': compiled('handler.ts', handler('v0')) });
  const pm2 = new Pm2(project.dir);
  let load: ClusterLoad | null = null;
  const pids = new Set<number>();
  let daemon: number | null = null;
  try {
    const port = await freePort();
    await pm2.start(shape.workers, port);
    daemon = pm2.daemonPid();
    load = new ClusterLoad(port, shape.connections, shape.pauseMs);
    if ((await whenAllServe(load, 'v0', shape.workers, 0, 30_000)) === null)
      throw new Error(`fewer than ${shape.workers} PM2 workers answered in 30 s: pids ${[...new Set(load.samples.map((s) => s.pid))].join(', ')}`);
    await sleep(2000);

    const quiet = await probedWindow(load, shape.quietMs);

    const done: Pm2Reload[] = [];
    const changeWindows: Array<readonly [number, number]> = [];
    for (let i = 1; i <= reloads; i++) {
      project.write({ 'handler.js': compiled('handler.ts', handler(`v${i}`)) });
      const written = performance.now();
      const served = whenAllServe(load, `v${i}`, shape.workers, written, 30_000);
      const commandMs = await pm2.reload();
      const at = await served;
      done.push({ commandMs, allServeMs: at === null ? null : at - written });
      changeWindows.push([written, Math.max(written + commandMs, at ?? written)]);
      await sleep(200 + (i % 5) * 40);
    }
    await load.stop();
    for (const s of load.samples) if (s.failure === null) pids.add(s.pid);
    return {
      version: pm2Version(),
      graceful,
      reloads: done,
      samples: load.samples,
      quiet,
      changeWindows,
      editPhase: [changeWindows[0]![0], changeWindows.at(-1)![1]],
      load: [loadBefore, os.loadavg()[0]!],
      leftRunning: await stopPm2(pm2, daemon, pids),
    };
  } finally {
    await load?.stop();
    if (fs.existsSync(pm2.home)) await stopPm2(pm2, daemon, pids).catch(() => undefined);
    project.remove();
  }
}

function pm2Version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'bench', 'peers', 'node_modules', 'pm2', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** `pm2 kill`; returns the pids (daemon, workers) still alive 3 s later. */
async function stopPm2(pm2: Pm2, daemon: number | null, workers: ReadonlySet<number>): Promise<number[]> {
  await pm2.kill();
  await sleep(3000);
  return [...(daemon === null ? [] : [daemon]), ...workers].filter(alive);
}
