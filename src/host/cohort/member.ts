// A member's side of a cohort (runtime/cohort.ts): an image in a worker thread or a cluster's worker
// process takes the changes its coordinator sends, one round at a time, in the coordinator's three steps.
// It tells the coordinator which modules it holds, after it loaded and after every change it applied.

import type { Diagnostic } from '../../compile/diagnostic.js';
import type { Coordinated } from '../../runtime/cohort.js';
import type { ChangeResult, Image } from '../../runtime/image.js';
import { awaitDecision } from './decision.js';
import { TAG, type ToCoordinator, type ToMember } from './messages.js';
import type { ShippedModules } from './shipped.js';

/** One change as this member takes it. */
class MemberRound implements Coordinated {
  /** Where the round is: an outcome of the change before `prepared` still has to answer the first step. */
  #step: 'prepare' | 'commit' | 'done' = 'prepare';
  #go: ((go: boolean) => void) | null = null;
  #keep: ((keep: boolean) => void) | null = null;
  /** The coordinator's word, when it came before the change asked for it. */
  #commitBy: number | null = null;
  #finished: boolean | null = null;
  /** Where the decision appears, for a member on the coordinator's machine (decision.ts). */
  #decision: { readonly file: string; readonly until: number } | null = null;
  /** Its commit runs no program code: a kept change is the word to commit (no commit step, no wait). */
  #quiet = false;

  constructor(
    readonly id: number,
    readonly send: (m: ToCoordinator) => void,
  ) {}

  prepared(files: readonly string[], quiet: boolean): Promise<boolean> {
    this.#step = 'commit';
    if (this.#finished !== null) return Promise.resolve(false);
    this.#quiet = quiet;
    this.send({ imago: TAG, t: 'prepared', id: this.id, files, ...(quiet ? { quiet: true as const } : {}) });
    return new Promise((resolve) => {
      this.#go = resolve;
      if (this.#commitBy !== null) this.commit(this.#commitBy);
    });
  }

  ready(): Promise<boolean> {
    this.#step = 'done';
    if (this.#finished !== null) return Promise.resolve(this.#finished);
    this.send({ imago: TAG, t: 'ready', id: this.id });
    // On the coordinator's machine: wait here, synchronously, so that no program code runs the change
    // before it is kept (a timer, a request), and none of it is undone by a rollback.
    if (this.#decision) {
      this.#finished = awaitDecision(this.#decision.file, this.#decision.until) === 'keep';
      return Promise.resolve(this.#finished);
    }
    return new Promise((resolve) => {
      this.#keep = resolve;
    });
  }

  /** The coordinator says: commit now, unless `deadline` passed (it gave up on this member then). */
  commit(deadline: number, decision?: { readonly file: string; readonly until: number }): void {
    if (decision) this.#decision = decision;
    if (!this.#go) {
      this.#commitBy = deadline;
      return;
    }
    const go = this.#go;
    this.#go = null;
    go(Date.now() <= deadline);
  }

  /** The coordinator's last word: keep the change, or undo it (wherever this member is in it); a quiet member commits now. */
  finish(keep: boolean): void {
    this.#finished = keep;
    this.#go?.(keep && this.#quiet);
    this.#go = null;
    this.#keep?.(keep);
    this.#keep = null;
  }

  /** The change ended here: a refusal is said at the step it came at; any other ending was said already. */
  ended(r: ChangeResult): void {
    if (r.kind === 'applied' && this.#finished === true) this.send({ imago: TAG, t: 'applied', id: this.id, summary: r.summary });
    // A quiet commit that failed after the change was kept (a fault of imago's): the coordinator says so.
    if (r.kind === 'rejected' && this.#finished === true && this.#quiet)
      this.send({ imago: TAG, t: 'refused', id: this.id, refusal: { phase: r.phase, errors: r.errors } });
    if (this.#finished !== null) return;
    // Nothing here to commit (no module of its own changed; a type file only): out of the round.
    if (r.kind !== 'rejected' && this.#step === 'prepare') this.send({ imago: TAG, t: 'prepared', id: this.id, files: [] });
    if (r.kind === 'rejected') this.send({ imago: TAG, t: 'refused', id: this.id, refusal: { phase: r.phase, errors: r.errors } });
  }
}

/**
 * Serves a coordinator: what it says goes to the returned function. `send` carries this member's
 * answers. The image's modules are reported now and after every change it applies. `shipped`: the
 * compile cache of the image's host, given the modules the coordinator compiled for each change.
 */
export function serveCoordinator(
  image: Image,
  send: (m: ToCoordinator) => void,
  shipped?: ShippedModules,
): { heard: (m: ToMember) => void; dispose: () => void } {
  const rounds = new Map<number, MemberRound>();
  let held = new Set<string>();
  const report = (): void => {
    const texts = image.introspection.texts();
    const now = image.paths;
    const fresh = now.filter((p) => !held.has(p) && texts.has(p)).map((p) => [p, texts.get(p)!] as const);
    held = new Set(now);
    send({ imago: TAG, t: 'held', paths: now, texts: fresh });
  };
  const unsubscribe = image.subscribe((e) => {
    if (e.kind === 'reload' && e.ok) report();
  });
  report();
  const heard = (m: ToMember): void => {
    if (m.t === 'prepare') {
      const round = new MemberRound(m.id, send);
      rounds.set(m.id, round);
      const ended = (r: ChangeResult): void => {
        rounds.delete(m.id);
        shipped?.clear(m.id);
        round.ended(r);
      };
      shipped?.take(m.id, m.compiled ?? []);
      image
        .change(m.paths, { sources: image.snapshotOf(new Map(m.texts)), coordinated: round, ...(m.intent ? { intent: m.intent } : {}) })
        .then(ended, (e: unknown) => {
          const error: Diagnostic = { file: '', line: 1, column: 1, code: 'IMAGO_INTERNAL', message: `imago failed while applying a change: ${String(e)}` };
          ended({ kind: 'rejected', phase: 'coordinate', files: [], ms: 0, errors: [error] });
        });
      return;
    }
    const round = rounds.get(m.id);
    if (m.t === 'commit') round?.commit(m.deadline, m.decision);
    else round?.finish(m.keep);
  };
  return { heard, dispose: unsubscribe };
}

/**
 * Loads a new member's program on `texts` (what its cohort runs now; the files may hold an edit that was
 * rejected, or one not applied yet): every module it loads that `texts` has is compiled from them.
 */
export async function loadOn(image: Image, entry: string, texts: ReadonlyArray<readonly [string, string]>): Promise<ChangeResult> {
  if (texts.length === 0) return image.load();
  const all = new Map<string, string | null>(texts);
  if (!all.has(entry)) all.set(entry, (await image.snapshot([entry])).texts.get(entry) ?? null);
  return image.change([entry], { sources: image.snapshotOf(all) });
}
