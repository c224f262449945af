// `npm run soak`: 10,000 edits to a program under HTTP load through the real CLI (test/helpers/soak-driver.ts),
// with a table of figures every 500 edits and a summary against the goals. SOAK_RELOADS=<n> runs fewer.

import os from 'node:os';
import { runSoak, type SoakResult, type SoakRow, sameResources } from '../test/helpers/soak-driver.js';
import { median } from '../test/helpers/soak-measure.js';

const RELOADS = Number(process.env['SOAK_RELOADS'] ?? 10000);
const EVERY = Number(process.env['SOAK_EVERY'] ?? 500);
const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
const ms = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));

function header(): string {
  return ['reload', 'min', 'PSS MB', '(imago', 'tsc)', 'heap MB', 'req ok', 'failed', 'timers', 'active', 'effect ms', 'reject ms', 'load'].join('\t');
}

function line(r: SoakRow): string {
  const imago = r.pssByName['node'] ?? 0;
  const active = Object.entries(r.resources.active)
    .map(([t, n]) => `${t}:${n}`)
    .join(',');
  return [
    r.reload,
    (r.elapsedMs / 60000).toFixed(1),
    mb(r.pss),
    mb(imago),
    mb(r.pss - imago),
    mb(r.heapUsed),
    r.requests.ok,
    r.requests.failed,
    `${r.resources.ownedTimers}/${r.resources.disposers}/${r.resources.processListeners}`,
    active,
    ms(r.effectMs),
    ms(r.rejectMs),
    r.load.toFixed(2),
  ].join('\t');
}

/** The growth from reload `from` to the last by the least-squares line through the rows from `from` on (bytes). */
function trend(rows: readonly SoakRow[], from: number, value: (r: SoakRow) => number): number {
  const xs = rows.filter((r) => r.reload >= from);
  if (xs.length < 2) return Number.NaN;
  const mx = xs.reduce((n, r) => n + r.reload, 0) / xs.length;
  const my = xs.reduce((n, r) => n + value(r), 0) / xs.length;
  const slope = xs.reduce((n, r) => n + (r.reload - mx) * (value(r) - my), 0) / xs.reduce((n, r) => n + (r.reload - mx) ** 2, 0);
  return slope * (xs.at(-1)!.reload - xs[0]!.reload);
}

/** Median write-to-effect of the good edits within 50 of `at`. */
function effectNear(result: SoakResult, at: number): number {
  return median(result.effects.filter((e) => Math.abs(e.reload - at) <= 50).map((e) => e.ms));
}

function summary(result: SoakResult): string[] {
  const at = (reload: number): SoakRow | undefined => result.rows.find((r) => r.reload === reload);
  const first = at(Math.min(1000, RELOADS)) ?? result.rows[0];
  const last = result.rows.at(-1);
  const growth = first && last ? last.pss - first.pss : Number.NaN;
  const from = first?.reload ?? 0;
  const fitted = trend(result.rows, from, (r) => r.pss);
  const band = result.rows.filter((r) => r.reload >= from).map((r) => r.pss);
  const early = effectNear(result, 100);
  const late = effectNear(result, RELOADS);
  const handles = sameResources(result.before, result.after);
  const heapGrowth = first && last ? last.heapUsed - first.heapUsed : Number.NaN;
  const goal = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  return [
    `edits: ${result.good.written} good (${result.good.seen} seen applied), ${result.bad.written} bad (${result.bad.rejected} rejected) in ${(result.durationMs / 60000).toFixed(1)} min`,
    `memory: PSS ${mb(first?.pss ?? 0)} MB at reload ${first?.reload} -> ${mb(last?.pss ?? 0)} MB at ${last?.reload}: ${(growth / 1048576).toFixed(1)} MB (goal < 5 MB: ${goal(growth < 5 * 1048576)})`,
    `  by the line through every row from ${from} on: ${(fitted / 1048576).toFixed(1)} MB (goal < 5 MB: ${goal(fitted < 5 * 1048576)}); rows from ${from} on lie within ${mb(Math.min(...band))}..${mb(Math.max(...band))} MB`,
    `imago's heap after a GC: ${mb(first?.heapUsed ?? 0)} MB -> ${mb(last?.heapUsed ?? 0)} MB: ${(heapGrowth / 1048576).toFixed(2)} MB`,
    `requests: ${result.requests.ok} ok, ${result.requests.failed} failed (goal 0: ${goal(result.requests.failed === 0)})${result.requests.failures.map((f) => `\n  ${f}`).join('')}`,
    `resources before: ${JSON.stringify(result.before)}`,
    `resources after:  ${JSON.stringify(result.after)} (goal same: ${goal(handles)})`,
    `edit to effect: median ${ms(early)} ms near reload 100, ${ms(late)} ms near reload ${RELOADS} (goal within 10%: ${goal(late <= early * 1.1)})`,
    `imago exit: ${JSON.stringify(result.exit)}`,
    `problems: ${result.problems.length}${result.problems
      .slice(0, 30)
      .map((p) => `\n  ${p}`)
      .join('')}`,
  ];
}

console.log(
  `soak: ${RELOADS} edits, ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`,
);
console.log('timers = owned timers / dispose callbacks / process listeners (imago status resources)');
console.log(header());
const result = await runSoak({
  reloads: RELOADS,
  every: EVERY,
  debounceMs: 3,
  tickMs: 4,
  clients: 4,
  pauseMs: 1,
  editTimeoutMs: 60000,
  onRow: (r) => console.log(line(r)),
});
for (const l of summary(result)) console.log(l);
