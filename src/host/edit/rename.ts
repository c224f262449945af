// `imago edit rename <module>:<name> <new>` (and `<module>:<Name>.<member> <new>`): a top-level function,
// class, binding, enum, type, or a class's method or an enum's member renamed across the program through
// the type checker. A running image keeps what the name stood for: a function's identity (references
// taken before reach it under its new name), a class's identity (instances keep their class), a
// binding's value (its initializer does not run again): runtime/rename-names.ts and intent.ts.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf, walk } from '../../compile/ast.js';
import { patternNames } from '../../compile/top-level.js';
import type { NameRename } from '../../runtime/intent.js';
import type { EditCommand } from './commands.js';
import { type EditPlan, type PlanContext, projectFiles } from './plan.js';
import { apply, readSource } from './text.js';

type Rename = Extract<EditCommand, { kind: 'rename' }>;

const IDENT = /^[A-Za-z_$][\w$]*$/;
// Words no declaration can be named (JavaScript's reserved words in strict mode code, and what imago keeps).
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package ' +
    'private protected public await arguments eval constructor prototype __proto__ undefined NaN Infinity'
  ).split(' '),
);

type Kind = 'function' | 'class' | 'binding' | 'enum' | 'type' | 'namespace' | 'declared' | 'destructured';

export interface Declared {
  readonly kind: Kind;
  readonly node: AstNode;
  /** The statement (an `export` around it included), where a `@renamed` marker goes. */
  readonly statement: AstNode;
  /** How many names the statement declares (a marker needs exactly one). */
  readonly names: number;
}

/** The top-level declarations of `source` (of `file`, `rel` in messages), by name; throws when it does not parse. */
export function topLevel(source: string, file: string, rel: string): Map<string, Declared> {
  const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
  const parsed = parseSync(`module.${lang}`, source, { sourceType: 'module', lang });
  const error = parsed.errors[0];
  if (error) {
    const at = error.labels[0]?.start ?? 0;
    const line = source.slice(0, at).split('\n').length;
    throw new Error(`${rel} does not parse (line ${line}: ${error.message}): fix it first, then run the edit again`);
  }
  const program = parsed.program as unknown as AstNode;
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
    // `declare const X` is a global at run time; a type merged with a class or function is that value.
    const kind = decl['declare'] === true ? 'declared' : kinds[decl.type];
    if (id && kind && !(kind === 'type' && out.has(id))) out.set(id, { kind, node: decl, statement: stmt, names: 1 });
    if (decl.type !== 'VariableDeclaration') continue;
    const declarations = children(decl, 'declarations');
    const names = declarations.flatMap((d) => patternNames(child(d, 'id')));
    for (const d of declarations) {
      const init = child(d, 'init');
      const constant = decl['kind'] === 'const';
      const fn = constant && (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression');
      const of: Kind =
        decl['declare'] === true
          ? 'declared'
          : child(d, 'id')?.type !== 'Identifier'
            ? 'destructured'
            : fn
              ? 'function'
              : constant && init?.type === 'ClassExpression'
                ? 'class'
                : 'binding';
      for (const n of patternNames(child(d, 'id'))) out.set(n, { kind: of, node: d, statement: stmt, names: names.length });
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
  if (member.startsWith('#'))
    throw new Error(`${ownerName}.${member} is #private: imago edit cannot rename it (only its class sees it: rename it there in your editor)`);
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

/** Classes of the project that extend `className` (by name, through any number of levels), with their members. */
function subclasses(root: string, className: string): Array<{ name: string; file: string; members: Set<string> }> {
  const all: Array<{ name: string; base: string; file: string; members: Set<string> }> = [];
  for (const f of projectFiles(root)) {
    const text = fs.readFileSync(f, 'utf8');
    if (!/\bextends\b/.test(text)) continue;
    const parsed = parseSync(`module.${f.endsWith('.tsx') ? 'tsx' : 'ts'}`, text, { sourceType: 'module', lang: f.endsWith('.tsx') ? 'tsx' : 'ts' });
    walk(parsed.program as unknown as AstNode, (n) => {
      if (n.type !== 'ClassDeclaration' && n.type !== 'ClassExpression') return;
      const base = nameOf(child(n, 'superClass'));
      const name = nameOf(child(n, 'id'));
      if (!base || !name) return;
      const members = new Set(children(child(n, 'body')!, 'body').map((m) => nameOf(child(m, 'key')) ?? ''));
      all.push({ name, base, file: f, members });
    });
  }
  const found: Array<{ name: string; file: string; members: Set<string> }> = [];
  const bases = new Set([className]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of all) {
      if (!bases.has(c.base) || found.includes(c)) continue;
      found.push(c);
      bases.add(c.name);
      grew = true;
    }
  }
  return found;
}

/**
 * Top-level `name` of `module`, with the module's text and declarations; throws what is wrong (no such
 * file, no such name: the names it has; a name it imports: `what` (`rename it in`) the module that declares it).
 */
export function lookUp(
  root: string,
  module: string,
  name: string,
  what: string,
): { file: string; rel: string; text: string; declared: Map<string, Declared>; target: Declared } {
  const file = path.resolve(root, module);
  const rel = path.relative(root, file);
  if (!fs.existsSync(file)) throw new Error(`module ${rel} not found (looked at ${file})`);
  const { text } = readSource(file);
  const declared = topLevel(text, file, rel);
  const target = declared.get(name);
  const own = [...declared].filter(([, d]) => !d.node.type.startsWith('Import')).map(([n]) => n);
  if (!target) throw new Error(`${rel} declares no top-level '${name}' (it declares: ${own.join(', ') || 'nothing'})`);
  if (target.node.type.startsWith('Import')) throw new Error(`'${name}' is imported by ${rel}: ${what} the module that declares it`);
  return { file, rel, text, declared, target };
}

export async function planRename(command: Rename, ctx: PlanContext): Promise<EditPlan> {
  const { file, rel, text, declared, target } = lookUp(ctx.root, command.module, command.name, 'rename it in');
  if (target.kind === 'namespace')
    throw new Error(`'${command.name}' of ${rel} is a namespace: renaming namespaces is not supported (rename it in your editor)`);
  if (target.kind === 'declared')
    throw new Error(`'${command.name}' of ${rel} is declared with 'declare': it is a global the program finds at run time, which a rename cannot change`);
  if (target.kind === 'destructured')
    throw new Error(
      `'${command.name}' of ${rel} is declared in a destructuring (const { ${command.name} } = ...): rename it in your editor, or declare it on its own first`,
    );
  const member = command.member === undefined ? null : memberKind(target, command.name, command.member);
  const kind = member?.kind ?? target.kind;
  const label = command.member === undefined ? command.name : `${command.name}.${command.member}`;
  if (!IDENT.test(command.to) || RESERVED.has(command.to)) throw new Error(`'${command.to}' is not a name imago can give a ${kind}`);
  if (member?.siblings.has(command.to)) throw new Error(`${command.name} has a member '${command.to}' already: pick another name`);
  if (!member && declared.has(command.to)) throw new Error(`${rel} has a top-level '${command.to}' already: pick another name`);
  if (!(await ctx.checked(file, command.name))) throw new Error(`${rel} is not part of the program imago type-checks (the entry does not import it)`);
  const found = await ctx.spans(file, command.name, command.member, command.to);
  const sources = new Map<string, { bom: string; text: string }>();
  const source = (f: string): { bom: string; text: string } => {
    if (!sources.has(f)) sources.set(f, readSource(f));
    return sources.get(f)!;
  };
  if (!found.found) throw new Error(found.message);
  if (member?.kind === 'method') {
    if (found.members.includes(command.to)) throw new Error(`${command.name} has a member '${command.to}' already (its own or inherited): pick another name`);
    const sub = subclasses(ctx.root, command.name).find((c) => c.members.has(command.to));
    if (sub)
      throw new Error(
        `${sub.name} (${path.relative(ctx.root, sub.file)}) extends ${command.name} and has a member '${command.to}': it would take the renamed method's place in its instances; pick another name`,
      );
  }
  // Only the name itself: `import { f as g }` keeps its local name g, `export { f as h }` its exported name h.
  const written = (s: { file: string; start: number; end: number; shape: string }): string => {
    const t = source(s.file).text.slice(s.start, s.end);
    return s.shape === 'string' ? t.slice(1, -1) : t;
  };
  const spans = found.spans.filter((s) => written(s) === (command.member ?? command.name));
  const kept = new Set(spans.map((s) => `${s.file}:${s.start}`));
  const clashes = found.clashes.filter((x) => kept.has(`${x.file}:${x.start}`));
  if (clashes.length > 0) {
    const places = [
      ...new Set(
        clashes.map((x) => {
          const t = source(x.file).text;
          const line = t.slice(0, x.start).split('\n').length;
          return `  ${path.relative(ctx.root, x.file)}:${line}`;
        }),
      ),
    ];
    throw new Error(
      `'${command.to}' already means something where ${command.name} is used (a local, a parameter, an import, a global): the rename would capture it; pick another name:\n${places.join('\n')}`,
    );
  }
  const byFile = new Map<string, Array<{ start: number; end: number; text: string }>>();
  const list = (f: string): Array<{ start: number; end: number; text: string }> => {
    const l = byFile.get(f) ?? [];
    byFile.set(f, l);
    return l;
  };
  for (const s of spans) {
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
  // With no image running, a binding carries its old name for the next resume of an image file (docs/images.md):
  // a marker it has already keeps the name an older image saved it under.
  if (!ctx.live && kind === 'binding' && target.names === 1) {
    const before = text.slice(0, target.statement.start);
    const doc = /\/\*\*([\s\S]*?)\*\/\s*$/.exec(before);
    if (doc && /@renamed\s/.test(doc[1]!)) {
      // Kept as it is.
    } else if (doc) {
      const close = doc.index + doc[0].lastIndexOf('*/');
      const multiline = doc[1]!.includes('\n');
      const indent = multiline ? (/\n([ \t]*)\*\/\s*$/.exec(doc[0])?.[1] ?? '') : '';
      const tag = multiline ? `* @renamed ${command.name}\n${indent}` : `@renamed ${command.name} `;
      list(file).push({ start: close, end: close, text: multiline ? tag : `${doc[1]!.endsWith(' ') ? '' : ' '}${tag}` });
    } else list(file).push({ start: target.statement.start, end: target.statement.start, text: `/** @renamed ${command.name} */ ` });
  }
  const texts = new Map<string, { before: string; after: string }>();
  for (const [f, edits] of byFile) {
    const { bom, text: t } = source(f);
    texts.set(f, { before: bom + t, after: bom + apply(t, edits) });
  }
  const files = [...texts.keys()];
  // Where the old name, as a word, is the renamed thing: its module, and modules importing it under that name
  // (not one importing it as `s`, nor one with a `score` of its own).
  const local = (f: string): boolean => {
    if (f === file) return true;
    try {
      return topLevel(source(f).text, f, f).get(command.name)?.node.type.startsWith('Import') === true;
    } catch {
      return false;
    }
  };
  const names: NameRename[] = [];
  if (kind === 'function' || kind === 'class' || kind === 'binding' || kind === 'enum')
    names.push({ file, kind: kind === 'enum' ? 'binding' : kind, from: command.name, to: command.to, files: files.filter(local) });
  if ((kind === 'method' || kind === 'enum member') && command.member !== undefined)
    names.push({ file, kind: 'member', from: command.member, to: command.to, files, ...(kind === 'enum member' ? { enumName: command.name } : {}) });
  return {
    texts,
    intent: {
      fieldRenames: [],
      ...(kind === 'function' ? { functionRenames: [{ file, from: command.name, to: command.to }] } : {}),
      nameRenames: names,
    },
    classFile: file,
    migration: [ctx.live ? liveLine(kind, label, rel, command.to) : offlineLine(kind, label, rel, command.to, target.names)],
  };
}

/** What renaming means with no image running: for a binding, whether an image file saved before keeps its value. */
function offlineLine(kind: Kind | 'method' | 'enum member', label: string, rel: string, to: string, names: number): string {
  const what = kind === 'binding' || kind === 'enum member' ? '' : `${kind} `;
  const line = `${what}${label} of ${rel} renamed to ${to}`;
  if (kind !== 'binding') return line;
  return names === 1
    ? `${line}; a resume of an image file saved before gives it the value saved as ${label} (the @renamed marker)`
    : `${line}; it shares its statement with other names, so it cannot carry a @renamed marker: an image file saved before will not restore it (split the statement first to keep it)`;
}

function liveLine(kind: Kind | 'method' | 'enum member', label: string, rel: string, to: string): string {
  switch (kind) {
    case 'function':
      return `function ${label} of ${rel} renamed to ${to}: references taken before (timers, handlers, exports) reach it under its new name`;
    case 'class':
      return `class ${label} of ${rel} renamed to ${to}: its live instances keep their class, and references taken before reach it under its new name`;
    case 'binding':
      return `${label} of ${rel} renamed to ${to}: its value is kept (the initializer does not run again)`;
    case 'enum':
      return `enum ${label} of ${rel} renamed to ${to}: the enum object and its values are kept`;
    case 'method':
      return `method ${label} renamed to ${to}: instances take it under the new name with the class's next version; nothing else to migrate`;
    case 'enum member':
      return `enum member ${label} renamed to ${to}: values stored are unchanged (a member's value is its initializer, not its name)`;
    default:
      return `type ${label} renamed to ${to}: types have no live part`;
  }
}
