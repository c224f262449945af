// The coordinator's side of a cohort (runtime/cohort.ts): the members it knows (worker threads, a
// cluster's worker processes), the modules each holds, and the round of the change under way. Each step
// waits for every member of the round, at most the swap timeout; a member that refuses, or does not
// answer in time, ends the round everywhere; a member that exits is dropped from it and reported.

import path from 'node:path';
import type { Cohort, CohortVote } from '../../runtime/cohort.js';
import type { CompiledText } from '../../runtime/compile-cached.js';
import type { ChangeSummary } from '../../runtime/events.js';
import type { ChangeIntent } from '../../runtime/intent.js';
import { claim, type Decision, decisionFolder, remove } from './decision.js';
import { type Refusal, TAG, type ToCoordinator, type ToMember } from './messages.js';
import { type Answer, endedDiagnostic, type MemberLink, type Round, refusalIn, runStep } from './round.js';
import { shipModules } from './shipped.js';

export type { MemberLink } from './round.js';

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
   * A member started on texts older than the program runs (a change applied while it loaded): `bringUp`
   * takes it the running texts, in a round of its own, to run between the image's changes.
   */
  readonly stale?: (bringUp: () => Promise<void>) => void;
  /**
   * The last members holding `files` (absolute) left while a change of them was prepared: the change has
   * no member to run in, and a member that starts them later reads them as the files are.
   */
  readonly unheld?: (files: readonly string[]) => void;
  /**
   * The members run on this machine: they wait for each decision without running code, on a file
   * (decision.ts). False for a fleet: its members are told the decision by message.
   */
  readonly local?: boolean;
}

interface Member {
  held: ReadonlySet<string>;
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
  /** Members' reports of modules new to them, held back while a round is under way. */
  readonly #heldBack: Array<[MemberLink, ToCoordinator]> = [];
  #ids = 0;

  #decisions: ReturnType<typeof decisionFolder> | null = null;
  #lastDecision: string | null = null;
  /** Quiet members that had not taken a kept change when its round ended (busy): the round each owes an answer to. */
  readonly #owing = new Map<MemberLink, number>();
  /** Waiting for the round under way to end (idle()). */
  readonly #idle: Array<() => void> = [];

  constructor(options: CoordinatorOptions) {
    this.hollow = options.hollow;
    this.#options = options;
  }

  /** Removes the decision files. */
  dispose(): void {
    this.#decisions?.dispose();
    this.#decisions = null;
  }

  /** Members known now. */
  get size(): number {
    return this.#members.size;
  }

  /** Texts of the members' modules as they run now (the last change kept), for a new member to start on. */
  get texts(): ReadonlyMap<string, string> {
    return this.#texts;
  }

  /** `file` was saved while no member holds it: a member that starts it takes it from the file, as saved. */
  forget(file: string): void {
    this.#texts.delete(file);
  }

  /** Resolves when no change is under way here (at once when none is): a member about to start waits for it, to start on what it leaves. */
  idle(): Promise<void> {
    return this.#round ? new Promise((resolve) => this.#idle.push(resolve)) : Promise.resolve();
  }

  /** A member joins: what it says goes to the returned function. */
  join(link: MemberLink): (message: ToCoordinator) => void {
    this.#members.set(link, { held: new Set() });
    return (message) => this.#heard(link, message);
  }

  /** A member is gone (exited, crashed): it is no part of any round from now on. */
  leave(link: MemberLink, why: string): void {
    if (!this.#members.delete(link)) return;
    this.#owing.delete(link);
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

  async prepare(
    texts: ReadonlyMap<string, string | null>,
    paths: readonly string[],
    intent?: ChangeIntent,
    compiled: readonly CompiledText[] = [],
  ): Promise<CohortVote> {
    const involved = [...this.#members].filter(([, m]) => paths.some((p) => m.held.has(p))).map(([link]) => link);
    if (involved.length === 0) return { ok: true, files: [], members: 0, quiet: true };
    const first = paths[0] ?? '';
    const file = path.isAbsolute(first) ? path.relative(this.#options.root, first) : first;
    const round = this.#newRound(file, texts, involved);
    this.#round = round;
    const heldBefore = paths.filter((p) => this.holds(p));
    const list = [...texts];
    const shipped = compiled.length > 0 ? { compiled: shipModules(compiled) } : {};
    const answers = await runStep(this.#options.timeoutMs, round, (link) =>
      link.send({ imago: TAG, t: 'prepare', id: round.id, texts: list, paths, ...(intent ? { intent } : {}), ...shipped }),
    );
    const refused = this.#refused(round, answers, 'prepare');
    if (refused) return refused;
    const files = new Set<string>();
    for (const [link, a] of answers) {
      if (a === 'gone' || a === 'late' || a.t !== 'prepared') continue;
      // A member the change does not touch is out of the round.
      if (a.files.length === 0) round.members.delete(link);
      else if (a.quiet) round.quiet.add(link);
      for (const f of a.files) files.add(f);
    }
    if (round.members.size === 0) this.#end(round);
    const orphans = heldBefore.filter((p) => !this.holds(p));
    if (orphans.length > 0) this.#options.unheld?.(orphans);
    const quiet = [...round.members.keys()].every((link) => round.quiet.has(link));
    return { ok: true, files: [...files], members: round.members.size, quiet };
  }

  async commit(): Promise<CohortVote> {
    const round = this.#round;
    if (!round || round.finished) return { ok: false, phase: 'coordinate', errors: [endedDiagnostic(round)] };
    const answers = await this.#commitStep(round);
    return this.#refused(round, answers, 'commit') ?? { ok: true, files: [], members: round.members.size, quiet: false };
  }

  /** The members that are not quiet commit now, to their points of no return; the quiet ones wait for the decision. */
  #commitStep(round: Round): Promise<Map<MemberLink, Answer>> {
    const unsure = [...round.members.keys()].filter((link) => !round.quiet.has(link));
    if (unsure.length > 0 && this.#options.local !== false) {
      this.#decisions ??= decisionFolder();
      round.decision = this.#decisions.file(round.id);
    }
    return runStep(this.#options.timeoutMs, round, (link) => link.send(this.#commitMessage(round)), unsure);
  }

  async finish(keep: boolean): Promise<{ readonly summary: ChangeSummary | null; readonly members: number } | null> {
    const round = this.#round;
    if (!round || round.finished) return null;
    if (!keep) {
      this.#finishRound(round, false);
      return null;
    }
    round.finished = true;
    round.cancel?.();
    const answers = runStep(this.#options.timeoutMs, round, (link) => link.send({ imago: TAG, t: 'finish', id: round.id, keep }));
    // The kept texts are what the cohort runs, also of a module whose last member left during the round:
    // a member that starts it next takes this text, not an older one.
    for (const [p, t] of round.texts) {
      if (t === null) this.#texts.delete(p);
      else if (this.#everHeld.has(p)) this.#texts.set(p, t);
    }
    const said = await answers;
    this.#end(round);
    this.#afterKeep(round, said);
    const applied = [...said.values()].flatMap((a) => (typeof a === 'object' && a.t === 'applied' ? [a.summary] : []));
    return { summary: applied[0] ?? null, members: applied.length };
  }

  /** What members said to a kept change: a quiet commit that failed is said; one still busy answers later. */
  #afterKeep(round: Round, said: ReadonlyMap<MemberLink, Answer>): void {
    for (const [link, a] of said) {
      if (typeof a === 'object' && a.t === 'refused') this.#diverged(link, a.refusal);
      else if (a === 'late' && round.quiet.has(link)) {
        this.#owing.set(link, round.id);
        this.#options.notice(`${link.name} has not taken the change yet (it is busy): it takes it when it is free`);
      }
    }
  }

  /**
   * A quiet member's commit failed after the change was kept everywhere else: only a fault of imago's
   * can do that (nothing of the program runs there). Said; a worker process starts again on the code kept.
   */
  #diverged(link: MemberLink, refusal: Refusal): void {
    const why = refusal.errors[0]?.message.split('\n')[0] ?? refusal.phase;
    const then = link.restart ? 'it is started again on the code the others run' : 'it runs the code it ran before until it starts again';
    this.#options.notice(`${link.name} could not take a change the others kept (${why}); ${then}. This is a fault in imago: please report it`);
    link.restart?.();
  }

  /** A round for one member that started on older texts: the running ones (checked and kept already). */
  async #bringUp(link: MemberLink, texts: ReadonlyMap<string, string>): Promise<void> {
    if (!this.#members.has(link) || this.#round) return;
    const paths = [...texts.keys()];
    const round = this.#newRound(path.relative(this.#options.root, paths[0] ?? ''), texts, [link]);
    this.#round = round;
    const list = [...texts];
    const prepared = await runStep(this.#options.timeoutMs, round, (l) => l.send({ imago: TAG, t: 'prepare', id: round.id, texts: list, paths }));
    const refused = this.#refused(round, prepared, 'prepare') ?? (round.members.size > 0 ? null : false);
    if (refused === false) return this.#end(round);
    for (const [l, a] of prepared) {
      if (typeof a !== 'object' || a.t !== 'prepared') continue;
      // Nothing of these texts runs there any more: out of the round, as in prepare().
      if (a.files.length === 0) round.members.delete(l);
      else if (a.quiet) round.quiet.add(l);
    }
    if (round.members.size === 0) return this.#end(round);
    const failed = refused ?? this.#refused(round, await this.#commitStep(round), 'commit');
    if (!failed && round.decision && this.#claim(round, 'keep') !== 'keep') {
      this.#finishRound(round, false);
      return;
    }
    if (failed && !failed.ok) {
      const why = failed.errors[0]?.message ?? failed.phase;
      this.#options.notice(`${link.name} could not be brought up to date (${why}): it runs older code until it starts again`);
      return;
    }
    round.finished = true;
    const said = await runStep(this.#options.timeoutMs, round, (l) => l.send({ imago: TAG, t: 'finish', id: round.id, keep: true }));
    this.#end(round);
    this.#afterKeep(round, said);
  }

  decide(keep: boolean): boolean {
    const round = this.#round;
    if (!round || round.finished) return !keep;
    return !round.decision || this.#claim(round, keep ? 'keep' : 'rollback') === (keep ? 'keep' : 'rollback');
  }

  #claim(round: Round, value: Decision): Decision {
    return round.decision ? claim(round.decision, value) : value;
  }

  #newRound(file: string, texts: ReadonlyMap<string, string | null>, links: readonly MemberLink[]): Round {
    const id = ++this.#ids;
    // The last round's decision stays until now: a member may read it late.
    if (this.#lastDecision) remove(this.#lastDecision);
    this.#lastDecision = null;
    const members = new Map(links.map((l) => [l, null]));
    return { id, file, texts, members, quiet: new Set(), finished: false, cancel: null, decision: null, early: new Map() };
  }

  /** Commit now; members on this machine then wait for the decision at most two timeouts (the coordinator commits after them). */
  #commitMessage(round: Round): ToMember {
    const deadline = Date.now() + this.#options.timeoutMs;
    const decision = round.decision ? { file: round.decision, until: deadline + 2 * this.#options.timeoutMs } : undefined;
    return { imago: TAG, t: 'commit', id: round.id, deadline, ...(decision ? { decision } : {}) };
  }

  /** Rolls `round` back in every member (once), ending any step of it under way. */
  #finishRound(round: Round, keep: false): void {
    if (round.finished) return;
    round.finished = true;
    // Members waiting at their point of no return read it at once.
    this.#claim(round, 'rollback');
    round.cancel?.();
    for (const link of round.members.keys()) link.send({ imago: TAG, t: 'finish', id: round.id, keep });
    this.#end(round);
  }

  /** The round is over: members' reports held back meanwhile are read now. */
  #end(round: Round): void {
    if (this.#round !== round) return;
    this.#round = null;
    this.#lastDecision = round.decision;
    for (const resolve of this.#idle.splice(0)) resolve();
    const held = this.#heldBack.splice(0);
    for (const [link, message] of held) if (this.#members.has(link)) this.#heard(link, message);
  }

  /** The first refusal among the answers (or a member late), having ended the round; null if all said yes. */
  #refused(round: Round, answers: ReadonlyMap<MemberLink, Answer>, step: 'prepare' | 'commit'): CohortVote | null {
    const refusal = refusalIn(round, answers, step, this.#options.timeoutMs);
    if (!refusal) return null;
    this.#finishRound(round, false);
    return { ok: false, phase: refusal.phase, errors: refusal.errors };
  }

  #heard(link: MemberLink, message: ToCoordinator): void {
    if (message.t === 'held') {
      const member = this.#members.get(link);
      if (!member) return;
      // A member that reports while a change is under way is compared with what that change leaves.
      if (this.#round && message.texts.length > 0) {
        this.#heldBack.push([link, message]);
        return;
      }
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
        this.#options.stale?.(() => this.#bringUp(link, behind));
      }
      return;
    }
    // A quiet member that was busy when its kept change's round ended: it took it now, or failed to.
    if (this.#owing.get(link) === message.id && (message.t === 'applied' || message.t === 'refused')) {
      this.#owing.delete(link);
      if (message.t === 'refused') this.#diverged(link, message.refusal);
      return;
    }
    const round = this.#round;
    if (!round || round.id !== message.id) return;
    const waiting = round.members.get(link);
    if (waiting) waiting(message);
    else if (waiting === null && message.t === 'applied') round.early.set(link, message);
  }

  /** A member's name for messages: `worker thread 2 (src/w.ts)`. */
  static threadName(root: string, threadId: number, file: string): string {
    return `worker thread ${threadId} (${path.relative(root, file)})`;
  }
}
