// The TypeScript project imago checks: the program's own files (the entry and everything it imports),
// under the project's tsconfig.json when it has one, else strict defaults that accept every import style
// imago's loader accepts. Served through the checker's virtual file system: nothing is written to disk.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { API } from 'typescript/unstable/sync';
import type { CompileOptions } from '../compile/transpile.js';
import type { PathAliases } from '../runtime/resolve.js';

export interface ProjectConfig {
  /** Where the virtual tsconfig.json lives (a path that does not exist on disk). */
  readonly path: string;
  readonly text: string;
  /** The project's own tsconfig.json, if any. */
  readonly userConfig: string | null;
  /** Files imago adds: Node's types when the project has none, and the types of `import.meta.hot`. */
  readonly extraFiles: readonly string[];
  /** imago supplies Node's types (the project has no @types/node): a tsconfig's `"types": ["node"]` is satisfied. */
  readonly suppliesNodeTypes: boolean;
}

/** Defaults with no tsconfig.json: strict, and every specifier form imago resolves (.ts, .js, none, folder). */
export const DEFAULT_OPTIONS = {
  strict: true,
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'preserve',
  moduleResolution: 'bundler',
  allowImportingTsExtensions: true,
  // imago loads every file as a module, so a file without imports or exports may use top-level await.
  moduleDetection: 'force',
  resolveJsonModule: true,
  esModuleInterop: true,
  allowJs: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
} as const;

/** The nearest tsconfig.json from the entry's folder up to the root. */
function findUserConfig(root: string, entry: string): string | null {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(candidate)) return candidate;
    if (dir === root || path.dirname(dir) === dir || !dir.startsWith(root)) return null;
  }
}

/** The project's @types/node (then its version is the one to use), or null. */
function projectNodeTypes(root: string): string | null {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', '@types', 'node', 'index.d.ts');
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * The project's config for the program of `entry`. `ambient` are the declaration files the project's own
 * tsconfig includes (globals.d.ts and the like): kept, since the program is the entry's import graph.
 */
export function projectConfig(root: string, entry: string, ambient: readonly string[] = []): ProjectConfig {
  const userConfig = findUserConfig(root, entry);
  const require = createRequire(import.meta.url);
  const extraFiles: string[] = [];
  const hasNodeTypes = projectNodeTypes(root) !== null;
  if (!hasNodeTypes) extraFiles.push(require.resolve('@types/node/index.d.ts'));
  extraFiles.push(fileURLToPath(new URL('../../../types/hot.d.ts', import.meta.url)));
  // Nothing is emitted, so the project's rootDir has no say: with an outDir and no rootDir, TypeScript 7 would
  // take the virtual config's own folder for it and refuse every source file as outside it.
  const config = userConfig
    ? { extends: userConfig, compilerOptions: { noEmit: true, rootDir: path.parse(root).root }, files: [entry, ...extraFiles, ...ambient], include: [] }
    : { compilerOptions: { ...DEFAULT_OPTIONS, types: hasNodeTypes ? ['node'] : [] }, files: [entry, ...extraFiles] };
  return { path: path.join(root, '__imago__', 'tsconfig.json'), text: JSON.stringify(config), userConfig, extraFiles, suppliesNodeTypes: !hasNodeTypes };
}

/** What the loader needs from a project's resolved compiler options. */
export interface ProjectSettings {
  readonly aliases: PathAliases | null;
  readonly compile: CompileOptions;
}

type ResolvedOptions = {
  paths?: Record<string, string[]>;
  baseUrl?: string;
  pathsBasePath?: string;
  useDefineForClassFields?: boolean;
  target?: number;
  strict?: boolean;
  strictNullChecks?: boolean;
  experimentalDecorators?: boolean;
  emitDecoratorMetadata?: boolean;
};

/** ES2022 in TypeScript's ScriptTarget: from it on, useDefineForClassFields defaults to true. */
const TARGET_ES2022 = 9;

/** The loader's settings from compiler options as TypeScript resolved them. */
export function settingsOf(options: ResolvedOptions, root: string): ProjectSettings {
  const useDefine = options.useDefineForClassFields ?? (options.target === undefined || options.target >= TARGET_ES2022);
  const strictNullChecks = options.strictNullChecks ?? options.strict ?? false;
  const decorators =
    options.experimentalDecorators === true ? { experimentalDecorators: true, emitDecoratorMetadata: options.emitDecoratorMetadata === true } : {};
  return { aliases: aliasesOf(options, root), compile: { useDefineForClassFields: useDefine, strictNullChecks, ...decorators } };
}

/** The `paths` aliases in effect for a project, as TypeScript resolved its configuration. */
export function aliasesOf(options: ResolvedOptions, root: string): PathAliases | null {
  const paths = options.paths ?? {};
  if (Object.keys(paths).length === 0 && options.baseUrl === undefined) return null;
  return { base: options.baseUrl ?? options.pathsBasePath ?? root, paths, ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}) };
}

/**
 * The `.d.ts` files a project's tsconfig.json includes, as TypeScript expands `include` and `files`;
 * and the project's own @types/node when its tsconfig names no `types` (TypeScript 7 no longer takes
 * every @types package by itself; imago runs the program on Node, so Node's types are always wanted).
 */
export function ambientDeclarations(api: API, root: string, entry: string): string[] {
  const user = findUserConfig(root, entry);
  if (!user) return [];
  const parsed = api.parseConfigFile(user) as { fileNames?: readonly string[]; options?: { types?: readonly string[] } };
  const own = (parsed.fileNames ?? []).filter((f) => f.endsWith('.d.ts') && !f.includes('/node_modules/'));
  const nodeTypes = parsed.options?.types === undefined ? projectNodeTypes(root) : null;
  return nodeTypes ? [...own, nodeTypes] : own;
}

/**
 * Reads the project's `paths` and class-field semantics without the type gate (`--typecheck=off`): one
 * short-lived checker process, only when the project has a tsconfig.json.
 */
export async function readSettings(root: string, entry: string): Promise<ProjectSettings> {
  const user = findUserConfig(root, entry);
  if (!user) return { aliases: null, compile: {} };
  // Loaded only here: a program's process never needs TypeScript but for this.
  const { API } = await import('typescript/unstable/sync');
  const api = new API({ cwd: root });
  try {
    const project = api.updateSnapshot({ openProjects: [user] }).getProject(user);
    return project ? settingsOf(project.compilerOptions as ResolvedOptions, root) : { aliases: null, compile: {} };
  } finally {
    api.close();
  }
}
