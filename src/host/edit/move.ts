// `imago edit move <module>:<name> <other module>`: a top-level function or class moved to another file
// (created if it does not exist), imports fixed everywhere. The declaration goes with its leading
// comments (and its overload signatures) to the end of the other file, which imports what it used from
// the old one (the old one exports those names if it did not); every import of it from the old module
// imports it from the new one; the old module imports it back if it still uses it, re-exports it if
// something reaches it through the old module's namespace, and drops imports only the declaration used.
// What the declaration uses is asked of the type checker, so a local that shadows a name is no use of it.
// A running image keeps the identity: runtime/move-names.ts.

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf, walk } from '../../compile/ast.js';
import type { EditCommand } from './commands.js';
import { type Edit, FileImports, importTail, insertAfterImports, relativeSpec, resolveSpecifier, specifierFor, withoutSpecifier } from './imports.js';
import { type EditPlan, type PlanContext, projectFiles } from './plan.js';
import { type Declared, lookUp, topLevel } from './rename.js';
import { apply, readSource } from './text.js';

type Move = Extract<EditCommand, { kind: 'move' }>;

const parse = (file: string, text: string): { program: AstNode; comments: ReadonlyArray<{ start: number; end: number }> } => {
  const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
  const parsed = parseSync(`module.${lang}`, text, { sourceType: 'module', lang });
  return { program: parsed.program as unknown as AstNode, comments: parsed.comments };
};

/** The statements declaring `name` at the top level (an overloaded function has several), in order. */
function declarations(program: AstNode, name: string): AstNode[] {
  return children(program, 'body').filter((stmt) => {
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
    if (!decl) return false;
    if (decl.type === 'VariableDeclaration') return children(decl, 'declarations').some((d) => nameOf(child(d, 'id')) === name);
    return nameOf(child(decl, 'id')) === name;
  });
}

/** The range of statements `first`..`last` with the comment lines just above, through the end of the last line. */
function statementRange(text: string, first: AstNode, last: AstNode, comments: ReadonlyArray<{ start: number; end: number }>): { start: number; end: number } {
  const blank = (a: number, b: number): boolean => text.slice(a, b).trim() === '';
  // A comment on a line of its own (not one ending the statement before).
  const ownLine = (at: number): boolean => blank(text.lastIndexOf('\n', at - 1) + 1, at);
  let start = first.start;
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.end > start) continue;
    if (!blank(c.end, start) || text.slice(c.end, start).split('\n').length > 2 || !ownLine(c.start)) break;
    start = c.start;
  }
  start = text.lastIndexOf('\n', start - 1) + 1;
  const eol = text.indexOf('\n', last.end);
  return { start, end: eol < 0 ? text.length : eol + 1 };
}

/** Names of `names` written in `node` as code (property keys and member names left out): the candidates to ask the checker about. */
function mentioned(node: AstNode, names: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  walk(node, (n, parent) => {
    if (n.type !== 'Identifier' && n.type !== 'JSXIdentifier') return;
    const name = nameOf(n) ?? String(n['name']);
    if (!names.has(name)) return;
    if (parent && (parent.type === 'MemberExpression' || parent.type === 'JSXMemberExpression') && child(parent, 'property') === n && !parent['computed'])
      return;
    out.add(name);
  });
  return out;
}

export async function planMove(command: Move, ctx: PlanContext): Promise<EditPlan> {
  const fileA = path.resolve(ctx.root, command.module);
  const fileB = path.resolve(ctx.root, command.to);
  const relA = path.relative(ctx.root, fileA);
  const relB = path.relative(ctx.root, fileB);
  if (!fs.existsSync(fileA)) throw new Error(`module ${relA} not found (looked at ${fileA})`);
  if (fs.existsSync(fileB) && fs.realpathSync(fileB) === fs.realpathSync(fileA)) throw new Error(`${relA} is where ${command.name} is already`);
  if (!/\.(?:m|c)?tsx?$/.test(fileB) || fileB.endsWith('.d.ts')) throw new Error(`'${relB}' is not a TypeScript module (.ts, .tsx, .mts, .cts)`);
  if (!fs.existsSync(path.dirname(fileB))) throw new Error(`the folder of ${relB} does not exist: create it first`);
  const created = !fs.existsSync(fileB);
  const a = readSource(fileA);
  const b = created ? { bom: '', text: '' } : readSource(fileB);
  const { declared: declaredA, target } = lookUp(ctx.root, fileA, command.name, 'move it from');
  if (target.kind !== 'function' && target.kind !== 'class')
    throw new Error(`'${command.name}' of ${relA} is a ${target.kind}: move moves top-level functions and classes (a binding's value lives in its module)`);
  if (target.statement.type === 'ExportDefaultDeclaration') throw new Error(`${command.name} is ${relA}'s default export: make it a named export first`);
  if (target.names !== 1) throw new Error(`${command.name} is declared together with other names in one statement: split the statement first`);
  const declaredB = created ? new Map<string, Declared>() : topLevel(b.text, fileB, relB);
  const inB = declaredB.get(command.name);
  if (inB && !inB.node.type.startsWith('Import')) throw new Error(`${relB} has a top-level '${command.name}' already: rename one first`);
  if (inB && nameOf(child(inB.node, 'imported')) !== command.name) throw new Error(`${relB} imports something else as '${command.name}': rename one first`);
  for (const [local, d] of declaredB) {
    const spec = d.node.type === 'ImportSpecifier' ? String(child(d.statement, 'source')?.['value']) : null;
    if (spec && nameOf(child(d.node, 'imported')) === command.name && local !== command.name && resolveSpecifier(fileB, spec) === fileA)
      throw new Error(`${relB} imports ${command.name} as ${local}: call it ${command.name} there first (imago edit rename cannot rename an alias)`);
  }
  if (!(await ctx.checked(fileA, command.name))) throw new Error(`${relA} is not part of the program imago type-checks (the entry does not import it)`);

  const pa = parse(fileA, a.text);
  const statements = declarations(pa.program, command.name);
  const first = statements[0]!;
  const last = statements.at(-1)!;
  const body = children(pa.program, 'body');
  if (body.indexOf(last) - body.indexOf(first) !== statements.length - 1)
    throw new Error(`${command.name}'s overloads are not together in ${relA}: put its declarations one after another first`);
  const range = statementRange(a.text, first, last, pa.comments);
  const inside = (s: { file: string; start: number }): boolean => s.file === fileA && s.start >= range.start && s.start < range.end;
  const importRanges = body.filter((s) => s.type === 'ImportDeclaration' || child(s, 'source')).map((s) => [s.start, s.end] as const);
  const inImport = (s: { file: string; start: number }): boolean => s.file === fileA && importRanges.some(([x, y]) => s.start >= x && s.start < y);

  // What the declaration uses of its module, and whether the module still uses each (and the moved name) after: the checker's references.
  const own = new Set([...declaredA.keys()].filter((n) => n !== command.name));
  const uses: string[] = [];
  const leftUsing = new Set<string>();
  const candidates = new Set(statements.flatMap((s) => [...mentioned(s, own)]));
  for (const name of candidates) {
    const found = await ctx.spans(fileA, name, undefined);
    if (!found.found || !found.spans.some(inside)) continue;
    uses.push(name);
    if (found.spans.some((s) => s.file === fileA && !inside(s) && !inImport(s))) leftUsing.add(name);
  }
  // In the order the old module has them (its imports first, as written): a move and a move back give the text back.
  uses.sort((x, y) => declaredA.get(x)!.node.start - declaredA.get(y)!.node.start);
  const self = await ctx.spans(fileA, command.name, undefined);
  const stillUsed = self.spans.some((s) => s.file === fileA && !inside(s) && !inImport(s));

  const importsA = new FileImports(fileA, a.text, pa.program);
  const pb = created ? null : parse(fileB, b.text);
  const importsB = pb ? new FileImports(fileB, b.text, pb.program) : null;
  const others = new Map<string, FileImports>();
  const projectStyle = (): string | null => {
    for (const f of projectFiles(ctx.root)) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/from\s+['"](\.{1,2}\/[^'"]*)['"]/g)) if (resolveSpecifier(f, m[1]!)) return m[1]!;
    }
    return null;
  };
  const style = importsA.style() ?? importsB?.style() ?? projectStyle();
  const addToB: Array<Parameters<FileImports['add']>[0]> = [];
  const editsA: Edit[] = [];
  const fromA: string[] = [];
  const exportedA = new Set<string>();
  for (const stmt of body) {
    if (stmt.type !== 'ExportNamedDeclaration' || child(stmt, 'source')) continue;
    if (child(stmt, 'declaration')) for (const [n, d] of declaredA) if (d.statement.start === stmt.start) exportedA.add(n);
    // `export { h as hh }` exports no `h`.
    for (const s of children(stmt, 'specifiers'))
      if (nameOf(child(s, 'local')) === nameOf(child(s, 'exported'))) exportedA.add(nameOf(child(s, 'local')) ?? '');
  }
  const sameImport = (name: string, source: string | null, imported: string | null): boolean => {
    const theirs = declaredB.get(name);
    if (!theirs?.node.type.startsWith('Import')) return false;
    const spec = String(child(theirs.statement, 'source')?.['value']);
    const where = resolveSpecifier(fileB, spec) ?? spec;
    return where === source && (nameOf(child(theirs.node, 'imported')) ?? (theirs.node.type === 'ImportDefaultSpecifier' ? 'default' : '*')) === imported;
  };
  for (const name of uses) {
    const d = declaredA.get(name)!;
    const importedHere = d.node.type.startsWith('Import');
    if (importedHere) {
      const stmt = d.statement;
      const spec = String(child(stmt, 'source')?.['value']);
      const resolved = resolveSpecifier(fileA, spec);
      const imported =
        d.node.type === 'ImportSpecifier' ? (nameOf(child(d.node, 'imported')) ?? name) : d.node.type === 'ImportDefaultSpecifier' ? 'default' : '*';
      if (!leftUsing.has(name)) importsA.remove(stmt, d.node);
      if (resolved === fileB) {
        // Imported from the new module itself: there it must be the same name.
        if (imported !== name)
          throw new Error(
            `${command.name} uses '${name}', which ${relA} imports from ${relB} as ${imported}: in ${relB} the name is ${imported}; call it ${imported} in ${relA} first`,
          );
        continue;
      }
      if (sameImport(name, resolved ?? spec, imported)) continue;
      if (declaredB.has(name)) throw new Error(`${command.name} uses '${name}' of ${relA}, and ${relB} has another '${name}': rename one first`);
      const typeOnly = stmt['importKind'] === 'type' || d.node['importKind'] === 'type';
      const text = a.text.slice(d.node.start, d.node.end).replace(/^type\s+/, '');
      const form = d.node.type === 'ImportDefaultSpecifier' ? 'default' : d.node.type === 'ImportNamespaceSpecifier' ? 'namespace' : undefined;
      // A relative file that is no TypeScript module (`./cfg.json`) keeps its name, seen from the new place.
      const other = !resolved && spec.startsWith('.') ? relativeSpec(fileB, path.resolve(path.dirname(fileA), spec)) : null;
      const tail = importTail(a.text, stmt);
      addToB.push({
        text,
        target: resolved,
        spec: resolved ? specifierFor(fileB, resolved, spec) : (other ?? spec),
        typeOnly,
        ...(form ? { form } : {}),
        ...(tail ? { tail } : {}),
      });
      continue;
    }
    if (sameImport(name, fileA, name)) continue;
    if (declaredB.has(name)) throw new Error(`${command.name} uses '${name}' of ${relA}, and ${relB} has another '${name}': rename one first`);
    fromA.push(name);
    const isDefault = d.statement.type === 'ExportDefaultDeclaration';
    addToB.push({
      text: name,
      target: fileA,
      spec: specifierFor(fileB, fileA, style),
      typeOnly: d.kind === 'type',
      ...(isDefault ? { form: 'default' as const } : {}),
    });
    // Exported for the new module (every overload of a function).
    if (!exportedA.has(name) && !isDefault)
      for (const s of declarations(pa.program, name)) if (s.type !== 'ExportNamedDeclaration') editsA.push({ start: s.start, end: s.start, text: 'export ' });
  }

  // The declaration leaves its module, exported from the new one.
  let moved = a.text.slice(range.start, range.end);
  for (const s of [...statements].reverse()) {
    if (s.type === 'ExportNamedDeclaration') continue;
    const at = s.start - range.start;
    moved = `${moved.slice(0, at)}export ${moved.slice(at)}`;
  }
  // Line ends as each file has them.
  const eolA = a.text.includes('\r\n') ? '\r\n' : '\n';
  const eolB = b.text === '' ? eolA : b.text.includes('\r\n') ? '\r\n' : '\n';
  if (!moved.endsWith('\n')) moved += eolA;
  moved = moved.replace(/\r?\n/g, eolB);
  // A blank line on each side of it (or before it, at the end of the file): one of them goes too.
  const before = a.text.slice(0, range.start);
  const atEnd = a.text.slice(range.end).trim() === '';
  const blankAround = before.endsWith(eolA + eolA) && (a.text.startsWith(eolA, range.end) || atEnd);
  editsA.push({ start: range.start - (blankAround && atEnd ? eolA.length : 0), end: range.end + (blankAround && !atEnd ? eolA.length : 0), text: '' });

  // What a class reads as it is defined (its base, static initializers and blocks, decorators, computed
  // keys): with the old module importing it back, the cycle runs the new module first, before those exist.
  const definedWith = new Set<string>();
  const cls = target.node.type === 'VariableDeclarator' ? child(target.node, 'init') : target.node;
  if (target.kind === 'class' && cls) {
    const parts = [child(cls, 'superClass'), ...children(cls, 'decorators')];
    for (const m of children(child(cls, 'body')!, 'body')) {
      if (m['computed']) parts.push(child(m, 'key'));
      parts.push(...children(m, 'decorators'));
      if (m.type === 'StaticBlock' || (m['static'] === true && m.type !== 'MethodDefinition')) parts.push(m.type === 'StaticBlock' ? m : child(m, 'value'));
    }
    for (const part of parts) if (part) for (const n of mentioned(part, new Set(fromA))) definedWith.add(n);
  }

  // Every import of it from the old module imports it from the new one; the old module's namespace re-exports it.
  let reexport = false;
  const dropFromB: Edit[] = [];
  const otherEdits = new Map<string, Edit[]>();
  for (const f of projectFiles(ctx.root)) {
    if (f === fileA) continue;
    const src = f === fileB ? b : readSource(f);
    if (!src.text.includes(command.name) && !src.text.includes('*') && !src.text.includes('import(')) continue;
    const program = f === fileB && pb ? pb.program : parse(f, src.text).program;
    const imports = f === fileB ? importsB : (others.get(f) ?? new FileImports(f, src.text, program));
    for (const stmt of children(program, 'body')) {
      const source = child(stmt, 'source');
      if (!source || resolveSpecifier(f, String(source['value'])) !== fileA) continue;
      if (stmt.type === 'ExportAllDeclaration') {
        reexport = true;
        continue;
      }
      const list = children(stmt, 'specifiers');
      if (list.some((s) => s.type === 'ImportNamespaceSpecifier')) reexport = true;
      const field = stmt.type === 'ImportDeclaration' ? 'imported' : 'local';
      for (const s of list.filter((x) => nameOf(child(x, field)) === command.name)) {
        if (stmt.type !== 'ImportDeclaration') {
          // `export { f } from './a.js'`: the new module declares it now; elsewhere, the old module re-exports it.
          if (f === fileB) dropFromB.push(withoutSpecifier(b.text, stmt, s));
          else {
            const to = specifierFor(f, fileB, String(source['value']));
            const q = src.text[source.start] ?? "'";
            const edits = otherEdits.get(f) ?? [];
            if (list.length === 1) edits.push({ start: source.start, end: source.end, text: `${q}${to}${q}` });
            else {
              edits.push(withoutSpecifier(src.text, stmt, s));
              const eol = src.text.indexOf('\n', stmt.end);
              const at = eol < 0 ? src.text.length : eol + 1;
              const nl = src.text.includes('\r\n') ? '\r\n' : '\n';
              edits.push({
                start: at,
                end: at,
                text: `${eol < 0 ? nl : ''}export { ${src.text.slice(s.start, s.end)} } from ${q}${to}${q}${src.text[stmt.end - 1] === ';' ? ';' : ''}${nl}`,
              });
            }
            otherEdits.set(f, edits);
          }
          continue;
        }
        if (f !== fileB && list.length === 1 && !imports!.importsFrom(fileB)) {
          // Its own import statement: only the module it names changes, where it is.
          const q = src.text[source.start] ?? "'";
          const edits = otherEdits.get(f) ?? [];
          edits.push({ start: source.start, end: source.end, text: `${q}${specifierFor(f, fileB, String(source['value']))}${q}` });
          otherEdits.set(f, edits);
          continue;
        }
        imports!.remove(stmt, s);
        if (f === fileB) continue;
        const typeOnly = stmt['importKind'] === 'type' || s['importKind'] === 'type';
        imports!.add({
          text: src.text.slice(s.start, s.end).replace(/^type\s+/, ''),
          target: fileB,
          spec: specifierFor(f, fileB, String(source['value'])),
          typeOnly,
        });
      }
    }
    if (f !== fileB && /\bimport\(/.test(src.text) && src.text.includes(path.basename(fileA).replace(/\.(?:m|c)?tsx?$/, ''))) reexport = true;
    if (f !== fileB && imports) others.set(f, imports);
  }
  const specAB = specifierFor(fileA, fileB, style);
  if (stillUsed) importsA.add({ text: command.name, target: fileB, spec: specAB, typeOnly: false });
  const back = stillUsed || reexport;
  if (back && definedWith.size > 0) {
    const names = [...definedWith].join(', ');
    throw new Error(
      `${command.name} reads ${names} of ${relA} as it is defined, and ${relA} ${stillUsed ? 'uses' : 're-exports'} ${command.name}: the two modules would import each other, and when the program starts ${command.name} would be defined before ${names}; move ${names} first, or together`,
    );
  }
  const reexportLine = reexport ? `export { ${command.name} } from ${importsA.quote()}${specAB}${importsA.quote()}${importsA.semi()}${eolA}` : '';
  const afterA = apply(a.text, [...editsA, ...importsA.edits()]);
  const withReexport = reexportLine ? insertAfterImports(afterA, fileA, reexportLine) : afterA;

  // The new module: its imports (merged into those it has), the declaration at its end.
  let afterB: string;
  if (!importsB) {
    const fresh = new FileImports(fileB, '', parse(fileB, '').program);
    for (const x of addToB) fresh.add(x);
    const imports = apply('', fresh.edits()).replace(/\r?\n/g, eolB);
    afterB = `${imports}${imports ? eolB : ''}${moved}`;
  } else {
    for (const x of addToB) importsB.add(x);
    const gap = b.text.endsWith(eolB + eolB) || b.text === '' ? '' : b.text.endsWith('\n') ? eolB : eolB + eolB;
    afterB = apply(b.text, [...importsB.edits(), ...dropFromB, { start: b.text.length, end: b.text.length, text: `${gap}${moved}` }]);
  }

  const texts = new Map<string, { before: string; after: string }>();
  texts.set(fileA, { before: a.bom + a.text, after: a.bom + withReexport });
  texts.set(fileB, { before: b.bom + b.text, after: b.bom + afterB });
  for (const f of otherEdits.keys()) if (!others.has(f)) others.set(f, new FileImports(f, readSource(f).text, parse(f, readSource(f).text).program));
  for (const [f, imports] of others) {
    const edits = [...imports.edits(), ...(otherEdits.get(f) ?? [])];
    if (edits.length === 0) continue;
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
      ...(fromA.length > 0 ? [`${relB} imports ${fromA.join(', ')} from ${relA}${back ? `, which imports ${command.name} back: a cycle` : ''}`] : []),
      ...(withReexport.trim() === '' ? [`${relA} is empty now: delete it if nothing else needs it`] : []),
    ],
  };
}
