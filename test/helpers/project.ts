// Temporary projects on disk for tests: real files, removed afterwards.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempProject {
  readonly dir: string;
  /** Writes files (path -> text; null deletes). With `atomic`, writes a temp file and renames it. */
  write(files: Record<string, string | null>, atomic?: boolean): void;
  path(rel: string): string;
  remove(): void;
}

export function tempProject(files: Record<string, string>): TempProject {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'imago-test-')));
  const write = (map: Record<string, string | null>, atomic = false): void => {
    for (const [rel, text] of Object.entries(map)) {
      const p = path.join(dir, rel);
      if (text === null) {
        fs.rmSync(p, { force: true });
        continue;
      }
      fs.mkdirSync(path.dirname(p), { recursive: true });
      if (!atomic) {
        fs.writeFileSync(p, text);
        continue;
      }
      const tmp = path.join(path.dirname(p), `.${path.basename(p)}.swp`);
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, p);
    }
  };
  write({ 'package.json': '{ "type": "module", "private": true }\n', ...files });
  return { dir, write, path: (rel) => path.join(dir, rel), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value, or fails after `ms` with `what` in the message. */
export async function waitFor<T>(what: string, check: () => T | null | undefined | false, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}
