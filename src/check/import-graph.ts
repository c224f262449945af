// Which project files import which, type-only imports included (they vanish from the running program but
// not from the type checker), and each file's declaration hash: the text of its isolated declarations
// (oxc, ~0.035 ms a file; ARCHITECTURE.md fact 7). A change to a file's hash is an API change.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { isolatedDeclarationSync } from 'oxc-transform';
import { type PathAliases, resolveSpecifier } from '../runtime/resolve.js';

const onDisk = (f: string): boolean => {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
};
const paths = { dirname: path.dirname, resolve: path.resolve, relative: path.relative, isAbsolute: path.isAbsolute };

interface FileFacts {
  readonly imports: ReadonlySet<string>;
  /** Isolated declarations, or the whole text when they cannot be computed without inference. */
  readonly api: string;
  /**
   * Every module specifier the file names (resolved by imago or not: a `.d.ts`-only module, a package)
   * and every `/// <reference>` line: while these stay the same, so do the files it brings into the program.
   */
  readonly links: string;
  /**
   * The file declares names for every file (a script, such as a `.d.ts` without imports or exports, or
   * a `declare global`): a change to its API is felt by files that never import it.
   */
  readonly global: boolean;
}

export class ImportGraph {
  readonly #facts = new Map<string, FileFacts>();
  /** Files that count as there whatever the disk says now (the program as a check saw it: see update). */
  #existing: ReadonlySet<string> | null = null;
  /** Files whose API changed while they declared (or had declared) global names, until a scope takes them. */
  readonly #globalChanged = new Set<string>();

  constructor(private readonly aliases: PathAliases | null = null) {}

  /**
   * Analyzes files as the program was when `existing` were its files: an import of one of them resolves
   * to it even if it was deleted since (the graph is built after the first check is answered, and a file
   * deleted meanwhile must still be known as what its importers import).
   */
  asOf(existing: ReadonlySet<string>, analyze: () => void): void {
    this.#existing = existing;
    try {
      analyze();
    } finally {
      this.#existing = null;
    }
  }

  /**
   * Analyzes `file` again, from `known` text when given (the text the checker saw; null: deleted), else
   * from disk; returns true if its API (declaration hash) changed.
   */
  update(file: string, known?: string | null): boolean {
    const before = this.#facts.get(file);
    let text: string;
    try {
      if (known === null) throw new Error('deleted');
      text = known ?? fs.readFileSync(file, 'utf8');
    } catch {
      this.#facts.delete(file);
      if (before?.global) this.#globalChanged.add(file);
      return before !== undefined;
    }
    const parsed = parseSync(file, text, { sourceType: 'module' });
    const existing = this.#existing;
    const host = { isFile: (f: string): boolean => existing?.has(f) === true || onDisk(f), paths };
    const resolve = (spec: string): string | null => {
      const r = resolveSpecifier(host, spec, file, this.aliases);
      return r.kind === 'project' ? r.path : null;
    };
    const imports = new Set<string>();
    for (const i of parsed.module.staticImports) {
      const r = resolve(i.moduleRequest.value);
      if (r) imports.add(r);
    }
    // `import('./x.ts')` in code and in type positions (`let c: import('./x.ts').C`): an edge either way.
    // Matching the text may find one in a comment or a string; that only adds a file to check.
    for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const r = resolve(m[1]!);
      if (r) imports.add(r);
    }
    for (const e of parsed.module.staticExports) {
      for (const entry of e.entries) {
        const spec = entry.moduleRequest?.value;
        const r = spec ? resolve(spec) : null;
        if (r) imports.add(r);
      }
    }
    const decl = isolatedDeclarationSync(file, text, {});
    const api = decl.errors.length > 0 ? `text:${text}` : decl.code;
    const specifiers = [
      ...parsed.module.staticImports.map((i) => i.moduleRequest.value),
      ...parsed.module.staticExports.flatMap((e) => e.entries.flatMap((entry) => (entry.moduleRequest ? [entry.moduleRequest.value] : []))),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
      ...[...text.matchAll(/^\s*\/\/\/\s*<reference\b[^>]*>/gm)].map((m) => m[0].trim()),
    ];
    const global = !parsed.module.hasModuleSyntax || /\bdeclare\s+global\b/.test(text);
    this.#facts.set(file, { imports, api, links: specifiers.join('\n'), global });
    const apiChanged = before === undefined || before.api !== api || before.global !== global;
    if (apiChanged && (global || before?.global)) this.#globalChanged.add(file);
    return apiChanged;
  }

  /** The project files `file` imports (type-only imports and re-exports included), as last analyzed. */
  importsOf(file: string): ReadonlySet<string> | undefined {
    return this.#facts.get(file)?.imports;
  }

  /** What `file` names of other modules and files, as last analyzed (undefined: not analyzed, or deleted). */
  linksOf(file: string): string | undefined {
    return this.#facts.get(file)?.links;
  }

  /**
   * The files to check after `changed`: themselves, and every file that imports, directly or through
   * other files, a file whose API changed (types travel through a middle module's exports: `find():
   * User` in store.ts carries a change of User to main.ts, which never imports user.ts); every file when
   * the global names changed.
   */
  scope(changed: ReadonlyMap<string, boolean>): Set<string> {
    const out = new Set(changed.keys());
    // Global names changed: every file may use them.
    const global = [...changed].some(([f, apiChanged]) => apiChanged && this.#globalChanged.has(f));
    for (const f of changed.keys()) this.#globalChanged.delete(f);
    if (global) return new Set([...out, ...this.#facts.keys()]);
    const queue = [...changed].filter(([, apiChanged]) => apiChanged).map(([f]) => f);
    // A body-only edit (the common one) has nothing to follow.
    if (queue.length === 0) return out;
    const importers = new Map<string, string[]>();
    for (const [importer, facts] of this.#facts) {
      for (const f of facts.imports) {
        const list = importers.get(f);
        if (list) list.push(importer);
        else importers.set(f, [importer]);
      }
    }
    const seen = new Set(queue);
    while (queue.length > 0) {
      for (const importer of importers.get(queue.pop()!) ?? []) {
        out.add(importer);
        if (!seen.has(importer)) {
          seen.add(importer);
          queue.push(importer);
        }
      }
    }
    return out;
  }
}
