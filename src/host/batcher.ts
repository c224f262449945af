// Turns file events into changes: every event within `debounceMs` of the previous one joins the same
// batch, applied to the image as one change. The batch's files are read as the first events come in
// (after the others read with them: a save in place is a truncate and a write), and that snapshot is
// type-checked at once, while the batch waits to go quiet, and compiled. When events came after it was
// read, the files are read again: the same texts keep the snapshot (and its check); other texts make a
// new snapshot, checked and compiled. Either way the checker and the compiler get the same bytes.
// While git writes the project's files (a branch switched, a stash popped), the batch waits for it.

import type { Timers } from '../runtime/host.js';
import type { ChangeResult, Image } from '../runtime/image.js';
import type { CheckedTexts, SourceSnapshot } from '../runtime/sources.js';

export interface BatcherOptions {
  readonly image: Image;
  readonly debounceMs: number;
  readonly timers: Timers;
  /** Starts the type check of a snapshot early, when that is wanted now (the gate's checkAhead). */
  readonly checkAhead?: ((texts: CheckedTexts) => void) | null;
  /** Told the outcome of each change it started. */
  readonly onResult?: (result: ChangeResult) => void;
  /** Told of a failure of imago itself while applying a change. */
  readonly onInternalError: (message: string) => void;
  /** Whether a file is there with content (a batch with a file gone or empty waits a moment for it). */
  readonly exists?: (file: string) => boolean;
  /** The clock the wait for a gone file is measured with (milliseconds). */
  readonly now?: () => number;
  /**
   * Told of a batch's files as the batch, settled, is handed to the image (a tsconfig.json among them
   * restarts the checker here: with the text the change sees, never a half-written one).
   */
  readonly onFlush?: (files: readonly string[]) => void;
  /**
   * True while a tool is writing the project's files (git holds its index lock during a checkout, a
   * stash, a merge): the batch waits until it is done, at most BUSY_MAX_MS.
   */
  readonly busy?: () => boolean;
}

/**
 * The longest a batch waits for a tool that is writing the project's files: git checks out a branch's
 * files over tens of milliseconds, with pauses longer than the debounce (30 files: the first file
 * arrived alone, a change of its own, and the rest in a second change). A lock left by a git that was
 * killed must not hold edits forever: after this, the batch applies and a later batch takes the rest.
 */
export const BUSY_MAX_MS = 5000;

/** How often a batch held by a busy tool looks again. */
const BUSY_POLL_MS = 10;

/**
 * How long a batch whose files include one that is gone waits for it to come back. Editors that save
 * through a rename (JetBrains' safe write: the file renamed away, then the new text renamed in, a few
 * ms apart; vim's and Emacs' backups) leave the file missing for a moment: one save, not a deletion.
 * 250 ms: the gaps seen are a few ms, but a loaded machine delivers file events (and runs the editor)
 * late: 100 ms was exceeded in CI runs. Only a real deletion (rare, and an import to fix anyway) waits.
 */
export const REAPPEAR_MS = 250;

/** A snapshot read for the batch, valid while no event came after it was begun. */
interface Early {
  readonly events: number;
  readonly files: ReadonlySet<string>;
  readonly sources: Promise<SourceSnapshot>;
}

export class Batcher {
  readonly #options: BatcherOptions;
  readonly #batch = new Set<string>();
  #timer: unknown = null;
  #events = 0;
  #early: Early | null = null;
  /** The newest early read, until the next one begins (it may still be read after its batch flushed). */
  #latest: Promise<SourceSnapshot> | null = null;
  #earlyQueued = false;
  #disposed = false;
  /** When the batch was first found held by a busy tool (it waits until BUSY_MAX_MS after). */
  #busySince: number | null = null;
  /** When each file of the batch was first found gone (it is waited for until REAPPEAR_MS after). */
  readonly #goneSince = new Map<string, number>();
  /** Resolves when the last batch was handed to the image: batches reach it in the order they were flushed. */
  #handedOver: Promise<void> = Promise.resolve();

  constructor(options: BatcherOptions) {
    this.#options = options;
  }

  /** A file (absolute path) was created, changed, renamed or deleted. */
  add(file: string): void {
    if (this.#disposed) return;
    this.#events++;
    this.#batch.add(file);
    const { timers, checkAhead } = this.#options;
    // One early read per batch: later events of the batch are confirmed when it is applied (#confirm).
    if (checkAhead && !this.#earlyQueued && !this.#early) {
      this.#earlyQueued = true;
      timers.setImmediate(() => {
        this.#earlyQueued = false;
        if (!this.#disposed && this.#batch.size > 0) this.#readEarly(checkAhead);
      });
    }
    if (this.#timer !== null) timers.clearTimeout(this.#timer);
    this.#timer = timers.setTimeout(() => this.#flush(), this.#options.debounceMs);
  }

  /** Stops taking events; a batch not yet applied is dropped. */
  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== null) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#batch.clear();
  }

  #readEarly(checkAhead: (texts: CheckedTexts) => void): void {
    const events = this.#events;
    const files = new Set(this.#batch);
    const sources = this.#options.image.snapshot(files);
    this.#early = { events, files, sources };
    this.#latest = sources;
    sources.then(
      (s) => {
        // Check it now, while the batch waits to go quiet: if an event came since, the change reads
        // again and keeps this snapshot (and this check) only when the texts are the same.
        if (!this.#disposed && this.#latest === sources) checkAhead(s.texts);
      },
      () => undefined,
    );
  }

  /**
   * The early snapshot when no event came after it was read; else the files read again, keeping the
   * early snapshot (and its check) when the texts are the same. Undefined: the change reads them. (The
   * image itself never applies a snapshot read before the one the change before it took.)
   */
  async #confirm(early: Early | null, files: readonly string[], events: number): Promise<SourceSnapshot | undefined> {
    const taken = early && files.every((f) => early.files.has(f)) ? await early.sources.catch(() => undefined) : undefined;
    // A file the early read found gone that is back (its event not in yet, or in the same burst): stale.
    const { exists } = this.#options;
    const back = taken !== undefined && exists !== undefined && files.some((f) => taken.texts.get(f) === null && exists(f));
    if (!early || !taken || (early.events === events && !back)) return taken;
    const now = await this.#options.image.snapshot(files);
    return now.sameAs(taken, files) ? taken : now;
  }

  #flush(): void {
    this.#timer = null;
    const { exists, timers, now, busy } = this.#options;
    if (busy && now && busy()) {
      const t = now();
      this.#busySince ??= t;
      if (t - this.#busySince < BUSY_MAX_MS) {
        this.#timer = timers.setTimeout(() => this.#flush(), BUSY_POLL_MS);
        return;
      }
    }
    this.#busySince = null;
    if (exists && now) {
      // A file of the batch that is gone is waited for until REAPPEAR_MS after it was first found gone,
      // whatever other files do meanwhile (an editor saving all files through renames); its return (an
      // event) makes the batch wait to go quiet again.
      const t = now();
      let wait = 0;
      for (const f of this.#batch) {
        if (exists(f)) continue;
        const since = this.#goneSince.get(f) ?? t;
        this.#goneSince.set(f, since);
        wait = Math.max(wait, since + REAPPEAR_MS - t);
      }
      if (wait > 0) {
        this.#timer = timers.setTimeout(() => this.#flush(), wait);
        return;
      }
    }
    const waited = this.#goneSince.size > 0;
    this.#goneSince.clear();
    const files = [...this.#batch];
    this.#batch.clear();
    this.#options.onFlush?.(files);
    // After waiting for a file to come back, the early read (made while it was gone) is stale even if
    // no event said so: the change reads the files again.
    const early = waited ? null : this.#early;
    this.#early = null;
    const events = this.#events;
    const { image } = this.#options;
    const handed = this.#handedOver.then(async () => {
      const sources = await this.#confirm(early, files, events);
      return { result: image.change(files, sources ? { sources } : {}) };
    });
    this.#handedOver = handed.then(
      () => undefined,
      () => undefined,
    );
    handed
      .then(({ result }) => result)
      .then(
        (r) => this.#options.onResult?.(r),
        (e: unknown) =>
          this.#options.onInternalError(
            `internal error while applying a change (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          ),
      );
  }
}
