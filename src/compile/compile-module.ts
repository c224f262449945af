// Compiles one version of one module: TypeScript -> JavaScript -> a function body whose top-level
// functions go into a layer object and whose top-level statements become separately runnable items.
// References to module-scope bindings are rewritten to the module's persistent records, so state
// outlives the code that made it (docs/semantics.md).

import { parseSync } from 'oxc-parser';
import { child, children, isFunctionNode, nameOf, text, walk, type AstNode } from './ast.js';
import {
  MODULE_PARAMS, TRACKED_GLOBALS,
  type CompiledModule, type Dependency, type ExportSource, type FunctionDecl, type ImportRef, type Item,
} from './compiled-module.js';
import type { Diagnostic } from './diagnostic.js';
import { Emitter, type Edit } from './emitter.js';
import { PositionMap } from './position-map.js';
import { enumFunction, instanceFields, rewritePrivateNames, staticKeyText, staticMembers } from './classes.js';
import { analyzeScope, type ModuleVariable } from './scope.js';
import { codeFrame } from './source-text.js';
import { transpile } from './transpile.js';

export type CompileResult =
  | { readonly ok: true; readonly module: CompiledModule }
  | { readonly ok: false; readonly errors: Diagnostic[] };

/** A top-level declaration or statement, before emission. */
type TopItem =
  | { kind: 'function'; name: string; node: AstNode; idStart?: number }
  | { kind: 'binding'; names: string[]; declKind: string; id: AstNode | null; value: AstNode | null; node: AstNode; enumFn?: AstNode }
  | { kind: 'class'; name: string; node: AstNode; idStart?: number }
  | { kind: 'effect'; node: AstNode };

const S = MODULE_PARAMS[0];
const M = MODULE_PARAMS[1];
const T = MODULE_PARAMS[2];
const RT = MODULE_PARAMS[3];
const META = MODULE_PARAMS[4];
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `obj.name`, or `obj["name"]` where the name is not an identifier. */
function member(obj: string, name: string): string {
  return IDENT.test(name) ? `${obj}.${name}` : `${obj}[${JSON.stringify(name)}]`;
}

/** Parameter name of dependency `index` in the compiled function. */
export function dependencyParam(index: number): string {
  return `__imago_d${index}`;
}

class CompileFailure extends Error {
  constructor(readonly jsOffset: number, message: string) {
    super(message);
  }
}

/** Names bound by a declaration pattern (Identifier, ObjectPattern, ArrayPattern, defaults, rest). */
function patternNames(node: AstNode | undefined, out: string[] = []): string[] {
  if (!node) return out;
  switch (node.type) {
    case 'Identifier': out.push(text(node, 'name') ?? ''); break;
    case 'ObjectPattern':
      for (const p of children(node, 'properties')) patternNames(p.type === 'RestElement' ? child(p, 'argument') : child(p, 'value'), out);
      break;
    case 'ArrayPattern': for (const e of children(node, 'elements')) patternNames(e, out); break;
    case 'AssignmentPattern': patternNames(child(node, 'left'), out); break;
    case 'RestElement': patternNames(child(node, 'argument'), out); break;
  }
  return out;
}

function isFunctionValue(node: AstNode | undefined): boolean {
  return !!node && (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression');
}

/** True if the statement awaits at module level (not inside a nested function). */
function hasTopLevelAwait(stmt: AstNode): boolean {
  let found = false;
  walk(stmt, (node) => {
    if (found) return false;
    if (isFunctionNode(node) || node.type === 'ClassBody') return false;
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node['await'] === true)) found = true;
    return !found;
  });
  return found;
}

/** Compiles `source` (the text of `file`, a project-relative path used in messages). */
export function compileModule(file: string, source: string): CompileResult {
  const t = transpile(file, source);
  if (!t.ok) return t;
  const js = t.code;
  const parsed = parseSync('module.js', js, { sourceType: 'module', range: true, preserveParens: false });
  const firstError = parsed.errors[0];
  const jsPositions = new PositionMap('', [], js, t.map);
  const diag = (jsOffset: number, message: string): Diagnostic => {
    const pos = jsPositions.sourceOfJs(jsOffset);
    return { file, line: pos.line, column: pos.column, message, code: 'IMAGO_COMPILE', frame: codeFrame(source, pos.line, pos.column) };
  };
  if (firstError) return { ok: false, errors: [diag(firstError.labels[0]?.start ?? 0, firstError.message)] };
  try {
    return { ok: true, module: compileProgram(parsed.program as unknown as AstNode, js, t.map) };
  } catch (e: unknown) {
    if (e instanceof CompileFailure) return { ok: false, errors: [diag(e.jsOffset, e.message)] };
    throw e;
  }
}

function compileProgram(program: AstNode, js: string, map: ConstructorParameters<typeof PositionMap>[3]): CompiledModule {
  const dependencies: Dependency[] = [];
  const depIndex = new Map<string, number>();
  const imports = new Map<string, ImportRef>();
  const rawExports = new Map<string, ExportSource>();
  const starExports: number[] = [];
  const top: TopItem[] = [];
  const removed: Array<[number, number]> = [];

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
      top.push({ kind: 'class', name, node: decl });
      if (exported) rawExports.set(name, { kind: 'local', local: name });
    } else if (decl.type === 'VariableDeclaration') {
      const declKind = text(decl, 'kind') ?? 'let';
      for (const d of children(decl, 'declarations')) {
        const id = child(d, 'id');
        const init = child(d, 'init') ?? null;
        const names = patternNames(id);
        const enumFn = (declKind === 'var' || declKind === 'let') && id?.type === 'Identifier' ? enumFunction(d, names[0]!) : null;
        if (declKind === 'const' && id?.type === 'Identifier' && isFunctionValue(init ?? undefined)) {
          top.push({ kind: 'function', name: names[0]!, node: init!, idStart: id.start });
        } else if (declKind === 'const' && id?.type === 'Identifier' && init?.type === 'ClassExpression') {
          top.push({ kind: 'class', name: names[0]!, node: init, idStart: id.start });
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
    switch (stmt.type) {
      case 'ImportDeclaration': {
        removed.push([stmt.start, stmt.end]);
        const dep = addDep(child(stmt, 'source')!);
        for (const spec of children(stmt, 'specifiers')) {
          const local = nameOf(child(spec, 'local'))!;
          const name = spec.type === 'ImportDefaultSpecifier' ? 'default'
            : spec.type === 'ImportNamespaceSpecifier' ? '*' : nameOf(child(spec, 'imported'))!;
          imports.set(local, { dep, name, jsOffset: spec.start });
        }
        break;
      }
      case 'ExportNamedDeclaration': {
        const decl = child(stmt, 'declaration');
        if (decl) { addDeclaration(decl, true); break; }
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

  const functionNames = new Set(top.flatMap((t) => (t.kind === 'function' ? [t.name] : [])));
  const scope = analyzeScope(program);
  const edits: Edit[] = [];
  const callees = new Set<number>();
  const shorthands = new Set<number>();
  const topLevelStatements = new Set(children(program, 'body'));
  const moduleVarDecls = new Set<AstNode>();
  for (const v of scope.variables) if (v.declaration && v.defType === 'Variable') moduleVarDecls.add(v.declaration);

  walk(program, (node, parent) => {
    switch (node.type) {
      case 'CallExpression': case 'NewExpression': {
        const callee = child(node, 'callee');
        if (node.type === 'CallExpression' && callee?.type === 'Identifier') callees.add(callee.start);
        break;
      }
      case 'TaggedTemplateExpression': {
        const tag = child(node, 'tag');
        if (tag?.type === 'Identifier') callees.add(tag.start);
        break;
      }
      case 'Property':
        if (node['shorthand'] === true) {
          const value = child(node, 'value');
          const id = value?.type === 'AssignmentPattern' ? child(value, 'left') : value;
          if (id?.type === 'Identifier') shorthands.add(id.start);
        }
        break;
      case 'MetaProperty':
        if (nameOf(child(node, 'meta')) === 'import') edits.push({ start: node.start, end: node.end, text: META });
        break;
      case 'ImportExpression':
        edits.push({ start: node.start, end: node.start + 6, text: `${RT}.import` });
        break;
      case 'VariableDeclaration':
        // A `var` nested in a top-level block or loop binds at module scope: it becomes a plain assignment.
        if (moduleVarDecls.has(node) && !topLevelStatements.has(node) && parent?.type !== 'ExportNamedDeclaration') {
          const first = children(node, 'declarations')[0];
          const inLoopHead = parent !== null && (parent.type === 'ForStatement' || parent.type === 'ForInStatement' || parent.type === 'ForOfStatement') && child(parent, parent.type === 'ForStatement' ? 'init' : 'left') === node;
          if (!inLoopHead && child(first ?? node, 'id')?.type !== 'Identifier') {
            throw new CompileFailure(node.start, 'imago cannot keep a destructuring `var` nested in a top-level block as module state; declare it at the top level with let');
          }
          edits.push({ start: node.start, end: node.start + 3, text: '' });
        }
        break;
    }
  });

  const kinds = new Map<string, 'import' | 'function' | 'state'>();
  for (const v of scope.variables) kinds.set(v.name, v.defType === 'ImportBinding' ? 'import' : functionNames.has(v.name) ? 'function' : 'state');
  const declarationIds = new Set(top.flatMap((t) => ((t.kind === 'function' || t.kind === 'class') && t.idStart !== undefined ? [t.idStart] : [])));
  const inRemoved = (at: number): boolean => declarationIds.has(at) || removed.some(([a, b]) => at >= a && at < b);

  const referenceText = (v: ModuleVariable, isWrite: boolean, start: number): string => {
    const kind = kinds.get(v.name);
    if (kind === 'import') {
      const ref = imports.get(v.name)!;
      return ref.name === '*' ? dependencyParam(ref.dep) : member(dependencyParam(ref.dep), ref.name);
    }
    if (kind === 'function') {
      if (isWrite) throw new CompileFailure(start, `imago cannot reassign the top-level function ${v.name}; declare it with let if it must change at run time`);
      return callees.has(start) ? member(M, v.name) : member(T, v.name);
    }
    return member(S, v.name);
  };

  for (const v of scope.variables) {
    for (const r of v.references) {
      if (inRemoved(r.start)) continue;
      const replacement = referenceText(v, r.isWrite, r.start);
      edits.push({ start: r.start, end: r.end, text: shorthands.has(r.start) ? `${v.name}: ${replacement}` : replacement });
    }
  }

  // Which module-scope names each statement reads while it runs.
  const immediateReads: Array<{ at: number; name: string }> = [];
  for (const v of scope.variables) for (const r of v.references) if (r.immediate && !r.isWrite) immediateReads.push({ at: r.start, name: v.name });
  const readsWithin = (start: number, end: number): { local: string[]; imported: string[] } => {
    const local = new Set<string>();
    const imported = new Set<string>();
    for (const r of immediateReads) {
      if (r.at < start || r.at >= end) continue;
      const kind = kinds.get(r.name);
      if (kind === 'import') imported.add(r.name);
      else if (kind === 'state') local.add(r.name);
    }
    return { local: [...local], imported: [...imported] };
  };

  // Live classes: stable private names, static members out of the body, self references to the identity.
  const classItems = top.filter((t): t is Extract<TopItem, { kind: 'class' }> => t.kind === 'class');
  const topLevelNames = new Map<AstNode, string>();
  for (const stmt of children(program, 'body')) {
    const t = top.find((x) => x.node.start >= stmt.start && x.node.end <= stmt.end);
    if (t && t.kind !== 'effect') topLevelNames.set(stmt, t.kind === 'binding' ? t.names[0] ?? 'binding' : t.name);
  }
  for (const c of classItems) topLevelNames.set(c.node, c.name);
  const privates = rewritePrivateNames(program, js, topLevelNames);
  edits.push(...privates.edits);
  for (const c of classItems) {
    for (const self of scope.classSelfReferences) {
      if (self.classStart !== c.node.start) continue;
      for (const r of self.references) edits.push({ start: r.start, end: r.end, text: member(S, c.name) });
    }
    for (const m of staticMembers(c.node)) edits.push({ start: m.node.start, end: m.node.end, text: '' });
  }

  const globals = TRACKED_GLOBALS.filter((g) => scope.globals.has(g));
  const emitter = new Emitter(js, edits);
  emitter.insert('"use strict";\n');
  emitter.insert(privates.prologue);
  if (globals.length > 0) emitter.insert(`const ${globals.map((g) => `${g} = ${RT}.${g}`).join(', ')};\n`);
  const functions: FunctionDecl[] = [];
  emitter.insert('const __imago_F = {\n');
  for (const item of top) {
    if (item.kind !== 'function') continue;
    functions.push({ name: item.name, text: js.slice(item.node.start, item.node.end), jsOffset: item.idStart ?? item.node.start });
    emitter.insert(`${JSON.stringify(item.name)}: `).copy(item.node.start, item.node.end).insert(',\n');
  }
  emitter.insert('};\nconst __imago_I = [\n');
  const items: Item[] = [];
  const seen = new Map<string, number>();
  const pushItem = (item: Item): void => { items.push(item); };
  for (const item of top) {
    if (item.kind === 'function') continue;
    if (item.kind === 'class') {
      emitClass(emitter, js, item.name, item.node, privates.symbolFor, readsWithin, pushItem);
      continue;
    }
    const node = item.node;
    const isAsync = hasTopLevelAwait(node);
    emitter.insert(isAsync ? 'async function () { ' : 'function () { ');
    let itemText: string;
    let reads: { local: string[]; imported: string[] } = { local: [], imported: [] };
    if (item.kind === 'effect') {
      itemText = js.slice(node.start, node.end);
      emitter.copy(node.start, node.end);
    } else {
      const value = item.value;
      if (item.enumFn) {
        itemText = `${item.declKind} ${js.slice(node.start, node.end)}`;
        emitter.insert(`${member(S, item.names[0]!)} = ${RT}.defineEnum(${JSON.stringify(item.names[0])}, (`).copy(item.enumFn.start, item.enumFn.end).insert(')({}));');
      } else {
        itemText = `${item.declKind} ${js.slice(node.start, node.end)}`;
        if (value) reads = readsWithin(value.start, value.end);
        if (item.id && item.id.type !== 'Identifier') {
          emitter.insert('(').copy(item.id.start, item.id.end).insert(' = ').copy(value!.start, value!.end).insert(');');
        } else {
          emitter.insert(`${member(S, item.names[0]!)} = `);
          if (value) emitter.copy(value.start, value.end); else emitter.insert('undefined');
          emitter.insert(';');
        }
      }
    }
    emitter.insert(' },\n');
    let key = item.kind === 'binding' ? `b:${item.names.join(',')}` : `e:${itemText}`;
    if (item.kind === 'effect') {
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n > 1) key += `#${n}`;
    }
    items.push({
      key, kind: item.kind, names: item.kind === 'binding' ? item.names : [], text: itemText,
      localDeps: reads.local, importDeps: reads.imported, isAsync, jsOffset: node.start,
    });
  }
  emitter.insert('];\nreturn [__imago_F, __imago_I];\n');

  const exports = new Map<string, ExportSource>();
  for (const [name, src] of rawExports) {
    if (src.kind === 'local' && src.local !== 'default' && !functionNames.has(src.local)) {
      const ref = imports.get(src.local);
      if (ref) { exports.set(name, { kind: 'reexport', dep: ref.dep, name: ref.name }); continue; }
      if (!kinds.has(src.local)) throw new CompileFailure(0, `export ${name} names ${src.local}, which this module does not declare`);
    }
    exports.set(name, src);
  }

  return {
    classes: new Map(classItems.map((c) => [c.name, { jsOffset: c.node.start, fields: instanceFields(js, c.node) }])),
    enums: new Set(top.flatMap((t) => (t.kind === 'binding' && t.enumFn ? [t.names[0]!] : []))),
    code: emitter.code,
    params: [...MODULE_PARAMS, ...dependencies.map((_, i) => dependencyParam(i))],
    dependencies, imports, exports, starExports, functions, items,
    usesHot: js.includes('import.meta.hot'),
    positions: new PositionMap(emitter.code, emitter.segments, js, map),
  };
}

/**
 * Emits a top-level class: one item that (re)defines it under its stable identity, run for every new
 * version of the module, then one item per static field (state: kept unless its initializer changed)
 * and per static block (an effect: re-run when its text changed), with `this` the class.
 */
function emitClass(
  emitter: Emitter, js: string, name: string, node: AstNode,
  symbolFor: (classStart: number, name: string) => string | undefined,
  readsWithin: (start: number, end: number) => { local: string[]; imported: string[] },
  push: (item: Item) => void,
): void {
  const cls = member(S, name);
  const heritage = child(node, 'superClass');
  const heritageReads = heritage ? readsWithin(heritage.start, heritage.end) : { local: [], imported: [] };
  emitter.insert(`function () { ${cls} = ${RT}.defineClass(${JSON.stringify(name)}, `).copy(node.start, node.end).insert('); },\n');
  push({ key: `c:${name}`, kind: 'class', names: [name], text: js.slice(node.start, node.end), localDeps: heritageReads.local, importDeps: heritageReads.imported, isAsync: false, jsOffset: node.start });
  for (const m of staticMembers(node)) {
    if (m.kind === 'block') {
      const brace = js.indexOf('{', m.node.start);
      emitter.insert('function () { (function () ').copy(brace, m.node.end).insert(`).call(${cls}); },\n`);
      push({ key: `e:static ${name} ${js.slice(m.node.start, m.node.end)}`, kind: 'effect', names: [], text: js.slice(m.node.start, m.node.end), localDeps: [], importDeps: [], isAsync: false, jsOffset: m.node.start });
      continue;
    }
    const keyText = staticKeyText(js, m);
    emitter.insert(`function () { ${RT}.defineStatic(${cls}, `);
    if (m.computed) emitter.copy(m.key.start, m.key.end);
    else if (m.key.type === 'PrivateIdentifier') emitter.insert(symbolFor(node.start, text(m.key, 'name')!) ?? 'undefined');
    else emitter.insert(JSON.stringify(nameOf(m.key) ?? js.slice(m.key.start, m.key.end)));
    emitter.insert(', (function () { return ');
    if (m.value) emitter.copy(m.value.start, m.value.end); else emitter.insert('undefined');
    emitter.insert(`; }).call(${cls})); },\n`);
    const reads = m.value ? readsWithin(m.value.start, m.value.end) : { local: [], imported: [] };
    push({ key: `s:${name}.${keyText}`, kind: 'binding', names: [], text: js.slice(m.node.start, m.node.end), localDeps: reads.local, importDeps: reads.imported, isAsync: false, jsOffset: m.node.start });
  }
}
