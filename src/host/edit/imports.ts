// The import statements of one file, as a structural edit changes them: specifiers removed, specifiers
// added (merged into an import of the same module when the file has one, else one new statement per
// module after the last import). Only the statements that change are rewritten.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children } from '../../compile/ast.js';

export type Edit = { start: number; end: number; text: string };

/** The absolute file a relative specifier of `from` names, if it is one of the project's TypeScript files. */
export function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(?:m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')];
  return candidates.find((c) => /\.(?:m|c)?tsx?$/.test(c) && fs.existsSync(c)) ?? null;
}

/** A specifier for `target` as seen from `from`, in the style of `like` (`.js`, `.ts`, or no extension). */
export function specifierFor(from: string, target: string, like: string | null): string {
  let rel = path.relative(path.dirname(from), target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const stem = rel.replace(/\.(?:m|c)?tsx?$/, '');
  const ext = path.extname(target);
  if (like === null || /\.(?:m|c)?js$/.test(like)) return `${stem}${ext === '.mts' ? '.mjs' : ext === '.cts' ? '.cjs' : '.js'}`;
  if (/\.(?:m|c)?tsx?$/.test(like)) return `${stem}${ext}`;
  return stem;
}

/** A specifier to add: `name` or `name as local`, of a module (`target`: a project file, else a package `spec`). */
export interface Added {
  readonly text: string;
  readonly target: string | null;
  readonly spec: string;
  readonly typeOnly: boolean;
  /** `default` or `* as ns`: never merged into braces. */
  readonly form?: 'default' | 'namespace';
  /** Import attributes after the source (` with { type: 'json' }`): never merged. */
  readonly tail?: string;
}

export class FileImports {
  readonly #removed = new Map<AstNode, Set<AstNode>>();
  readonly #added: Added[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
    readonly program: AstNode,
  ) {}

  get imports(): AstNode[] {
    return children(this.program, 'body').filter((s) => s.type === 'ImportDeclaration');
  }

  /** The file has an import statement of `target` (a project file). */
  importsFrom(target: string): boolean {
    return this.imports.some((s) => resolveSpecifier(this.file, String(child(s, 'source')?.['value'])) === target);
  }

  remove(statement: AstNode, specifier: AstNode): void {
    const set = this.#removed.get(statement) ?? new Set();
    set.add(specifier);
    this.#removed.set(statement, set);
  }

  add(added: Added): void {
    if (!this.#added.some((a) => a.text === added.text && a.spec === added.spec && a.typeOnly === added.typeOnly)) this.#added.push(added);
  }

  /** The style of the file's relative specifiers (`./x.js`, `./x.ts`, `./x`), if it has one. */
  style(): string | null {
    // Of a TypeScript module (`./cfg.json` says nothing of how modules are named).
    return this.imports.map((s) => String(child(s, 'source')?.['value'])).find((s) => s.startsWith('.') && resolveSpecifier(this.file, s) !== null) ?? null;
  }

  quote(): string {
    const first = this.imports[0];
    return first ? (this.text[child(first, 'source')!.start] ?? "'") : "'";
  }

  semi(): string {
    const first = this.imports[0];
    return first ? (this.text[first.end - 1] === ';' ? ';' : '') : ';';
  }

  /** The statement importing from `added`'s module its braces can take `added` into. */
  #mergeable(added: Added): AstNode | undefined {
    if (added.form || added.tail) return undefined;
    return this.imports.find((s) => {
      const spec = String(child(s, 'source')?.['value']);
      const same = added.target ? resolveSpecifier(this.file, spec) === added.target : spec === added.spec;
      const list = children(s, 'specifiers');
      const removed = this.#removed.get(s)?.size ?? 0;
      return (
        same &&
        this.#tail(s) === '' &&
        (s['importKind'] === 'type') === added.typeOnly &&
        !list.some((x) => x.type === 'ImportNamespaceSpecifier') &&
        (list.length > removed || list.length === 0)
      );
    });
  }

  /** What follows a statement's source before its semicolon (import attributes). */
  #tail(statement: AstNode): string {
    const end = this.text[statement.end - 1] === ';' ? statement.end - 1 : statement.end;
    return this.text.slice(child(statement, 'source')!.end, end).trimEnd();
  }

  #statement(statement: AstNode | null, keep: readonly AstNode[], extra: readonly Added[]): string {
    const source = statement
      ? `${this.text.slice(child(statement, 'source')!.start, child(statement, 'source')!.end)}${this.#tail(statement)}`
      : `${this.quote()}${extra[0]!.spec}${this.quote()}${extra[0]!.tail ?? ''}`;
    const typed = statement ? statement['importKind'] === 'type' : extra[0]!.typeOnly;
    const semi = statement ? (this.text[statement.end - 1] === ';' ? ';' : '') : this.semi();
    const parts: string[] = [];
    const named: string[] = [];
    for (const s of keep) {
      const t = this.text.slice(s.start, s.end);
      if (s.type === 'ImportDefaultSpecifier' || s.type === 'ImportNamespaceSpecifier') parts.push(t);
      else named.push(t);
    }
    for (const a of extra) {
      if (a.form) parts.push(a.text);
      else named.push(a.text);
    }
    if (named.length > 0) parts.push(`{ ${named.join(', ')} }`);
    return `import ${typed ? 'type ' : ''}${parts.join(', ')} from ${source}${semi}`;
  }

  edits(): Edit[] {
    const out: Edit[] = [];
    const merged = new Map<AstNode, Added[]>();
    const fresh: Added[] = [];
    for (const a of this.#added) {
      const into = this.#mergeable(a);
      if (into) merged.set(into, [...(merged.get(into) ?? []), a]);
      else fresh.push(a);
    }
    for (const statement of new Set([...this.#removed.keys(), ...merged.keys()])) {
      const gone = this.#removed.get(statement) ?? new Set();
      const keep = children(statement, 'specifiers').filter((s) => !gone.has(s));
      const extra = merged.get(statement) ?? [];
      if (keep.length === 0 && extra.length === 0) {
        const eol = this.text.indexOf('\n', statement.end);
        out.push({ start: statement.start, end: eol < 0 ? statement.end : eol + 1, text: '' });
      } else out.push({ start: statement.start, end: statement.end, text: this.#statement(statement, keep, extra) });
    }
    if (fresh.length > 0) {
      // One statement per module (and kind), after the last import.
      const groups = new Map<string, Added[]>();
      // Values before types, each in the order they came.
      for (const a of [...fresh.filter((x) => !x.typeOnly), ...fresh.filter((x) => x.typeOnly)]) {
        const key = `${a.spec}\0${a.typeOnly}\0${a.form ?? ''}\0${a.tail ?? ''}`;
        groups.set(key, [...(groups.get(key) ?? []), a]);
      }
      const lines = [...groups.values()].flatMap((g) => (g[0]!.form ? g.map((a) => this.#statement(null, [], [a])) : [this.#statement(null, [], g)]));
      const last = this.imports.at(-1);
      // After the last import; with none, at the top (below a `#!` line).
      const shebang = this.text.startsWith('#!') ? this.text.indexOf('\n') + 1 || this.text.length : 0;
      const at = last ? this.text.indexOf('\n', last.end) + 1 || this.text.length : shebang;
      const nl = this.text.includes('\r\n') ? '\r\n' : '\n';
      const gap = !last && this.text.slice(at).trim() !== '' ? nl : '';
      out.push({ start: at, end: at, text: `${lines.join(nl)}${nl}${gap}` });
    }
    return out;
  }
}

/** The edit taking specifier `s` out of the `export { ... } from` statement `stmt` (the whole line when it is the only one). */
export function withoutSpecifier(text: string, stmt: AstNode, s: AstNode): Edit {
  const list = children(stmt, 'specifiers');
  if (list.length === 1) {
    const eol = text.indexOf('\n', stmt.end);
    return { start: stmt.start, end: eol < 0 ? stmt.end : eol + 1, text: '' };
  }
  const rest = list.filter((x) => x !== s).map((x) => text.slice(x.start, x.end));
  const source = child(stmt, 'source')!;
  const typed = stmt['exportKind'] === 'type' ? 'type ' : '';
  return {
    start: stmt.start,
    end: stmt.end,
    text: `export ${typed}{ ${rest.join(', ')} } from ${text.slice(source.start, source.end)}${text[stmt.end - 1] === ';' ? ';' : ''}`,
  };
}

/** A relative specifier for file `target` (any kind of file) from `from`. */
export function relativeSpec(from: string, target: string): string {
  const rel = path.relative(path.dirname(from), target).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** What follows an import's source, before its semicolon: `with { type: 'json' }`. */
export function importTail(text: string, stmt: AstNode): string {
  const source = child(stmt, 'source')!;
  const end = text[stmt.end - 1] === ';' ? stmt.end - 1 : stmt.end;
  return text.slice(source.end, end).trimEnd();
}

/** `text` with `line` after its last import (or at its top, below a `#!` line). */
export function insertAfterImports(text: string, file: string, line: string): string {
  const last = children(
    parseSync(`module.${file.endsWith('.tsx') ? 'tsx' : 'ts'}`, text, { sourceType: 'module', lang: file.endsWith('.tsx') ? 'tsx' : 'ts' })
      .program as unknown as AstNode,
    'body',
  )
    .filter((s) => s.type === 'ImportDeclaration')
    .at(-1);
  const at = last ? text.indexOf('\n', last.end) + 1 || text.length : text.startsWith('#!') ? text.indexOf('\n') + 1 || text.length : 0;
  return `${text.slice(0, at)}${line}${text.slice(at)}`;
}
