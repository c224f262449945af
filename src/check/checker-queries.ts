// What the checker process answers besides "does this change type-check": a REPL input checked in the
// scope of a module (probe), completions of members, the references to a declaration (deps), and the
// type of a top-level name (describe). All through TypeScript 7's checker, so they see through imports,
// re-exports and type aliases, and object literals typed by a class.

import fs from 'node:fs';
import type { Node, SourceFile } from 'typescript/unstable/ast';
import { SyntaxKind } from 'typescript/unstable/ast';
import type { Project } from 'typescript/unstable/sync';
import { lineStarts, positionAt } from '../compile/source-text.js';
import type { DepsAnswer, ProbeAnswer, SpansAnswer, SymbolAnswer } from './protocol.js';

/** SymbolFlags.Value of the TypeScript 7 API: any value a name can mean (variable, function, class, ...). */
const VALUE = 111551;
/** Category of an error in the TypeScript 7 API (DiagnosticCategory.Error). */
const ERROR = 1;

/** The checker's current project and how to change the text of one file in it. */
export interface Checked {
  readonly project: () => Project;
  /** Serves `text` for `file` (null: the file as it was before) and moves the checker to it. */
  readonly serve: (file: string, text: string | null) => void;
  readonly rel: (file: string) => string;
}

type Named = Node & { readonly name?: Node & { readonly text?: string } };

const nameOf = (node: Node | undefined): string | undefined => (node as Named | undefined)?.name?.text;

/** Checks `text` as the text of `file`; reports errors at or after `from` (offsets from `from`), and member completions at `completeAt`. */
export function probe(c: Checked, file: string, text: string, from: number, completeAt: number | undefined): Omit<ProbeAnswer, 'kind' | 'id' | 'ms'> {
  const before = c.project().program.getSourceFile(file)?.text;
  if (before === undefined) return { checked: false, errors: [], completions: null };
  c.serve(file, text);
  try {
    const program = c.project().program;
    const errors = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
      .filter((d) => d.category === ERROR && d.fileName === file && d.pos >= from)
      .map((d) => ({ offset: d.pos - from, code: `TS${d.code}`, message: flatten(d) }));
    let completions: string[] | null = null;
    if (completeAt !== undefined) {
      try {
        completions =
          c
            .project()
            .checker.getCompletionsAtPosition(file, completeAt)
            ?.entries.map((e) => e.name) ?? [];
      } catch {
        // Names in scope need auto-imports, which the API does not offer: the REPL completes those itself.
        completions = null;
      }
    }
    return { checked: true, errors, completions };
  } finally {
    c.serve(file, before);
  }
}

function flatten(
  d: { readonly text: string; readonly messageChain?: readonly { readonly text: string; readonly messageChain?: unknown }[] },
  depth = 0,
): string {
  const lines = [`${'  '.repeat(depth)}${d.text}`];
  for (const next of d.messageChain ?? []) lines.push(flatten(next as typeof d, depth + 1));
  return lines.join('\n');
}

/** The binding named `name` in a destructuring pattern (`const { a, b: [c] } = ...`), as its name node. */
function inPattern(pattern: Node | undefined, name: string): Node | null {
  if (!pattern) return null;
  if (pattern.kind === SyntaxKind.Identifier) return (pattern as Node & { text?: string }).text === name ? pattern : null;
  for (const e of (pattern as unknown as { elements?: readonly Node[] }).elements ?? []) {
    const hit = inPattern((e as Named).name, name);
    if (hit) return hit;
  }
  return null;
}

/**
 * The top-level declaration of `name` in `sf` (and `member` of it), as the node of its name. A member
 * of something that lists none (a binding typed by an interface) is looked up in its type.
 */
function declarationName(c: Checked, sf: SourceFile, name: string, member: string | undefined): Node | string {
  for (const st of sf.statements) {
    const candidates: Node[] = [];
    if (st.kind === SyntaxKind.VariableStatement) {
      const list = (st as unknown as { declarationList: { declarations: readonly Node[] } }).declarationList;
      candidates.push(...list.declarations);
    } else if (st.kind === SyntaxKind.ImportDeclaration) {
      const clause = (st as unknown as { importClause?: Named & { namedBindings?: Named & { elements?: readonly Node[] } } }).importClause;
      if (clause?.name) candidates.push(clause);
      if (clause?.namedBindings?.elements) candidates.push(...clause.namedBindings.elements);
      else if (clause?.namedBindings) candidates.push(clause.namedBindings);
    } else candidates.push(st);
    const found = candidates.find((d) => nameOf(d) === name);
    const destructured = found ? null : candidates.map((d) => inPattern((d as Named).name, name)).find((n) => n !== null);
    if (!found && !destructured) continue;
    const own = destructured ?? (found as Named).name!;
    if (member === undefined) return own;
    const members = (found as unknown as { members?: readonly Node[] } | undefined)?.members ?? [];
    const m = members.find((x) => nameOf(x) === member);
    if (m) return (m as Named).name!;
    const params = members.find((x) => x.kind === SyntaxKind.Constructor) as unknown as { parameters?: readonly Node[] } | undefined;
    const p = params?.parameters?.find((x) => nameOf(x) === member);
    if (p) return (p as Named).name!;
    // In its type: a binding typed by an interface, an object literal's property.
    const checker = c.project().checker;
    const type = checker.getTypeAtLocation(own);
    const property = type ? checker.getPropertyOfType(type, member) : undefined;
    const declared = property?.valueDeclaration?.resolve() as Named | undefined;
    if (declared?.name) return declared.name;
    const have = type ? checker.getPropertiesOfType(type).map((x) => x.name) : members.map(nameOf).filter((x): x is string => typeof x === 'string');
    return `${name} has no member '${member}'${have.length > 0 ? ` (it has: ${have.slice(0, 30).join(', ')})` : ''}`;
  }
  return `${c0(sf)} declares no top-level '${name}'`;
}

const c0 = (sf: SourceFile): string => sf.fileName;

/** How a reference's place is named: `Critter.move`, `function report`, `const c`, or `top level`. */
function container(node: Node): string {
  for (let p: Node | undefined = node.parent; p; p = p.parent) {
    const name = nameOf(p);
    switch (p.kind) {
      case SyntaxKind.MethodDeclaration:
      case SyntaxKind.GetAccessor:
      case SyntaxKind.SetAccessor:
      case SyntaxKind.PropertyDeclaration:
      case SyntaxKind.Constructor: {
        const cls = nameOf(p.parent) ?? '(class)';
        return `${cls}.${p.kind === SyntaxKind.Constructor ? 'constructor' : (name ?? '?')}`;
      }
      case SyntaxKind.FunctionDeclaration:
        return `function ${name ?? 'default'}`;
      case SyntaxKind.ClassDeclaration:
        return `class ${name ?? 'default'}`;
      case SyntaxKind.InterfaceDeclaration:
        return `interface ${name}`;
      case SyntaxKind.TypeAliasDeclaration:
        return `type ${name}`;
      case SyntaxKind.VariableDeclaration:
        if (p.parent?.parent?.parent?.kind === SyntaxKind.SourceFile) return `${name ?? '(destructuring)'}`;
        break;
    }
  }
  return 'top level';
}

/** Every reference to top-level `name` of `file` (or its `member`), grouped by the declaration that contains it. */
export function deps(c: Checked, file: string, name: string, member: string | undefined): Omit<DepsAnswer, 'kind' | 'id' | 'ms'> {
  const project = c.project();
  const sf = project.program.getSourceFile(file);
  if (!sf) return { found: false, message: `${c.rel(file)} is not part of the type-checked program`, groups: [], definition: null };
  const target = declarationName(c, sf, name, member);
  if (typeof target === 'string') return { found: false, message: target.replace(sf.fileName, c.rel(file)), groups: [], definition: null };
  const texts = new Map<string, { text: string; starts: number[] }>();
  const place = (n: Node): { file: string; line: number; column: number; text: string } => {
    const f = n.getSourceFile();
    let t = texts.get(f.fileName);
    if (!t) {
      t = { text: f.text, starts: lineStarts(f.text) };
      texts.set(f.fileName, t);
    }
    const pos = positionAt(t.starts, n.getStart());
    const lineText = t.text.slice(t.starts[pos.line - 1] ?? 0, t.starts[pos.line] ?? t.text.length).trim();
    return { file: c.rel(f.fileName), ...pos, text: lineText };
  };
  const definition = place(target);
  const groups = new Map<string, { file: string; container: string; references: Array<{ line: number; column: number; text: string }> }>();
  const seen = new Set<string>();
  const nodes: Node[] = [];
  for (const entry of project.checker.getReferencedSymbolsForNode(target, target.end - 1)) {
    for (const handle of entry.references) {
      const node = handle.resolve();
      if (node) nodes.push(node);
    }
  }
  // A field's name where the checker reads a key of the class (`keyof`, a store's `column('x')`, its rows): what rename-field changes too.
  if (member !== undefined) nodes.push(...keyofStrings(c, name, member));
  for (const node of nodes) {
    const at = place(node);
    const key = `${at.file}:${at.line}:${at.column}`;
    if (seen.has(key) || (at.file === definition.file && at.line === definition.line && at.column === definition.column)) continue;
    seen.add(key);
    const where = container(node);
    const g = groups.get(`${at.file}\0${where}`) ?? { file: at.file, container: where, references: [] };
    g.references.push({ line: at.line, column: at.column, text: at.text });
    groups.set(`${at.file}\0${where}`, g);
  }
  const sorted = [...groups.values()].sort((a, b) => a.file.localeCompare(b.file) || (a.references[0]?.line ?? 0) - (b.references[0]?.line ?? 0));
  return { found: true, message: '', groups: sorted, definition };
}

/** The type of top-level `name` of `file` as the checker prints it, and where and how long its declaration is. */
export function symbolInfo(c: Checked, file: string, name: string): Omit<SymbolAnswer, 'kind' | 'id' | 'ms'> {
  const project = c.project();
  const sf = project.program.getSourceFile(file);
  if (!sf) return { found: false, type: '', chars: 0 };
  const target = declarationName(c, sf, name, undefined);
  if (typeof target === 'string') return { found: false, type: '', chars: 0 };
  const symbol = project.checker.getSymbolAtPosition(file, target.end - 1);
  const type = symbol ? project.checker.getTypeOfSymbol(symbol) : undefined;
  const decl = target.parent;
  return { found: true, type: type ? project.checker.typeToString(type) : '', chars: decl ? decl.end - decl.getStart() : 0 };
}

/** The deepest node of `node` that contains `pos`. */
function nodeAt(node: Node, pos: number): Node | undefined {
  let found: Node | undefined;
  node.forEachChild((child) => {
    if (child.pos <= pos && pos < child.end) found = nodeAt(child, pos) ?? child;
    return undefined;
  });
  return found;
}

/**
 * String literals naming `member` where the checker expects a key of class `className` (`pick(c, 'hp')`
 * with `k: keyof Critter`): find-references does not return them, but a rename must change them.
 */
function keyofStrings(c: Checked, className: string, member: string): Node[] {
  const project = c.project();
  const checker = project.checker;
  // A key of the class: `keyof C`, and a handle store's `FieldOf<C>`; an object of its fields: a store's `RowValues<C>`, `Partial<C>`, `Pick<C, ...>`.
  const key = new RegExp(`\\bkeyof ${className}\\b|\\bFieldOf<${className}>`);
  const fields = new RegExp(`^(?:RowValues|Partial|Pick|Readonly)<${className}\\b`);
  const escaped = member.replace(/\$/g, '\\$');
  const quoted = new RegExp(`(['"\`])${escaped}\\1`, 'g');
  const property = new RegExp(`(?<![\\w$.])${escaped}\\s*:`, 'g');
  // `{ x }` in a row of the class (`store.add({ id, x })`): the shorthand names the field.
  const shorthand = new RegExp(`(?<![\\w$.])${escaped}(?=\\s*[,}])`, 'g');
  const contextual = (node: Node): string => {
    const type = checker.getContextualType(node as Parameters<typeof checker.getContextualType>[0]);
    if (!type) return '';
    // A type parameter (`K extends FieldOf<T>`) says what it is through its constraint.
    const constraint = checker.getBaseConstraintOfType(type);
    return `${checker.typeToString(type)} ${constraint && constraint !== type ? checker.typeToString(constraint) : ''}`;
  };
  // `store.get(h, 'x')`, `store.set(h, 'x', v)`, `store.column('x')` of a `Store<C>`: the call infers the
  // key as the literal itself, so the store's method and its receiver's type say it is a field of C.
  const store = new RegExp(`^Store<${className}>$`);
  const storeField = (node: Node): boolean => {
    const call = node.parent as (Node & { expression?: Node & { name?: Node & { text?: string }; expression?: Node } }) | undefined;
    const callee = call?.kind === SyntaxKind.CallExpression ? call.expression : undefined;
    if (callee?.kind !== SyntaxKind.PropertyAccessExpression || !['get', 'set', 'column'].includes(callee.name?.text ?? '') || !callee.expression) return false;
    const receiver = checker.getTypeAtLocation(callee.expression);
    return receiver !== undefined && store.test(checker.typeToString(receiver));
  };
  const out: Node[] = [];
  for (const file of project.program.getSourceFileNames()) {
    if (file.includes('/node_modules/') || /\/lib\.[\w.]+\.d\.ts$/.test(file)) continue;
    let text: string;
    try {
      // The checker reads a file without its byte-order mark: offsets are counted without it.
      text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch {
      continue;
    }
    const strings = [...text.matchAll(quoted)];
    const properties = [...text.matchAll(property), ...text.matchAll(shorthand)];
    if (strings.length === 0 && properties.length === 0) continue;
    const sf = project.program.getSourceFile(file);
    if (!sf || sf.text !== text) continue;
    for (const hit of strings) {
      const node = nodeAt(sf, hit.index);
      if (!node || (node.kind !== SyntaxKind.StringLiteral && node.kind !== SyntaxKind.NoSubstitutionTemplateLiteral) || node.getStart() !== hit.index)
        continue;
      if (key.test(contextual(node)) || storeField(node)) out.push(node);
    }
    for (const hit of properties) {
      // `{ x: 1 }` where the object is a row of the class (`store.add({ x: 1 })`): the property names the field.
      const node = nodeAt(sf, hit.index);
      const assignment = node?.parent;
      if (
        !node ||
        node.kind !== SyntaxKind.Identifier ||
        node.getStart() !== hit.index ||
        (assignment?.kind !== SyntaxKind.PropertyAssignment && assignment?.kind !== SyntaxKind.ShorthandPropertyAssignment) ||
        // The property's name, never its value (`{ x: hp }` names x).
        (assignment.kind === SyntaxKind.PropertyAssignment && (assignment as unknown as { name?: Node }).name !== node)
      )
        continue;
      const object = assignment.parent;
      if (object?.kind === SyntaxKind.ObjectLiteralExpression && fields.test(contextual(object))) out.push(node);
    }
  }
  return out;
}

/**
 * Every place top-level `name` of `file` (or its `member`) is written, declaration included, to the
 * character: what a rename rewrites. `shorthand`: `{ x }` (an object literal or a destructuring) that
 * must become `{ newName: x }`; `string`: a string key the checker resolved (`'x'` as a `keyof`).
 */
export function referenceSpans(c: Checked, file: string, name: string, member: string | undefined, newName?: string): Omit<SpansAnswer, 'kind' | 'id' | 'ms'> {
  const project = c.project();
  const sf = project.program.getSourceFile(file);
  if (!sf) return { found: false, message: `${c.rel(file)} is not part of the type-checked program`, spans: [], members: [], clashes: [] };
  const target = declarationName(c, sf, name, member);
  if (typeof target === 'string') return { found: false, message: target.replace(sf.fileName, c.rel(file)), spans: [], members: [], clashes: [] };
  // What an instance has, inherited members included: a new name must not be one of them.
  const owner = member === undefined ? null : declarationName(c, sf, name, undefined);
  const ownerSymbol = owner && typeof owner !== 'string' ? project.checker.getSymbolAtPosition(file, owner.end - 1) : undefined;
  const members = ownerSymbol ? project.checker.getPropertiesOfType(project.checker.getDeclaredTypeOfSymbol(ownerSymbol)).map((p) => p.name) : [];
  const spans = new Map<string, SpansAnswer['spans'][number]>();
  const add = (node: Node): void => {
    const f = node.getSourceFile().fileName;
    const start = node.getStart();
    const parent = node.parent;
    let shape: 'name' | 'shorthand' | 'string' = 'name';
    if (node.kind === SyntaxKind.StringLiteral || node.kind === SyntaxKind.NoSubstitutionTemplateLiteral) shape = 'string';
    else if (parent?.kind === SyntaxKind.ShorthandPropertyAssignment) shape = 'shorthand';
    else if (parent?.kind === SyntaxKind.BindingElement && !(parent as unknown as { propertyName?: Node }).propertyName) shape = 'shorthand';
    // A field declaration of a class (its own, an override, another implementing the same member).
    const declaration = parent?.kind === SyntaxKind.PropertyDeclaration || parent?.kind === SyntaxKind.Parameter ? parent : undefined;
    const holder = declaration?.kind === SyntaxKind.Parameter ? declaration.parent?.parent : declaration?.parent;
    const declares = holder && (holder.kind === SyntaxKind.ClassDeclaration || holder.kind === SyntaxKind.ClassExpression) ? nameOf(holder) : undefined;
    // `{ hp: health }` / `{ hp: health } = c`: the plain name on the other side of the colon.
    const other = (
      parent?.kind === SyntaxKind.PropertyAssignment
        ? (parent as unknown as { name?: Node; initializer?: Node }).name === node && (parent as unknown as { initializer?: Node }).initializer
        : parent?.kind === SyntaxKind.BindingElement && (parent as unknown as { propertyName?: Node }).propertyName === node && (parent as Named).name
    ) as (Node & { text?: string }) | false | undefined;
    const value = other && other.kind === SyntaxKind.Identifier && other.text ? { end: other.end, text: other.text } : undefined;
    const within = shape === 'shorthand' ? { in: parent?.kind === SyntaxKind.BindingElement ? ('binding' as const) : ('object' as const) } : {};
    spans.set(`${f}:${start}`, {
      file: f,
      start,
      end: node.end,
      shape,
      ...within,
      ...(declares && shape === 'name' ? { declares } : {}),
      ...(value ? { value } : {}),
    });
  };
  add(target);
  for (const entry of project.checker.getReferencedSymbolsForNode(target, target.end - 1)) {
    for (const handle of entry.references) {
      const node = handle.resolve();
      if (node) add(node);
    }
  }
  if (member !== undefined) for (const node of keyofStrings(c, name, member)) add(node);
  // A top-level name renamed: wherever it is referenced, the new name must not mean something already.
  const clashes: Array<{ file: string; start: number }> = [];
  if (member === undefined && newName !== undefined)
    for (const s of spans.values()) {
      if (s.shape === 'string') continue;
      const hit = project.checker.resolveName(newName, VALUE, { document: s.file, position: s.start });
      if (hit) clashes.push({ file: s.file, start: s.start });
    }
  return { found: true, message: '', spans: [...spans.values()], members, clashes };
}
