// The image's health over time, for the inspector: memory (this process and its type checker), the
// event loop's delay and the tick rate, sampled once a second while an inspector is open, the last
// SAMPLES kept. Sampling costs a /proc read and a histogram read; it stops when the inspector closes.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { treeRss } from '../process-memory.js';
import type { HealthSample } from './wire.js';

const SAMPLES = 300;
const EVERY_MS = 1000;
/** How often the event loop's delay is sampled. */
const RESOLUTION_MS = 10;

export interface HealthSource {
  /** Process ids of the type checker's processes. */
  readonly checkerPids: () => readonly number[];
  /** Ticks run so far, or null when imago drives no tick. */
  readonly ticks: () => number | null;
}

export class Health {
  readonly #samples: HealthSample[] = [];
  readonly #listeners = new Set<(sample: HealthSample) => void>();
  readonly #delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #source: HealthSource;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastTicks: number | null = null;
  #lastAt = 0;

  constructor(source: HealthSource) {
    this.#source = source;
  }

  get samples(): readonly HealthSample[] {
    return this.#samples;
  }

  /** Starts sampling (once); `fn` hears each sample. Returns the unsubscribe; sampling stops with the last listener. */
  listen(fn: (sample: HealthSample) => void): () => void {
    this.#listeners.add(fn);
    this.#start();
    return () => {
      this.#listeners.delete(fn);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#delay.disable();
  }

  #start(): void {
    if (this.#timer) return;
    this.#delay.enable();
    this.#lastAt = performance.now();
    this.#lastTicks = this.#source.ticks();
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), EVERY_MS);
    this.#timer.unref();
  }

  #sample(): void {
    const memory = process.memoryUsage();
    const rss = this.#source.checkerPids().map(treeRss);
    const now = performance.now();
    const ticks = this.#source.ticks();
    const seconds = (now - this.#lastAt) / 1000;
    const rate = ticks !== null && this.#lastTicks !== null && seconds > 0.05 ? (ticks - this.#lastTicks) / seconds : null;
    this.#lastAt = now;
    this.#lastTicks = ticks;
    // The histogram records each sampling interval whole (RESOLUTION_MS plus the delay): the delay is what exceeds it.
    const ms = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100) : 0);
    const sample: HealthSample = {
      at: Date.now(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      checkers: rss.length > 0 && rss.every((r) => r !== null) ? rss.reduce((a, b) => a! + b!, 0) : null,
      loopP50: ms(this.#delay.percentile(50)),
      loopP99: ms(this.#delay.percentile(99)),
      loopMax: ms(this.#delay.max),
      ticksPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    };
    this.#delay.reset();
    this.#samples.push(sample);
    if (this.#samples.length > SAMPLES) this.#samples.shift();
    for (const fn of [...this.#listeners]) fn(sample);
  }
}
