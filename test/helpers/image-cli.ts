// Helpers for image-file tests through the real CLI.

import { spawnSync } from 'node:child_process';
import { CLI } from './cli.js';
import { type TempProject, tempProject } from './project.js';

/** Runs `imago <args>` to its end in `dir`. */
export function imago(dir: string, args: readonly string[], nodeArgs: readonly string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `imago run --no-watch --image app.img [extra] main.ts` (type checking off unless asked: the image is what is tested). */
export const runImage = (p: TempProject, extra: readonly string[] = [], check = false): ReturnType<typeof imago> =>
  imago(p.dir, ['run', '--no-watch', ...(check ? [] : ['--typecheck=off']), '--image', 'app.img', ...extra, 'main.ts']);

/** Runs `fn` in a temporary project of `files`, removed afterwards. */
export async function withProject(files: Record<string, string>, fn: (p: TempProject) => Promise<void> | void): Promise<void> {
  const p = tempProject(files);
  try {
    await fn(p);
  } finally {
    p.remove();
  }
}

/** The rest of the first stdout line that starts with `tag `. */
export const line = (out: string, tag: string): string =>
  out
    .split('\n')
    .find((l) => l.startsWith(`${tag} `))
    ?.slice(tag.length + 1) ?? '';
