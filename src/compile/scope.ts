// Which identifiers refer to module-scope bindings: eslint-scope's analysis over oxc's ESTree output.
// We rewrite exactly those references, so shadowing, closures and hoisting follow JavaScript's own rules.

import { analyze } from 'eslint-scope';
import type * as ESTree from 'estree';
import type { AstNode } from './ast.js';

/** One use of a module-scope binding. */
export interface ModuleReference {
  readonly start: number;
  readonly end: number;
  readonly isWrite: boolean;
  /** Evaluated when the enclosing top-level statement runs (not inside a nested function). */
  readonly immediate: boolean;
}

/** A binding declared at module scope. */
export interface ModuleVariable {
  readonly name: string;
  /** eslint-scope's definition type: 'ImportBinding', 'FunctionName', 'ClassName', 'Variable'. */
  readonly defType: string;
  /** The node whose declaration made the binding (VariableDeclaration for variables). */
  readonly declaration: AstNode | null;
  readonly references: readonly ModuleReference[];
}

/** References to a class's own name inside its body (they bind to the class, not the module binding). */
export interface ClassSelfReferences {
  readonly classStart: number;
  readonly name: string;
  readonly references: readonly ModuleReference[];
}

/** A variable of an enclosing function or block that a nested function uses (it is captured). */
export interface Capture {
  readonly name: string;
  /** Where the variable is declared (its name's start): two captures are the same variable when equal. */
  readonly declStart: number;
  /** What declares it: `const`, `let`, `var`, `parameter`, `FunctionName`, `ClassName`, `CatchClause`. */
  readonly declKind: string;
  /**
   * The code that gives it its value: a declarator (with the iterable of a `for...of`/`for...in`), a
   * parameter, a class; null when the name alone says it (a function declaration, a catch binding).
   */
  readonly declNodes: readonly AstNode[];
}

/** What a nested function uses of the scopes around it (not the module's, not globals). */
export interface FunctionScopeInfo {
  readonly captures: readonly Capture[];
  /** Its references to the captured variables (its nested functions' included), by position. */
  readonly captureRefs: ReadonlyArray<ModuleReference & { readonly name: string }>;
  /** It reads `arguments` (its own, or an enclosing function's through an arrow). */
  readonly usesArguments: boolean;
  /** The classes (by start offset) whose own name it uses from inside their body. */
  readonly classNames: readonly number[];
  /** A name its parameters declare is declared again in its body (`var x` or `function x`). */
  readonly paramsRedeclared: boolean;
  /** Names its body declares (not its parameters'). */
  readonly bodyNames: readonly string[];
}

export interface ModuleScope {
  readonly variables: readonly ModuleVariable[];
  readonly classSelfReferences: readonly ClassSelfReferences[];
  /** Names read or written that resolve to no binding at all (globals). */
  readonly globals: ReadonlySet<string>;
  /** Every function below the top level, by its node's start offset. */
  readonly functions: ReadonlyMap<number, FunctionScopeInfo>;
}

const skipKeys: ReadonlySet<string> = new Set(['start', 'end', 'range', 'type', 'loc']);

function childKeys(node: ESTree.Node): string[] {
  const record = node as unknown as Record<string, unknown>;
  return Object.keys(record).filter((k) => !skipKeys.has(k) && typeof record[k] === 'object' && record[k] !== null);
}

type Variable = NonNullable<ReturnType<typeof analyze>['globalScope']>['variables'][number];

/** A captured variable and what declares it (`iterables`: the iterable of each `for...of`/`for...in` head, by the head's start). */
function captureOf(v: Variable, iterables: ReadonlyMap<number, AstNode>): Capture {
  const def = v.defs[0];
  const id = (def?.name ?? v.identifiers[0]) as unknown as AstNode | undefined;
  const declStart = id?.start ?? -1;
  if (!def) return { name: v.name, declStart, declKind: 'variable', declNodes: [] };
  const node = def.node as unknown as AstNode;
  if (def.type === 'Variable') {
    const declaration = def.parent as unknown as AstNode | null;
    const iterable = declaration ? iterables.get(declaration.start) : undefined;
    return { name: v.name, declStart, declKind: (declaration?.['kind'] as string | undefined) ?? 'var', declNodes: iterable ? [node, iterable] : [node] };
  }
  if (def.type === 'Parameter') {
    const params = (node['params'] as AstNode[] | undefined) ?? [];
    const param = params.find((p) => p.start <= declStart && declStart < p.end);
    return { name: v.name, declStart, declKind: 'parameter', declNodes: param ? [param] : [] };
  }
  if (def.type === 'ClassName') return { name: v.name, declStart, declKind: def.type, declNodes: [node] };
  return { name: v.name, declStart, declKind: def.type, declNodes: [] };
}

/** The iterable of every `for...of` and `for...in` whose head declares variables, by the head's start. */
function forIterables(program: AstNode): Map<number, AstNode> {
  const out = new Map<number, AstNode>();
  const visit = (n: AstNode): void => {
    if (n.type === 'ForOfStatement' || n.type === 'ForInStatement') {
      const left = n['left'] as AstNode | undefined;
      const right = n['right'] as AstNode | undefined;
      if (left?.type === 'VariableDeclaration' && right) out.set(left.start, right);
    }
    for (const key of Object.keys(n)) {
      if (key === 'range') continue;
      const v = n[key];
      for (const k of Array.isArray(v) ? v : [v]) if (typeof k === 'object' && k !== null && typeof (k as AstNode).type === 'string') visit(k as AstNode);
    }
  };
  visit(program);
  return out;
}

/** Analyzes a parsed module (oxc AST with `range`). */
export function analyzeScope(program: AstNode): ModuleScope {
  const manager = analyze(program as unknown as ESTree.Program, { ecmaVersion: 2024, sourceType: 'module', fallback: childKeys });
  const moduleScope = manager.scopes.find((s) => s.type === 'module');
  if (!moduleScope) throw new Error('imago: eslint-scope found no module scope');
  // Static field initializers and static blocks run when the class is defined: their reads count as
  // immediate for a top-level class, like the module's own statements.
  const runsWithModule = (scope: typeof moduleScope): boolean => {
    const vs = scope.variableScope;
    if (vs === moduleScope) return true;
    return (vs.type === 'class-field-initializer' || vs.type === 'class-static-block') && vs.upper?.variableScope === moduleScope;
  };
  const toReference = (r: (typeof moduleScope.references)[number]): ModuleReference => {
    const id = r.identifier as unknown as AstNode;
    return { start: id.start, end: id.end, isWrite: r.isWrite(), immediate: runsWithModule(r.from) };
  };
  const classSelfReferences: ClassSelfReferences[] = [];
  for (const scope of manager.scopes) {
    if (scope.type !== 'class') continue;
    const block = scope.block as unknown as AstNode;
    for (const v of scope.variables) classSelfReferences.push({ classStart: block.start, name: v.name, references: v.references.map(toReference) });
  }
  const variables: ModuleVariable[] = moduleScope.variables.map((v) => {
    const def = v.defs[0];
    return {
      name: v.name,
      defType: def ? def.type : 'Variable',
      declaration: def?.parent ? (def.parent as unknown as AstNode) : null,
      references: v.references.map(toReference),
    };
  });
  const globals = new Set(manager.globalScope?.through.map((r) => r.identifier.name) ?? []);
  const functions = new Map<number, FunctionScopeInfo>();
  const iterables = forIterables(program);
  for (const scope of manager.scopes) {
    if (scope.type !== 'function' || scope.upper === null || scope.upper === manager.globalScope) continue;
    const block = scope.block as unknown as AstNode;
    const captured = new Map<string, Capture>();
    const captureRefs: Array<ModuleReference & { name: string }> = [];
    const classNames = new Set<number>();
    let usesArguments = (scope.variables.find((v) => v.name === 'arguments')?.references.length ?? 0) > 0;
    for (const r of scope.through) {
      const v = r.resolved;
      if (!v || v.scope === moduleScope || v.scope.type === 'global') continue;
      // A class's own name inside its body: for a top-level class, its references are rewritten to the
      // class's stable identity; inside a nested class it is noted.
      if (v.scope.type === 'class') {
        classNames.add((v.scope.block as unknown as AstNode).start);
        continue;
      }
      if (v.name === 'arguments' && v.defs.length === 0) {
        usesArguments = true;
        continue;
      }
      captureRefs.push({ ...toReference(r), name: v.name });
      if (captured.has(v.name)) continue;
      captured.set(v.name, captureOf(v, iterables));
    }
    const paramsRedeclared = scope.variables.some((v) => v.defs.some((d) => d.type === 'Parameter') && v.defs.some((d) => d.type !== 'Parameter'));
    const bodyNames = scope.variables.filter((v) => v.defs.some((d) => d.type !== 'Parameter')).map((v) => v.name);
    functions.set(block.start, { captures: [...captured.values()], captureRefs, usesArguments, classNames: [...classNames], paramsRedeclared, bodyNames });
  }
  return { variables, classSelfReferences, globals, functions };
}
