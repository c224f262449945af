// The imports a module's TypeScript source declares, as typed: the compiler drops those nothing reads
// as a value (TypeScript's import elision), but the REPL's scope still offers them by name.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf } from './ast.js';

export interface TypedImport {
  readonly local: string;
  /** The export it reads: a name, `default`, or `*` for a namespace. */
  readonly imported: string;
  readonly specifier: string;
  /** `import type` (or `{ type X }`): a type only, nothing to read at run time. */
  readonly typeOnly: boolean;
  /** Offset of its specifier in the source. */
  readonly offset: number;
}

export function typedImports(source: string): TypedImport[] {
  const program = parseSync('module.ts', source, { sourceType: 'module', lang: 'ts' }).program as unknown as AstNode;
  const out: TypedImport[] = [];
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ImportDeclaration') continue;
    const specifier = child(stmt, 'source')?.['value'];
    if (typeof specifier !== 'string') continue;
    const allTypes = stmt['importKind'] === 'type';
    for (const s of children(stmt, 'specifiers')) {
      const local = nameOf(child(s, 'local'));
      if (!local) continue;
      const imported = s.type === 'ImportDefaultSpecifier' ? 'default' : s.type === 'ImportNamespaceSpecifier' ? '*' : (nameOf(child(s, 'imported')) ?? local);
      out.push({ local, imported, specifier, typeOnly: allTypes || s['importKind'] === 'type', offset: s.start });
    }
  }
  return out;
}
