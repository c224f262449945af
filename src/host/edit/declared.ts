// Which project file declares a top-level name: `imago deps Critter.hp` names no module, and a module may
// name a class it imports (`src/world.ts:Soldier.hp`). Read from the files with oxc, as typed.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf } from '../../compile/ast.js';
import { resolveSpecifier } from './imports.js';
import { projectFiles } from './plan.js';
import { type Declared, topLevel } from './rename.js';

const declaresIt = (file: string, name: string): boolean => {
  try {
    const d = topLevel(fs.readFileSync(file, 'utf8'), file, file).get(name);
    return d !== undefined && !d.node.type.startsWith('Import');
  } catch {
    return false;
  }
};

/** Where `name` of `file` comes from when the file imports or re-exports it (`import X`, `export { X } from`), or null. */
function follow(file: string, name: string): { file: string; name: string } | null {
  const text = fs.readFileSync(file, 'utf8');
  let d: Declared | undefined;
  try {
    d = topLevel(text, file, file).get(name);
  } catch {
    return null;
  }
  const from = (stmt: AstNode): string | null => resolveSpecifier(file, String(child(stmt, 'source')?.['value']));
  if (d?.node.type === 'ImportSpecifier') {
    const next = from(d.statement);
    return next ? { file: next, name: nameOf(child(d.node, 'imported')) ?? name } : null;
  }
  if (d?.node.type === 'ImportDefaultSpecifier') {
    const next = from(d.statement);
    const named = next ? defaultName(next) : null;
    return next && named ? { file: next, name: named } : null;
  }
  if (d) return null;
  // `export { X } from './world.js'`.
  const program = parseSync(`module.${file.endsWith('.tsx') ? 'tsx' : 'ts'}`, text, { sourceType: 'module', lang: file.endsWith('.tsx') ? 'tsx' : 'ts' })
    .program as unknown as AstNode;
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ExportNamedDeclaration' || !child(stmt, 'source')) continue;
    const s = children(stmt, 'specifiers').find((x) => nameOf(child(x, 'exported')) === name);
    const next = s ? from(stmt) : null;
    if (s && next) return { file: next, name: nameOf(child(s, 'local')) ?? name };
  }
  return null;
}

/** The name `export default` gives in `file` (`export default class Critter`, `export default Critter`). */
function defaultName(file: string): string | null {
  const program = parseSync(`module.${file.endsWith('.tsx') ? 'tsx' : 'ts'}`, fs.readFileSync(file, 'utf8'), {
    sourceType: 'module',
    lang: file.endsWith('.tsx') ? 'tsx' : 'ts',
  }).program as unknown as AstNode;
  const stmt = children(program, 'body').find((s) => s.type === 'ExportDefaultDeclaration');
  const decl = stmt ? child(stmt, 'declaration') : undefined;
  return decl ? (nameOf(child(decl, 'id')) ?? (decl.type === 'Identifier' ? (nameOf(decl) ?? null) : null)) : null;
}

/**
 * The file declaring top-level `name`: `module` itself, the module it imports the name from (through
 * imports and re-exports of the same name), or with no module the one project file that declares it.
 * A string says why none.
 */
export function declaringFile(root: string, name: string, module: string | undefined): { file: string; name: string } | string {
  if (module !== undefined) {
    let file = path.resolve(root, module);
    let want = name;
    for (let hops = 0; hops < 10 && fs.existsSync(file); hops++) {
      const step = follow(file, want);
      if (!step) break;
      ({ file, name: want } = step);
    }
    return { file, name: want };
  }
  const hits = projectFiles(root).filter((f) => fs.readFileSync(f, 'utf8').includes(name) && declaresIt(f, name));
  if (hits.length === 1) return { file: hits[0]!, name };
  if (hits.length === 0) return `no project file declares a top-level '${name}'`;
  return `several files declare a top-level '${name}' (${hits.map((f) => path.relative(root, f)).join(', ')})`;
}
