// Markers on top-level bindings for image files (docs/images.md): `/** @transient */` leaves the binding
// out of an image on purpose (a resume gives it its initializer); `/** @renamed old */` gives it, on
// resume, the value saved under its old name. Read from the TypeScript source, whose comments the
// JavaScript the module compiles to has dropped.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children } from './ast.js';
import { TRANSIENT } from './layout.js';
import { patternNames } from './top-level.js';
import { languageOf } from './transpile.js';

type Comment = { readonly value: string; readonly start: number; readonly end: number };

const RENAMED_BINDING = /@renamed\s+([A-Za-z_$][\w$]*)/;

/**
 * The top-level bindings of `source` marked `@transient`, and those marked `@renamed old` (new name ->
 * old name: a resume gives the binding the value saved as `old`). Parsed only when a marker is there.
 */
export function bindingMarkers(
  file: string,
  source: string,
): { readonly transient: ReadonlySet<string>; readonly renamedBindings: ReadonlyMap<string, string> } {
  const transient = new Set<string>();
  const renamedBindings = new Map<string, string>();
  if (!source.includes('@transient') && !source.includes('@renamed')) return { transient, renamedBindings };
  const parsed = parseSync(`module.${languageOf(file)}`, source, { sourceType: 'module', lang: languageOf(file) });
  const comments = parsed.comments as readonly Comment[];
  let previousEnd = 0;
  for (const stmt of children(parsed.program as unknown as AstNode, 'body')) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? child(stmt, 'declaration') : stmt;
    if (decl?.type === 'VariableDeclaration') {
      const before = comments.filter((c) => c.start >= previousEnd && c.end <= stmt.start);
      const names = children(decl, 'declarations').flatMap((d) => patternNames(child(d, 'id')));
      if (before.some((c) => TRANSIENT.test(c.value))) for (const name of names) transient.add(name);
      const renamed = before.map((c) => RENAMED_BINDING.exec(c.value)?.[1]).find((n) => n !== undefined);
      if (renamed && names.length === 1) renamedBindings.set(names[0]!, renamed);
    }
    previousEnd = stmt.end;
  }
  return { transient, renamedBindings };
}
