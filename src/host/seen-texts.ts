// Files read as their events come, and said of only when their text changed since the last read: one
// save arrives as several events (tsconfig.json, package.json).

import fs from 'node:fs';

export class SeenTexts {
  readonly #texts = new Map<string, string | null>();

  /** Reads `file` now: its text (null: not there) when it differs from the last read, else null. */
  readIfChanged(file: string): { readonly text: string | null } | null {
    const text = readOrNull(file);
    if (this.#texts.has(file) && this.#texts.get(file) === text) return null;
    this.#texts.set(file, text);
    return { text };
  }
}

/** `file`'s text, or null when it cannot be read. */
export function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
