// Watches the project's source files: one non-recursive fs.watch per folder (node_modules, .git and
// hidden folders left out), so saves in place and editors' atomic saves by rename both arrive. A folder
// that is moved away and replaced (a branch switch) is watched again under its path.

import fs from 'node:fs';
import path from 'node:path';

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|jsx|json)$/;
const SKIP = new Set(['node_modules', '.git']);

export interface Watcher {
  /** Also watches `dir` (not its subfolders): for modules loaded from outside the root. */
  watchFolder(dir: string): void;
  close(): void;
}

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** How a folder is watched (fs.watch; tests hand in their own). */
export type WatchFolder = (dir: string, options: { persistent: boolean }, listener: (event: string, name: string | Buffer | null) => void) => fs.FSWatcher;

/** Calls `onFile(absolutePath)` for every source file created, changed, renamed or deleted below `root`. */
export function watchTree(
  root: string,
  onFile: (file: string) => void,
  onError: (message: string) => void,
  watch: WatchFolder = fs.watch,
  /** The project folder was moved or deleted (said through onError too): watching has ended. */
  onRootGone: () => void = () => undefined,
): Watcher {
  const watchers = new Map<string, fs.FSWatcher>();
  let gone = false;
  let lookAgain: NodeJS.Timeout | null = null;
  const close = (): void => {
    if (lookAgain) clearTimeout(lookAgain);
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
  // The project folder itself moved or deleted: its watches would report its files at paths that no
  // longer hold them (each edit a "deleted entry" rejection). Said once, and watching ends.
  const rootGone = (): boolean => {
    if (gone || isDirectory(root)) return gone;
    gone = true;
    close();
    onError(
      `the project folder ${root} was moved or deleted: imago no longer sees edits; the program keeps running its last version with its state. Stop it (Ctrl-C) and start imago again where the project is now`,
    );
    onRootGone();
    return true;
  };
  const drop = (dir: string): void => {
    for (const [d, w] of watchers) {
      if (d === dir || d.startsWith(`${dir}${path.sep}`)) {
        w.close();
        watchers.delete(d);
      }
    }
  };
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (event, name) => {
        if (!name || gone) return;
        if (dir === root) {
          if (name.toString() === path.basename(root) && rootGone()) return;
          // The folder deleted while it is a process's working folder (imago's own, say) sends no event
          // of its own until that process ends: a moment after its files go, it is looked for.
          lookAgain ??= setTimeout(() => {
            lookAgain = null;
            rootGone();
          }, 100).unref();
        }
        const entry = path.join(dir, name.toString());
        if (SOURCE.test(entry)) {
          onFile(entry);
          return;
        }
        if (name.toString().startsWith('.') || SKIP.has(name.toString())) return;
        // A folder appeared, vanished or was replaced (a rename): watch what is there now.
        if (event === 'rename') drop(entry);
        if (!watchers.has(entry) && isDirectory(entry)) addTree(entry);
      });
    } catch (e: unknown) {
      onError(`cannot watch ${dir}: ${(e as Error).message}; edits there will not apply`);
      return;
    }
    w.on('error', (e: Error) => {
      w.close();
      watchers.delete(dir);
      if (dir === root && rootGone()) return;
      // A folder deleted or moved away ends its watch: that is what a rename of the folder is, and its
      // parent's watch sees the folder come back. Anything else stops edits there from applying.
      if (isDirectory(dir)) onError(`watching ${dir} failed (${e.message}); edits there will not apply until imago restarts`);
    });
    watchers.set(dir, w);
  };
  const addTree = (dir: string): void => {
    add(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) addTree(path.join(dir, e.name));
    }
  };
  addTree(root);
  return {
    watchFolder: (dir) => {
      if (!gone && isDirectory(dir)) add(dir);
    },
    close,
  };
}
