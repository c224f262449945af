// Which kind of module Node makes of a file, for a project file imago loads: `.cts`/`.cjs` are CommonJS,
// `.mts`/`.mjs` are ES modules, and any other file takes the "type" of the nearest package.json (CommonJS
// without one, as Node and TypeScript's node16/nodenext decide).

export type ModuleKind = 'module' | 'commonjs';

/**
 * The kind of `file`; `typeAt(dir)` gives the "type" of `dir`/package.json ('' when it has none), or null
 * when the folder has no package.json.
 */
export function moduleKindOf(file: string, dirname: (p: string) => string, typeAt: (dir: string) => string | null): ModuleKind {
  if (/\.c[tj]s$/.test(file)) return 'commonjs';
  if (/\.m[tj]s$/.test(file)) return 'module';
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const type = typeAt(dir);
    if (type !== null) return type === 'module' ? 'module' : 'commonjs';
    if (dirname(dir) === dir) return 'commonjs';
  }
}
