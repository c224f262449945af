// `imago edit rename <module>:<name> <new>`: a top-level function renamed across the program, keeping
// its live identity (references taken before, such as timers, handlers and exports, reach it under its
// new name: runtime/intent.ts). Other kinds of names (classes, bindings, methods, enum members) are not
// renamed with their live identity yet: refused with what to do instead.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children } from '../../compile/ast.js';
import type { EditCommand } from './commands.js';
import type { EditPlan, PlanContext } from './plan.js';
import { apply, readSource } from './text.js';

type Rename = Extract<EditCommand, { kind: 'rename' }>;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** What top-level `name` of `source` is: a function (declared, or a const holding one), something else, or nothing. */
function kindOf(source: string, name: string): { kind: 'function' | 'other' | 'none'; names: Set<string> } {
  const program = parseSync('module.ts', source, { sourceType: 'module', lang: 'ts' }).program as unknown as AstNode;
  const names = new Set<string>();
  let kind: 'function' | 'other' | 'none' = 'none';
  for (const stmt of children(program, 'body')) {
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
    if (!decl) continue;
    const id = child(decl, 'id')?.['name'];
    if (typeof id === 'string') {
      names.add(id);
      if (id === name) kind = decl.type === 'FunctionDeclaration' ? 'function' : 'other';
    }
    if (decl.type === 'VariableDeclaration') {
      for (const d of children(decl, 'declarations')) {
        const v = child(d, 'id')?.['name'];
        if (typeof v !== 'string') continue;
        names.add(v);
        const init = child(d, 'init');
        if (v === name)
          kind = decl['kind'] === 'const' && (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression') ? 'function' : 'other';
      }
    }
  }
  return { kind, names };
}

export async function planRename(command: Rename, ctx: PlanContext): Promise<EditPlan> {
  const file = path.resolve(ctx.root, command.module);
  if (!fs.existsSync(file)) throw new Error(`module '${command.module}' not found (looked at ${file})`);
  const rel = path.relative(ctx.root, file);
  const { text } = readSource(file);
  const { kind, names } = kindOf(text, command.name);
  if (kind === 'none') throw new Error(`${rel} declares no top-level '${command.name}'`);
  if (kind === 'other')
    throw new Error(
      `'${command.name}' of ${rel} is not a top-level function: renaming classes, bindings, methods and enum members with their live identity is not built yet (rename it in your editor; rename-field renames a class's fields)`,
    );
  if (!IDENT.test(command.to) || command.to === 'default') throw new Error(`'${command.to}' is not a name for a function`);
  if (names.has(command.to)) throw new Error(`${rel} has a top-level '${command.to}' already: pick another name`);
  if (!(await ctx.checked(file, command.name))) throw new Error(`${rel} is not part of the program imago type-checks (the entry does not import it)`);
  const found = await ctx.spans(file, command.name, undefined, command.to);
  if (!found.found) throw new Error(found.message);
  if (found.clashes.length > 0) {
    const places = found.clashes.map((x) => {
      const t = readSource(x.file).text;
      const line = t.slice(0, x.start).split('\n').length;
      return `  ${path.relative(ctx.root, x.file)}:${line}`;
    });
    throw new Error(
      `'${command.to}' already means something where ${command.name} is used (a local, a parameter, an import, a global): the rename would capture it; pick another name:\n${places.join('\n')}`,
    );
  }
  const byFile = new Map<string, Array<{ start: number; end: number; text: string }>>();
  const sources = new Map<string, { bom: string; text: string }>();
  const source = (f: string): { bom: string; text: string } => {
    if (!sources.has(f)) sources.set(f, readSource(f));
    return sources.get(f)!;
  };
  for (const s of found.spans) {
    const old = source(s.file).text.slice(s.start, s.end);
    // `{ f }` keeps its key (`{ f: g }`); `const { f } = ns` keeps its local name (`{ g: f }`).
    const replacement =
      s.shape === 'shorthand'
        ? s.in === 'binding'
          ? `${command.to}: ${old}`
          : `${old}: ${command.to}`
        : s.shape === 'string'
          ? `${old[0]}${command.to}${old.at(-1)}`
          : command.to;
    const list = byFile.get(s.file) ?? [];
    list.push({ start: s.start, end: s.end, text: replacement });
    byFile.set(s.file, list);
  }
  const texts = new Map<string, { before: string; after: string }>();
  for (const [f, edits] of byFile) {
    const { bom, text: t } = source(f);
    texts.set(f, { before: bom + t, after: bom + apply(t, edits) });
  }
  return {
    texts,
    intent: { fieldRenames: [], functionRenames: [{ file, from: command.name, to: command.to }] },
    classFile: file,
    migration: [
      `function ${command.name} of ${rel} renamed to ${command.to}: references taken before (timers, handlers, exports) reach it under its new name${ctx.live ? '' : ' (when the program runs under imago while you rename it; a program started later has only the new name)'}`,
    ],
  };
}
