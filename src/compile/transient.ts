// `/** @transient */` before a top-level binding: an image file leaves the binding out on purpose, and a
// resume gives it its initializer (docs/images.md). Read from the TypeScript source, whose comments the
// JavaScript the module compiles to has dropped.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children } from './ast.js';
import { TRANSIENT } from './layout.js';
import { patternNames } from './top-level.js';
import { languageOf } from './transpile.js';

type Comment = { readonly value: string; readonly start: number; readonly end: number };

/** Names of the top-level bindings of `source` marked `@transient` (parsed only when the word is there). */
export function transientBindings(file: string, source: string): ReadonlySet<string> {
  const out = new Set<string>();
  if (!source.includes('@transient')) return out;
  const parsed = parseSync(`module.${languageOf(file)}`, source, { sourceType: 'module', lang: languageOf(file) });
  const comments = (parsed.comments as readonly Comment[]).filter((c) => TRANSIENT.test(c.value));
  let previousEnd = 0;
  for (const stmt of children(parsed.program as unknown as AstNode, 'body')) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? child(stmt, 'declaration') : stmt;
    if (decl?.type === 'VariableDeclaration' && comments.some((c) => c.start >= previousEnd && c.end <= stmt.start)) {
      for (const d of children(decl, 'declarations')) for (const name of patternNames(child(d, 'id'))) out.add(name);
    }
    previousEnd = stmt.end;
  }
  return out;
}
