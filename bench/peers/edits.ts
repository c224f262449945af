// How the driver edits the sample's leaf module: saved in place (truncate and write, as most editors
// do) or saved by rename (write a temporary file beside it, then rename it over, as vim, JetBrains IDEs
// and many "atomic save" settings do). Either way the write is durable (fsync) before the clock starts.

import fs from 'node:fs';
import path from 'node:path';

export type SaveKind = 'in place' | 'rename';

export const LEAF = 'marker.ts';

/** The leaf module with `version` as its marker; `accept` adds the import.meta.hot.accept() a tool asks for. */
export function leafSource(version: string, accept: boolean): string {
  const hot = accept ? '\n// This tool\'s way to take an update of this module without running its importers again.\nimport.meta.hot?.accept();\n' : '';
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

export function save(file: string, text: string, kind: SaveKind): void {
  if (kind === 'in place') {
    const fd = fs.openSync(file, 'w');
    try { fs.writeSync(fd, text); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    return;
  }
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.saving`);
  const fd = fs.openSync(temporary, 'w');
  try { fs.writeSync(fd, text); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  fs.renameSync(temporary, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
}
