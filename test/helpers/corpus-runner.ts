// Drives the corpus of bad edits (test/corpus/) through the real CLI: one `imago run` per shard, on the
// corpus project; each case's edit is made as an editor or a tool makes it, what must hold is checked
// (the rejection names the file and the place, the program keeps running the previous version, its
// state deep-equal before and after), then the files are put back with the next generation: that good
// edit must apply. Run as an unprivileged user when root, so that a file made unreadable is.

import fs from 'node:fs';
import path from 'node:path';
import { BASE, type CorpusCase, type Files, genFile, type Step } from '../corpus/project.js';
import { CliRun, type Event } from './cli.js';
import { sleep, type TempProject, tempProject } from './project.js';

export interface CaseOutcome {
  readonly name: string;
  readonly category: string;
  /** What did not hold, or null. */
  readonly problem: string | null;
  readonly ms: number;
}

const TICK = /^tick (\d+) (.*)$/;

/** The steps of a case's edit. */
const stepsOf = (c: CorpusCase): readonly Step[] => (Array.isArray(c.edit) ? (c.edit as readonly Step[]) : [{ write: c.edit as Files }]);

/** Every path a case's edit touches (to put back afterwards). */
function touchedBy(c: CorpusCase): string[] {
  const out = new Set<string>();
  for (const s of stepsOf(c)) {
    if ('write' in s) for (const f of Object.keys(s.write)) out.add(f);
    else if ('halfWrite' in s) out.add(s.halfWrite);
    else if ('mkdir' in s) out.add(s.mkdir);
    else if ('symlink' in s) out.add(s.symlink);
    else if ('rename' in s) {
      out.add(s.rename);
      out.add(s.to);
    } else if ('chmod' in s) out.add(s.chmod);
    else out.add(s.bytes);
  }
  return [...out];
}

async function apply(p: TempProject, step: Step): Promise<void> {
  const at = (rel: string): string => p.path(rel);
  if ('write' in step) p.write(step.write);
  else if ('halfWrite' in step) {
    const cut = step.cut ?? Math.floor(step.text.length / 2);
    fs.writeFileSync(at(step.halfWrite), step.text.slice(0, cut));
    await sleep(step.pauseMs);
    fs.writeFileSync(at(step.halfWrite), step.text);
  } else if ('mkdir' in step) {
    fs.rmSync(at(step.mkdir), { force: true });
    fs.mkdirSync(at(step.mkdir));
  } else if ('symlink' in step) {
    fs.rmSync(at(step.symlink), { force: true });
    fs.symlinkSync(step.to, at(step.symlink));
  } else if ('rename' in step) fs.renameSync(at(step.rename), at(step.to));
  else if ('chmod' in step) {
    fs.chmodSync(at(step.chmod), step.mode);
    // A change of mode alone is no save: the file is touched, as an editor's save would.
    const now = new Date();
    fs.utimesSync(at(step.chmod), now, now);
  } else if (step.atomic) {
    fs.writeFileSync(`${at(step.bytes)}.tmp~`, step.data);
    fs.renameSync(`${at(step.bytes)}.tmp~`, at(step.bytes));
  } else fs.writeFileSync(at(step.bytes), step.data);
}

/** Puts back every path `c` touched (its base text, or nothing) and writes generation `gen`. */
function restore(p: TempProject, c: CorpusCase, gen: number): void {
  for (const rel of touchedBy(c)) {
    const file = p.path(rel);
    try {
      fs.chmodSync(file, 0o644);
    } catch {
      /* gone, or a link */
    }
    fs.rmSync(file, { recursive: true, force: true });
    const text = BASE[rel];
    if (text !== undefined) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
  p.write({ 'gen.ts': genFile(gen) });
}

export class CorpusShard {
  readonly #p: TempProject;
  readonly #cli: CliRun;
  #gen = 0;
  #baseState: string | null = null;

  private constructor(p: TempProject, cli: CliRun) {
    this.#p = p;
    this.#cli = cli;
  }

  static async start(): Promise<CorpusShard> {
    const p = tempProject({ ...BASE });
    const asRoot = process.getuid?.() === 0;
    for (const dir of [p.dir, p.path('util')]) fs.chmodSync(dir, 0o777);
    const events = path.join(p.dir, '.events.ndjson');
    const cli = new CliRun(p.dir, ['run', '--events', events, 'main.ts'], events, [], asRoot ? { uid: 65534, gid: 65534 } : {});
    const shard = new CorpusShard(p, cli);
    shard.#baseState = (await shard.#tickAfter(0, 30000)).state;
    return shard;
  }

  stop(): void {
    this.#cli.kill();
    this.#p.remove();
  }

  /** The first tick line at or after line `from`. */
  async #tickAfter(from: number, ms = 8000): Promise<{ gen: number; state: string; at: number }> {
    return this.#cli.until(
      'a tick line',
      () => {
        for (let i = from; i < this.#cli.lines.length; i++) {
          const m = TICK.exec(this.#cli.lines[i]!);
          if (m) return { gen: Number(m[1]), state: m[2]!, at: i };
        }
        return null;
      },
      ms,
    );
  }

  /** The last tick line so far. */
  #lastTick(): { gen: number; state: string } {
    for (let i = this.#cli.lines.length - 1; i >= 0; i--) {
      const m = TICK.exec(this.#cli.lines[i]!);
      if (m) return { gen: Number(m[1]), state: m[2]! };
    }
    throw new Error('no tick line yet');
  }

  /** Runs one case; its problem, or null when everything held. Throws when the project cannot be put back. */
  async run(c: CorpusCase): Promise<CaseOutcome> {
    const t0 = Date.now();
    const cli = this.#cli;
    const before = this.#lastTick();
    const mark = cli.reloads().length;
    const errMark = cli.stderr.length;
    let problem: string | null = null;
    try {
      for (const step of stepsOf(c)) await apply(this.#p, step);
      problem = await this.#check(c, before, mark, errMark);
    } catch (e: unknown) {
      problem = (e as Error).message;
    }
    // The next good edit: the files put back, a new generation.
    const gen = ++this.#gen;
    restore(this.#p, c, gen);
    const back = await this.#tickWithGen(gen).catch((e: unknown) => {
      throw new Error(`${c.name}: the good edit after it did not apply: ${(e as Error).message}`);
    });
    if (!problem && back.state !== this.#baseState)
      problem = `the state after the files were put back differs from the start's:\n  ${back.state}\n  ${this.#baseState}`;
    const last = cli.reloads().at(-1);
    if (!problem && last?.ok !== true) problem = `the good edit after it was not applied: ${JSON.stringify(last).slice(0, 400)}`;
    return { name: c.name, category: c.category, problem, ms: Date.now() - t0 };
  }

  async #tickWithGen(gen: number): Promise<{ state: string }> {
    const cli = this.#cli;
    return cli.until(
      `generation ${gen}`,
      () => {
        const t = this.#lastTick();
        return t.gen === gen ? t : null;
      },
      60000,
    );
  }

  async #check(c: CorpusCase, before: { gen: number; state: string }, mark: number, err: number): Promise<string | null> {
    const cli = this.#cli;
    const expect = c.expect;
    const since = (): Event[] => cli.reloads().slice(mark);
    if ('settles' in expect) {
      // Passes through whatever the disk held on the way; ends with the final text applied.
      await cli.until('the final text applied', () => since().at(-1)?.ok === true, 45000);
      return null;
    }
    if ('none' in expect) {
      if (expect.notice) await cli.until(`imago to say ${expect.notice}`, () => expect.notice!.test(cli.stderr.slice(err)) || null, 15000).catch(() => null);
      await sleep(600);
      if (expect.notice && !expect.notice.test(cli.stderr.slice(err))) return `imago did not say ${expect.notice}: ${cli.stderr.slice(err).slice(0, 400)}`;
      return since().length > 0 ? `expected no change, got ${JSON.stringify(since()).slice(0, 600)}` : null;
    }
    const ev = await cli.until('a reload event', () => since()[0], 45000);
    if (ev.ok !== expect.ok) return `expected ${expect.ok ? 'applied' : 'rejected'}, got ${JSON.stringify(ev).slice(0, 600)}`;
    const lines = cli.lines.length;
    if (expect.ok) {
      if (expect.state) {
        const t = await this.#tickAfter(lines);
        if (!expect.state.test(t.state)) return `the state after it does not match ${expect.state}: ${t.state}`;
      }
      return null;
    }
    const errors = (ev['errors'] ?? []) as Array<{ file?: string; line?: number; message?: string; code?: string }>;
    const problems: string[] = [];
    if (ev.phase !== expect.phase) problems.push(`phase ${String(ev.phase)}, expected ${expect.phase}`);
    if (errors.length === 0) problems.push('no errors');
    if (!errors.some((e) => e.file === expect.file)) problems.push(`no error names ${expect.file}: ${JSON.stringify(errors.map((e) => e.file))}`);
    for (const e of errors) if (!e.file || !(typeof e.line === 'number' && e.line >= 1)) problems.push(`an error without file and place: ${JSON.stringify(e)}`);
    if (!expect.says.test(JSON.stringify(errors))) problems.push(`the errors do not match ${expect.says}: ${JSON.stringify(errors).slice(0, 600)}`);
    // The program keeps running the previous version, with its state as it was.
    const t = await this.#tickAfter(lines);
    const next = await this.#tickAfter(t.at + 1);
    if (next.gen !== before.gen || next.state !== before.state)
      problems.push(`the state changed:\n  before ${before.gen} ${before.state}\n  after  ${next.gen} ${next.state}`);
    // A second report of the same save would come now.
    await sleep(50);
    if (expect.quiet) {
      const leaked = cli.lines.slice(lines).find((l) => expect.quiet!.test(l));
      if (leaked) problems.push(`the refused change left something running: it printed ${JSON.stringify(leaked)}`);
    }
    if (since().length > 1)
      problems.push(`${since().length} reload events for one edit: ${JSON.stringify(since().map((e) => (process.env['IMAGO_CORPUS_VERBOSE'] ? e : e.ok)))}`);
    return problems.length > 0 ? problems.join('; ') : null;
  }
}

/** Runs `cases` on `shards` processes at once; every case's outcome. */
export async function runCorpus(cases: readonly CorpusCase[], shards: number, onCase?: (o: CaseOutcome) => void): Promise<CaseOutcome[]> {
  const queue = [...cases];
  const outcomes: CaseOutcome[] = [];
  const worker = async (): Promise<void> => {
    let shard: CorpusShard | null = null;
    try {
      for (let c = queue.shift(); c; c = queue.shift()) {
        shard ??= await CorpusShard.start();
        try {
          const o = await shard.run(c);
          outcomes.push(o);
          onCase?.(o);
        } catch (e: unknown) {
          // The project could not be put back: this case fails, and the next starts a fresh program.
          const o = { name: c.name, category: c.category, problem: (e as Error).message, ms: 0 };
          outcomes.push(o);
          onCase?.(o);
          shard.stop();
          shard = null;
        }
      }
    } finally {
      shard?.stop();
    }
  };
  await Promise.all(Array.from({ length: shards }, worker));
  return outcomes;
}
