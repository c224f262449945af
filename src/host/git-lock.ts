// Where git says it is writing a working tree: its index lock, held from before a checkout, a stash, a
// merge or a reset touches the first file until after the last (the batcher waits while it is there).

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
