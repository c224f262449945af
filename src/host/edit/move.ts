// `imago edit move <module>:<name> <other module>`: a top-level function or class moved to another file
// (created if it does not exist), imports fixed everywhere. The declaration goes with its leading
// comments to the end of the other file, which imports what it used from the old one (the old one
// exports those names if it did not); every import of it from the old module imports it from the new
// one; the old module imports it back if it still uses it, and re-exports it if something reaches it
// through the old module's namespace. A running image keeps the identity: runtime/move-names.ts.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf, walk } from '../../compile/ast.js';
import type { EditCommand } from './commands.js';
import { type EditPlan, type PlanContext, projectFiles } from './plan.js';
import { type Declared, topLevel } from './rename.js';
import { apply, readSource } from './text.js';

type Move = Extract<EditCommand, { kind: 'move' }>;
type Edit = { start: number; end: number; text: string };

const parse = (file: string, text: string): AstNode => {
  const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
  return parseSync(`module.${lang}`, text, { sourceType: 'module', lang }).program as unknown as AstNode;
};

/** The absolute file a relative specifier of `from` names, if it is one of the project's TypeScript files. */
function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(?:m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')];
  return candidates.find((c) => /\.(?:m|c)?tsx?$/.test(c) && fs.existsSync(c)) ?? null;
}

/** A specifier for `target` as seen from `from`, in the style of `like` (`.js`, `.ts`, or no extension). */
function specifierFor(from: string, target: string, like: string | null): string {
  let rel = path.relative(path.dirname(from), target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const stem = rel.replace(/\.(?:m|c)?tsx?$/, '');
  const ext = path.extname(target);
  if (like === null || /\.(?:m|c)?js$/.test(like)) return `${stem}${ext === '.mts' ? '.mjs' : ext === '.cts' ? '.cjs' : '.js'}`;
  if (/\.(?:m|c)?tsx?$/.test(like)) return `${stem}${ext}`;
  return stem;
}

/** The range of a statement with its leading comment lines, through the end of its last line. */
function statementRange(text: string, stmt: AstNode, comments: ReadonlyArray<{ start: number; end: number }>): { start: number; end: number } {
  const blank = (a: number, b: number): boolean => text.slice(a, b).trim() === '';
  let start = stmt.start;
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.end > start) continue;
    if (!blank(c.end, start) || text.slice(c.end, start).split('\n').length > 2) break;
    start = c.start;
  }
  start = text.lastIndexOf('\n', start - 1) + 1;
  const eol = text.indexOf('\n', stmt.end);
  return { start, end: eol < 0 ? text.length : eol + 1 };
}

interface ImportUse {
  readonly statement: AstNode;
  readonly specifier: AstNode;
  readonly source: string;
  readonly typeOnly: boolean;
}

/** The import of local `name` in `program`, if it imports it. */
function importOf(program: AstNode, name: string): ImportUse | null {
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ImportDeclaration') continue;
    for (const s of children(stmt, 'specifiers')) {
      if (nameOf(child(s, 'local')) !== name) continue;
      const typeOnly = stmt['importKind'] === 'type' || s['importKind'] === 'type';
      return { statement: stmt, specifier: s, source: String(child(stmt, 'source')?.['value']), typeOnly };
    }
  }
  return null;
}

/** `import ... from` text for one specifier of another import, pointed at `spec`. */
function importText(text: string, use: ImportUse, spec: string, quote: string, semi: string): string {
  const s = use.specifier;
  const local = nameOf(child(s, 'local'))!;
  const typed = use.typeOnly ? 'type ' : '';
  if (s.type === 'ImportDefaultSpecifier') return `import ${typed}${local} from ${quote}${spec}${quote}${semi}`;
  if (s.type === 'ImportNamespaceSpecifier') return `import ${typed}* as ${local} from ${quote}${spec}${quote}${semi}`;
  const written = text.slice(s.start, s.end).replace(/^type\s+/, '');
  return `import ${typed}{ ${written} } from ${quote}${spec}${quote}${semi}`;
}

/** Edits removing specifier `s` from its import (or export) list, or the whole statement when it is the only one. */
function removeSpecifier(text: string, stmt: AstNode, s: AstNode, list: readonly AstNode[]): Edit {
  if (list.length === 1) {
    const eol = text.indexOf('\n', stmt.end);
    return { start: stmt.start, end: eol < 0 ? stmt.end : eol + 1, text: '' };
  }
  const i = list.indexOf(s);
  // With the comma after it (or, for the last one, the comma before it).
  return i < list.length - 1 ? { start: s.start, end: list[i + 1]!.start, text: '' } : { start: list[i - 1]!.end, end: s.end, text: '' };
}

/** The names (of `names`) the code of `node` refers to, property keys and member names left out. */
function referenced(node: AstNode, names: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  walk(node, (n, parent) => {
    if (n.type !== 'Identifier' && n.type !== 'JSXIdentifier') return;
    const name = nameOf(n) ?? String(n['name']);
    if (!names.has(name) || !parent) return;
    if ((parent.type === 'MemberExpression' || parent.type === 'JSXMemberExpression') && child(parent, 'property') === n && !parent['computed']) return;
    if (
      ['Property', 'PropertyDefinition', 'MethodDefinition', 'TSPropertySignature', 'TSMethodSignature', 'AccessorProperty'].includes(parent.type) &&
      child(parent, 'key') === n &&
      !parent['computed'] &&
      !parent['shorthand']
    )
      return;
    if (parent.type === 'TSQualifiedName' && child(parent, 'right') === n) return;
    out.add(name);
  });
  return out;
}

/** True when `text` (outside `skip`) still names `name` as code. */
function stillUses(program: AstNode, name: string, skip: AstNode): boolean {
  for (const stmt of children(program, 'body')) {
    // An import, or a re-export from another module (`export { x } from './y.js'`), is no use of a local name.
    if (stmt.start === skip.start || stmt.type === 'ImportDeclaration' || child(stmt, 'source')) continue;
    if (referenced(stmt, new Set([name])).size > 0) return true;
  }
  return false;
}

export async function planMove(command: Move, ctx: PlanContext): Promise<EditPlan> {
  const fileA = path.resolve(ctx.root, command.module);
  const fileB = path.resolve(ctx.root, command.to);
  if (!fs.existsSync(fileA)) throw new Error(`module '${command.module}' not found (looked at ${fileA})`);
  const relA = path.relative(ctx.root, fileA);
  const relB = path.relative(ctx.root, fileB);
  if (fs.existsSync(fileB) && fs.realpathSync(fileB) === fs.realpathSync(fileA)) throw new Error(`${relA} is where ${command.name} is already`);
  if (!/\.(?:m|c)?tsx?$/.test(fileB) || fileB.endsWith('.d.ts')) throw new Error(`'${command.to}' is not a TypeScript module (.ts, .tsx, .mts, .cts)`);
  if (!fs.existsSync(path.dirname(fileB))) throw new Error(`the folder of ${relB} does not exist: create it first`);
  const created = !fs.existsSync(fileB);
  const a = readSource(fileA);
  const b = created ? { bom: '', text: '' } : readSource(fileB);
  const lang = fileA.endsWith('.tsx') ? 'tsx' : 'ts';
  const parsedA = parseSync(`module.${lang}`, a.text, { sourceType: 'module', lang });
  const programA = parsedA.program as unknown as AstNode;
  const declaredA = topLevel(a.text, fileA, relA);
  const target = declaredA.get(command.name);
  if (!target) throw new Error(`${relA} declares no top-level '${command.name}'`);
  if (target.node.type.startsWith('Import')) throw new Error(`'${command.name}' is imported by ${relA}: move it from the module that declares it`);
  if (target.kind !== 'function' && target.kind !== 'class')
    throw new Error(`'${command.name}' of ${relA} is a ${target.kind}: move moves top-level functions and classes (a binding's value lives in its module)`);
  if (target.statement.type === 'ExportDefaultDeclaration') throw new Error(`${command.name} is ${relA}'s default export: make it a named export first`);
  if (target.names !== 1) throw new Error(`${command.name} is declared together with other names in one statement: split the statement first`);
  const declaredB = created ? new Map<string, Declared>() : topLevel(b.text, fileB, relB);
  if (declaredB.has(command.name) && !declaredB.get(command.name)!.node.type.startsWith('Import'))
    throw new Error(`${relB} has a top-level '${command.name}' already: rename one first`);
  if (!(await ctx.checked(fileA, command.name))) throw new Error(`${relA} is not part of the program imago type-checks (the entry does not import it)`);

  const editsA: Edit[] = [];
  const editsB: Edit[] = [];
  const others = new Map<string, Edit[]>();
  const quoteOf = (text: string): string => (/^import[^\n]*from\s+"/m.test(text) ? '"' : "'");
  const semiOf = (text: string): string => (/^import[^\n]*from\s+['"][^'"]+['"]\s*$/m.test(text) ? '' : ';');
  const quote = quoteOf(created ? a.text : b.text);
  const semi = semiOf(created ? a.text : b.text);
  const styleA =
    [...children(programA, 'body')].map((s) => (s.type === 'ImportDeclaration' ? String(child(s, 'source')?.['value']) : '')).find((s) => s.startsWith('.')) ??
    null;

  // What the declaration uses of its module: the module's own names (exported to it) and its imports (copied).
  const own = [...declaredA.keys()].filter((n) => n !== command.name);
  const uses = referenced(target.statement, new Set(own));
  const importsB: string[] = [];
  const fromA: Array<{ name: string; typeOnly: boolean }> = [];
  const exportedA = new Set<string>();
  for (const stmt of children(programA, 'body')) {
    if (stmt.type === 'ExportNamedDeclaration' && !child(stmt, 'source')) {
      const decl = child(stmt, 'declaration');
      if (decl) for (const [n, d] of declaredA) if (d.statement.start === stmt.start) exportedA.add(n);
      for (const s of children(stmt, 'specifiers')) exportedA.add(nameOf(child(s, 'local')) ?? '');
    }
  }
  for (const name of uses) {
    const d = declaredA.get(name)!;
    const inB = declaredB.get(name);
    if (d.node.type.startsWith('Import')) {
      const use = importOf(programA, name)!;
      const resolved = resolveSpecifier(fileA, use.source);
      if (resolved === fileB) continue;
      if (inB) {
        const theirs = inB.node.type.startsWith('Import') ? importOf(parse(fileB, b.text), name) : null;
        const same = theirs && (resolveSpecifier(fileB, theirs.source) ?? theirs.source) === (resolved ?? use.source);
        if (same) continue;
        throw new Error(`${command.name} uses '${name}' of ${relA}, and ${relB} has another '${name}': rename one first`);
      }
      const spec = resolved ? specifierFor(fileB, resolved, use.source) : use.source;
      importsB.push(importText(a.text, use, spec, quote, semi));
      // An import only the declaration used leaves the old module.
      if (!stillUses(programA, name, target.statement))
        editsA.push(removeSpecifier(a.text, use.statement, use.specifier, children(use.statement, 'specifiers')));
      continue;
    }
    if (inB) throw new Error(`${command.name} uses '${name}' of ${relA}, and ${relB} has another '${name}': rename one first`);
    fromA.push({ name, typeOnly: d.kind === 'type' });
    if (!exportedA.has(name)) editsA.push({ start: d.statement.start, end: d.statement.start, text: 'export ' });
  }
  if (fromA.length > 0) {
    const values = fromA.filter((x) => !x.typeOnly).map((x) => x.name);
    const types = fromA.filter((x) => x.typeOnly).map((x) => x.name);
    const spec = specifierFor(fileB, fileA, styleA);
    if (values.length > 0) importsB.push(`import { ${values.join(', ')} } from ${quote}${spec}${quote}${semi}`);
    if (types.length > 0) importsB.push(`import type { ${types.join(', ')} } from ${quote}${spec}${quote}${semi}`);
  }

  // The declaration leaves its module, exported from the new one.
  const range = statementRange(a.text, target.statement, parsedA.comments);
  let moved = a.text.slice(range.start, range.end);
  if (target.statement.type !== 'ExportNamedDeclaration') {
    const at = target.statement.start - range.start;
    moved = `${moved.slice(0, at)}export ${moved.slice(at)}`;
  }
  if (!moved.endsWith('\n')) moved += '\n';
  // A blank line on each side of it: one of them goes too.
  const blankAround = a.text.slice(0, range.start).endsWith('\n\n') && a.text.startsWith('\n', range.end);
  editsA.push({ start: range.start, end: range.end + (blankAround ? 1 : 0), text: '' });

  // The old module: imports it back if it still uses it; re-exports it if something reaches it through the module.
  let reexport = false;
  const importers: string[] = [];
  for (const f of projectFiles(ctx.root)) {
    if (f === fileA) continue;
    const src = f === fileB ? b : readSource(f);
    if (!src.text.includes(command.name) && !src.text.includes('*')) continue;
    const program = parse(f, src.text);
    const edits: Edit[] = f === fileB ? editsB : (others.get(f) ?? []);
    for (const stmt of children(program, 'body')) {
      const source = child(stmt, 'source');
      if (!source || resolveSpecifier(f, String(source['value'])) !== fileA) continue;
      if (stmt.type === 'ExportAllDeclaration') {
        reexport = true;
        continue;
      }
      const list = children(stmt, 'specifiers');
      if (list.some((s) => s.type === 'ImportNamespaceSpecifier')) reexport = true;
      const hits = list.filter((s) => nameOf(child(s, stmt.type === 'ImportDeclaration' ? 'imported' : 'local')) === command.name);
      for (const s of hits) {
        importers.push(path.relative(ctx.root, f));
        if (f === fileB) {
          // The new module declares (and exports) it now.
          edits.push(removeSpecifier(src.text, stmt, s, list));
          continue;
        }
        const spec = specifierFor(f, fileB, String(source['value']));
        const q = src.text[source.start] ?? "'";
        if (list.length === 1) edits.push({ start: source.start, end: source.end, text: `${q}${spec}${q}` });
        else {
          edits.push(removeSpecifier(src.text, stmt, s, list));
          const keyword = stmt.type === 'ImportDeclaration' ? 'import' : 'export';
          const typed = stmt['importKind'] === 'type' || stmt['exportKind'] === 'type' ? 'type ' : '';
          const eol = src.text.indexOf('\n', stmt.end);
          const line = `${keyword} ${typed}{ ${src.text.slice(s.start, s.end)} } from ${q}${spec}${q}${src.text[stmt.end - 1] === ';' ? ';' : ''}\n`;
          edits.push({ start: eol < 0 ? src.text.length : eol + 1, end: eol < 0 ? src.text.length : eol + 1, text: eol < 0 ? `\n${line}` : line });
        }
      }
    }
    if (f !== fileB && /\bimport\(/.test(src.text) && src.text.includes(path.basename(fileA).replace(/\.(?:m|c)?tsx?$/, ''))) reexport = true;
    if (f !== fileB && edits.length > 0) others.set(f, edits);
  }
  const specAB = specifierFor(fileA, fileB, styleA);
  const qa = quoteOf(a.text);
  const sa = semiOf(a.text);
  const back: string[] = [];
  if (stillUses(programA, command.name, target.statement)) back.push(`import { ${command.name} } from ${qa}${specAB}${qa}${sa}`);
  if (reexport) back.push(`export { ${command.name} } from ${qa}${specAB}${qa}${sa}`);
  if (back.length > 0) {
    const lastImport = [...children(programA, 'body')].filter((s) => s.type === 'ImportDeclaration').at(-1);
    const at = lastImport ? a.text.indexOf('\n', lastImport.end) + 1 || a.text.length : 0;
    editsA.push({ start: at, end: at, text: `${back.join('\n')}\n` });
  }

  // The new module: its imports after its last import, the declaration at its end.
  const imports = importsB.length > 0 ? `${importsB.join('\n')}\n` : '';
  let afterB: string;
  if (b.text.trim() === '') afterB = `${imports}${imports ? '\n' : ''}${moved}`;
  else {
    const programB = parse(fileB, b.text);
    const lastB = [...children(programB, 'body')].filter((s) => s.type === 'ImportDeclaration').at(-1);
    if (imports) {
      const at = lastB ? b.text.indexOf('\n', lastB.end) + 1 || b.text.length : 0;
      editsB.push({ start: at, end: at, text: `${imports}${lastB ? '' : '\n'}` });
    }
    const gap = b.text.endsWith('\n\n') ? '' : b.text.endsWith('\n') ? '\n' : '\n\n';
    editsB.push({ start: b.text.length, end: b.text.length, text: `${gap}${moved}` });
    afterB = apply(b.text, editsB);
  }

  const texts = new Map<string, { before: string; after: string }>();
  texts.set(fileA, { before: a.bom + a.text, after: a.bom + apply(a.text, editsA) });
  texts.set(fileB, { before: b.bom + b.text, after: b.bom + afterB });
  for (const [f, edits] of others) {
    const src = readSource(f);
    texts.set(f, { before: src.bom + src.text, after: src.bom + apply(src.text, edits) });
  }
  const what = target.kind === 'function' ? `function ${command.name}` : `class ${command.name}`;
  const live =
    target.kind === 'function'
      ? 'references taken before (timers, handlers, saved values) are the function imported from its new module'
      : 'its live instances keep their class';
  return {
    texts,
    created: created ? [fileB] : [],
    intent: { fieldRenames: [], moves: [{ from: fileA, to: fileB, name: command.name, kind: target.kind }] },
    classFile: fileA,
    migration: [
      `${what} moved from ${relA} to ${relB}${created ? ' (a new file)' : ''}${ctx.live ? `: ${live}` : ''}`,
      ...(fromA.length > 0
        ? [`${relB} imports ${fromA.map((x) => x.name).join(', ')} from ${relA}${back.length > 0 ? ', which imports it back: a cycle' : ''}`]
        : []),
    ],
  };
}
