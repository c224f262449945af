// What happened to the image, numbered: every event it published since the inspector's timeline began
// (changes applied and refused, errors, warnings, whole-program checks, image saves), and for each change
// the texts it went from and to, so the page can show the diff it applied. Bounded: the last ENTRIES
// entries, and the texts of the last TEXTS changes.

import { createTwoFilesPatch } from 'diff';
import type { ImageEvent } from '../../runtime/events.js';
import type { FileDiff, TimelineEntry } from './wire.js';

const ENTRIES = 1000;
const TEXTS = 200;

export interface TimelineSource {
  subscribe(listener: (event: ImageEvent) => void): () => void;
  /** The running text of a loaded module (project-relative path), or null. */
  source(rel: string): string | null;
  /** Project-relative paths of the loaded modules. */
  readonly files: readonly string[];
  /** The text on disk now (what a refused change tried), or null when it cannot be read. */
  readOnDisk(rel: string): string | null;
}

interface Texts {
  readonly files: ReadonlyArray<{ readonly file: string; readonly before: string | null; readonly after: string | null }>;
  readonly refused: boolean;
}

export class Timeline {
  readonly #entries: TimelineEntry[] = [];
  readonly #texts = new Map<number, Texts>();
  /** The text each loaded module runs, as last seen. */
  readonly #running = new Map<string, string>();
  readonly #listeners = new Set<(entry: TimelineEntry) => void>();
  readonly #source: TimelineSource;
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
  }

  /** Calls `fn` with each entry as it is recorded; returns the unsubscribe. */
  onEntry(fn: (entry: TimelineEntry) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  entries(after = 0): TimelineEntry[] {
    return this.#entries.filter((e) => e.id > after);
  }

  /** The diff of entry `id`, or why there is none. */
  diff(id: number): { readonly ok: true; readonly files: FileDiff[]; readonly note?: string } | { readonly ok: false; readonly message: string } {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) return { ok: false, message: `no timeline entry ${id} (entries kept: ${this.#entries[0]?.id ?? 0} to ${this.#next - 1})` };
    const texts = this.#texts.get(id);
    if (!texts) return { ok: false, message: `entry ${id} (${entry.event.kind}) has no diff kept (the texts of the last ${TEXTS} changes are)` };
    const files = texts.files.map(({ file, before, after }) => {
      // A refused file that could not be read as text (gone, a pipe, too large): nothing to compare.
      if (before === after || (texts.refused && after === null)) return { file, patch: '', added: 0, removed: 0 };
      const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, before ?? '', after ?? '', before === null ? '(new)' : '', after === null ? '(gone)' : '', {
        context: 3,
      });
      let added = 0;
      let removed = 0;
      const lines = patch.split('\n');
      for (const line of lines.slice(lines.findIndex((l) => l.startsWith('@@')))) {
        if (line.startsWith('+')) added++;
        else if (line.startsWith('-')) removed++;
      }
      return { file, patch, added, removed };
    });
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
    if (event.kind === 'ready') this.#see(this.#source.files);
    else if (event.kind === 'reload' && event.ok) {
      texts = {
        refused: false,
        files: event.files.map((file) => ({ file, before: this.#running.get(file) ?? null, after: this.#source.source(file) })),
      };
      this.#see(event.files);
    } else if ((event.kind === 'reload' || event.kind === 'load') && !event.ok) {
      texts = { refused: true, files: event.files.map((file) => ({ file, before: this.#running.get(file) ?? null, after: this.#source.readOnDisk(file) })) };
    }
    const entry: TimelineEntry = { id, at: Date.now(), event, diff: texts !== null };
    this.#entries.push(entry);
    if (this.#entries.length > ENTRIES) this.#entries.splice(0, this.#entries.length - ENTRIES);
    if (texts) {
      this.#texts.set(id, texts);
      for (const old of this.#texts.keys()) {
        if (this.#texts.size <= TEXTS) break;
        this.#texts.delete(old);
      }
    }
    for (const fn of [...this.#listeners]) fn(entry);
  }
}
