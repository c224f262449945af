// The texts one change works on, read once: the files it touched are read when the change begins (or
// when its type check begins, as the file is saved), and the same bytes go to the type checker and the
// compiler. Files new to the program that the change imports are read into the same snapshot as the
// compiler reaches them. A file that cannot be read is a value here, and a `read` rejection later.

import type { FileRead, Host } from './host.js';

/** What the type checker is given: each touched file's text, or null when it was deleted. */
export type CheckedTexts = ReadonlyMap<string, string | null>;

/** Files read ahead at once at most (SourceSnapshot.prefetch). */
const PREFETCH_LIMIT = 32;

export class SourceSnapshot {
  readonly #reads: Map<string, FileRead>;
  /** Reads under way (a file new to the program, asked for before it is compiled). */
  readonly #reading = new Map<string, Promise<FileRead>>();
  #prefetching = 0;
  /** Files to read ahead, in the order they were found. */
  readonly #ahead: string[] = [];
  readonly #host: Pick<Host, 'readFile'>;
  /** The touched files' texts as the type checker gets them (unreadable files aside). */
  readonly texts: CheckedTexts;

  private constructor(
    host: Pick<Host, 'readFile'>,
    reads: Map<string, FileRead>,
    /**
     * Reads of one image are numbered as they complete (a read that began earlier may finish later, with
     * newer text: an empty read is retried, a file read waits its turn): a change never applies texts
     * older than the last one's.
     */
    readonly sequence: number,
  ) {
    this.#host = host;
    this.#reads = reads;
    const texts = new Map<string, string | null>();
    for (const [path, r] of reads) if (r.kind !== 'unreadable') texts.set(path, r.kind === 'text' ? r.text : null);
    this.texts = texts;
  }

  /** Reads `paths` (absolute) once each, all at once; `sequence()` numbers the read among its image's as it completes. */
  static async take(host: Pick<Host, 'readFile'>, paths: Iterable<string>, sequence: () => number): Promise<SourceSnapshot> {
    const list = [...new Set(paths)];
    const reads = await Promise.all(list.map((p) => host.readFile(p)));
    return new SourceSnapshot(host, new Map(list.map((p, i) => [p, reads[i]!])), sequence());
  }

  /** A snapshot of texts given, not read (an edit computed in memory, applied before it is written). */
  static of(host: Pick<Host, 'readFile'>, texts: ReadonlyMap<string, string | null>, sequence: number): SourceSnapshot {
    const read = (text: string | null): FileRead => (text === null ? { kind: 'missing' } : { kind: 'text', text });
    return new SourceSnapshot(host, new Map([...texts].map(([p, text]) => [p, read(text)])), sequence);
  }

  /** `first`'s texts, and `second`'s for the paths `first` does not hold. */
  static merge(first: SourceSnapshot, second: SourceSnapshot, sequence: number): SourceSnapshot {
    return new SourceSnapshot(first.#host, new Map([...second.#reads, ...first.#reads]), sequence);
  }

  /** This snapshot with `pins` for the paths it holds that are pinned (an edit's texts, until its files hold them). */
  pinned(pins: ReadonlyMap<string, string>, sequence: () => number): SourceSnapshot {
    const held = [...this.#reads.keys()].filter((p) => pins.has(p) && this.texts.get(p) !== pins.get(p));
    if (held.length === 0) return this;
    return SourceSnapshot.merge(SourceSnapshot.of(this.#host, new Map(held.map((p) => [p, pins.get(p)!])), 0), this, sequence());
  }

  /** True when every path of `paths` was read when the snapshot was taken. */
  covers(paths: Iterable<string>): boolean {
    for (const p of paths) if (!this.texts.has(p) && this.#reads.get(p)?.kind !== 'unreadable') return false;
    return true;
  }

  /** True when `other` read the same for every path of `paths` (the same text, or the same absence). */
  sameAs(other: SourceSnapshot, paths: Iterable<string>): boolean {
    for (const p of paths) {
      const a = this.#reads.get(p);
      const b = other.#reads.get(p);
      if (!a || !b || a.kind !== b.kind || (a.kind === 'text' && b.kind === 'text' && a.text !== b.text)) return false;
    }
    return true;
  }

  /** What the snapshot holds for `path`, reading it now if it holds nothing (a file new to the program). */
  async read(path: string): Promise<FileRead> {
    const known = this.#reads.get(path);
    if (known) return known;
    // One read per path, however many ask while it runs (a prefetch, then the compiler).
    let reading = this.#reading.get(path);
    if (!reading) {
      reading = this.#host.readFile(path).then((read) => {
        this.#reads.set(path, read);
        this.#reading.delete(path);
        return read;
      });
      this.#reading.set(path, reading);
    }
    return reading;
  }

  /**
   * Starts reading `path` now, for a later read(): reads overlap compiling instead of waiting one by
   * one. At most PREFETCH_LIMIT at a time (a module with a thousand imports must not open a thousand
   * files at once: EMFILE); the others wait their turn, or are read when asked for first.
   */
  prefetch(path: string): void {
    if (this.#reads.has(path) || this.#reading.has(path)) return;
    this.#ahead.push(path);
    this.#pump();
  }

  #pump(): void {
    while (this.#prefetching < PREFETCH_LIMIT && this.#ahead.length > 0) {
      const path = this.#ahead.shift()!;
      if (this.#reads.has(path) || this.#reading.has(path)) continue;
      this.#prefetching++;
      void this.read(path)
        .catch(() => undefined)
        .finally(() => {
          this.#prefetching--;
          this.#pump();
        });
    }
  }

  /**
   * Which write of `path` was read: the host's stamp, `missing` for a file that was not there, or null
   * when the host cannot tell (a text given, not read; a host without stamps; a file it could not stat).
   */
  stampOf(path: string): string | null {
    const r = this.#reads.get(path);
    return r?.kind === 'missing' ? 'missing' : (r?.stamp ?? null);
  }

  /** What reading `path` gave: its text, null when missing, why it could not be read; undefined when not read. */
  contentOf(path: string): string | null | undefined {
    const r = this.#reads.get(path);
    if (r?.kind === 'unreadable') return `\0unreadable\0${r.code}\0${r.message}`;
    return r ? (r.kind === 'text' ? r.text : null) : undefined;
  }

  /** The touched files that could not be read, with why. */
  unreadable(): Array<{ readonly path: string; readonly code: string; readonly message: string; readonly line?: number; readonly column?: number }> {
    const out: Array<{ path: string; code: string; message: string; line?: number; column?: number }> = [];
    for (const [path, r] of this.#reads) if (r.kind === 'unreadable') out.push({ ...r, path });
    return out;
  }
}
