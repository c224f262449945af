// Where git says it is writing a working tree: its index lock, held from before a checkout, a stash, a
// merge or a reset touches the first file until after the last (the batcher waits while it is there).
// git holds it at other times too (a commit, while its message is edited; hooks), and a git that was
// killed leaves it behind: only a lock made in the last few seconds counts.

import fs from 'node:fs';
import path from 'node:path';

/**
 * The index lock of the git repository holding `root` (the `.git` folder found from `root` upwards, or
 * the folder a `.git` file names: worktrees, submodules), or null outside a repository.
 */
export function gitIndexLock(root: string): string | null {
  for (let dir = root; ; ) {
    const dotGit = path.join(dir, '.git');
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(dotGit);
    } catch {
      /* not here */
    }
    if (stat?.isDirectory()) return path.join(dotGit, 'index.lock');
    if (stat?.isFile()) {
      const named = /^gitdir:\s*(.+?)\s*$/m.exec(readOrEmpty(dotGit))?.[1];
      return named ? path.join(path.resolve(dir, named), 'index.lock') : null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * True while `lock` says git is writing the tree: it exists and was made less than `freshMs` ago (a
 * lock older than that is held for something else, or left behind, and holds no edit).
 */
export function gitBusy(lock: string, freshMs: number, now: number = Date.now()): boolean {
  try {
    return now - fs.statSync(lock).mtimeMs < freshMs;
  } catch {
    return false;
  }
}

/**
 * How long after git last touched its lock a batch still waits: one git command takes the lock more than
 * once (`git stash` writes the stash, then resets the tree), writing files in between, and a loaded
 * machine hands over file events late.
 */
export const GIT_SETTLE_MS = 100;

export interface GitWatch {
  /** True while git writes the tree: its lock is fresh (gitBusy), or was made or let go a moment ago. */
  busy(): boolean;
  close(): void;
}

/**
 * Watches git's folder for its lock coming and going: the events arrive in order with the tree's own,
 * so a batch of files git wrote sees git at work even when the lock was held for a millisecond.
 */
export function watchGit(lock: string, freshMs: number, now: () => number = Date.now): GitWatch {
  let lastSeen = Number.NEGATIVE_INFINITY;
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(path.dirname(lock), { persistent: false }, (_event, name) => {
      if (name?.toString() === path.basename(lock)) lastSeen = now();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    /* not watchable: the lock's age alone decides */
  }
  return {
    busy() {
      const t = now();
      if (gitBusy(lock, freshMs, t)) lastSeen = t;
      return t - lastSeen < GIT_SETTLE_MS;
    },
    close: () => watcher?.close(),
  };
}
