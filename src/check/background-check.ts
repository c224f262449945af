// The background check: a moment after each applied change, the gate's checker checks the whole program
// (changes are checked only as far as they reach) and reports errors found elsewhere when the set of them
// changes. It runs in the same checker as the gate, in slices that give way to every question, so a change
// checked meanwhile never waits for it (checker-thread.ts); a check it was overtaken by asks again later.

import type { Diagnostic } from '../compile/diagnostic.js';
import { formatDiagnostic } from '../compile/diagnostic.js';
import type { Timers } from '../runtime/host.js';
import { type BackgroundAnswer, CheckerRestarted } from './type-gate.js';

export interface BackgroundReport {
  readonly ms: number;
  readonly files: number;
  readonly errors: readonly Diagnostic[];
}

/** What the background check asks: the gate's checker. */
export interface WholeProgramChecker {
  background(): Promise<BackgroundAnswer>;
}

/**
 * Quiet time after the last change before the whole program is checked again. It shares the gate's
 * checker, and one file's check on a new program cannot be interrupted (tens to hundreds of ms in a
 * large project): at 300 ms, an edit saved a third of a second after the last one waited for it.
 */
const DELAY_MS = 1000;

export class BackgroundCheck {
  #timer: unknown = null;
  #running = false;
  #again = false;
  #last = '';
  #closed = false;
  /** A change was rejected since the last schedule: what the checker holds is not the program. */
  #cancelled = false;

  constructor(
    private readonly checker: WholeProgramChecker,
    private readonly timers: Timers,
    private readonly onReport: (report: BackgroundReport) => void,
    private readonly onFailure: (message: string) => void,
    /** Told of every whole-program check that completed (reported or not). */
    private readonly onDone: (report: BackgroundReport) => void = () => undefined,
  ) {}

  /** Checks the whole program a moment after the last call. */
  schedule(): void {
    if (this.#closed) return;
    this.#clearTimer();
    this.#cancelled = false;
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, DELAY_MS);
  }

  /** A change was rejected: the checker holds its texts, not the program's; the next applied change schedules again. */
  cancel(): void {
    this.#clearTimer();
    this.#cancelled = true;
    this.#again = false;
  }

  close(): void {
    this.#closed = true;
    this.cancel();
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      const result = await this.checker.background();
      if (this.#closed) return;
      // Overtaken by a question (a REPL probe, a check whose change then applied nothing): asked again,
      // unless a rejected change left the checker with texts that are not the program's.
      if (result.overtaken) {
        if (!this.#cancelled) this.#again = true;
        return;
      }
      this.onDone({ ms: result.ms, files: result.checked, errors: result.errors });
      const key = result.errors.map((d) => formatDiagnostic(d)).join('\n');
      if (key !== this.#last) {
        this.#last = key;
        this.onReport({ ms: result.ms, files: result.checked, errors: result.errors });
      }
    } catch (e: unknown) {
      // A restart for a new tsconfig.json: the restarted checker is asked again (type-checking.ts).
      if (!this.#closed && !(e instanceof CheckerRestarted)) this.onFailure(`the background type check failed: ${(e as Error).message}`);
    } finally {
      this.#running = false;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.schedule();
      }
    }
  }
}
