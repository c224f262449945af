// The program's side of the type gate: a checker in a worker thread (checker-thread.ts), asked with
// messages, so checking never blocks the program's event loop and a crash of TypeScript's process never
// takes the program down. A checker that fails (TypeScript's process died, the thread ended) is replaced
// by a fresh one at once: the check it was asked fails with the cause, and the next finds it ready.

import type { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { CheckedTexts } from '../runtime/sources.js';
import type { TypeGate, TypeGateResult } from '../runtime/type-gate.js';
import { EAGER_AFTER_MS, endedEarly, isRunning, killProcess, newCheckerThread, retire } from './process-end.js';
import type { ProjectSettings } from './project-config.js';
import type { CheckerSetup, FromChecker, ToChecker } from './protocol.js';

export interface OpenedGate {
  readonly gate: WorkerTypeGate;
  readonly ms: number;
  readonly files: number;
  /** Which configuration is in force (the project's tsconfig.json, or imago's defaults). */
  readonly config: string;
  readonly configErrors: readonly Diagnostic[];
  readonly settings: ProjectSettings;
}

type Opened = Extract<FromChecker, { kind: 'opened' }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What the checker answers with, the opening aside. */
type Answered = Exclude<FromChecker, { kind: 'opened' | 'failed' }>;
/** The background check's answer. */
export type BackgroundAnswer = Extract<FromChecker, { kind: 'background' }>;
/** The questions `query` asks, without their id. */
export type Query = DistributiveOmit<Extract<ToChecker, { kind: 'probe' | 'deps' | 'symbol' | 'spans' }>, 'id'>;
type QueryAnswer = { probe: 'probed'; deps: 'deps'; symbol: 'symbol'; spans: 'spans' };

/** What the questions still open are answered with when the checker restarts for a new configuration. */
export class CheckerRestarted extends Error {
  constructor() {
    super('the checker restarted because its configuration changed');
  }
}

/** A checker thread started before anyone asked (prestartChecker), taken by the first start. */
let prestarted: Worker | null = null;
/** Gates not closed, for the process's exit (WorkerTypeGate.stopAll). */
const live = new Set<WorkerTypeGate>();
let exitHooked = false;

/**
 * Starts a checker thread now, before the command line is read (bin/imago.js, for `imago run`): loading
 * TypeScript's API in it (~100-200 ms) overlaps loading imago itself. The next start takes it.
 */
export function prestartChecker(): void {
  prestarted ??= newCheckerThread();
}

/** A prestarted checker nobody will ask (`--typecheck=off`, or a command line in error) ends. */
export function discardPrestartedChecker(): void {
  void prestarted?.terminate();
  prestarted = null;
}

/** Starts a checker thread (or takes the prestarted one) and waits until it has loaded the project. */
function startWorker(setup: CheckerSetup): Promise<{ worker: Worker; opened: Opened }> {
  // A prestarted thread that ended as it loaded is replaced (its failure shows again, and is told, below).
  const worker = prestarted && !endedEarly.has(prestarted) ? prestarted : newCheckerThread();
  prestarted = null;
  // The program may not run before the check answers: until it opened, the thread keeps imago alive.
  worker.ref();
  return new Promise<{ worker: Worker; opened: Opened }>((resolve, reject) => {
    // A checker that ends before it opened (a crash, an exception as it loads) must not leave its start
    // pending forever: everything waiting for a checker waits on it.
    const died = (code: number): void => {
      worker.off('message', onFirst);
      reject(new Error(`the type checker stopped as it started (exit code ${code})`));
    };
    const failed = (e: Error): void => {
      worker.off('message', onFirst);
      worker.off('exit', died);
      reject(new Error(`the type checker could not start: ${e.message}`));
    };
    const onFirst = (m: FromChecker): void => {
      worker.off('message', onFirst);
      worker.off('exit', died);
      worker.off('error', failed);
      if (m.kind === 'opened') resolve({ worker, opened: m });
      else {
        void worker.terminate();
        reject(new Error(`the type checker could not start: ${m.kind === 'failed' ? m.message : m.kind}`));
      }
    };
    worker.on('message', onFirst);
    worker.once('exit', died);
    worker.once('error', failed);
    const open: ToChecker = { kind: 'open', setup };
    worker.postMessage(open);
  }).finally(() => worker.unref());
}

/** The checker's answer, and the files its program holds after it. */
interface Answer {
  readonly result: TypeGateResult;
  readonly files: readonly string[];
}

export class WorkerTypeGate implements TypeGate {
  #worker: Worker | null;
  readonly #setup: CheckerSetup;
  readonly #pending = new Map<number, { resolve: (m: Answered) => void; reject: (e: Error) => void }>();
  readonly #files = new Set<string>();
  #next = 0;
  /** A checker being started (shared by everyone who asks meanwhile). */
  #starting: Promise<void> | null = null;
  /** The checker was started since the last check: the next check is of the whole program. */
  #fresh = false;
  /** Ids of the questions that are queries (their failure is theirs alone, not the checker's). */
  readonly #queries = new Set<number>();
  #closed = false;
  /** A check started as a file event came in (checkAhead), for the change that event's batch becomes. */
  #ahead: { readonly texts: CheckedTexts; readonly result: Promise<Answer>; done: boolean } | null = null;

  #attachedAt = 0;
  /** Told when TypeScript's process ended between questions (a new checker is starting). */
  onLost: ((why: string) => void) | null = null;
  /** Counts restarts: a checker started before the last one is not taken. */
  #generation = 0;
  /** What the configuration of the last checker started is refused for (tsconfig.json's own errors). */
  #configErrors: readonly Diagnostic[] = [];
  /** TypeScript's process under the current checker, when the checker could tell. */
  #tsPid: number | null = null;

  private constructor(worker: Worker, setup: CheckerSetup, tsPid: number | null) {
    this.#worker = null;
    this.#setup = setup;
    this.#attach(worker, tsPid);
  }

  /** Starts a checker for the program of `setup.entry` and waits until it has loaded the project. */
  static async open(setup: CheckerSetup): Promise<OpenedGate> {
    const { worker, opened } = await startWorker(setup);
    const gate = new WorkerTypeGate(worker, setup, opened.pid);
    return { gate, ms: opened.ms, files: opened.files, config: opened.config, configErrors: opened.errors, settings: opened.settings };
  }

  /**
   * Starts checking `texts` (read as a file event arrived) while the watcher still waits for the batch
   * to go quiet: the change that follows, given the same snapshot, takes this answer instead of asking
   * again. It takes the debounce out of the time to effect. Further events while it runs start nothing
   * (a burst of events must not queue a check each); an answer nobody asked for gives way to the next.
   */
  checkAhead(texts: CheckedTexts): void {
    if (this.#ahead && !this.#ahead.done) return;
    this.#ahead = null;
    if (this.#closed || !this.#worker) return;
    const ahead = { texts, result: this.#ask(texts, false), done: false };
    const settle = (): void => {
      ahead.done = true;
    };
    ahead.result.then(settle, settle);
    this.#ahead = ahead;
  }

  check(texts: CheckedTexts, all: boolean): Promise<TypeGateResult> {
    const ahead = this.#ahead;
    this.#ahead = null;
    const answer = ahead && ahead.texts === texts && !all ? ahead.result.then((a) => ({ ...a, result: { ...a.result, early: true } })) : this.#ask(texts, all);
    // The files the checker's program holds are taken from the answers changes use: an early check of a
    // batch that then waited (a file gone for a moment) must not make imago forget a types-only file.
    return answer.then(({ result, files }) => {
      this.#files.clear();
      for (const f of files) this.#files.add(f);
      return result;
    });
  }

  async #ask(texts: CheckedTexts, all: boolean): Promise<Answer> {
    try {
      return await this.#askOnce(texts, all);
    } catch (e: unknown) {
      // tsconfig.json changed while the check ran: the checker did not fail, ask the new one.
      if (!(e instanceof CheckerRestarted) || this.#closed) throw e;
      return this.#askOnce(texts, true);
    }
  }

  async #askOnce(texts: CheckedTexts, all: boolean): Promise<Answer> {
    if (this.#closed) throw new Error('the type checker was closed');
    await this.#ensureWorker();
    // A checker started since the last check (the last one failed, or restarted) reads everything
    // fresh: its first check is of the whole program.
    const wholeProgram = all || this.#fresh;
    this.#fresh = false;
    const m = await this.#request({ kind: 'check', changed: [...texts], all: wholeProgram });
    if (m.kind !== 'checked') throw new Error(`the checker answered a check with '${m.kind}'`);
    return { result: { errors: m.errors, notices: m.notices, checked: m.checked, ms: m.ms }, files: m.files };
  }

  /**
   * Checks the whole program as the last check left it, in slices that give way to every other
   * question (the background check). `overtaken` when a question moved the checker on meanwhile.
   */
  async background(): Promise<BackgroundAnswer> {
    if (this.#closed) throw new Error('the type checker was closed');
    await this.#ensureWorker();
    const m = await this.#request({ kind: 'background' });
    if (m.kind !== 'background') throw new Error(`the checker answered the background check with '${m.kind}'`);
    return m;
  }

  /**
   * Asks the checker a question that changes nothing it keeps (a REPL input checked in a module's scope,
   * references, a type), answered from the program as the last check left it.
   */
  async query<K extends Query['kind']>(question: Extract<Query, { kind: K }>): Promise<Extract<Answered, { kind: QueryAnswer[K] }>> {
    if (this.#closed) throw new Error('the type checker was closed');
    await this.#ensureWorker();
    const expected = { probe: 'probed', deps: 'deps', symbol: 'symbol', spans: 'spans' }[question.kind];
    const m = await this.#request(question);
    if (m.kind !== expected) throw new Error(`the checker answered '${question.kind}' with '${m.kind}'`);
    return m as Extract<Answered, { kind: QueryAnswer[K] }>;
  }

  /** Starts a checker if there is none; one start at a time, whoever asks. */
  async #ensureWorker(): Promise<void> {
    while (!this.#worker) {
      if (this.#closed) throw new Error('the type checker was closed');
      const generation = this.#generation;
      this.#starting ??= startWorker(this.#setup).then(
        ({ worker, opened }) => {
          this.#starting = null;
          // Started with a configuration that changed since (a restart meanwhile): it is not the checker.
          if (this.#closed || generation !== this.#generation) {
            retire(worker, opened.pid);
            return;
          }
          this.#configErrors = opened.errors;
          this.#attach(worker, opened.pid);
          this.#fresh = true;
        },
        (e: unknown) => {
          this.#starting = null;
          // A start with a configuration that changed since failed: the loop starts one with the new.
          if (generation !== this.#generation && !this.#closed) return;
          throw e;
        },
      );
      await this.#starting;
    }
  }

  #request(question: DistributiveOmit<Exclude<ToChecker, { kind: 'open' | 'close' }>, 'id'>): Promise<Answered> {
    const worker = this.#worker!;
    const id = this.#next++;
    if (question.kind !== 'check') this.#queries.add(id);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#hold();
      worker.postMessage({ ...question, id } as ToChecker);
    });
  }

  /** Replaces the checker with a fresh one at the next check (its configuration changed). */
  /**
   * Replaces the checker with a fresh one, started now (its configuration changed); resolves with the
   * problems the new configuration has (empty when none), or rejects when no checker can start with it.
   */
  restart(): Promise<readonly Diagnostic[]> {
    const worker = this.#worker;
    this.#worker = null;
    this.#ahead = null;
    if (worker) retire(worker, this.#tsPid);
    this.#tsPid = null;
    // Questions the old checker will never answer (its exit is no longer heard: #worker moved on).
    this.#failAll(new CheckerRestarted());
    // A start under way began with the old configuration: it is discarded as it ends, and a new one starts.
    this.#generation++;
    return this.#ensureWorker().then(() => this.#configErrors);
  }

  /** The id of TypeScript's process under the checker, null while there is none. */
  get pid(): number | null {
    return this.#worker ? this.#tsPid : null;
  }

  knows(file: string): boolean {
    return this.#files.has(file);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A question under way holds the thread in a synchronous read from TypeScript's process (a slow
    // check can take seconds): ending that process ends the read, so the thread, and imago, can end now.
    if (this.#pending.size > 0) this.#stopTypeScript();
    if (this.#worker) {
      const close: ToChecker = { kind: 'close' };
      this.#worker.postMessage(close);
    }
    this.#failAll(new Error('the type checker was closed'));
    live.delete(this);
  }

  /** Ends TypeScript's process of the current checker (the thread's next read from it fails, and the thread ends). */
  #stopTypeScript(): void {
    killProcess(this.#tsPid);
    this.#tsPid = null;
  }

  /** The process exits: a thread blocked on TypeScript's process would hold the exit until its answer came. */
  static stopAll(): void {
    for (const gate of live) if (gate.#pending.size > 0) gate.#stopTypeScript();
  }

  #attach(worker: Worker, tsPid: number | null): void {
    this.#attachedAt = performance.now();
    this.#worker = worker;
    this.#tsPid = tsPid;
    if (live.size === 0 && !exitHooked) {
      exitHooked = true;
      process.once('exit', () => WorkerTypeGate.stopAll());
    }
    live.add(this);
    worker.on('message', (m: FromChecker) => this.#receive(m, worker));
    worker.on('error', (e) => this.#lose(worker, `the checker failed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#lose(worker, `the checker stopped (exit code ${code})`);
    });
  }

  /** A question to the checker keeps the process alive until it is answered; an idle checker does not. */
  #hold(): void {
    if (this.#pending.size > 0) this.#worker?.ref();
    else this.#worker?.unref();
  }

  #receive(m: FromChecker, from: Worker): void {
    if (m.kind === 'opened') return;
    if (m.kind === 'ended') {
      // TypeScript's process was killed or crashed, asked or not: a new checker now, and the user told.
      const why = `TypeScript's process (pid ${m.pid}) ended (${m.how})`;
      if (!this.#closed && this.#lose(from, `the checker failed: ${why}`)) this.onLost?.(why);
      return;
    }
    const waiting = this.#pending.get(m.id);
    if (!waiting) return;
    this.#pending.delete(m.id);
    this.#hold();
    if (m.kind === 'failed') {
      // A query that failed fails alone (the checker answered it, and stays), unless the checker says
      // it cannot go on (TypeScript's process is gone).
      if (this.#queries.delete(m.id) && !m.fatal) {
        waiting.reject(new Error(m.message));
        return;
      }
      // Whatever broke a check (TypeScript's process died, a protocol error), a fresh checker is the way
      // back. TypeScript's process killed or crashed shows as a failed write to it: say what happened.
      const pid = this.#tsPid;
      const ended = pid !== null && (!isRunning(pid) || /EOF while reading from child process/.test(m.message));
      const why = ended ? `TypeScript's process (pid ${pid}) ended` : m.message;
      waiting.reject(new Error(why));
      this.#lose(from, `the checker failed: ${why}`);
      return;
    }
    this.#queries.delete(m.id);
    waiting.resolve(m);
  }

  /**
   * `worker`, the gate's checker, is lost: retired, what it was asked fails with `why`, and a fresh one
   * starts (the next change finds it ready). False when it was not the gate's checker any more.
   */
  #lose(worker: Worker, why: string): boolean {
    if (this.#worker !== worker) return false;
    retire(worker, this.#tsPid);
    this.#worker = null;
    this.#tsPid = null;
    this.#failAll(new Error(why));
    // A checker that lived only a moment is not started again on its own (a process killed as it opens,
    // by the OOM killer say, would loop): the next question starts one.
    if (!this.#closed && performance.now() - this.#attachedAt > EAGER_AFTER_MS) void this.#ensureWorker().catch(() => undefined);
    return true;
  }

  #failAll(error: Error): void {
    for (const w of this.#pending.values()) w.reject(error);
    this.#pending.clear();
    this.#queries.clear();
    this.#hold();
  }
}
