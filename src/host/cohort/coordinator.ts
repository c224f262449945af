// The coordinator's side of a cohort (runtime/cohort.ts): the members it knows (worker threads, a
// cluster's worker processes), the modules each holds, and the round of the change under way. Each step
// waits for every member of the round, at most the swap timeout; a member that refuses, or does not
// answer in time, ends the round everywhere; a member that exits is dropped from it and reported.

import path from 'node:path';
import type { Diagnostic } from '../../compile/diagnostic.js';
import type { Cohort, CohortVote } from '../../runtime/cohort.js';
import type { ChangeSummary } from '../../runtime/events.js';
import type { ChangeIntent } from '../../runtime/intent.js';
import { type Refusal, TAG, type ToCoordinator, type ToMember } from './messages.js';

/** One member, as the host reaches it. */
export interface MemberLink {
  /** How messages name it: `worker thread 2 (src/worker.ts)`, `worker process 1 (pid 4242)`. */
  readonly name: string;
  send(message: ToMember): void;
}

export interface CoordinatorOptions {
  readonly hollow: boolean;
  /** --swap-timeout: how long each step waits for every member. */
  readonly timeoutMs: number;
  readonly root: string;
  /** Told what happened to members that imago does not say through a change's result. */
  readonly notice: (message: string) => void;
  /** The texts the program runs besides the members' (the main thread's modules). */
  readonly running?: () => ReadonlyMap<string, string>;
  /**
   * A member started on texts older than the program runs (a change applied while it loaded): `texts`
   * are the running ones, for a change that brings it up to date.
   */
  readonly stale?: (texts: ReadonlyMap<string, string>) => void;
}

type Answer = ToCoordinator | 'gone' | 'late';

interface Member {
  held: ReadonlySet<string>;
}

interface Round {
  readonly id: number;
  /** The first touched file, as refusals that are no file's name it. */
  readonly file: string;
  readonly texts: ReadonlyMap<string, string | null>;
  /** Members in the round, and the step each still has to answer (null: answered). */
  readonly members: Map<MemberLink, null | ((answer: ToCoordinator | 'gone') => void)>;
  finished: boolean;
}

export class Coordinator implements Cohort {
  readonly hollow: boolean;
  readonly #options: CoordinatorOptions;
  readonly #members = new Map<MemberLink, Member>();
  /** Every module a member held at some time (an edit to one no member holds now is said, not lost in silence). */
  readonly #everHeld = new Set<string>();
  /** The text each module the members hold runs now (from their reports and the changes kept since). */
  readonly #texts = new Map<string, string>();
  #round: Round | null = null;
  #ids = 0;

  constructor(options: CoordinatorOptions) {
    this.hollow = options.hollow;
    this.#options = options;
  }

  /** Members known now. */
  get size(): number {
    return this.#members.size;
  }

  /** Texts of the members' modules as they run now, for a new member to start on (of modules no member holds: none, the files say). */
  get texts(): ReadonlyMap<string, string> {
    for (const p of this.#texts.keys()) if (!this.holds(p)) this.#texts.delete(p);
    return this.#texts;
  }

  /** A member joins: what it says goes to the returned function. */
  join(link: MemberLink): (message: ToCoordinator) => void {
    this.#members.set(link, { held: new Set() });
    return (message) => this.#heard(link, message);
  }

  /** A member is gone (exited, crashed): it is no part of any round from now on. */
  leave(link: MemberLink, why: string): void {
    if (!this.#members.delete(link)) return;
    const waiting = this.#round?.members.get(link);
    if (this.#round && waiting !== undefined) {
      this.#options.notice(`${link.name} ${why} during a change: the change goes on without it`);
      this.#round.members.delete(link);
      waiting?.('gone');
    }
  }

  /** True when a member held `file` at some time (it may hold it no more). */
  held(file: string): boolean {
    return this.#everHeld.has(file);
  }

  holds(file: string): boolean {
    for (const m of this.#members.values()) if (m.held.has(file)) return true;
    return false;
  }

  paths(): readonly string[] {
    const all = new Set<string>();
    for (const m of this.#members.values()) for (const p of m.held) all.add(p);
    return [...all];
  }

  async prepare(texts: ReadonlyMap<string, string | null>, paths: readonly string[], intent?: ChangeIntent): Promise<CohortVote> {
    const involved = [...this.#members].filter(([, m]) => paths.some((p) => m.held.has(p))).map(([link]) => link);
    if (involved.length === 0) return { ok: true, files: [], members: 0 };
    const first = paths[0] ?? '';
    const file = path.isAbsolute(first) ? path.relative(this.#options.root, first) : first;
    const round: Round = { id: ++this.#ids, file, texts, members: new Map(involved.map((l) => [l, null])), finished: false };
    this.#round = round;
    const list = [...texts];
    const answers = await this.#step(round, (link) => link.send({ imago: TAG, t: 'prepare', id: round.id, texts: list, paths, ...(intent ? { intent } : {}) }));
    const refused = this.#refusal(round, answers, 'prepare');
    if (refused) return refused;
    const files = new Set<string>();
    for (const [link, a] of answers) {
      if (a === 'gone' || a === 'late' || a.t !== 'prepared') continue;
      // A member the change does not touch is out of the round.
      if (a.files.length === 0) round.members.delete(link);
      for (const f of a.files) files.add(f);
    }
    if (round.members.size === 0) this.#round = null;
    return { ok: true, files: [...files], members: round.members.size };
  }

  async commit(): Promise<CohortVote> {
    const round = this.#round;
    if (!round) return { ok: true, files: [], members: 0 };
    const deadline = Date.now() + this.#options.timeoutMs;
    const answers = await this.#step(round, (link) => link.send({ imago: TAG, t: 'commit', id: round.id, deadline }));
    return this.#refusal(round, answers, 'commit') ?? { ok: true, files: [], members: round.members.size };
  }

  async finish(keep: boolean): Promise<ChangeSummary | null> {
    const round = this.#round;
    if (!round || round.finished) return null;
    round.finished = true;
    const answers = keep ? this.#step(round, (link) => link.send({ imago: TAG, t: 'finish', id: round.id, keep })) : null;
    if (!keep) for (const link of round.members.keys()) link.send({ imago: TAG, t: 'finish', id: round.id, keep });
    if (keep) for (const [p, t] of round.texts) if (t !== null && this.holds(p)) this.#texts.set(p, t);
    const said = answers ? [...(await answers).values()] : [];
    if (this.#round === round) this.#round = null;
    for (const a of said) if (typeof a === 'object' && a.t === 'applied') return a.summary;
    return null;
  }

  /** Sends one step to every member of the round and waits for all answers, at most the timeout. */
  #step(round: Round, send: (link: MemberLink) => void): Promise<Map<MemberLink, Answer>> {
    const answers = new Map<MemberLink, Answer>();
    const links = [...round.members.keys()];
    return new Promise((resolve) => {
      let pending = links.length;
      const timer = setTimeout(() => {
        for (const link of links) if (!answers.has(link)) answers.set(link, 'late');
        for (const link of round.members.keys()) round.members.set(link, null);
        resolve(answers);
      }, this.#options.timeoutMs);
      for (const link of links) {
        round.members.set(link, (answer) => {
          round.members.set(link, null);
          answers.set(link, answer);
          if (--pending === 0) {
            clearTimeout(timer);
            resolve(answers);
          }
        });
        send(link);
      }
    });
  }

  /** The first refusal among the answers (or a member late), having ended the round; null if all said yes. */
  #refusal(round: Round, answers: Map<MemberLink, Answer>, step: 'prepare' | 'commit'): CohortVote | null {
    let refusal: Refusal | null = null;
    for (const [link, a] of answers) {
      if (a === 'late') {
        const what = step === 'prepare' ? 'prepare the change' : 'reach a safe point and commit the change';
        refusal ??= {
          phase: 'coordinate',
          errors: [
            {
              file: round.file,
              line: 1,
              column: 1,
              code: 'IMAGO_SWAP_TIMEOUT',
              message: `${link.name} did not ${what} within ${this.#options.timeoutMs} ms (--swap-timeout): it is busy (a long synchronous run, a loop); the change is rejected in every thread and process. Save again once it is free, or raise --swap-timeout`,
            },
          ],
        };
      } else if (a !== 'gone' && a.t === 'refused') {
        refusal ??= { phase: a.refusal.phase, errors: a.refusal.errors.map((e) => this.#named(link, e)) };
      }
    }
    if (!refusal) return null;
    this.finish(false);
    return { ok: false, phase: refusal.phase, errors: refusal.errors };
  }

  /** A member's diagnostic says which member it comes from. */
  #named(link: MemberLink, d: Diagnostic): Diagnostic {
    return { ...d, message: `${d.message} (in ${link.name})` };
  }

  #heard(link: MemberLink, message: ToCoordinator): void {
    if (message.t === 'held') {
      const member = this.#members.get(link);
      if (!member) return;
      member.held = new Set(message.paths);
      for (const p of message.paths) this.#everHeld.add(p);
      const behind = new Map<string, string>();
      const own = message.texts.length > 0 ? this.#options.running?.() : undefined;
      for (const [p, t] of message.texts) {
        const running = this.#texts.get(p) ?? own?.get(p);
        if (running === undefined) this.#texts.set(p, t);
        else if (running !== t) behind.set(p, running);
      }
      if (behind.size > 0) {
        const files = [...behind.keys()].map((p) => path.relative(this.#options.root, p)).join(', ');
        this.#options.notice(`${link.name} started on an older ${files} than the program runs (a change applied while it loaded): it is brought up to date`);
        this.#options.stale?.(behind);
      }
      return;
    }
    const round = this.#round;
    if (!round || round.id !== message.id) return;
    round.members.get(link)?.(message);
  }

  /** A member's name for messages: `worker thread 2 (src/w.ts)`. */
  static threadName(root: string, threadId: number, file: string): string {
    return `worker thread ${threadId} (${path.relative(root, file)})`;
  }
}
