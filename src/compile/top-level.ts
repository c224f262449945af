// The first pass over a module: what each top-level statement is (function, class, binding, effect),
// what the module imports and exports, and which statements are links to remove from the code.

import { type AstNode, child, children, nameOf, text } from './ast.js';
import { enumFunction } from './classes.js';
import type { Dependency, ExportSource, ImportRef } from './compiled-module.js';
import { type Decorations, findDecorations } from './decorations.js';

/** A top-level declaration or statement, before emission. */
export type TopItem =
  | { kind: 'function'; name: string; node: AstNode; idStart?: number }
  | { kind: 'binding'; names: string[]; declKind: string; id: AstNode | null; value: AstNode | null; node: AstNode; enumFn?: AstNode }
  | { kind: 'class'; name: string; node: AstNode; idStart?: number; decorations?: Decorations; alias?: string }
  | { kind: 'effect'; node: AstNode };

/** A construct imago cannot compile, at a JavaScript offset. */
export class CompileFailure extends Error {
  constructor(
    readonly jsOffset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Names bound by a declaration pattern (Identifier, ObjectPattern, ArrayPattern, defaults, rest). */
export function patternNames(node: AstNode | undefined, out: string[] = []): string[] {
  if (!node) return out;
  switch (node.type) {
    case 'Identifier':
      out.push(text(node, 'name') ?? '');
      break;
    case 'ObjectPattern':
      for (const p of children(node, 'properties')) patternNames(p.type === 'RestElement' ? child(p, 'argument') : child(p, 'value'), out);
      break;
    case 'ArrayPattern':
      for (const e of children(node, 'elements')) patternNames(e, out);
      break;
    case 'AssignmentPattern':
      patternNames(child(node, 'left'), out);
      break;
    case 'RestElement':
      patternNames(child(node, 'argument'), out);
      break;
  }
  return out;
}

export function isFunctionValue(node: AstNode | undefined): boolean {
  return !!node && (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression');
}

/** The classified top level of a module. */
export interface TopLevel {
  readonly dependencies: Dependency[];
  readonly imports: Map<string, ImportRef>;
  /** Export name -> local name or re-export, before locals that are imports are turned into re-exports. */
  readonly rawExports: Map<string, ExportSource>;
  readonly starExports: number[];
  readonly top: TopItem[];
  /** Ranges of import/export statements that leave the emitted code. */
  readonly removed: Array<[number, number]>;
}

/** Classifies every top-level statement of `program`. */
export function classifyTopLevel(program: AstNode): TopLevel {
  const dependencies: Dependency[] = [];
  const depIndex = new Map<string, number>();
  const imports = new Map<string, ImportRef>();
  const rawExports = new Map<string, ExportSource>();
  const starExports: number[] = [];
  const top: TopItem[] = [];
  const removed: Array<[number, number]> = [];
  // Legacy decorators lowered after their class: they belong to the class item (decorations.ts).
  const decorations = findDecorations(program);
  const decorated = (name: string): { decorations?: Decorations } => {
    const d = decorations.byClass.get(name);
    return d ? { decorations: d } : {};
  };

  const addDep = (source: AstNode): number => {
    const spec = String(source['value']);
    const known = depIndex.get(spec);
    if (known !== undefined) return known;
    dependencies.push({ specifier: spec, jsOffset: source.start });
    depIndex.set(spec, dependencies.length - 1);
    return dependencies.length - 1;
  };

  const addDeclaration = (decl: AstNode, exported: boolean): void => {
    if (decl.type === 'FunctionDeclaration') {
      const name = nameOf(child(decl, 'id')) ?? 'default';
      top.push({ kind: 'function', name, node: decl });
      if (exported) rawExports.set(name, { kind: 'local', local: name });
    } else if (decl.type === 'ClassDeclaration') {
      const name = nameOf(child(decl, 'id')) ?? 'default';
      top.push({ kind: 'class', name, node: decl, ...decorated(name) });
      if (exported) rawExports.set(name, { kind: 'local', local: name });
    } else if (decl.type === 'VariableDeclaration') {
      const declKind = text(decl, 'kind') ?? 'let';
      for (const d of children(decl, 'declarations')) {
        const id = child(d, 'id');
        let init = child(d, 'init') ?? null;
        // `let K = _K = class K {}`: the lowering's alias of a decorated class that names itself.
        let alias: string | undefined;
        const aliased = init?.type === 'AssignmentExpression' && child(init, 'right')?.type === 'ClassExpression' ? child(init, 'left') : undefined;
        if (aliased?.type === 'Identifier' && id?.type === 'Identifier' && decorations.byClass.get(nameOf(id)!)?.cls) {
          alias = nameOf(aliased)!;
          init = child(init!, 'right')!;
        }
        const names = patternNames(id);
        const enumFn = (declKind === 'var' || declKind === 'let') && id?.type === 'Identifier' ? enumFunction(d, names[0]!) : null;
        if (declKind === 'const' && id?.type === 'Identifier' && isFunctionValue(init ?? undefined)) {
          top.push({ kind: 'function', name: names[0]!, node: init!, idStart: id.start });
        } else if (
          id?.type === 'Identifier' &&
          init?.type === 'ClassExpression' &&
          (declKind === 'const' || (declKind === 'let' && decorations.byClass.get(names[0]!)?.cls))
        ) {
          // `let K = class K {}` is how a class with class decorators comes out of the lowering.
          top.push({ kind: 'class', name: names[0]!, node: init, idStart: id.start, ...decorated(names[0]!), ...(alias ? { alias } : {}) });
        } else {
          top.push({ kind: 'binding', names, declKind, id: id ?? null, value: init, node: d, ...(enumFn ? { enumFn } : {}) });
        }
        if (exported) for (const n of names) rawExports.set(n, { kind: 'local', local: n });
      }
    } else {
      throw new CompileFailure(decl.start, `imago cannot compile a top-level ${decl.type}`);
    }
  };

  for (const stmt of children(program, 'body')) {
    if (decorations.statements.has(stmt)) continue;
    switch (stmt.type) {
      case 'ImportDeclaration': {
        removed.push([stmt.start, stmt.end]);
        const dep = addDep(child(stmt, 'source')!);
        for (const spec of children(stmt, 'specifiers')) {
          const local = nameOf(child(spec, 'local'))!;
          const name = spec.type === 'ImportDefaultSpecifier' ? 'default' : spec.type === 'ImportNamespaceSpecifier' ? '*' : nameOf(child(spec, 'imported'))!;
          imports.set(local, { dep, name, jsOffset: spec.start });
        }
        break;
      }
      case 'ExportNamedDeclaration': {
        const decl = child(stmt, 'declaration');
        if (decl) {
          addDeclaration(decl, true);
          break;
        }
        removed.push([stmt.start, stmt.end]);
        const source = child(stmt, 'source');
        const dep = source ? addDep(source) : -1;
        for (const spec of children(stmt, 'specifiers')) {
          const local = nameOf(child(spec, 'local'))!;
          const exported = nameOf(child(spec, 'exported'))!;
          rawExports.set(exported, dep >= 0 ? { kind: 'reexport', dep, name: local } : { kind: 'local', local });
        }
        break;
      }
      case 'ExportAllDeclaration': {
        removed.push([stmt.start, stmt.end]);
        const dep = addDep(child(stmt, 'source')!);
        const exported = nameOf(child(stmt, 'exported'));
        if (exported) rawExports.set(exported, { kind: 'reexport', dep, name: '*' });
        else starExports.push(dep);
        break;
      }
      case 'ExportDefaultDeclaration': {
        const decl = child(stmt, 'declaration')!;
        if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') {
          addDeclaration(decl, false);
          rawExports.set('default', { kind: 'local', local: nameOf(child(decl, 'id')) ?? 'default' });
        } else if (decl.type === 'ClassExpression') {
          top.push({ kind: 'class', name: 'default', node: decl });
          rawExports.set('default', { kind: 'local', local: 'default' });
        } else if (isFunctionValue(decl)) {
          top.push({ kind: 'function', name: 'default', node: decl });
          rawExports.set('default', { kind: 'local', local: 'default' });
        } else {
          top.push({ kind: 'binding', names: ['default'], declKind: 'default', id: null, value: decl, node: stmt });
          rawExports.set('default', { kind: 'local', local: 'default' });
        }
        break;
      }
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
      case 'VariableDeclaration':
        addDeclaration(stmt, false);
        break;
      default:
        top.push({ kind: 'effect', node: stmt });
    }
  }
  for (const [name, d] of decorations.byClass) {
    if (top.some((t) => t.kind === 'class' && t.name === name && t.decorations === d)) continue;
    const at = d.members[0] ?? d.cls?.statement;
    throw new CompileFailure(
      at?.start ?? 0,
      `imago cannot tell which live class the decorators of ${name} apply to; declare ${name} as a class at the top level of the module`,
    );
  }
  return { dependencies, imports, rawExports, starExports, top, removed };
}
