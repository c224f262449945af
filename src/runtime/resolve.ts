// Resolution of import specifiers. Relative and absolute specifiers name project files, loaded and
// swapped by imago; everything else (packages, `node:` builtins) is the platform's, loaded once.

import type { Host } from './host.js';

export type Resolution =
  | { readonly kind: 'project'; readonly path: string }
  | { readonly kind: 'platform' }
  | { readonly kind: 'missing'; readonly tried: readonly string[] };

const TS_FOR_JS: Record<string, readonly string[]> = {
  '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'],
};
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.json'];

/** True for a specifier that names a project file rather than a package. */
export function isProjectSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..'
    || specifier.startsWith('/') || specifier.startsWith('file:');
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
export function resolveSpecifier(host: Pick<Host, 'isFile' | 'paths'>, specifier: string, fromFile: string): Resolution {
  if (!isProjectSpecifier(specifier)) return { kind: 'platform' };
  const raw = specifier.startsWith('file:') ? decodeURIComponent(new URL(specifier).pathname) : specifier;
  const base = host.paths.resolve(host.paths.dirname(fromFile), raw);
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
