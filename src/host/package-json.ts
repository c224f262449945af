// What imago says when a package.json of the project changes while the program runs. Module kinds (its
// "type") are read once, when a module first loads (node-host.ts): a change applies at the next start,
// and a package.json that no longer parses would stop that start. Said as it is saved, never silently.

import { SeenTexts } from './seen-texts.js';

/** The "type" a package.json text gives ('' when none), or an error message when it is not JSON. */
export function packageType(text: string): { type: string } | { error: string } {
  try {
    const pkg = JSON.parse(text) as unknown;
    if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) return { error: 'it is not a JSON object' };
    const type = (pkg as { type?: unknown }).type;
    return { type: typeof type === 'string' ? type : '' };
  } catch (e: unknown) {
    return { error: (e as Error).message };
  }
}

const kindOf = (type: string): string => (type === 'module' ? 'ES modules' : 'CommonJS');

/**
 * The notice for a package.json (shown as `rel`) that now holds `text` (null: deleted), given the "type"
 * the program started with (null: not known); null when there is nothing to say.
 */
export function packageJsonNotice(text: string | null, rel: string, startType: string | null): string | null {
  if (text === null) {
    return startType === 'module'
      ? `${rel} was deleted: the program keeps running as it started (ES modules); a restart would run its .ts files as CommonJS`
      : null;
  }
  const read = packageType(text);
  if ('error' in read)
    return `${rel} is not valid JSON (${read.error}): the program keeps running as it started, but Node and imago's next start cannot read it; fix it`;
  if (startType !== null && kindOf(read.type) !== kindOf(startType))
    return `${rel} now makes its .ts files ${kindOf(read.type)} (they started as ${kindOf(startType)}): module kinds are fixed when imago starts; restart imago to run them that way`;
  return null;
}

/**
 * How long a package.json must stay as it is before it is read: a save caught half-written is not said,
 * nor a project folder being deleted (the watcher says that, 100 ms after its files go).
 */
const SETTLE_MS = 200;

/**
 * Says what a package.json's changes mean once each save has settled, and once per text: `changed(file)`
 * on every file event of one.
 */
export class PackageJsonWatch {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The text each was last read with. */
  readonly #texts = new SeenTexts();
  /** Files something was said of (an invalid text, another module kind), until it no longer holds. */
  readonly #said = new Set<string>();
  /** The "type" each started with (what its modules run as). */
  readonly #startTypes = new Map<string, string>();

  constructor(
    private readonly relative: (file: string) => string,
    private readonly say: (line: string) => void,
    known: readonly string[],
  ) {
    for (const file of known) {
      const text = this.#texts.readIfChanged(file)?.text ?? null;
      const read = text === null ? null : packageType(text);
      if (read && 'type' in read) this.#startTypes.set(file, read.type);
    }
  }

  changed(file: string): void {
    clearTimeout(this.#timers.get(file));
    const timer = setTimeout(() => {
      this.#timers.delete(file);
      const read = this.#texts.readIfChanged(file);
      if (!read) return;
      const text = read.text;
      const notice = packageJsonNotice(text, this.relative(file), this.#startTypes.get(file) ?? null);
      if (notice) this.say(notice);
      // What was said of it no longer holds: said too.
      else if (this.#said.has(file)) this.say(`${this.relative(file)} is as the program started again: nothing to restart for`);
      if (notice) this.#said.add(file);
      else this.#said.delete(file);
    }, SETTLE_MS);
    timer.unref();
    this.#timers.set(file, timer);
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
