// An image as a member of a fleet (docs/scaling.md): `imago fleet` on another terminal or machine takes
// one change to several images through their control channels, in the cohort's steps (runtime/cohort.ts).
// Each step is one request; the image answers when it (and its own threads or worker processes) got to
// the step's end, or refuses. A connection that closes with a change open rolls that change back.

import path from 'node:path';
import type { Image } from '../../runtime/image.js';
import { serveCoordinator } from '../cohort/member.js';
import { TAG, type ToCoordinator } from '../cohort/messages.js';
import type { FleetAnswer, FleetStep } from './protocol.js';

export class FleetMember {
  readonly #root: string;
  readonly #member: ReturnType<typeof serveCoordinator>;
  #held: readonly string[] = [];
  /** The step waiting for the member's answer (one at a time: a connection's requests are answered in order). */
  #waiting: { readonly round: number; readonly resolve: (m: ToCoordinator | null) => void } | null = null;
  /** The round prepared and not finished yet. */
  #open: number | null = null;

  constructor(image: Image, root: string) {
    this.#root = root;
    this.#member = serveCoordinator(image, (m) => {
      if (m.t === 'held') this.#held = m.paths;
      else if (this.#waiting && m.id === this.#waiting.round) this.#waiting.resolve(m);
    });
  }

  async step(step: FleetStep): Promise<FleetAnswer> {
    if (step.t === 'join') return { t: 'held', paths: this.#held.map((p) => path.relative(this.#root, p)) };
    if (step.t === 'finish') {
      const answer = step.keep ? this.#wait(step.round, 30_000) : Promise.resolve(null);
      this.#member.heard({ imago: TAG, t: 'finish', id: step.round, keep: step.keep });
      this.#open = null;
      const m = await answer;
      return m?.t === 'applied' ? { t: 'applied', summary: m.summary } : { t: 'finished' };
    }
    const answer = this.#wait(step.round, step.withinMs);
    if (step.t === 'prepare') {
      this.#open = step.round;
      const abs = (p: string): string => path.resolve(this.#root, p);
      this.#member.heard({ imago: TAG, t: 'prepare', id: step.round, texts: step.texts.map(([p, t]) => [abs(p), t] as const), paths: step.paths.map(abs) });
    } else {
      this.#member.heard({ imago: TAG, t: 'commit', id: step.round, deadline: Date.now() + step.withinMs });
    }
    const m = await answer;
    if (!m) {
      this.abandon();
      const what = step.t === 'prepare' ? 'prepare the change' : 'commit the change';
      const message = `this image did not ${what} within ${step.withinMs} ms (its threads or worker processes are busy): the change is rolled back here`;
      return { t: 'refused', phase: 'coordinate', errors: [{ file: '', line: 1, column: 1, code: 'IMAGO_SWAP_TIMEOUT', message }] };
    }
    if (m.t === 'refused') {
      this.#open = null;
      return { t: 'refused', phase: m.refusal.phase, errors: m.refusal.errors };
    }
    if (m.t === 'prepared') {
      // Nothing here to change: the round is over for this image.
      if (m.files.length === 0) this.#open = null;
      return { t: 'prepared', files: m.files };
    }
    return { t: 'ready' };
  }

  /** The connection closed (or a step timed out): a change still open here is rolled back. */
  abandon(): void {
    if (this.#open === null) return;
    this.#member.heard({ imago: TAG, t: 'finish', id: this.#open, keep: false });
    this.#open = null;
  }

  dispose(): void {
    this.abandon();
    this.#member.dispose();
  }

  #wait(round: number, ms: number): Promise<ToCoordinator | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ms);
      const done = (m: ToCoordinator | null): void => {
        clearTimeout(timer);
        this.#waiting = null;
        resolve(m);
      };
      this.#waiting = { round, resolve: done };
    });
  }
}
