// The imago half of the cluster bench (bench/cluster.ts): `imago run --cluster 4` of the server in
// bench/cluster-app.ts under a bounded load, then EDITS saved changes to its handler module, then a
// change that throws in worker 2 only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliRun, type Event } from '../test/helpers/cli.js';
import { sleep, tempProject } from '../test/helpers/project.js';
import { alive, EventsTail, freePort, handler, server } from './cluster-app.js';
import { Burner } from './cluster-burn.js';
import { ClusterLoad, probedWindow, type Sample, whenAllServe } from './cluster-load.js';

export interface LoadShape {
  readonly workers: number;
  readonly connections: number;
  readonly pauseMs: number;
  readonly quietMs: number;
}

/** A change: save to every worker answering with it, and to its reload event (null: not within CHANGE_WAIT_MS). */
export interface ImagoChange {
  readonly allServeMs: number | null;
  readonly eventMs: number | null;
  readonly event: Event | null;
}

export interface ImagoResult {
  readonly pids: number[];
  readonly readyWorkers: unknown;
  readonly changes: ImagoChange[];
  readonly samples: Sample[];
  /** performance.now() windows: the quiet one before the changes, each change (save to the later of its two ends), the changes' phase, the quiet one after. */
  readonly quiet: readonly [number, number];
  readonly changeWindows: Array<readonly [number, number]>;
  /** After each change, a window of the same length without one, between the changes (the probe running as in a change). */
  readonly betweenWindows: Array<readonly [number, number]>;
  /** Likewise, with a burst of CONTROL_BURST_MS on both cores in a process that is not imago (the control). */
  readonly burstWindows: Array<readonly [number, number]>;
  readonly editPhase: readonly [number, number];
  readonly quietAfter: readonly [number, number];
  readonly rejected: {
    readonly event: Event | null;
    readonly eventMs: number | null;
    /** Answers with the version that throws in worker 2, from its save to REJECT_WATCH_MS after its event (goal 0), of `answers`. */
    readonly newVersionAnswers: number;
    readonly answers: number;
    /** Each such answer: its worker, when its request started and ended (ms after the save), whether the probe sent it. */
    readonly newVersionSeen: Array<{ readonly pid: number; readonly startMs: number; readonly endMs: number; readonly probe: boolean }>;
    /** In the REJECT_WATCH_MS after the event, each pid's versions answered. */
    readonly versionsByPid: Array<[number, string[]]>;
    /** A good change right after: save to all workers serving it (null: they did not). */
    readonly recoveredMs: number | null;
  };
  /** Load average (1 min) when the half started and ended. */
  readonly load: readonly [number, number];
  /** Pids of the primary and the workers still alive 3 s after imago was stopped. */
  readonly leftRunning: number[];
  readonly stderrTail: string;
}

const CHANGE_WAIT_MS = 10_000;
/** The control's burst, on each core: 4 ms of CPU in all, less than a type check of one file takes. */
export const CONTROL_BURST_MS = 2;
const REJECT_WATCH_MS = 2000;

/** Resolves with the first reload event after the `before`-th one, and when it was read; null after `ms`. */
async function nextReload(tail: EventsTail, before: number, ms: number): Promise<{ event: Event; at: number } | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const r = tail.reloads()[before];
    if (r) return r;
    await sleep(2);
  }
  return null;
}

/** Saves `text` to the handler and waits for its reload event and for `count` of `pids` answering `version`. */
async function change(
  project: ReturnType<typeof tempProject>,
  tail: EventsTail,
  load: ClusterLoad,
  text: string,
  version: string,
  pids: ReadonlySet<number>,
): Promise<ImagoChange & { readonly written: number; readonly done: number }> {
  const before = tail.reloads().length;
  project.write({ 'handler.ts': text });
  const written = performance.now();
  const [served, reload] = await Promise.all([whenAllServe(load, version, pids.size, written, CHANGE_WAIT_MS, pids), nextReload(tail, before, CHANGE_WAIT_MS)]);
  return {
    allServeMs: served === null ? null : served - written,
    eventMs: reload === null ? null : reload.at - written,
    event: reload?.event ?? null,
    written,
    done: Math.max(served ?? written, reload?.at ?? written),
  };
}

export async function measureImagoCluster(shape: LoadShape, edits: number): Promise<ImagoResult> {
  const loadBefore = os.loadavg()[0]!;
  const project = tempProject({ 'server.ts': server(false), 'handler.ts': handler('v0') });
  const port = await freePort();
  const events = path.join(project.dir, '.events.ndjson');
  const cli = new CliRun(project.dir, ['run', '--events', events, '--cluster', String(shape.workers), '--no-control', 'server.ts'], events, [], {
    env: { PORT: String(port) },
  });
  const tail = new EventsTail(events);
  let load: ClusterLoad | null = null;
  let pids: number[] = [];
  const burner = new Burner();
  try {
    const ready = await cli.until('ready', () => tail.seen.find((e) => e.event.kind === 'ready'), 120_000);
    load = new ClusterLoad(port, shape.connections, shape.pauseMs);
    if ((await whenAllServe(load, 'v0', shape.workers, 0, 30_000)) === null)
      throw new Error(`fewer than ${shape.workers} workers answered in 30 s: pids ${[...new Set(load.samples.map((s) => s.pid))].join(', ')}`);
    await sleep(2000);
    pids = [...new Set(load.samples.filter((s) => s.failure === null).map((s) => s.pid))];
    const pidSet = new Set(pids);

    const quiet = await probedWindow(load, shape.quietMs);

    const changes: ImagoChange[] = [];
    const changeWindows: Array<readonly [number, number]> = [];
    const betweenWindows: Array<readonly [number, number]> = [];
    const burstWindows: Array<readonly [number, number]> = [];
    for (let i = 1; i <= edits; i++) {
      const c = await change(project, tail, load, handler(`v${i}`), `v${i}`, pidSet);
      changes.push({ allServeMs: c.allServeMs, eventMs: c.eventMs, event: c.event });
      changeWindows.push([c.written, c.done]);
      // Apart, as a user saves (the watcher sees each save as one change); meanwhile, two windows as
      // long as this change's: one with nothing happening, one with the control's burst.
      await sleep(60 + (i % 5) * 13);
      betweenWindows.push(await probedWindow(load, c.done - c.written));
      await sleep(60 + (i % 5) * 13);
      void burner.burn(CONTROL_BURST_MS);
      burstWindows.push(await probedWindow(load, c.done - c.written));
      await sleep(60 + (i % 5) * 13);
    }
    const editPhase = [changeWindows[0]![0], changeWindows.at(-1)![1]] as const;

    const quietAfter = await probedWindow(load, shape.quietMs / 2);

    // The change that throws in worker 2: its reload event, then REJECT_WATCH_MS of answers (the probe
    // asking every worker); any answer with its version from the save on breaks the all-or-nothing rule.
    const before = tail.reloads().length;
    project.write({ 'handler.ts': handler('bad', 2) });
    const written = performance.now();
    const reload = await nextReload(tail, before, CHANGE_WAIT_MS);
    const watch = await probedWindow(load, REJECT_WATCH_MS);
    const answers = load.samples.filter((s) => s.failure === null && s.end >= written);
    const byPid = new Map<number, Set<string>>();
    for (const s of answers.filter((x) => x.start >= watch[0])) byPid.set(s.pid, (byPid.get(s.pid) ?? new Set()).add(s.version));
    const recovered = await change(project, tail, load, handler(`v${edits + 1}`), `v${edits + 1}`, pidSet);

    await load.stop();
    return {
      pids,
      readyWorkers: ready.event['workers'],
      changes,
      samples: load.samples,
      quiet,
      changeWindows,
      betweenWindows,
      burstWindows,
      editPhase,
      quietAfter,
      rejected: {
        event: reload?.event ?? null,
        eventMs: reload === null ? null : reload.at - written,
        newVersionAnswers: answers.filter((s) => s.version === 'bad').length,
        answers: answers.length,
        newVersionSeen: answers
          .filter((s) => s.version === 'bad')
          .map((s) => ({ pid: s.pid, startMs: s.start - written, endMs: s.end - written, probe: s.probe })),
        versionsByPid: [...byPid].map(([pid, v]) => [pid, [...v]]),
        recoveredMs: recovered.allServeMs,
      },
      load: [loadBefore, os.loadavg()[0]!],
      leftRunning: await stopImago(cli, pids),
      stderrTail: cli.stderr.slice(-3000),
    };
  } finally {
    burner.stop();
    await load?.stop();
    tail.dispose();
    if (!cli.exit) await stopImago(cli, pids);
    project.remove();
  }
}

/**
 * Stops imago (SIGTERM, as Ctrl-C would); returns the pids of it and its workers still alive 3 s later
 * (then ended with SIGKILL, so the bench leaves nothing behind; the report names them).
 */
async function stopImago(cli: CliRun, workers: readonly number[]): Promise<number[]> {
  await cli.stop().catch(() => cli.kill());
  await sleep(3000);
  const left = [cli.pid, ...workers].filter(alive);
  // Only a process still in the project's folder is ours (a pid may have been taken again meanwhile).
  for (const pid of left) if (cwdOf(pid) === cli.dir) process.kill(pid, 'SIGKILL');
  return left;
}

function cwdOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // Gone, or not ours to read.
    return null;
  }
}
