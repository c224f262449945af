// Exile's host loop for a live image: an entry that exports `start()`, `tick(dt)` and `stop()` is driven
// by imago, and changes are applied between ticks, never during one. Exports are read on every tick,
// so a changed `tick` takes effect at the next one.

import type { Host } from './host.js';

export type LifecycleHook = 'start' | 'tick' | 'stop';

export interface LifecycleOptions {
  readonly host: Host;
  /** The entry's live exports. */
  readonly exports: () => Record<string, unknown> | null;
  readonly tickMs: number;
  /** The program resumed from an image file: `start({ resumed: true })`. */
  readonly resumed?: boolean;
  /** Called when a hook throws; a throwing tick pauses ticking until `resume()`. */
  readonly onError: (hook: LifecycleHook, error: unknown) => void;
  /** Told when ticking stops or resumes because the entry stopped or started exporting `tick`. */
  readonly onNotice?: (message: string) => void;
  /** True while a change is being committed: no tick starts then (a change shared with other programs waits for them mid-commit). */
  readonly holding?: () => boolean;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export class Lifecycle {
  #timer: unknown = null;
  #inFlight: Promise<unknown> | null = null;
  #paused = false;
  #last = 0;
  #hadTick = false;
  #missing = false;
  /** Ticks run so far (what the inspector's tick rate is counted from). */
  ticks = 0;

  constructor(private readonly options: LifecycleOptions) {}

  /** True when the entry exports a `tick` function. */
  get drives(): boolean {
    return typeof this.options.exports()?.['tick'] === 'function';
  }

  /** True after a tick threw, until the next successful change. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Calls `start({ resumed })` if exported, then ticks every `tickMs` while `tick` is exported. */
  async start(): Promise<void> {
    const start = this.options.exports()?.['start'];
    if (typeof start === 'function') {
      try {
        const r: unknown = start({ resumed: this.options.resumed ?? false });
        if (isPromise(r)) await r;
      } catch (e: unknown) {
        this.options.onError('start', e);
      }
    }
    this.#last = this.options.host.now();
    this.#timer = this.options.host.timers.setInterval(() => this.#tick(), this.options.tickMs);
  }

  /** Resumes ticking after a tick threw. */
  resume(): void {
    this.#paused = false;
  }

  /** Resolves when no tick is running: the moment a change may land. */
  safePoint(): Promise<void> {
    return this.#inFlight
      ? this.#inFlight.then(
          () => undefined,
          () => undefined,
        )
      : Promise.resolve();
  }

  /** Stops ticking and calls `stop()` if exported. */
  async stop(): Promise<void> {
    if (this.#timer !== null) this.options.host.timers.clearInterval(this.#timer);
    this.#timer = null;
    await this.safePoint();
    const stop = this.options.exports()?.['stop'];
    if (typeof stop !== 'function') return;
    try {
      const r: unknown = stop();
      if (isPromise(r)) await r;
    } catch (e: unknown) {
      this.options.onError('stop', e);
    }
  }

  #tick(): void {
    if (this.#paused || this.#inFlight || this.options.holding?.()) return;
    const tick = this.options.exports()?.['tick'];
    if (typeof tick !== 'function') {
      if (this.#hadTick && !this.#missing) {
        this.#missing = true;
        this.options.onNotice?.('the entry no longer exports tick(); ticking waits until it does again');
      }
      return;
    }
    if (this.#missing) {
      this.#missing = false;
      this.options.onNotice?.('tick() is exported again; ticking resumes');
    }
    this.#hadTick = true;
    this.ticks++;
    const now = this.options.host.now();
    const dt = (now - this.#last) / 1000;
    this.#last = now;
    try {
      const r: unknown = tick(dt);
      if (isPromise(r)) {
        this.#inFlight = r.then(
          () => {
            this.#inFlight = null;
          },
          (e: unknown) => {
            this.#inFlight = null;
            this.#paused = true;
            this.options.onError('tick', e);
          },
        );
      }
    } catch (e: unknown) {
      this.#paused = true;
      this.options.onError('tick', e);
    }
  }
}
