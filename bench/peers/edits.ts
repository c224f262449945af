// How the driver edits the sample's leaf module: saved in place (truncate and write, as most editors
// do) or saved by rename (write a temporary file beside it, then rename it over, as vim, JetBrains IDEs
// and many "atomic save" settings do). The clock starts when the new text is in the file for every
// process (the write or the rename returned); the save is then made durable (fsync) as an editor's
// is, off the driver's event loop so lines keep being read and stamped on time. No watcher waits for
// the disk, so the flush is not counted.

import fs from 'node:fs';
import path from 'node:path';

export type SaveKind = 'in place' | 'rename';

export const LEAF = 'marker.ts';

/** The leaf module with `version` as its marker; `accept` adds the import.meta.hot.accept() a tool asks for. */
export function leafSource(version: string, accept: boolean): string {
  const hot = accept ? "\n// This tool's way to take an update of this module without running its importers again.\nimport.meta.hot?.accept();\n" : '';
  return `// The leaf module the benchmark driver edits: it rewrites the string below on every edit.

export function marker(): string {
  return '${version}';
}
${hot}`;
}

/** The leaf with a syntax error in it. */
export function brokenLeafSource(): string {
  return `export function marker(): string {\n  return 'broken' +;\n}\n`;
}

/**
 * Saves `text` into `file`; resolves, once the save is durable, with performance.now() taken right
 * after the call that made the new text visible (synchronous, so no turn of the event loop sits
 * between the two). The fsyncs run on libuv's threads: the loop keeps reading the tool's lines.
 */
export async function save(file: string, text: string, kind: SaveKind): Promise<number> {
  if (kind === 'in place') {
    const fd = fs.openSync(file, 'w');
    let visible: number;
    try {
      fs.writeSync(fd, text);
      visible = performance.now();
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    await syncAndClose(fd);
    return visible;
  }
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.saving`);
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeSync(fd, text);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  await syncAndClose(fd);
  fs.renameSync(temporary, file);
  const visible = performance.now();
  await syncAndClose(fs.openSync(path.dirname(file), 'r'));
  return visible;
}

async function syncAndClose(fd: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
  } finally {
    fs.closeSync(fd);
  }
}
