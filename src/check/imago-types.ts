// Types of `imago/store` and `imago/image` for programs that do not install imago themselves (imago run from elsewhere):
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
  const image = path.join(IMAGO_SOURCES, 'image', 'api.js');
  return {
    files: new Map([
      [
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'imago', type: 'module', exports: { './store': { types: './store.d.ts' }, './image': { types: './image.d.ts' } } }),
      ],
      [path.join(dir, 'store.d.ts'), `export * from ${JSON.stringify(store)};\n`],
      [path.join(dir, 'image.d.ts'), `export * from ${JSON.stringify(image)};\n`],
    ]),
    dirs: new Set([path.join(root, 'node_modules'), dir]),
  };
}

/**
 * File-system callbacks for the checker: `config`, the virtual package and the texts in `served` (the
 * changed files as the change gave them, null for a file it deleted), else the real disk.
 */
export function checkerFileSystem(
  virtual: VirtualFiles,
  config: () => { readonly path: string; readonly text: string },
  served: ReadonlyMap<string, string | null> = new Map(),
): FileSystem {
  /** A file's text (null: deleted), or undefined to read it from the disk. */
  const file = (f: string): string | null | undefined => {
    if (f === config().path) return config().text;
    if (served.has(f)) return served.get(f);
    return virtual.files.get(f);
  };
  return {
    readFile: (f) => file(f),
    fileExists: (f) => {
      const text = file(f);
      return text === undefined ? undefined : text !== null;
    },
    directoryExists: (d) => (virtual.dirs.has(d) ? true : undefined),
    realpath: (f) => (typeof file(f) === 'string' || virtual.dirs.has(f) ? f : undefined),
  };
}
