// What the inspector's bench (bench/inspector.ts) needs around it: a program under `imago run --ui`
// with the address it printed, headless Chromium, the inspector's `POST /api`, and the frames of a
// Chromium trace.

import { type Browser, chromium, type Page } from 'playwright-core';
import { CliRun } from '../test/helpers/cli.js';
import { type TempProject, tempProject } from '../test/helpers/project.js';

export const CHROMIUM = process.env['IMAGO_CHROMIUM'] ?? '/usr/bin/chromium';

export interface Running {
  readonly cli: CliRun;
  readonly project: TempProject;
  /** The inspector's address with its token (null: started without --ui). */
  readonly url: string | null;
}

/** Runs `imago run [--ui] <args> main.ts` in a temporary project of `files`; stops it and removes the project after `fn`, whatever happens. */
export async function withProgram<T>(files: Record<string, string>, args: readonly string[], ui: boolean, fn: (run: Running) => Promise<T>): Promise<T> {
  const project = tempProject({ 'package.json': '{"type":"module","main":"main.ts"}', ...files });
  const cli = CliRun.run(project.dir, [...(ui ? ['--ui'] : []), ...args, 'main.ts']);
  try {
    await cli.until('ready', () => cli.events().some((e) => e.kind === 'ready'), 120000);
    const url = ui
      ? await cli.until('the inspector address', () => /\binspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(cli.stderr)?.[1], 30000)
      : null;
    return await fn({ cli, project, url });
  } finally {
    await cli.stop().catch(() => cli.kill());
    project.remove();
  }
}

/** Launches headless Chromium for `fn` and closes it afterwards, whatever happens. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Asks the inspector's `POST /api` one control-protocol request (as no page: client 0). */
export async function ask(url: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const u = new URL(url);
  const r = await fetch(`${u.origin}/api?token=${u.searchParams.get('token')}&client=0`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, ...request }),
  });
  const reply = (await r.json()) as Record<string, unknown>;
  if (reply['kind'] === 'error') throw new Error(`${String(request['kind'])}: ${String(reply['message'])}`);
  return reply;
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly id?: string | number;
  readonly id2?: { readonly local?: string; readonly global?: string };
  readonly args?: Record<string, unknown>;
}

export interface Frame {
  /** ms from the trace's first frame. */
  readonly start: number;
  readonly ms: number;
  /** STATE_PRESENTED_ALL, STATE_PRESENTED_PARTIAL, STATE_DROPPED. */
  readonly state: string;
}

export interface TraceFrames {
  readonly frames: Frame[];
  /** The renderer main thread's animation frames (`AnimationFrame`: its tasks and rendering for one frame; > 50 ms is what the Long Animation Frames API calls long), ms. */
  readonly animation: number[];
  /** The renderer main thread's tasks, ms. */
  readonly tasks: number[];
  /** For each frame over `longMs`: what the renderer's main thread did in it, most first (name, ms). */
  readonly long: Array<{ readonly frame: Frame; readonly work: ReadonlyArray<readonly [string, number]> }>;
}

/** Async events `name` of process `pid` paired begin to end: each one's begin and ms. */
function spans(events: readonly TraceEvent[], name: string, pid: number): Array<{ readonly begin: TraceEvent; readonly ms: number }> {
  const open = new Map<string, TraceEvent>();
  const out: Array<{ begin: TraceEvent; ms: number }> = [];
  for (const e of events) {
    if (e.name !== name || e.pid !== pid || (e.ph !== 'b' && e.ph !== 'e')) continue;
    const key = String(e.id2?.local ?? e.id2?.global ?? e.id);
    const begin = open.get(key);
    if (e.ph === 'b') open.set(key, e);
    else if (begin) {
      open.delete(key);
      out.push({ begin, ms: (e.ts - begin.ts) / 1000 });
    }
  }
  return out;
}

/**
 * The frames of the page's renderer in a Chromium trace: each `PipelineReporter` (Chromium's own record
 * of one frame, from its BeginImplFrame to its presentation or drop; what DevTools' Frames track draws)
 * of the renderer process that had something to draw (state not NO_UPDATE_DESIRED).
 */
export function traceFrames(json: string, longMs = 50): TraceFrames {
  const parsed = JSON.parse(json) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.['name'] === 'CrRendererMain');
  if (!main) throw new Error('the trace has no renderer main thread');
  const raw = spans(events, 'PipelineReporter', main.pid)
    .map(({ begin, ms }) => ({ ts: begin.ts, ms, state: (begin.args?.['frame_reporter'] as { state?: string } | undefined)?.state ?? '?' }))
    .filter((f) => f.state !== 'STATE_NO_UPDATE_DESIRED');
  const t0 = Math.min(...raw.map((f) => f.ts));
  const frame = (f: (typeof raw)[number]): Frame => ({ start: (f.ts - t0) / 1000, ms: f.ms, state: f.state });
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
  const isTask = (e: TraceEvent): boolean => e.name.endsWith('RunTask');
  const long = raw
    .filter((f) => f.ms > longMs)
    .map((f) => {
      const end = f.ts + f.ms * 1000;
      const work = new Map<string, number>();
      for (const e of onMain) {
        if (isTask(e) || e.ts >= end || e.ts + e.dur! <= f.ts) continue;
        const data = e.args?.['data'] as { functionName?: string; url?: string } | undefined;
        const what = data?.url ? `${e.name} ${data.functionName || '(anonymous)'} ${data.url.replace(/^.*\//, '')}` : e.name;
        work.set(what, (work.get(what) ?? 0) + (Math.min(end, e.ts + e.dur!) - Math.max(f.ts, e.ts)) / 1000);
      }
      return { frame: frame(f), work: [...work].sort((a, b) => b[1] - a[1]).slice(0, 4) };
    });
  return {
    frames: raw.map(frame),
    animation: spans(events, 'AnimationFrame', main.pid).map((s) => s.ms),
    tasks: onMain.filter(isTask).map((e) => e.dur! / 1000),
    long,
  };
}

// What runs in the page. Strings, not functions: this project compiles without the DOM's types.

/** Records, in `window.__seen`, Date.now() and `data-kind` when each `[data-entry]` first appears in the DOM. */
export const WATCH_ENTRIES = `(() => {
  const seen = (window.__seen = {});
  const note = (el) => {
    const id = el.getAttribute('data-entry');
    if (id !== null && seen[id] === undefined) seen[id] = { at: Date.now(), kind: el.getAttribute('data-kind') };
  };
  for (const el of document.querySelectorAll('[data-entry]')) note(el);
  new MutationObserver((records) => {
    for (const r of records)
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches('[data-entry]')) note(n);
        for (const el of n.querySelectorAll('[data-entry]')) note(el);
      }
  }).observe(document.body, { childList: true, subtree: true });
})()`;

/** The first change entry (applied or refused) the page showed past id `after`: its id, when it appeared, its kind. */
export const seenChangeAfter = (after: number): string =>
  `Object.entries(window.__seen).map(([id, s]) => ({ id: Number(id), ...s })).filter((s) => s.id > ${after} && (s.kind === 'applied' || s.kind === 'rejected')).sort((a, b) => a.id - b.id)[0]`;

/**
 * Waits until `expression` (evaluated in the page every 10 ms) is truthy and returns its value. Not
 * `page.waitForFunction`: that evals in the page, which the inspector's CSP forbids (rightly).
 */
export async function waitInPage<T>(page: Page, expression: string, ms = 10000): Promise<T> {
  const v = await page.evaluate(`new Promise((resolve) => {
    const t0 = performance.now();
    const look = () => {
      const v = (${expression});
      if (v) resolve(v);
      else if (performance.now() - t0 > ${ms}) resolve(null);
      else setTimeout(look, 10);
    };
    look();
  })`);
  if (!v) throw new Error(`timed out after ${ms} ms waiting in the page for ${expression}`);
  return v as T;
}

/** True once more than `n` elements match `selector`. */
export const moreThan = (selector: string, n: number): string => `document.querySelectorAll(${JSON.stringify(selector)}).length > ${n}`;

/**
 * Sets the store table's scrollTop so that row `k` (of `total`, 22 px each) is at the top of its view,
 * the way the table maps a scroll position past the browser's height cap, and waits (each frame, up to
 * `wait` ms) for `[data-row=k]`: how long it took and its cells.
 */
export const jumpToRow = (k: number, total: number, wait: number): string => `new Promise((resolve) => {
  const el = document.querySelector('[data-rows-scroller]');
  const view = el.clientHeight - el.firstElementChild.offsetHeight;
  const max = el.scrollHeight - el.clientHeight;
  const ratio = max > 0 ? (${total} * 22 - view) / max : 1;
  const t0 = performance.now();
  el.scrollTop = (${k} * 22) / ratio;
  const look = () => {
    const row = document.querySelector('[data-row="${k}"]');
    if (row) resolve({ row: ${k}, ms: performance.now() - t0, cells: [...row.children].map((c) => c.textContent).join(' ') });
    else if (performance.now() - t0 > ${wait}) resolve({ row: ${k}, ms: null, cells: '' });
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})`;
