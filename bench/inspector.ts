// The inspector (issue 21), measured through a real page in headless Chromium (playwright-core):
// 1. a change applied to the image, to its timeline entry in the open page (goal <= 100 ms); baseline:
//    the same edits' file write to applied;
// 2. how late a program's ticks (every 10 ms, 10k objects in a binding the page shows) run while a
//    page is open and used, against the same program with no page (goal: <= 2 ms more at p99);
// 3. scrolling a store table of 1M rows: the frames of Chromium's trace (goal: none over 50 ms), and
//    that the rows in view after a jump show up with their cells; baseline: the same scroll over a
//    static page.

import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { sleep } from '../test/helpers/project.js';
import {
  ask,
  jumpToRow,
  moreThan,
  seenChangeAfter,
  type TraceFrames,
  traceFrames,
  WATCH_ENTRIES,
  waitInPage,
  withBrowser,
  withProgram,
} from './inspector-browser.js';
import { fmt, median, quantile } from './stats.js';

const EDITS = 30;
const WARM_EDITS = 3;
const TICK_MS = 10;
const TICK_WINDOW_MS = 15_000;
const LATE_MS = 5;

export interface InspectorResult {
  /** Per edit: file written to applied (the timeline entry's `at`), and applied to its entry in the page's DOM. */
  readonly applied: number[];
  readonly shown: number[];
  /** Tick intervals minus TICK_MS, ms: no --ui; --ui with no page; a page open and used. */
  readonly lateNoUi: number[];
  readonly lateUiNoPage: number[];
  readonly latePage: number[];
  readonly pageActions: number;
  /** Ticks late by more than LATE_MS with the page open, by the page's action under way: how many, the worst. */
  readonly lateDuring: Array<[string, { readonly count: number; readonly worst: number }]>;
  readonly scroll: TraceFrames;
  readonly scrollBaseline: TraceFrames;
  /** Per big jump: the row asked for, ms until it showed with the right cells (null: it did not in JUMP_WAIT_MS). */
  readonly jumps: Array<{ readonly row: number; readonly ms: number | null; readonly cells: string }>;
  readonly firstRowsMs: number;
}

// ---- 1. a change to the open page

const EDITED = (n: number): string => `export function value(): number {\n  return ${n};\n}\nexport let calls = 0;\n`;

interface Entry {
  readonly id: number;
  readonly at: number;
  readonly event: { readonly kind: string; readonly ok?: boolean };
}

async function measureChanges(): Promise<{ applied: number[]; shown: number[] }> {
  return withProgram({ 'main.ts': EDITED(0) }, [], true, (run) =>
    withBrowser(async (browser) => {
      const url = run.url!;
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('[data-entry]');
      await page.evaluate(WATCH_ENTRIES);
      const applied: number[] = [];
      const shown: number[] = [];
      let last = Math.max(0, ...((await ask(url, { kind: 'timeline' }))['entries'] as Entry[]).map((e) => e.id));
      for (let i = 1; i <= EDITS + WARM_EDITS; i++) {
        const written = Date.now();
        fs.writeFileSync(run.project.path('main.ts'), EDITED(i));
        // Waited for in the page (it polls itself, each frame): nothing asks the image meanwhile.
        const seen = await waitInPage<{ id: number; at: number; kind: string }>(page, seenChangeAfter(last), 30000);
        const entry = ((await ask(url, { kind: 'timeline', after: last }))['entries'] as Entry[]).find((e) => e.id === seen.id);
        if (entry?.event.kind !== 'reload' || entry.event.ok !== true)
          throw new Error(`edit ${i} was not applied: ${JSON.stringify(entry ?? seen).slice(0, 400)}`);
        last = seen.id;
        if (i > WARM_EDITS) {
          applied.push(entry.at - written);
          shown.push(seen.at - entry.at);
        }
        // Apart, as a user saves: the watcher sees each save as one change.
        await sleep(150 + (i % 5) * 40);
      }
      return { applied, shown };
    }),
  );
}

// ---- 2. ticks late with a page open

const TICKER = `import { writeFileSync } from 'node:fs';
export let things = Array.from({ length: 10000 }, (_, i) => ({ id: i, x: i * 0.5, name: 'thing' + i }));
let last = 0;
const at: number[] = [];
const gaps: number[] = [];
export function tick() {
  const now = performance.now();
  if (last !== 0) { at.push(performance.timeOrigin + now); gaps.push(now - last); }
  last = now;
}
export function stop() { writeFileSync('ticks.json', JSON.stringify({ at, gaps })); }
`;

/**
 * Runs the ticker; `prepare(url)` before a 2 s warm-up, `during(url, until)` in a window of
 * TICK_WINDOW_MS after it. Returns each tick's lateness (interval minus TICK_MS) within the window,
 * and when it ran (ms since 1970).
 */
async function tickLateness(
  ui: boolean,
  prepare: (url: string | null) => Promise<void> = async () => undefined,
  during: (url: string | null, until: number) => Promise<void> = async () => undefined,
): Promise<{ late: number[]; at: number[] }> {
  return withProgram({ 'main.ts': TICKER }, ['--tick-ms', String(TICK_MS)], ui, async (run) => {
    await prepare(run.url);
    await sleep(2000);
    const from = Date.now();
    await during(run.url, from + TICK_WINDOW_MS);
    const rest = from + TICK_WINDOW_MS - Date.now();
    if (rest > 0) await sleep(rest);
    const to = Date.now();
    // stop() writes the samples.
    await run.cli.stop();
    const { at, gaps } = JSON.parse(fs.readFileSync(run.project.path('ticks.json'), 'utf8')) as { at: number[]; gaps: number[] };
    const inWindow = gaps.map((_, i) => i).filter((i) => at[i]! >= from && at[i]! <= to);
    if (inWindow.length < (TICK_WINDOW_MS / TICK_MS) * 0.5) throw new Error(`only ${inWindow.length} ticks in ${TICK_WINDOW_MS} ms`);
    return { late: inWindow.map((i) => gaps[i]! - TICK_MS), at: inWindow.map((i) => at[i]!) };
  });
}

/** The entries of `things` (not those of an element opened in it). */
const TOP = '[data-binding="things"] .value-root > .tree-children';

/** Opens the Modules pane, the module and its `things` binding. */
async function openThings(page: Page): Promise<void> {
  await page.click('[data-nav="modules"]');
  await page.click('[data-module="main.ts"]');
  await page.click('[data-binding="things"] [data-expand]');
  await page.waitForSelector(`${TOP} > [data-key="0"]`);
}

/** A user on the page until `until`: in `things`, an element opened, more of them; the Health pane; a REPL input; back to `things`. */
async function useThePage(page: Page, until: number, actions: Action[]): Promise<void> {
  const act = async (name: string, what: () => Promise<unknown>, pause: number): Promise<void> => {
    if (Date.now() >= until) return;
    const from = Date.now();
    await what();
    actions.push({ name, from, to: Date.now() });
    await sleep(pause);
  };
  for (let round = 0; Date.now() < until; round++) {
    const row = `${TOP} > [data-key="${round % 100}"]`;
    await act(
      'open an element of things',
      async () => {
        await page.click(`${row} [data-expand]`);
        await page.waitForSelector(`${row} [data-key="name"]`);
      },
      800,
    );
    await act(
      '100 more of things',
      async () => {
        const shown = await page.locator(`${TOP} > .tree-row`).count();
        await page.click(`${TOP} > button.more`);
        await waitInPage(page, moreThan(`${TOP} > .tree-row`, shown));
      },
      1000,
    );
    await act('the Health pane', () => page.click('[data-nav="health"]'), 1000);
    await act(
      'a REPL input, to its answer',
      async () => {
        await page.click('[data-nav="repl"]');
        const outputs = await page.locator('[data-repl-output]').count();
        await page.fill('[data-repl-input]', `things.length + ${round}`);
        await page.press('[data-repl-input]', 'Enter');
        await waitInPage(page, moreThan('[data-repl-output]', outputs), 20000);
      },
      1000,
    );
    await act('Modules, main.ts, things opened', () => openThings(page), 800);
  }
}

interface Action {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

async function measureTicks(): Promise<Pick<InspectorResult, 'lateNoUi' | 'lateUiNoPage' | 'latePage' | 'pageActions' | 'lateDuring'>> {
  const lateNoUi = (await tickLateness(false)).late;
  const lateUiNoPage = (await tickLateness(true)).late;
  const actions: Action[] = [];
  const page = await withBrowser(async (browser) => {
    const page = await browser.newPage();
    return tickLateness(
      true,
      async (url) => {
        await page.goto(url!);
        await openThings(page);
      },
      async (_, until) => useThePage(page, until, actions),
    );
  });
  // Each tick late by more than LATE_MS, put down to the action under way when it ran (the tick is
  // recorded at its end: an action's window is stretched by that much).
  const lateDuring = new Map<string, { count: number; worst: number }>();
  page.late.forEach((l, i) => {
    if (l <= LATE_MS) return;
    const at = page.at[i]!;
    const name = actions.find((a) => at >= a.from && at <= a.to + TICK_MS + l)?.name ?? 'between actions (the page idle)';
    const seen = lateDuring.get(name) ?? { count: 0, worst: 0 };
    lateDuring.set(name, { count: seen.count + 1, worst: Math.max(seen.worst, l) });
  });
  return { lateNoUi, lateUiNoPage, latePage: page.late, pageActions: actions.length, lateDuring: [...lateDuring].sort((a, b) => b[1].count - a[1].count) };
}

// ---- 3. scrolling a store table of 1M rows

const STORE = `import { createStore, type f64 } from 'imago/store';
export class P { x: f64 = 0; y: f64 = 0; hp: f64 = 100; }
export const ps = createStore(P, { capacity: 1_000_000 });
for (let i = 0; i < 1_000_000; i++) ps.add({ x: i, y: -i, hp: 100 });
`;
const ROWS = 1_000_000;
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'toplevel'];
/** Rows a big jump goes to (by setting scrollTop), one after every other burst of wheel events. */
const JUMPS = [400_000, 999_950, 123_457, 750_000, 1_000, 555_555];
const BURSTS = 12;
const WHEELS = 20;
const JUMP_WAIT_MS = 2000;
/** The baseline: the same scroll over a static page (no script) of plain rows in a scroller. */
const STATIC = `<!doctype html><style>body{margin:0;font:13px sans-serif}.s{height:600px;overflow:auto}.r{display:grid;grid-template-columns:80px 100px repeat(3,1fr);height:22px}</style>
<div class="s" data-rows-scroller>${Array.from({ length: 5000 }, (_, i) => `<div class="r"><span>${i}</span><span>${i}</span><span>${i}</span><span>${-i}</span><span>100</span></div>`).join('')}</div>`;

type Jump = (page: Page, row: number) => Promise<{ readonly row: number; readonly ms: number | null; readonly cells: string }>;

const jumpInTable: Jump = async (page, row) => (await page.evaluate(jumpToRow(row, ROWS, JUMP_WAIT_MS))) as Awaited<ReturnType<Jump>>;

const jumpStatic: Jump = async (page, row) => {
  await page.evaluate(`document.querySelector('[data-rows-scroller]').scrollTop = ${(row % 4000) * 22}`);
  return { row, ms: 0, cells: '' };
};

/** Wheel bursts over the scroller, a big jump after every other one, under a trace. */
async function scrollUnderTrace(page: Page, jump: Jump, name: string): Promise<{ trace: TraceFrames; jumps: Awaited<ReturnType<Jump>>[] }> {
  const box = (await page.locator('[data-rows-scroller]').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const jumps: Awaited<ReturnType<Jump>>[] = [];
  await page.context().browser()!.startTracing(page, { categories: CATEGORIES });
  for (let b = 0; b < BURSTS; b++) {
    for (let w = 0; w < WHEELS; w++) {
      await page.mouse.wheel(0, b % 3 === 2 ? -180 : 240);
      await sleep(8);
    }
    await sleep(300);
    const target = b % 2 === 1 ? JUMPS[(b - 1) / 2] : undefined;
    if (target !== undefined) {
      jumps.push(await jump(page, target));
      await sleep(300);
    }
  }
  const json = (await page.context().browser()!.stopTracing()).toString('utf8');
  // IMAGO_BENCH_TRACES=<folder> keeps the traces, to open in DevTools' Performance panel.
  const keep = process.env['IMAGO_BENCH_TRACES'];
  if (keep) fs.writeFileSync(`${keep}/inspector-${name}.json`, json);
  const trace = traceFrames(json);
  return { trace, jumps };
}

async function measureScroll(): Promise<Pick<InspectorResult, 'scroll' | 'scrollBaseline' | 'jumps' | 'firstRowsMs'>> {
  return withProgram({ 'main.ts': STORE }, ['--typecheck', 'off'], true, (run) =>
    withBrowser(async (browser) => {
      const url = run.url!;
      const stores = (await ask(url, { kind: 'stores' }))['stores'] as Array<{ tag: number; className: string; rows: number }>;
      const store = stores.find((s) => s.className === 'P');
      if (!store || store.rows !== ROWS) throw new Error(`no store of P with ${ROWS} rows: ${JSON.stringify(stores)}`);
      const still = await browser.newPage();
      await still.setContent(STATIC);
      const baseline = await scrollUnderTrace(still, jumpStatic, 'static');
      await still.close();
      const page = await browser.newPage();
      await page.goto(url);
      await page.click('[data-nav="stores"]');
      const t0 = Date.now();
      await page.click(`[data-store="${store.tag}"]`);
      await page.waitForSelector('[data-row="0"]');
      const firstRowsMs = Date.now() - t0;
      await sleep(500);
      const scrolled = await scrollUnderTrace(page, jumpInTable, 'stores');
      return { scroll: scrolled.trace, scrollBaseline: baseline.trace, jumps: scrolled.jumps, firstRowsMs };
    }),
  );
}

export async function measureInspector(): Promise<InspectorResult> {
  const changes = await measureChanges();
  const ticks = await measureTicks();
  const scroll = await measureScroll();
  return { ...changes, ...ticks, ...scroll };
}

export function reportInspector(r: InspectorResult): string[] {
  const ms = (v: readonly number[], d = 1): string =>
    `median ${fmt(median(v), d).padStart(6)} ms  p95 ${fmt(quantile(v, 0.95), d).padStart(6)} ms  p99 ${fmt(quantile(v, 0.99), d).padStart(6)} ms  max ${fmt(Math.max(...v), d).padStart(6)} ms`;
  const late = (what: string, v: readonly number[]): string =>
    `  ${what.padEnd(58)} p50 ${fmt(median(v), 2).padStart(6)} ms  p99 ${fmt(quantile(v, 0.99), 2).padStart(6)} ms  max ${fmt(Math.max(...v), 2).padStart(6)} ms  (${v.length} ticks)`;
  const frames = (what: string, t: TraceFrames): string[] => {
    const d = t.frames.map((f) => f.ms);
    const dropped = t.frames.filter((f) => f.state === 'STATE_DROPPED').length;
    const over = (v: readonly number[]): number => v.filter((x) => x > 50).length;
    const q = (v: readonly number[]): string =>
      `p50 ${fmt(median(v), 1)} ms  p99 ${fmt(quantile(v, 0.99), 1)} ms  max ${fmt(Math.max(0, ...v), 1)} ms  over 50 ms: ${over(v)}`;
    return [
      `  ${what.padEnd(52)} frames ${String(d.length).padStart(4)} (${dropped} dropped)  ${q(d)}`,
      `  ${''.padEnd(52)} main thread: animation frames ${String(t.animation.length).padStart(4)}  ${q(t.animation)}; longest task ${fmt(Math.max(0, ...t.tasks), 1)} ms, ${over(t.tasks)} over 50 ms`,
    ];
  };
  const p99Delta = quantile(r.latePage, 0.99) - quantile(r.lateNoUi, 0.99);
  const shown = r.jumps.filter((j) => j.ms !== null).map((j) => j.ms!);
  const lines = [
    'inspector (issue 21), a page in headless Chromium:',
    `  a change, file written to applied (baseline: the watcher path)   ${ms(r.applied)}  (${r.applied.length} edits)`,
    `  a change, applied (its timeline \`at\`) to its entry in the page DOM ${ms(r.shown)}  goal <= 100 ms`,
    `  ticks every ${TICK_MS} ms with 10k objects in a binding, interval minus ${TICK_MS} ms over ${TICK_WINDOW_MS / 1000} s:`,
    late('no --ui (baseline)', r.lateNoUi),
    late('--ui, no page open (health sampled each second)', r.lateUiNoPage),
    late(`a page open on \`things\`, used (${r.pageActions} actions)`, r.latePage),
    `  p99 with the page open minus without --ui: ${fmt(p99Delta, 2)} ms  goal <= 2 ms`,
    `    ticks late > ${LATE_MS} ms with the page open, by what it did: ${r.lateDuring.map(([n, c]) => `${n} ${c.count} (worst ${fmt(c.worst, 1)} ms)`).join('; ')}`,
    `  store table of 1M rows, click to the first rows shown: ${r.firstRowsMs} ms; scrolled (${BURSTS} bursts of ${WHEELS} wheel events, ${JUMPS.length} jumps), PipelineReporter frames of the renderer:`,
    ...frames('a static page of 5,000 rows, no script (baseline)', r.scrollBaseline),
    ...frames('the Stores pane, 1M rows (goal: no frame over 50 ms)', r.scroll),
    `  rows after a jump: ${shown.length} of ${r.jumps.length} shown within ${JUMP_WAIT_MS} ms, right cells in ${r.jumps.filter(rightCells).length}; jump to shown median ${fmt(median(shown), 0)} ms, max ${fmt(Math.max(0, ...shown), 0)} ms`,
  ];
  for (const l of r.scroll.long.slice(0, 5))
    lines.push(
      `    a ${fmt(l.frame.ms, 0)} ms frame (${l.frame.state}) at ${fmt(l.frame.start, 0)} ms: ${l.work.map(([w, t]) => `${w} ${fmt(t, 0)} ms`).join(', ')}`,
    );
  for (const j of r.jumps.filter((x) => !rightCells(x))) lines.push(`    row ${j.row}: ${j.ms === null ? 'not shown' : `cells '${j.cells}'`}`);
  return lines;
}

/** Row k of the store shows `k handle k -k 100`. */
function rightCells(j: InspectorResult['jumps'][number]): boolean {
  const c = j.cells.split(' ');
  return j.ms !== null && c[0] === String(j.row) && c[2] === String(j.row) && c[3] === String(-j.row) && c[4] === '100';
}
