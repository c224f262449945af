// Resolution of import specifiers. Relative and absolute specifiers name project files, loaded and
// swapped by imago; everything else (packages, `node:` builtins) is the platform's, loaded once.

import type { Host } from './host.js';

export type Resolution =
  | { readonly kind: 'project'; readonly path: string }
  | { readonly kind: 'platform' }
  | { readonly kind: 'missing'; readonly tried: readonly string[] };

/** tsconfig `paths`, with the folder their targets are relative to (`baseUrl`, else the tsconfig's folder). */
export interface PathAliases {
  readonly base: string;
  readonly paths: Readonly<Record<string, readonly string[]>>;
  /** tsconfig `baseUrl`: a bare specifier naming a file under it (`src/lib/base`) is that project file. */
  readonly baseUrl?: string;
}

const TS_FOR_JS: Record<string, readonly string[]> = {
  '.js': ['.ts', '.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
  '.jsx': ['.tsx'],
};
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.json'];

/** The specifier of imago's store API, which a program shares with the imago that runs it. */
export const IMAGO_STORE = 'imago/store';
/** The specifier of imago's image-file API (`saveImage`, `resumed`). */
export const IMAGO_IMAGE = 'imago/image';

/** True for a specifier that names a project file rather than a package. */
export function isProjectSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    specifier.startsWith('/') ||
    specifier.startsWith('file:')
  );
}

/** File extension of `path` ('' when none). */
export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot) : '';
}

/**
 * Resolves `specifier` imported by `fromFile`: written with `.ts`, with `.js` (the `.ts` source behind
 * it, as tsc's ESM style writes it), without extension, or naming a folder with an `index` file.
 */
export function resolveSpecifier(host: Pick<Host, 'isFile' | 'paths'>, specifier: string, fromFile: string, aliases?: PathAliases | null): Resolution {
  // imago's own API is the running imago's, whatever the project's paths say (the host loads it).
  if (specifier === IMAGO_STORE || specifier === IMAGO_IMAGE) return { kind: 'platform' };
  if (!isProjectSpecifier(specifier)) return aliases ? resolveAlias(host, specifier, aliases) : { kind: 'platform' };
  const raw = specifier.startsWith('file:') ? decodeURIComponent(new URL(specifier).pathname) : specifier;
  return resolvePath(host, host.paths.resolve(host.paths.dirname(fromFile), raw));
}

/** The project file an absolute path names, by the same rules as a relative specifier. */
function resolvePath(host: Pick<Host, 'isFile' | 'paths'>, base: string): Resolution {
  if (base.includes('/node_modules/')) return { kind: 'platform' };
  const ext = extensionOf(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  const candidates: string[] = [];
  if (TS_FOR_JS[ext]) candidates.push(...TS_FOR_JS[ext]!.map((e) => stem + e), base);
  else if (SOURCE_EXTENSIONS.includes(ext) || ext === '.cts') candidates.push(base);
  else {
    candidates.push(...SOURCE_EXTENSIONS.filter((e) => e !== '.json').map((e) => base + e));
    candidates.push(...['.ts', '.tsx', '.js'].map((e) => `${base}/index${e}`));
  }
  for (const c of candidates) if (host.isFile(c)) return { kind: 'project', path: c };
  return { kind: 'missing', tried: candidates };
}

/**
 * A bare specifier through tsconfig `paths` (`"@lib/*": ["src/lib/*"]`): the first target that names a
 * project file wins; a specifier no pattern matches, or whose targets name no file, is a package.
 */
function resolveAlias(host: Pick<Host, 'isFile' | 'paths'>, specifier: string, aliases: PathAliases): Resolution {
  const tried: string[] = [];
  /** A pattern other than `"*"` the specifier matched: it names a project file, so none found is an error. */
  let namedBy: string | null = null;
  for (const [pattern, targets] of Object.entries(aliases.paths)) {
    const star = pattern.indexOf('*');
    let captured: string | null = null;
    if (star < 0) captured = pattern === specifier ? '' : null;
    else {
      const prefix = pattern.slice(0, star);
      const suffix = pattern.slice(star + 1);
      if (specifier.startsWith(prefix) && specifier.endsWith(suffix) && specifier.length >= prefix.length + suffix.length) {
        captured = specifier.slice(prefix.length, specifier.length - suffix.length);
      }
    }
    if (captured === null) continue;
    if (pattern !== '*') namedBy = pattern;
    for (const target of targets) {
      const r = resolvePath(host, host.paths.resolve(aliases.base, target.replace('*', captured)));
      if (r.kind === 'project') return r;
      if (r.kind === 'missing') tried.push(...r.tried);
    }
  }
  // `"*": ["./*"]` (what TypeScript 7 offers instead of baseUrl) names every specifier: one with no project
  // file under it is a package, as TypeScript goes on to node_modules.
  if (tried.length > 0 && namedBy !== null) return { kind: 'missing', tried };
  // As TypeScript resolves: under baseUrl before node_modules; a name with no file there is a package.
  if (aliases.baseUrl !== undefined) {
    const r = resolvePath(host, host.paths.resolve(aliases.baseUrl, specifier));
    if (r.kind === 'project') return r;
  }
  return { kind: 'platform' };
}
