// The last step of a shared change, decided without a message: a member that committed up to its point
// of no return waits for the decision *synchronously* (no program code runs in it meanwhile: no request,
// no timer sees the new code before it is kept), polling a file the coordinator creates. Whoever creates
// the file first decides: the coordinator (keep, or roll back), or a member whose wait ran out (roll
// back), so a late keep cannot meet a member that gave up. Members on other machines (a fleet) are told
// by message instead (member.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Decision = 'keep' | 'rollback';

/** Writes `value` as the round's decision unless one was taken already; returns the decision that stands. */
export function claim(file: string, value: Decision): Decision {
  // Written whole aside, then linked in place: the link fails if a decision is there, and a reader
  // never sees a decision half written.
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(aside, value);
  try {
    fs.linkSync(aside, file);
    return value;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return fs.readFileSync(file, 'utf8') === 'keep' ? 'keep' : 'rollback';
  } finally {
    remove(aside);
  }
}

/** Removes a decision file (or its aside copy) if it is there. */
export function remove(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Not there (never claimed): nothing to remove.
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread until the decision file exists (polled every millisecond), or claims a rollback at `until`. */
export function awaitDecision(file: string, until: number): Decision {
  for (;;) {
    try {
      return fs.readFileSync(file, 'utf8') === 'keep' ? 'keep' : 'rollback';
    } catch {
      // Not decided yet.
    }
    if (Date.now() > until) return claim(file, 'rollback');
    Atomics.wait(pause, 0, 0, 1);
  }
}

/** A folder for one coordinator's decision files, removed with it. */
export function decisionFolder(): { readonly file: (round: number) => string; readonly dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-cohort-'));
  const dispose = (): void => {
    process.off('exit', dispose);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A process that exits without closing its session (process.exit in the program) leaves no folder behind.
  process.on('exit', dispose);
  return { file: (round) => path.join(dir, String(round)), dispose };
}
