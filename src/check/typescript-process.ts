// How the checker starts TypeScript's native process (a Go program behind the sync API's pipes): its
// garbage collector's setting, a session of its own, and its process id.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { API } from 'typescript/unstable/sync';

// TypeScript's process is Go: with Go's default GOGC=100 its heap settles at twice what it keeps alive
// (52 -> 84 MB over 1,000 checks of the peer benchmark's program); at 50 it settles at 67 MB, with no
// change in the time of a check (median 3.7 ms either way). A GOGC the user set is kept. (The thread's
// environment is what TypeScript's process gets.)
process.env['GOGC'] ??= '50';

/**
 * TypeScript's process in a session of its own (bin/imago-tsgo): the terminal's Ctrl-C reaches imago's
 * process group, and TypeScript's process, in it, printed "context canceled" (and a Go panic when it came
 * during a start) before imago could stop it. Nothing when the binary or the script is not where expected.
 */
export function sessionOfItsOwn(): { tsserverPath?: string } {
  if (process.platform === 'win32') return {};
  try {
    const require = createRequire(import.meta.url);
    const exe = path.join(path.dirname(require.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`)), 'lib', 'tsc');
    const script = fileURLToPath(new URL('../../../bin/imago-tsgo', import.meta.url));
    fs.accessSync(exe, fs.constants.X_OK);
    fs.accessSync(script, fs.constants.X_OK);
    process.env['IMAGO_TSGO'] = exe;
    return { tsserverPath: script };
  } catch {
    return {};
  }
}

/** The id of TypeScript's process, read from the sync client's insides (not a public API): null if they change. */
export function typescriptPid(api: API): number | null {
  const pid = (api as unknown as { client?: { channel?: { child?: { pid?: unknown } } } }).client?.channel?.child?.pid;
  return typeof pid === 'number' ? pid : null;
}

/**
 * Calls `ended(how)` when TypeScript's process ends (a signal or an exit code), read from the sync
 * client's insides like its pid; does nothing if they change.
 */
export function onTypescriptEnd(api: API, ended: (how: string) => void): void {
  const child = (api as unknown as { client?: { channel?: { child?: unknown } } }).client?.channel?.child;
  if (!child || typeof (child as { once?: unknown }).once !== 'function') return;
  (child as { once(event: 'exit', listener: (code: number | null, signal: string | null) => void): void }).once('exit', (code, signal) =>
    ended(signal ? `killed by ${signal}` : `exit code ${code}`),
  );
}
