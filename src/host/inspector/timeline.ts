// What happened to the image, numbered: every event it published since the inspector's timeline began
// (changes applied and refused, errors, warnings, whole-program checks, image saves), and for each change
// the texts it went from and to, so the page can show the diff it applied. Bounded: the last CHANGES
// changes and the last NOISE other events (an error thrown 50 times a second never pushes the changes
// out), and the texts of the last TEXTS changes within TEXT_BYTES.

import type { ImageEvent } from '../../runtime/events.js';
import { Differ } from './differ.js';
import type { FileDiff, TimelineEntry } from './wire.js';

const CHANGES = 1000;
const NOISE = 200;
const TEXTS = 200;
/** Characters of text kept for diffs in all, and the longest text kept. */
const TEXT_CHARS = 16 << 20;
const LONGEST_TEXT = 2 << 20;

export interface TimelineSource {
  subscribe(listener: (event: ImageEvent) => void): () => void;
  /** The running text of a loaded module (project-relative path), or null. */
  source(rel: string): string | null;
  /** Project-relative paths of the loaded modules. */
  readonly files: readonly string[];
  /** The text on disk now (what a refused change tried), or null when it cannot be read. */
  readOnDisk(rel: string): string | null;
}

/** A file's text as kept: null where there is none (new, gone, unreadable), TOO_LARGE past LONGEST_TEXT. */
const TOO_LARGE: unique symbol = Symbol('too large');
type Kept = string | null | typeof TOO_LARGE;

interface Texts {
  readonly files: ReadonlyArray<{ readonly file: string; readonly before: Kept; readonly after: Kept }>;
  readonly refused: boolean;
  readonly chars: number;
  /** Kept once computed (a failure is not kept: asked again, it is tried again). */
  diff?: FileDiff[];
}

type Diffed = { readonly ok: true; readonly files: readonly FileDiff[]; readonly note?: string } | { readonly ok: false; readonly message: string };

/** Changes to the program's code, as opposed to what happened while it ran. */
function isChange(event: ImageEvent): boolean {
  return event.kind === 'ready' || event.kind === 'load' || event.kind === 'reload' || event.kind === 'image';
}

export class Timeline {
  readonly #changes: TimelineEntry[] = [];
  readonly #noise: TimelineEntry[] = [];
  readonly #texts = new Map<number, Texts>();
  #chars = 0;
  /** The text each loaded module runs, as last seen. */
  readonly #running = new Map<string, string>();
  readonly #listeners = new Set<(entry: TimelineEntry) => void>();
  readonly #source: TimelineSource;
  readonly #differ = new Differ();
  readonly #stop: () => void;
  #next = 1;

  constructor(source: TimelineSource) {
    this.#source = source;
    this.#see(source.files);
    this.#stop = source.subscribe((event) => this.#record(event));
  }

  dispose(): void {
    this.#stop();
    this.#listeners.clear();
    this.#differ.dispose();
  }

  /** Calls `fn` with each entry as it is recorded; returns the unsubscribe. */
  onEntry(fn: (entry: TimelineEntry) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The entries kept, oldest first; `after`: only those past that id. */
  entries(after = 0): TimelineEntry[] {
    return [...this.#changes, ...this.#noise].filter((e) => e.id > after).sort((a, b) => a.id - b.id);
  }

  /** The diff of entry `id`, or why there is none. */
  async diff(id: number): Promise<Diffed> {
    const entry = this.#changes.find((e) => e.id === id) ?? this.#noise.find((e) => e.id === id);
    if (!entry) return { ok: false, message: `no timeline entry ${id} (kept: the last ${CHANGES} changes and ${NOISE} other events)` };
    const texts = this.#texts.get(id);
    if (!texts)
      return {
        ok: false,
        message: `entry ${id} (${entry.event.kind}) has no diff kept (the texts of the last ${TEXTS} changes are, files up to ${LONGEST_TEXT >> 20} MiB)`,
      };
    const files: ReadonlyArray<FileDiff & { readonly failed?: string }> =
      texts.diff ?? (await Promise.all(texts.files.map((f) => this.#fileDiff(f.file, f.before, f.after, texts.refused))));
    if (files.some((f) => f.failed)) return { ok: false, message: `the diff could not be computed: ${files.find((f) => f.failed)?.failed}` };
    texts.diff = [...files];
    return texts.refused ? { ok: true, files, note: 'refused: what was on disk when the change was refused, against the text that runs' } : { ok: true, files };
  }

  #see(files: readonly string[]): void {
    for (const file of files) {
      const text = this.#source.source(file);
      if (text === null) this.#running.delete(file);
      else this.#running.set(file, text);
    }
  }

  #record(event: ImageEvent): void {
    const id = this.#next++;
    let texts: Texts | null = null;
    const kept = (text: string | null): Kept => (text !== null && text.length > LONGEST_TEXT ? TOO_LARGE : text);
    const chars = (k: Kept): number => (typeof k === 'string' ? k.length : 0);
    if (event.kind === 'ready') this.#see(this.#source.files);
    else if (event.kind === 'reload' && event.ok) {
      const files = event.files.map((file): Texts['files'][number] => ({
        file,
        before: kept(this.#running.get(file) ?? null),
        after: kept(this.#source.source(file)),
      }));
      texts = { refused: false, files, chars: files.reduce((n, f) => n + chars(f.before) + chars(f.after), 0) };
      this.#see(event.files);
    } else if ((event.kind === 'reload' || event.kind === 'load') && !event.ok) {
      const files = event.files.map((file): Texts['files'][number] => ({
        file,
        before: kept(this.#running.get(file) ?? null),
        after: kept(this.#source.readOnDisk(file)),
      }));
      texts = { refused: true, files, chars: files.reduce((n, f) => n + chars(f.after), 0) };
    }
    const entry: TimelineEntry = { id, at: Date.now(), event, diff: texts !== null };
    const list = isChange(event) ? this.#changes : this.#noise;
    list.push(entry);
    if (list.length > (list === this.#changes ? CHANGES : NOISE)) list.shift();
    if (texts) this.#keep(id, texts);
    for (const fn of [...this.#listeners]) fn(entry);
  }

  /** A unified diff of one file, from the diff worker (never on the program's thread). */
  async #fileDiff(file: string, before: Kept, after: Kept, refused: boolean): Promise<FileDiff & { failed?: string }> {
    if (before === TOO_LARGE || after === TOO_LARGE) return { file, patch: '', added: 0, removed: 0, tooLarge: true };
    // A refused file that could not be read as text (gone, a pipe): nothing to compare.
    if (before === after || (refused && after === null)) return { file, patch: '', added: 0, removed: 0 };
    const patch = await this.#differ.diff(file, before, after);
    if (patch instanceof Error) return { file, patch: '', added: 0, removed: 0, failed: patch.message };
    if (patch === null) return { file, patch: '', added: 0, removed: 0, tooLarge: true };
    let added = 0;
    let removed = 0;
    const lines = patch.split('\n');
    for (const line of lines.slice(lines.findIndex((l) => l.startsWith('@@')))) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
    return { file, patch, added, removed };
  }

  /** Keeps a change's texts, forgetting the oldest past TEXTS changes or TEXT_CHARS characters. */
  #keep(id: number, texts: Texts): void {
    this.#texts.set(id, texts);
    this.#chars += texts.chars;
    for (const [old, t] of this.#texts) {
      if (this.#texts.size <= TEXTS && this.#chars <= TEXT_CHARS) break;
      this.#texts.delete(old);
      this.#chars -= t.chars;
    }
  }
}
