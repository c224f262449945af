// Watches the project's source files: one non-recursive fs.watch per folder (node_modules, .git and
// hidden folders left out), so saves in place and editors' atomic saves by rename both arrive.

import fs from 'node:fs';
import path from 'node:path';

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|jsx|json)$/;
const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage']);

export interface Watcher {
  close(): void;
}

/** Calls `onFile(absolutePath)` for every source file created, changed, renamed or deleted below `root`. */
export function watchTree(root: string, onFile: (file: string) => void, onError: (message: string) => void): Watcher {
  const watchers = new Map<string, fs.FSWatcher>();
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { persistent: true }, (_event, name) => {
        if (!name) return;
        const file = path.join(dir, name.toString());
        if (SOURCE.test(file)) { onFile(file); return; }
        if (!name.toString().startsWith('.') && !SKIP.has(name.toString())) {
          try { if (fs.statSync(file).isDirectory()) addTree(file); } catch { /* gone again: nothing to watch */ }
        }
      });
    } catch (e: unknown) {
      onError(`cannot watch ${dir}: ${(e as Error).message}`);
      return;
    }
    w.on('error', () => { w.close(); watchers.delete(dir); });
    watchers.set(dir, w);
  };
  const addTree = (dir: string): void => {
    add(dir);
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) addTree(path.join(dir, e.name));
    }
  };
  addTree(root);
  return { close: () => { for (const w of watchers.values()) w.close(); watchers.clear(); } };
}
