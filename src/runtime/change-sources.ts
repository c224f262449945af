// Where the texts of a change come from: a snapshot read when the edit was saved, a read now, and texts
// pinned by an edit applied from memory. Reads of one image are numbered as they complete, so a change
// never goes back to texts older than the last change took.

import type { Host } from './host.js';
import { SourceSnapshot } from './sources.js';

export class ChangeSources {
  readonly #host: Pick<Host, 'readFile'>;
  /** Snapshots completed so far, and the number of the newest whose texts a change took. */
  #reads = 0;
  #taken = 0;
  /** Texts an edit applied, for their paths, until its files hold them (pin). */
  readonly #pins = new Map<string, string>();

  constructor(host: Pick<Host, 'readFile'>) {
    this.#host = host;
  }

  /** Until the returned function is called, changes read `texts` for these paths whatever the files hold. */
  pin(texts: ReadonlyMap<string, string>): () => void {
    for (const [p, t] of texts) this.#pins.set(p, t);
    return () => {
      for (const [p, t] of texts) if (this.#pins.get(p) === t) this.#pins.delete(p);
    };
  }

  /** A snapshot of `texts` (absolute path -> text) for a change to apply without reading the files. */
  snapshotOf(texts: ReadonlyMap<string, string | null>): SourceSnapshot {
    return SourceSnapshot.of(this.#host, texts, ++this.#reads);
  }

  /** Reads `paths` (absolute) once. */
  snapshot(paths: Iterable<string>): Promise<SourceSnapshot> {
    return SourceSnapshot.take(this.#host, paths, () => ++this.#reads);
  }

  /** The texts a change of `touched` applies; `exact`: the given snapshot is what the files will hold (an edit, a coordinator's). */
  async forChange(touched: readonly string[], given: SourceSnapshot | undefined, exact: boolean): Promise<SourceSnapshot> {
    return (await this.#select(touched, given, exact)).pinned(this.#pins, () => ++this.#reads);
  }

  /**
   * The texts a change applies: the snapshot it was given if it covers every touched file and was read
   * after the one the last change took (texts never go back to an older save), else a read now, which
   * keeps the given snapshot (and the type check begun with it) when the texts are the same.
   */
  async #select(touched: readonly string[], given: SourceSnapshot | undefined, exact: boolean): Promise<SourceSnapshot> {
    // Texts an edit computed are what its files will hold: used as they are, the other touched files read now.
    if (exact && given) {
      const missing = touched.filter((p) => !given.covers([p]));
      const combined = missing.length === 0 ? given : SourceSnapshot.merge(given, await this.snapshot(missing), ++this.#reads);
      this.#taken = Math.max(this.#taken, combined.sequence);
      return combined;
    }
    const usable = given?.covers(touched) ? given : undefined;
    if (usable && usable.sequence > this.#taken) {
      this.#taken = usable.sequence;
      return usable;
    }
    const now = await this.snapshot(touched);
    this.#taken = now.sequence;
    return usable && now.sameAs(usable, touched) ? usable : now;
  }
}
