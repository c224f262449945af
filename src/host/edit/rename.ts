// `imago edit rename <module>:<name> <new>` (and `<module>:<Name>.<member> <new>`): a top-level function,
// class, binding, enum, type, or a class's method or an enum's member renamed across the program through
// the type checker. A running image keeps what the name stood for: a function's identity (references
// taken before reach it under its new name), a class's identity (instances keep their class), a
// binding's value (its initializer does not run again): runtime/rename-names.ts and intent.ts.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf } from '../../compile/ast.js';
import { patternNames } from '../../compile/top-level.js';
import type { NameRename } from '../../runtime/intent.js';
import type { EditCommand } from './commands.js';
import type { EditPlan, PlanContext } from './plan.js';
import { apply, readSource } from './text.js';

type Rename = Extract<EditCommand, { kind: 'rename' }>;

const IDENT = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(['default', 'constructor', 'prototype', '__proto__', 'arguments', 'eval']);

type Kind = 'function' | 'class' | 'binding' | 'enum' | 'type' | 'namespace';

export interface Declared {
  readonly kind: Kind;
  readonly node: AstNode;
  /** The statement (an `export` around it included), where a `@renamed` marker goes. */
  readonly statement: AstNode;
  /** How many names the statement declares (a marker needs exactly one). */
  readonly names: number;
}

/** The top-level declarations of `source`, by name. */
export function topLevel(source: string, file: string): Map<string, Declared> {
  const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
  const program = parseSync(`module.${lang}`, source, { sourceType: 'module', lang }).program as unknown as AstNode;
  const out = new Map<string, Declared>();
  for (const stmt of children(program, 'body')) {
    if (stmt.type === 'ImportDeclaration') {
      for (const s of children(stmt, 'specifiers')) {
        const local = nameOf(child(s, 'local'));
        if (local) out.set(local, { kind: 'binding', node: s, statement: stmt, names: 0 });
      }
      continue;
    }
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
    if (!decl) continue;
    const id = nameOf(child(decl, 'id'));
    const kinds: Record<string, Kind> = {
      FunctionDeclaration: 'function',
      ClassDeclaration: 'class',
      TSEnumDeclaration: 'enum',
      TSInterfaceDeclaration: 'type',
      TSTypeAliasDeclaration: 'type',
      TSModuleDeclaration: 'namespace',
    };
    const kind = kinds[decl.type];
    if (id && kind) out.set(id, { kind, node: decl, statement: stmt, names: 1 });
    if (decl.type !== 'VariableDeclaration') continue;
    const declarations = children(decl, 'declarations');
    const names = declarations.flatMap((d) => patternNames(child(d, 'id')));
    for (const d of declarations) {
      const init = child(d, 'init');
      const fn = decl['kind'] === 'const' && (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression');
      for (const n of patternNames(child(d, 'id'))) out.set(n, { kind: fn ? 'function' : 'binding', node: d, statement: stmt, names: names.length });
    }
  }
  return out;
}

/** What a member of a class or an enum is, or why it cannot be renamed. */
function memberKind(owner: Declared, ownerName: string, member: string): { kind: 'method' | 'enum member'; siblings: Set<string> } {
  if (owner.kind === 'enum') {
    const body = child(owner.node, 'body');
    const members = children(body ?? owner.node, 'members');
    const siblings = new Set(members.map((m) => nameOf(child(m, 'id')) ?? ''));
    if (!siblings.has(member)) throw new Error(`enum ${ownerName} has no member '${member}' (it has: ${[...siblings].join(', ')})`);
    return { kind: 'enum member', siblings };
  }
  if (owner.kind !== 'class')
    throw new Error(
      `${ownerName} is a ${owner.kind === 'type' ? 'type' : owner.kind}: only a class's methods and an enum's members can be renamed as '<Name>.<member>' (the fields of plain objects typed by an interface are live data imago cannot migrate)`,
    );
  const members = children(child(owner.node, 'body')!, 'body');
  const siblings = new Set(members.map((m) => nameOf(child(m, 'key')) ?? ''));
  const m = members.find((x) => nameOf(child(x, 'key')) === member);
  if (!m) throw new Error(`class ${ownerName} declares no method '${member}' (rename-field renames fields; a method it inherits is renamed in its base class)`);
  if (m.type === 'PropertyDefinition' || m.type === 'AccessorProperty' || m.type === 'TSAbstractPropertyDefinition')
    throw new Error(`${ownerName}.${member} is a field: rename it with 'imago edit rename-field ${ownerName}.${member} <new>', which migrates the live values`);
  if (m['kind'] === 'constructor') throw new Error('a constructor cannot be renamed');
  return { kind: 'method', siblings };
}

export async function planRename(command: Rename, ctx: PlanContext): Promise<EditPlan> {
  const file = path.resolve(ctx.root, command.module);
  if (!fs.existsSync(file)) throw new Error(`module '${command.module}' not found (looked at ${file})`);
  const rel = path.relative(ctx.root, file);
  const { text } = readSource(file);
  const declared = topLevel(text, file);
  const target = declared.get(command.name);
  if (!target) throw new Error(`${rel} declares no top-level '${command.name}'`);
  if (target.node.type.startsWith('Import')) throw new Error(`'${command.name}' is imported by ${rel}: rename it in the module that declares it`);
  if (target.kind === 'namespace')
    throw new Error(`'${command.name}' of ${rel} is a namespace: renaming namespaces is not supported (rename it in your editor)`);
  const member = command.member === undefined ? null : memberKind(target, command.name, command.member);
  const kind = member?.kind ?? target.kind;
  const label = command.member === undefined ? command.name : `${command.name}.${command.member}`;
  if (!IDENT.test(command.to) || RESERVED.has(command.to)) throw new Error(`'${command.to}' is not a name imago can give a ${kind}`);
  if (member?.siblings.has(command.to)) throw new Error(`${command.name} has a member '${command.to}' already: pick another name`);
  if (!member && declared.has(command.to)) throw new Error(`${rel} has a top-level '${command.to}' already: pick another name`);
  if (!(await ctx.checked(file, command.name))) throw new Error(`${rel} is not part of the program imago type-checks (the entry does not import it)`);
  const found = await ctx.spans(file, command.name, command.member, command.to);
  if (!found.found) throw new Error(found.message);
  if (member?.kind === 'method' && found.members.includes(command.to))
    throw new Error(`${command.name} has a member '${command.to}' already (its own or inherited): pick another name`);
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
  const list = (f: string): Array<{ start: number; end: number; text: string }> => {
    const l = byFile.get(f) ?? [];
    byFile.set(f, l);
    return l;
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
    list(s.file).push({ start: s.start, end: s.end, text: replacement });
  }
  // With no image running, a binding carries its old name for the next resume of an image file (docs/images.md).
  if (!ctx.live && kind === 'binding' && target.names === 1) {
    const before = text.slice(0, target.statement.start);
    const marker = /\/\*\*\s*@renamed\s+[\w$]+\s*\*\/(?=\s*$)/.exec(before);
    if (marker) list(file).push({ start: marker.index, end: marker.index + marker[0].length, text: `/** @renamed ${command.name} */` });
    else list(file).push({ start: target.statement.start, end: target.statement.start, text: `/** @renamed ${command.name} */ ` });
  }
  const texts = new Map<string, { before: string; after: string }>();
  for (const [f, edits] of byFile) {
    const { bom, text: t } = source(f);
    texts.set(f, { before: bom + t, after: bom + apply(t, edits) });
  }
  const files = [...texts.keys()];
  const names: NameRename[] = [];
  if (kind === 'function' || kind === 'class' || kind === 'binding' || kind === 'enum')
    names.push({ file, kind: kind === 'enum' ? 'binding' : kind, from: command.name, to: command.to, files });
  return {
    texts,
    intent: {
      fieldRenames: [],
      ...(kind === 'function' ? { functionRenames: [{ file, from: command.name, to: command.to }] } : {}),
      nameRenames: names,
    },
    classFile: file,
    migration: [liveLine(kind, label, rel, command.to, ctx.live)],
  };
}

function liveLine(kind: Kind | 'method' | 'enum member', label: string, rel: string, to: string, live: boolean): string {
  const later = live ? '' : ' (when the program runs under imago while you rename it)';
  switch (kind) {
    case 'function':
      return `function ${label} of ${rel} renamed to ${to}: references taken before (timers, handlers, exports) reach it under its new name${later}`;
    case 'class':
      return `class ${label} of ${rel} renamed to ${to}: its live instances keep their class, and references taken before reach it under its new name${later}`;
    case 'binding':
      return `${label} of ${rel} renamed to ${to}: its value is kept (the initializer does not run again)${later}`;
    case 'enum':
      return `enum ${label} of ${rel} renamed to ${to}: the enum object and its values are kept${later}`;
    case 'method':
      return `method ${label} renamed to ${to}: instances take it under the new name with the class's next version; nothing else to migrate`;
    case 'enum member':
      return `enum member ${label} renamed to ${to}: values stored are unchanged (a member's value is its initializer, not its name)`;
    default:
      return `type ${label} renamed to ${to}: types have no live part`;
  }
}
