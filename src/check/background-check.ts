// The background check: after each applied change, a second checker checks the whole program (without
// blocking changes, which the gate checks only as far as they reach) and reports errors found elsewhere
// when the set of them changes.

import type { Diagnostic } from '../compile/diagnostic.js';
import { formatDiagnostic } from '../compile/diagnostic.js';
import type { Timers } from '../runtime/host.js';
import type { CheckerSetup } from './protocol.js';
import { WorkerTypeGate } from './type-gate.js';

export interface BackgroundReport {
  readonly ms: number;
  readonly files: number;
  readonly errors: readonly Diagnostic[];
}

/** Quiet time after the last change before the whole program is checked again. */
const DELAY_MS = 300;

export class BackgroundCheck {
  #gate: Promise<WorkerTypeGate> | null = null;
  #timer: unknown = null;
  #running = false;
  #again = false;
  #last = '';
  #closed = false;

  constructor(
    private readonly setup: CheckerSetup,
    private readonly timers: Timers,
    private readonly onReport: (report: BackgroundReport) => void,
    private readonly onFailure: (message: string) => void,
  ) {}

  /** Checks the whole program a moment after the last call. */
  schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, DELAY_MS);
  }

  /** The configuration changed: the next run starts a fresh checker. */
  restart(): void {
    void this.#gate?.then(
      (g) => g.restart(),
      () => undefined,
    );
    this.schedule();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    void this.#gate?.then(
      (g) => g.close(),
      () => undefined,
    );
  }

  async #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      this.#gate ??= WorkerTypeGate.open({ ...this.setup, background: true }).then((o) => o.gate);
      const gate = await this.#gate;
      if (this.#closed) return;
      const result = await gate.check(new Map(), true);
      const key = result.errors.map((d) => formatDiagnostic(d)).join('\n');
      if (key !== this.#last) {
        this.#last = key;
        this.onReport({ ms: result.ms, files: result.checked, errors: result.errors });
      }
    } catch (e: unknown) {
      if (!this.#closed) this.onFailure(`the background type check failed: ${(e as Error).message}`);
    } finally {
      this.#running = false;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.schedule();
      }
    }
  }
}
