// Types of `imago/store` for programs that do not install imago themselves (imago run from elsewhere):
// the checker sees a virtual `node_modules/imago` at the project root that re-exports the running
// imago's own declarations. A project with imago in its node_modules uses that one instead.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileSystem } from 'typescript/unstable/fs';

/** imago's own compiled sources (dist/src): the declarations there are imago's, never the project's. */
export const IMAGO_SOURCES = fileURLToPath(new URL('..', import.meta.url));

export interface VirtualFiles {
  readonly files: ReadonlyMap<string, string>;
  readonly dirs: ReadonlySet<string>;
}

export function virtualImagoPackage(root: string): VirtualFiles {
  const dir = path.join(root, 'node_modules', 'imago');
  if (fs.existsSync(dir)) return { files: new Map(), dirs: new Set() };
  const store = path.join(IMAGO_SOURCES, 'store', 'index.js');
  return {
    files: new Map([
      [path.join(dir, 'package.json'), JSON.stringify({ name: 'imago', type: 'module', exports: { './store': { types: './store.d.ts' } } })],
      [path.join(dir, 'store.d.ts'), `export * from ${JSON.stringify(store)};\n`],
    ]),
    dirs: new Set([path.join(root, 'node_modules'), dir]),
  };
}

/**
 * File-system callbacks for the checker: `config`, the virtual package and the texts in `served` (the
 * changed files, read once by the checker process so it knows what TypeScript saw), else the real disk.
 */
export function checkerFileSystem(
  virtual: VirtualFiles,
  config: () => { readonly path: string; readonly text: string },
  served: ReadonlyMap<string, string> = new Map(),
): FileSystem {
  const file = (f: string): string | undefined => (f === config().path ? config().text : (virtual.files.get(f) ?? served.get(f)));
  return {
    readFile: (f) => file(f),
    fileExists: (f) => (file(f) !== undefined ? true : undefined),
    directoryExists: (d) => (virtual.dirs.has(d) ? true : undefined),
    realpath: (f) => (file(f) !== undefined || virtual.dirs.has(f) ? f : undefined),
  };
}
