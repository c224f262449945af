// `npm run bench cluster` (issue 22): `imago run --cluster 4` beside PM2's cluster mode, in the same
// run, under the same bounded load on 127.0.0.1 (a kept-alive client, bench/cluster-load.ts):
// 1. failed or refused requests during EDITS saved changes (imago) and RELOADS `pm2 reload`s (goal 0);
// 2. imago's p99 latency of the requests during a change against a quiet window before (goal <= 1.2x),
//    and against windows as long between the changes (the same moments of the run, without a change);
//    the control: those windows with a burst of CPU in a process that is not imago, to show what a few
//    milliseconds of CPU anywhere on this machine do to the same load;
// 3. save to every worker answering with the new version, 4 workers (goal median <= 50 ms); baseline:
//    save to imago's reload event;
// 4. a change that throws in worker 2 only: rejected (reload ok:false) and answered by no worker.
// PM2 runs the app twice: as it is (RELOADS reloads), and with a graceful stop on SIGINT, as PM2's
// documentation asks (GRACEFUL_RELOADS). CLUSTER_EDITS, CLUSTER_PM2_RELOADS and CLUSTER_PM2_GRACEFUL_RELOADS
// (each 0: that run skipped), CLUSTER_CONNECTIONS, CLUSTER_PAUSE_MS, CLUSTER_QUIET_MS change the sizes;
// CLUSTER_ONLY=imago|pm2 runs one side.

import { CONTROL_BURST_MS, type ImagoResult, type LoadShape, measureImagoCluster } from './cluster-imago.js';
import { failureCounts, isRefusal, type Sample, within } from './cluster-load.js';
import { measurePm2Cluster, type Pm2Result } from './cluster-pm2.js';
import { fmt, median, quantile } from './stats.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

export interface ClusterResult {
  readonly shape: LoadShape;
  readonly edits: number;
  readonly pm2Reloads: number;
  /** A half that did not run to its end is its error's message; null: not run (CLUSTER_ONLY). */
  readonly imago: ImagoResult | string | null;
  readonly pm2: Pm2Result | string | null;
  readonly pm2Graceful: Pm2Result | string | null;
}

export async function measureCluster(): Promise<ClusterResult> {
  const shape: LoadShape = {
    workers: 4,
    connections: env('CLUSTER_CONNECTIONS', 8),
    pauseMs: env('CLUSTER_PAUSE_MS', 5),
    quietMs: env('CLUSTER_QUIET_MS', 10_000),
  };
  const edits = env('CLUSTER_EDITS', 100);
  const pm2Reloads = env('CLUSTER_PM2_RELOADS', 100);
  const gracefulReloads = env('CLUSTER_PM2_GRACEFUL_RELOADS', 30);
  const only = process.env['CLUSTER_ONLY'];
  const attempt = async <T>(run: () => Promise<T>): Promise<T | string> =>
    run().catch((e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e)));
  const imago = only === 'pm2' ? null : await attempt(() => measureImagoCluster(shape, edits));
  const pm2 = only === 'imago' || pm2Reloads === 0 ? null : await attempt(() => measurePm2Cluster(shape, pm2Reloads, false));
  const pm2Graceful = only === 'imago' || gracefulReloads === 0 ? null : await attempt(() => measurePm2Cluster(shape, gracefulReloads, true));
  return { shape, edits, pm2Reloads, imago, pm2, pm2Graceful };
}

// ---- the report

/** The samples that overlap any of `windows` (sorted by start, not overlapping each other). */
function duringAny(samples: readonly Sample[], windows: ReadonlyArray<readonly [number, number]>): Sample[] {
  return samples.filter((s) => {
    // The last window starting before the sample ends.
    let lo = 0;
    let hi = windows.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (windows[mid]![0] <= s.end) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return k >= 0 && windows[k]![1] >= s.start;
  });
}

/** The largest value (0 for none); not Math.max(...v), which overflows the stack for the ~10^5 samples of a run. */
const largest = (v: readonly number[]): number => v.reduce((m, x) => Math.max(m, x), 0);

/** Latencies of the answers on kept-alive connections (a probe's include its connection's set-up). */
const latencies = (samples: readonly Sample[]): number[] => samples.filter((s) => s.failure === null && !s.probe).map((s) => s.end - s.start);

function latencyLine(what: string, samples: readonly Sample[]): string {
  const l = latencies(samples);
  return `    ${what.padEnd(60)} p50 ${fmt(median(l), 2).padStart(6)} ms  p99 ${fmt(quantile(l, 0.99), 2).padStart(6)} ms  max ${fmt(largest(l), 1).padStart(7)} ms  (${l.length} answers)`;
}

function failuresLine(what: string, samples: readonly Sample[]): string {
  const failed = samples.filter((s) => s.failure !== null);
  const refused = failed.filter((s) => isRefusal(s.failure!)).length;
  const reasons = failureCounts(samples)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const probes = samples.filter((s) => s.probe).length;
  return `    ${what.padEnd(60)} ${String(failed.length).padStart(5)} failed (${refused} refused) of ${samples.length} requests (${probes} by the probe)${reasons ? `: ${reasons}` : ''}`;
}

function spread(what: string, v: ReadonlyArray<number | null>): string {
  const got = v.filter((x): x is number => x !== null);
  const missed = v.length - got.length;
  return `    ${what.padEnd(60)} median ${fmt(median(got), 1).padStart(7)} ms  p95 ${fmt(quantile(got, 0.95), 1).padStart(7)} ms  max ${fmt(largest(got), 1).padStart(7)} ms${missed > 0 ? `  (${missed} of ${v.length} never)` : ''}`;
}

const p99 = (samples: readonly Sample[]): number => quantile(latencies(samples), 0.99);

function reportImago(r: ImagoResult, edits: number): string[] {
  const during = duringAny(r.samples, r.changeWindows);
  const between = duringAny(r.samples, r.betweenWindows);
  const burst = duringAny(r.samples, r.burstWindows);
  const quiet = within(r.samples, ...r.quiet);
  const phase = within(r.samples, ...r.editPhase);
  const serve = r.changes.map((c) => c.allServeMs);
  const event = r.changes.map((c) => c.eventMs);
  const odd = r.changes
    .map((c, i) => ({ c, i: i + 1 }))
    .filter(({ c }) => c.allServeMs === null || c.event?.['ok'] !== true || c.event['members'] !== r.pids.length);
  const rj = r.rejected;
  const rjErrors = (rj.event?.['errors'] as Array<{ message?: string }> | undefined) ?? [];
  const lines = [
    `  imago run --cluster ${r.pids.length} (ready event: workers ${String(r.readyWorkers)}; pids ${r.pids.join(', ')}), load avg ${fmt(r.load[0])} -> ${fmt(r.load[1])}:`,
    failuresLine(`during the ${edits} changes (first save to last taken)`, phase),
    failuresLine('the whole run (warm-up, quiet, changes, rejected change)', r.samples),
    latencyLine('quiet window before the changes (baseline)', quiet),
    latencyLine('requests during a change (save to all workers on it)', during),
    latencyLine('windows as long, between the changes, without one (baseline 2)', between),
    latencyLine(`those windows with a ${CONTROL_BURST_MS} ms burst on both cores elsewhere (control)`, burst),
    latencyLine('the whole phase of changes', phase),
    latencyLine('quiet window after the changes', within(r.samples, ...r.quietAfter)),
    `    p99 during a change / in the windows between the changes: ${fmt(p99(during) / p99(between))}x  goal <= 1.2x;  / in the quiet window before: ${fmt(p99(during) / p99(quiet))}x`,
    `    control: p99 with a burst of ${2 * CONTROL_BURST_MS} ms of CPU in a process that is not imago / without: ${fmt(p99(burst) / p99(between))}x (what that alone does on this machine at this load)`,
    spread('save to every worker serving the new version', serve),
    spread('save to the reload event read (baseline)', event),
    `    every worker serving / reload event, medians: ${fmt(median(serve.filter((x): x is number => x !== null)) / median(event.filter((x): x is number => x !== null)))}x;  goal: median <= 50 ms`,
    `    changes not taken as they should be (a worker never on it, reload not ok, members not ${r.pids.length}): ${odd.length}`,
    ...odd
      .slice(0, 5)
      .map(
        ({ c, i }) =>
          `      change ${i}: all serving ${c.allServeMs === null ? 'never' : `${fmt(c.allServeMs, 1)} ms`}; event ${JSON.stringify(c.event).slice(0, 300)}`,
      ),
    `    a change throwing in worker 2 only: reload ok ${String(rj.event?.['ok'])}, phase ${String(rj.event?.['phase'])}, in ${rj.eventMs === null ? '-' : fmt(rj.eventMs, 1)} ms; ${rjErrors[0]?.message?.split('\n')[0] ?? 'no error given'}`,
    `      answers with its version from the save to 2 s after the event: ${rj.newVersionAnswers} of ${rj.answers} (goal 0); in those 2 s, versions by pid: ${rj.versionsByPid.map(([pid, v]) => `${pid} ${v.join('/')}`).join(', ')}`,
    ...(rj.newVersionSeen.length === 0
      ? []
      : [
          `      those answers (pid: request start-end, ms after the save): ${rj.newVersionSeen.map((a) => `${a.pid}: ${fmt(a.startMs, 1)}-${fmt(a.endMs, 1)}${a.probe ? ' (probe)' : ''}`).join(', ')}`,
        ]),
    `      a good change after it, save to every worker on it: ${rj.recoveredMs === null ? 'never' : `${fmt(rj.recoveredMs, 1)} ms`}`,
  ];
  if (r.leftRunning.length > 0) lines.push(`    still running 3 s after imago was stopped (then killed): ${r.leftRunning.join(', ')}`);
  return lines;
}

function reportPm2(r: Pm2Result): string[] {
  const during = duringAny(r.samples, r.changeWindows);
  const quiet = within(r.samples, ...r.quiet);
  const phase = within(r.samples, ...r.editPhase);
  const lines = [
    `  PM2 ${r.version}, pm2 start server.js -i 4 (the same server compiled to JavaScript${r.graceful ? ', with a graceful stop on SIGINT' : ', as it is'}), load avg ${fmt(r.load[0])} -> ${fmt(r.load[1])}:`,
    failuresLine(`during the ${r.reloads.length} reloads (first save to last taken)`, phase),
    failuresLine('the whole run', r.samples),
    latencyLine('quiet window before the reloads', quiet),
    latencyLine('requests during a reload (save to all new workers on it)', during),
    `    p99 during a reload / quiet: ${fmt(p99(during) / p99(quiet))}x`,
    spread(
      'save + pm2 reload to 4 new workers serving',
      r.reloads.map((x) => x.allServeMs),
    ),
    spread(
      'pm2 reload command',
      r.reloads.map((x) => x.commandMs),
    ),
  ];
  if (r.leftRunning.length > 0) lines.push(`    still running 3 s after pm2 kill: ${r.leftRunning.join(', ')}`);
  return lines;
}

export function reportCluster(r: ClusterResult): string[] {
  const lines = [
    `cluster (issue 22): ${r.shape.workers} workers, ${r.shape.connections} kept-alive connections on 127.0.0.1, ${r.shape.pauseMs} ms between a connection's requests; a probe (a new connection a request, every 2 ms) while a change is awaited and in the windows without changes (${r.shape.quietMs / 1000} s); latencies are the kept-alive requests':`,
  ];
  if (typeof r.imago === 'string') lines.push(`  imago --cluster: did not run to its end: ${r.imago}`);
  else if (r.imago) lines.push(...reportImago(r.imago, r.edits));
  for (const [what, pm2] of [
    ['PM2', r.pm2],
    ['PM2, graceful stop', r.pm2Graceful],
  ] as const) {
    if (typeof pm2 === 'string') lines.push(`  ${what}: did not run to its end: ${pm2}`);
    else if (pm2) lines.push(...reportPm2(pm2));
  }
  // The summary: failed requests of the kept-alive load (the same for every side), and the probe's.
  const failed = (s: readonly Sample[], probe: boolean): number => s.filter((x) => x.failure !== null && x.probe === probe).length;
  const sides: string[] = [];
  if (r.imago && typeof r.imago !== 'string') {
    const phase = within(r.imago.samples, ...r.imago.editPhase);
    sides.push(`imago ${failed(phase, false)} (+${failed(phase, true)} of the probe) in ${r.imago.changes.length} changes`);
  }
  for (const pm2 of [r.pm2, r.pm2Graceful]) {
    if (!pm2 || typeof pm2 === 'string') continue;
    const phase = within(pm2.samples, ...pm2.editPhase);
    sides.push(`PM2${pm2.graceful ? ' graceful' : ''} ${failed(phase, false)} (+${failed(phase, true)}) in ${pm2.reloads.length} reloads`);
  }
  if (sides.length > 0) lines.push(`  failed requests of the kept-alive load during changes: ${sides.join('; ')}  goal 0`);
  return lines;
}
