// docs/benchmarks.md from a peer-benchmark run: the machine and versions, one table per SETUP_MS, the
// goals checked against the figures, and every skip, failure and oddity with its reason.

import { median } from '../stats.js';
import type { EditResult, RunResult } from './measure.js';
import { manyGrowth, type Summary, summarize } from './summary.js';

export interface RunInfo {
  readonly date: string;
  readonly mode: string;
  readonly command: string;
  readonly machine: string;
  readonly node: string;
  readonly imago: string;
  readonly versions: readonly { readonly name: string; readonly version: string }[];
  readonly edits: number;
  readonly many: number;
}

type Ran = Extract<RunResult, { kind: 'ran' }>;

const ms = (value: number | null): string => (value === null ? '—' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function manyCell(run: Ran, restart: boolean): string {
  if (run.many === null) return restart ? 'restarts (n/a)' : '—';
  const growth = manyGrowth(run) ?? 0;
  const stopped = run.many.stopped ? `; stopped after ${run.many.attempted}: ${run.many.stopped}` : '';
  return `${mb(run.many.rssAfter)} (${growth >= 0 ? '+' : ''}${mb(growth)} over ${run.many.attempted} edits; ${run.many.taken} shown${stopped})`;
}

function row(run: RunResult, restartTools: ReadonlySet<string>): string {
  if (run.kind !== 'ran') return `| ${run.tool} | ${run.kind}: ${run.reason} |${' |'.repeat(9)}`;
  const s = summarize(run);
  const missed = s.missedInPlace + s.missedRename === 0 ? '0' : `${s.missedInPlace + s.missedRename} (${s.missedInPlace} in place, ${s.missedRename} renamed)`;
  const kept = `${s.stateKept}/${s.edits}`;
  const old = s.oldCodeAfter > 0 ? ` (old code ran on after ${s.oldCodeAfter})` : '';
  const syntax = run.syntax.killed ? 'program stops' : 'keeps running';
  const fix = run.syntax.recoverMs === null ? 'no recovery' : `recovers (${ms(run.syntax.recoverMs)})`;
  return `| ${run.tool} | ${ms(run.startMs)} | **${ms(s.medianMs)}** | ${ms(s.medianInPlaceMs)} / ${ms(s.medianRenameMs)} | ${missed} | ${kept}${old} | ${ms(s.longestGapMs)} | ${mb(run.rssBefore)} → ${mb(run.rssAfter)} | ${manyCell(run, restartTools.has(run.tool))} | ${syntax} | ${fix} |`;
}

function table(runs: readonly RunResult[], setupMs: number, restartTools: ReadonlySet<string>): string[] {
  return [
    `### SETUP_MS=${setupMs}`,
    '',
    '| tool | start | edit → effect (median) | in place / by rename | edits missed | state kept | longest output gap | memory (PSS) before → after the edits | after the many-edit run | syntax error | the fix |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.filter((r) => r.setupMs === setupMs).map((r) => row(r, restartTools)),
    '',
  ];
}

/** The summary with the lowest median edit-to-effect, or null for none. */
const fastest = (list: readonly Summary[]): Summary | null => list.reduce<Summary | null>((b, s) => (b === null || s.medianMs! < b.medianMs! ? s : b), null);

interface Verdict {
  readonly goal: string;
  readonly held: boolean | null;
  readonly figures: string;
}

function verdicts(runs: readonly RunResult[], restartTools: ReadonlySet<string>): Verdict[] {
  const ran = runs.filter((r): r is Ran => r.kind === 'ran');
  const summaries = ran.map(summarize);
  const out: Verdict[] = [];
  for (const setupMs of [...new Set(ran.map((r) => r.setupMs))]) {
    const here = summaries.filter((s) => s.setupMs === setupMs);
    const imago = here.find((s) => s.tool === 'imago');
    if (!imago || imago.medianMs === null) continue;
    const others = here.filter((s) => !s.tool.startsWith('imago') && s.medianMs !== null);
    const best = fastest(others);
    out.push({
      goal: `SETUP_MS=${setupMs}: imago's median edit-to-effect (type check included) is the lowest`,
      held: best === null ? null : imago.medianMs <= best.medianMs!,
      figures:
        best === null
          ? `imago ${ms(imago.medianMs)}; no other tool measured`
          : `imago ${ms(imago.medianMs)}; next best ${best.tool} ${ms(best.medianMs)} (${(best.medianMs! / imago.medianMs).toFixed(2)}x imago's)`,
    });
    const restarts = here.filter((s) => restartTools.has(s.tool) && s.medianMs !== null);
    const bestRestart = fastest(restarts);
    if (setupMs >= 2000 && bestRestart) {
      const ratio = bestRestart.medianMs! / imago.medianMs;
      out.push({
        goal: `SETUP_MS=${setupMs}: imago is >= 50x faster to effect than the best restart-based tool`,
        held: ratio >= 50,
        figures: `${bestRestart.tool} ${ms(bestRestart.medianMs)} / imago ${ms(imago.medianMs)} = ${ratio.toFixed(0)}x`,
      });
    }
    const run = ran.find((r) => r.tool === 'imago' && r.setupMs === setupMs)!;
    out.push({
      goal: `SETUP_MS=${setupMs}: imago keeps state on every edit and survives the syntax error`,
      held: imago.stateKept === imago.edits && !run.syntax.killed && run.syntax.recoverMs !== null,
      figures: `state kept on ${imago.stateKept}/${imago.edits} edits; syntax error: ${run.syntax.killed ? 'program stopped' : 'kept running'}; fix ${run.syntax.recoverMs === null ? 'did not recover' : `shown in ${ms(run.syntax.recoverMs)}`}`,
    });
    out.push({
      goal: `SETUP_MS=${setupMs}: imago's largest output gap around a swap is <= 20 ms`,
      held: imago.longestGapMs !== null && imago.longestGapMs <= 20,
      figures: `${ms(imago.longestGapMs)} (median ${ms(imago.medianGapMs)})`,
    });
    const growth = manyGrowth(run);
    if (growth !== null && run.many !== null) {
      out.push({
        goal: `imago's memory (PSS) grows < 5 MB over ${run.many.attempted} edits (from after the first ${imago.edits})`,
        held: growth < 5 * 2 ** 20,
        figures: `${mb(run.rssAfter)} → ${mb(run.many.rssAfter)}: ${mb(growth)}, ${(growth / run.many.attempted / 1024).toFixed(1)} KB per edit (${mb(run.rssBefore)} before the first edit)`,
      });
    }
  }
  return out;
}

/** The edit from which a run showed nothing more (not even the fix): the tool stopped watching the file. */
function deafFrom(run: Ran): EditResult | null {
  if (run.syntax.recoverMs !== null) return null;
  let first: EditResult | null = null;
  for (const edit of run.edits) first = edit.effectMs === null ? (first ?? edit) : null;
  return first;
}

function notes(runs: readonly RunResult[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    if (run.kind === 'skipped') lines.push(`- ${run.tool} (SETUP_MS=${run.setupMs}) was skipped: ${run.reason}.`);
    if (run.kind === 'failed')
      lines.push(
        `- ${run.tool} (SETUP_MS=${run.setupMs}) failed: ${run.reason}. Its last output:\n\n  \`\`\`\n${run.output
          .slice(-8)
          .map((l) => `  ${l}`)
          .join('\n')}\n  \`\`\``,
      );
    const deaf = run.kind === 'ran' ? deafFrom(run) : null;
    if (run.kind === 'ran' && deaf) {
      const unseen = run.syntax.killed ? '' : ' (so its "keeps running" after the syntax error means the error was not seen)';
      const before = run.edits[deaf.index - 2];
      const after = before?.save === 'rename' && before.effectMs !== null ? `, after it took edit ${before.index}, saved by rename` : '';
      lines.push(
        `- ${run.tool} (SETUP_MS=${run.setupMs}) stopped seeing \`marker.ts\` at edit ${deaf.index}${after}: that edit, every later one and the fix never showed${unseen}.`,
      );
    }
    if (run.kind === 'ran' && run.many?.stopped) lines.push(`- ${run.tool}: the many-edit run stopped after ${run.many.attempted} edits: ${run.many.stopped}.`);
  }
  return lines;
}

/** Figures of `npm run bench` the full mode takes too: start-up against tsx, and a layout change at scale. */
export interface Extras {
  /** Per program, per tool: milliseconds from spawn to the first line, one per run. */
  readonly startup: ReadonlyArray<{ readonly name: string; readonly ms: Readonly<Record<string, readonly number[]>> }>;
  /** One layout change of a class with this many live instances in a heap of `heapMb`. */
  readonly layout: {
    readonly instances: number;
    readonly heapMb: number;
    readonly steps: ReadonlyArray<{ readonly name: string; readonly findMs: number; readonly migrateMs: number; readonly applyMs: number }>;
  } | null;
}

function extrasSection(extras: Extras): string[] {
  const lines = ['## Start-up and layout changes at scale', ''];
  if (extras.startup.length > 0) {
    lines.push(
      "Start-up: spawn to the program's first line of output, median of 7 runs taken in turn with tsx (after one run each not counted); the goal is imago run (type check on, as by default) <= 1.0x tsx. imago keeps compiled modules between runs (docs/start-up.md, the compile cache): these are starts after a first one.",
      '',
      '| program | imago run | imago run --typecheck=off | tsx | imago run / tsx | held |',
      '|---|---|---|---|---|---|',
    );
    for (const p of extras.startup) {
      const of = (tool: string): number => median(p.ms[tool] ?? []);
      const ratio = of('imago run') / of('tsx');
      lines.push(
        `| ${p.name} | ${of('imago run').toFixed(0)} ms | ${of('imago run --typecheck=off').toFixed(0)} ms | ${of('tsx').toFixed(0)} ms | ${ratio.toFixed(2)}x | ${ratio <= 1 ? 'yes' : '**no**'} |`,
      );
    }
    lines.push('');
  }
  if (extras.layout) {
    const l = extras.layout;
    lines.push(
      `Layout changes: ${l.instances.toLocaleString('en-US')} live instances of one class in a ${l.heapMb.toFixed(0)} MB heap (\`npm run bench layout\`). The change is applied at a safe point: the program waits for all of it, so its longest pause is the whole change. Goal: <= 500 ms in total, <= 50 ms of pause.`,
      '',
      '| change | finding the instances | migrating them | whole change (= the pause) | held |',
      '|---|---|---|---|---|',
      ...l.steps.map(
        (s) => `| ${s.name} | ${s.findMs.toFixed(0)} ms | ${s.migrateMs.toFixed(0)} ms | ${s.applyMs.toFixed(0)} ms | ${s.applyMs <= 50 ? 'yes' : '**no**'} |`,
      ),
      '',
    );
  }
  return lines;
}

/** `raw` is where the results themselves are, relative to the page. */
export function renderReport(info: RunInfo, runs: readonly RunResult[], restartTools: ReadonlySet<string>, raw: string, extras: Extras | null = null): string {
  const setups = [...new Set(runs.map((r) => r.setupMs))].sort((a, b) => a - b);
  const goals = verdicts(runs, restartTools);
  const noteLines = notes(runs);
  return [
    '# imago beside the tools users pick instead',
    '',
    `Written by \`${info.command}\` on ${info.date} (${info.mode}); run it again to refresh this page, do not edit it by hand. Every edit's figures: [${raw}](${raw}).`,
    'How the figures are taken, and what each column means: [bench/peers/README.md](../bench/peers/README.md).',
    '',
    `- Machine: ${info.machine}`,
    `- Node ${info.node}; imago ${info.imago}`,
    `- Tools: ${info.versions.map((v) => `${v.name} ${v.version}`).join(', ')}`,
    `- Each row is one run of the sample program under the tool: ${info.edits} edits of its leaf module (odd ones saved in place, even ones by rename), medians over those edits; then a syntax error and its fix${info.many > 0 ? `; then, for tools that keep the program's process, ${info.many} more edits saved in place before memory is read again` : ''}.`,
    '',
    ...setups.flatMap((s) => table(runs, s, restartTools)),
    '## Goals',
    '',
    '| goal | held | figures |',
    '|---|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${g.held === null ? 'not measured' : g.held ? 'yes' : '**no**'} | ${g.figures} |`),
    '',
    ...(extras ? extrasSection(extras) : []),
    ...(noteLines.length > 0 ? ['## Skips, failures and stops', '', ...noteLines, ''] : []),
  ].join('\n');
}
