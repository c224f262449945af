// The soak (issue 20, item 4): thousands of edits to a program under load, through the real CLI. Edits
// alternate good (a new version of rules.ts, seen in the HTTP answer and the timer's beat) and bad (a
// syntax error, a type error, a top-level statement that throws: each rejected, the program running on),
// saved in place or renamed over the file, as editors do.
// Measured every `every` edits: the process tree's PSS after a GC of imago's process (through the
// control channel), the requests answered and failed, what the program holds open (imago status'
// `resources`), and the time from writing a good edit to the first answer that shows it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ControlClient, connectControl } from '../../src/cli/control-client.js';
import type { StatusReply } from '../../src/host/control/protocol.js';
import { CliRun, type Event } from './cli.js';
import { sleep, tempProject, waitFor } from './project.js';
import { HttpLoad, type LoadFigures } from './soak-load.js';
import { LineTail, median, treePss } from './soak-measure.js';
import { type Answer, BAD_KINDS, badRules, MAIN, rules } from './soak-program.js';

export interface SoakOptions {
  /** Edits to make, good and bad alternating (the first is good). */
  readonly reloads: number;
  /** Measure every this many edits. */
  readonly every: number;
  readonly debounceMs: number;
  readonly tickMs: number;
  /** HTTP requests in flight at most, and each client's pause between requests. */
  readonly clients: number;
  readonly pauseMs: number;
  /** Longest wait for one edit's outcome before the soak gives up (a hang). */
  readonly editTimeoutMs: number;
  /** Called with each row as it is measured. */
  readonly onRow?: (row: SoakRow) => void;
}

export type Resources = StatusReply['resources'];

export interface SoakRow {
  readonly reload: number;
  readonly elapsedMs: number;
  /** PSS of imago's process tree, in bytes, in all and by process name; imago's heap after the GC. */
  readonly pss: number;
  readonly pssByName: Readonly<Record<string, number>>;
  readonly heapUsed: number;
  readonly requests: LoadFigures;
  readonly resources: Resources;
  /** Medians over this row's edits: write to first answer showing a good edit; write to a bad one's rejection. */
  readonly effectMs: number;
  readonly rejectMs: number;
  readonly load: number;
}

export interface SoakResult {
  readonly rows: readonly SoakRow[];
  readonly good: { readonly written: number; readonly seen: number };
  readonly bad: { readonly written: number; readonly rejected: number };
  readonly requests: LoadFigures;
  /** What the program held open before the first edit and after the last, with the load stopped. */
  readonly before: Resources;
  readonly after: Resources;
  /** Write-to-effect of each good edit, by the edit's number (1-based, odd). */
  readonly effects: ReadonlyArray<{ readonly reload: number; readonly ms: number }>;
  /** Whatever went wrong: unexpected events, a rejection in the wrong phase, a version never seen. */
  readonly problems: readonly string[];
  readonly exit: { code: number | null; signal: string | null };
  readonly durationMs: number;
}

/** Runs the soak; throws only when it cannot go on (imago exited or hung), with its stderr. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const project = tempProject({ 'main.ts': MAIN, 'rules.ts': rules(1) });
  const events = path.join(project.dir, '.events.ndjson');
  const run = new CliRun(
    project.dir,
    ['run', '--events', events, '--debounce-ms', String(options.debounceMs), '--tick-ms', String(options.tickMs), 'main.ts'],
    events,
    ['--expose-gc'],
  );
  const tail = new LineTail<Event>(events);
  let load: HttpLoad | null = null;
  let control: ControlClient | null = null;
  try {
    const port = Number(await run.until('the program to listen', () => run.lines.find((l) => l.startsWith('soak-port '))?.slice(10), 60000));
    await run.until('the ready event', () => tail.read().some((e) => e.kind === 'ready'), 60000);
    const socket = path.join(project.dir, '.imago', 'control.sock');
    await run.until('the control socket', () => fs.existsSync(socket), 10000);
    control = await connectControl(socket);
    const before = await settledResources(control);

    const started = performance.now();
    let applied = 1;
    let written = 1;
    load = new HttpLoad(port, options.clients, options.pauseMs, (a) => refusal(a, applied, written));
    await run.until('a first answer', () => load?.last, 10000);
    const soak = new Soak(run, tail, load, options);
    const rows: SoakRow[] = [];
    let window = { effects: [] as number[], rejects: [] as number[] };
    for (let reload = 1; reload <= options.reloads; reload++) {
      if (reload % 2 === 1) {
        const k = (reload + 1) / 2 + 1;
        written = k;
        const ms = await soak.good(reload, k);
        applied = k;
        if (ms !== null) window.effects.push(ms);
      } else {
        const ms = await soak.bad(reload, (reload / 2 - 1) % BAD_KINDS.length);
        if (ms !== null) window.rejects.push(ms);
      }
      if (reload % options.every === 0 || reload === options.reloads) {
        const row = await measure(run, control, load, reload, performance.now() - started, window);
        rows.push(row);
        options.onRow?.(row);
        window = { effects: [], rejects: [] };
      }
    }
    const requests = await load.stop();
    load = null;
    const after = await settledResources(control, before);
    if (!sameResources(before, after)) soak.problems.push(`resources before and after differ: ${JSON.stringify({ before, after })}`);
    control.close();
    control = null;
    const exit = await run.stop();
    soak.expectNoMoreEvents();
    return {
      rows,
      good: soak.goodEdits,
      bad: soak.badEdits,
      requests,
      before,
      after,
      effects: soak.effects,
      problems: soak.problems,
      exit,
      durationMs: performance.now() - started,
    };
  } finally {
    await load?.stop();
    control?.close();
    run.kill();
    await waitFor('imago to exit', () => run.exit, 15000).catch(() => undefined);
    project.remove();
  }
}

/** Why an answer is wrong, or null: a version that was never applied, or a rejected edit's marker. */
function refusal(a: Answer, applied: number, written: number): string | null {
  if (a.v < 1 || a.beat < 0) return `a rejected edit ran: ${JSON.stringify(a)}`;
  if (a.v > written || a.beat > written) return `a version never written: ${JSON.stringify(a)}`;
  if (a.v < applied - 1) return `an old version after a newer one applied (v${applied}): ${JSON.stringify(a)}`;
  return null;
}

class Soak {
  readonly problems: string[] = [];
  readonly effects: Array<{ reload: number; ms: number }> = [];
  readonly goodEdits = { written: 0, seen: 0 };
  readonly badEdits = { written: 0, rejected: 0 };

  constructor(
    readonly run: CliRun,
    readonly tail: LineTail<Event>,
    readonly load: HttpLoad,
    readonly options: SoakOptions,
  ) {}

  /** Writes version `k`; returns the time to the first answer showing it (null: never seen). */
  async good(reload: number, k: number): Promise<number | null> {
    this.goodEdits.written++;
    let seen: number | null = null;
    let beat = false;
    const t0 = performance.now();
    const off = this.load.onAnswer((a, at) => {
      if (a.v === k && seen === null) seen = at - t0;
      if (a.beat === k) beat = true;
    });
    try {
      this.#write(reload, rules(k));
      if (!(await this.#event(reload, `good edit v${k}`, true))) return null;
      await this.run.until(`answers showing v${k} (its function and its timer)`, () => seen !== null && beat, this.options.editTimeoutMs);
      this.goodEdits.seen++;
      this.effects.push({ reload, ms: seen ?? Number.NaN });
      return seen;
    } finally {
      off();
    }
  }

  /** Writes bad edit `n` of kind BAD_KINDS[which]; returns the time to its rejection (null: not rejected). */
  async bad(reload: number, which: number): Promise<number | null> {
    const { kind, phase } = BAD_KINDS[which]!;
    this.badEdits.written++;
    const t0 = performance.now();
    this.#write(reload, badRules(kind, reload));
    const event = await this.#event(reload, `bad edit (${kind})`, false);
    if (!event) return null;
    const ms = performance.now() - t0;
    if (event.phase !== phase) this.problems.push(`reload ${reload}: bad edit (${kind}) rejected in phase ${event.phase}, not ${phase}`);
    this.badEdits.rejected++;
    return ms;
  }

  /**
   * Writes rules.ts as editors do: in place (truncated, then written) for two edits in four, else to a
   * temporary file renamed over it (a new inode), so both kinds of save meet good and bad edits.
   */
  #write(reload: number, text: string): void {
    const file = path.join(this.run.dir, 'rules.ts');
    if (reload % 4 < 2) {
      fs.writeFileSync(file, text);
      return;
    }
    const temporary = path.join(this.run.dir, '.rules.ts.tmp');
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  }

  /** Events after the last edit's: only the background check's. */
  expectNoMoreEvents(): void {
    for (const e of this.tail.read()) if (e.kind !== 'typecheck') this.problems.push(`after the last edit: ${JSON.stringify(e).slice(0, 300)}`);
  }

  /**
   * The edit's reload event: applied (`ok`) or rejected. Any other event, but the background check's, is
   * a problem; so is a reload event of the other outcome, and then the wait goes on for the right one
   * (null when it never comes: a problem too).
   */
  async #event(reload: number, what: string, ok: boolean): Promise<Event | null> {
    return this.run
      .until(
        `the reload event of ${what} (edit ${reload})`,
        () => {
          for (const e of this.tail.read()) {
            if (e.kind === 'reload' && e.ok === ok) return e;
            if (e.kind !== 'typecheck') this.problems.push(`reload ${reload}, ${what}: unexpected ${JSON.stringify(e).slice(0, 600)}`);
          }
          return null;
        },
        this.options.editTimeoutMs,
      )
      .catch((e: unknown) => {
        if (this.run.exit) throw e;
        this.problems.push(`reload ${reload}: ${what} never ${ok ? 'applied' : 'rejected'}: ${(e as Error).message.split('\n')[0]}`);
        return null;
      });
  }
}

/** imago's status after a GC of its process (the program runs under --expose-gc). */
async function statusAfterGc(control: ControlClient): Promise<StatusReply> {
  const gc = await control.request({ kind: 'eval', code: '(globalThis as unknown as { gc(): void }).gc()', typecheck: 'off' });
  if (gc.kind !== 'value') throw new Error(`the GC through the control channel failed: ${JSON.stringify(gc)}`);
  const status = await control.request({ kind: 'status' });
  if (status.kind !== 'status') throw new Error(`status failed: ${JSON.stringify(status)}`);
  return status;
}

/** PSS samples taken at each measure, after a GC each, 100 ms apart: the smallest is kept (a sample can catch a burst of allocation). */
const SAMPLES = 3;

async function measure(
  run: CliRun,
  control: ControlClient,
  load: HttpLoad,
  reload: number,
  elapsedMs: number,
  window: { effects: number[]; rejects: number[] },
): Promise<SoakRow> {
  let best: { status: StatusReply; pss: ReturnType<typeof treePss> } | null = null;
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(100);
    const status = await statusAfterGc(control);
    if (status.pid !== run.pid) throw new Error(`status names pid ${status.pid}, the run is ${run.pid}`);
    const pss = treePss(status.pid);
    if (!best || pss.total < best.pss.total) best = { status, pss };
  }
  const { status, pss } = best!;
  const pssByName: Record<string, number> = {};
  for (const p of pss.byProcess) pssByName[p.name] = (pssByName[p.name] ?? 0) + p.pss;
  return {
    reload,
    elapsedMs,
    pss: pss.total,
    pssByName,
    heapUsed: status.memory.heapUsed,
    requests: load.figures(),
    resources: status.resources,
    effectMs: median(window.effects),
    rejectMs: median(window.rejects),
    load: os.loadavg()[0]!,
  };
}

/** The resources once the background check and the load's connections are done (equal to `like`, or after 5 s). */
async function settledResources(control: ControlClient, like?: Resources): Promise<Resources> {
  await sleep(1500);
  let last = (await statusAfterGc(control)).resources;
  for (let i = 0; i < 35 && like && !sameResources(like, last); i++) {
    await sleep(100);
    last = (await statusAfterGc(control)).resources;
  }
  return last;
}

export function sameResources(a: Resources, b: Resources): boolean {
  return JSON.stringify(sortedResources(a)) === JSON.stringify(sortedResources(b));
}

function sortedResources(r: Resources): Resources {
  return { ...r, active: Object.fromEntries(Object.entries(r.active).sort(([x], [y]) => x.localeCompare(y))) };
}
