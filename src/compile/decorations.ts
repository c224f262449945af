// Decorators as they come out of the compiler, found in the JavaScript so a decorated class stays one
// live class. TypeScript's legacy kind (tsconfig `experimentalDecorators`), as oxc lowers it. oxc emits, after the class:
//
//   _decorate([dec, ...], K.prototype, "m", null);   a member of an instance (K for a static member)
//   K = _K = _decorate([classDec, ...], K);           class decorators (the class is then `let K = class K`)
//
// The member calls run on each new version of the class (its methods are that version's layer); the
// class call runs on the stable class (decorate-class.ts). `K` in them becomes the class they apply to.
// The TC39 kind (tc39-decorators.ts): the class's decorating block stays in its body; the statements
// that evaluate its member decorators and the call carrying its class decorators join the class.

import { type AstNode, child, children, nameOf, text, walk } from './ast.js';
import { decoratingBlock } from './classes.js';
import { CLASS_DECORATORS } from './tc39-decorators.js';

/** Where oxc's lowering imports its decorate helper from. */
const DECORATE_HELPER = '@oxc-project/runtime/helpers/decorate';

/** The lowered decorators of one class. */
export interface Decorations {
  /** `_decorate([...], K.prototype | K, "name", ...)` statements, in order. */
  readonly members: AstNode[];
  /** The `_decorate([...], K)` call of the class decorators, and the statement that holds it. */
  readonly cls: { readonly call: AstNode; readonly statement: AstNode } | null;
  /** Offsets of the `K`s in those calls that name the class they apply to. */
  readonly targets: number[];
  /** TC39 kind: the array of class decorators (`__imago_classDecorators("K", [...])`) and its statement. */
  readonly tc39: { readonly decorators: AstNode; readonly statement: AstNode } | null;
  /** TC39 kind: statements before the class that evaluate its member decorators (`_dec = dflt(5)`). */
  readonly prelude: AstNode[];
}

type Mutable = { members: AstNode[]; cls: Decorations['cls']; targets: number[]; tc39: Decorations['tc39']; prelude: AstNode[] };

/** The class a top-level statement declares (exported or not, `const K = class`), by name. */
function declaredClass(stmt: AstNode): { name: string; cls: AstNode } | null {
  const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
  if (decl?.type === 'ClassDeclaration' || decl?.type === 'ClassExpression') return { name: nameOf(child(decl, 'id')) ?? 'default', cls: decl };
  if (decl?.type !== 'VariableDeclaration') return null;
  const [d] = children(decl, 'declarations');
  const init = d ? child(d, 'init') : undefined;
  return d && init?.type === 'ClassExpression' ? { name: nameOf(child(d, 'id')) ?? '', cls: init } : null;
}

/** Identifiers assigned by a statement made only of assignments to identifiers (`_dec = a(), _dec1 = b()`). */
function assignedNames(stmt: AstNode): string[] | null {
  const expr = child(stmt, 'expression');
  const parts = expr?.type === 'SequenceExpression' ? children(expr, 'expressions') : expr ? [expr] : [];
  const names: string[] = [];
  for (const part of parts) {
    if (part.type !== 'AssignmentExpression' || child(part, 'left')?.type !== 'Identifier') return null;
    names.push(nameOf(child(part, 'left'))!);
  }
  return names.length > 0 ? names : null;
}

/** The local name the module gives oxc's decorate helper, if it imports it. */
function decorateHelper(program: AstNode): string | null {
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ImportDeclaration' || child(stmt, 'source')?.['value'] !== DECORATE_HELPER) continue;
    const spec = children(stmt, 'specifiers').find((s) => s.type === 'ImportDefaultSpecifier');
    if (spec) return nameOf(child(spec, 'local')) ?? null;
  }
  return null;
}

/** `_decorate([...], <target>, ...)` with `helper` as callee, else null. */
function decorateCall(node: AstNode | undefined, helper: string): AstNode | null {
  if (node?.type !== 'CallExpression' || nameOf(child(node, 'callee')) !== helper) return null;
  return children(node, 'arguments')[0]?.type === 'ArrayExpression' ? node : null;
}

/** The class a member decoration applies to (`K.prototype` or `K`), and where `K` is. */
function memberTarget(call: AstNode): { name: string; at: number } | null {
  const args = children(call, 'arguments');
  if (args.length !== 4) return null;
  const target = args[1]!;
  if (target.type === 'Identifier') return { name: text(target, 'name') ?? '', at: target.start };
  const object = child(target, 'object');
  if (target.type === 'MemberExpression' && target['computed'] !== true && nameOf(child(target, 'property')) === 'prototype' && object?.type === 'Identifier') {
    return { name: text(object, 'name') ?? '', at: object.start };
  }
  return null;
}

/** `K = _K = _decorate([...], K)` (or `K = _decorate([...], K)`): the class decorators of K. */
function classDecoration(stmt: AstNode, helper: string): { name: string; call: AstNode; at: number } | null {
  const assign = child(stmt, 'expression');
  if (assign?.type !== 'AssignmentExpression' || child(assign, 'left')?.type !== 'Identifier') return null;
  const name = nameOf(child(assign, 'left'))!;
  let right = child(assign, 'right');
  if (right?.type === 'AssignmentExpression' && child(right, 'left')?.type === 'Identifier') right = child(right, 'right');
  const call = decorateCall(right, helper);
  const target = call ? children(call, 'arguments')[1] : undefined;
  if (!call || children(call, 'arguments').length !== 2 || target?.type !== 'Identifier' || nameOf(target) !== name) return null;
  return { name, call, at: target.start };
}

/** `__imago_classDecorators("K", [...])` (tc39-decorators.ts): the TC39 class decorators of K. */
function classDecoratorsCall(stmt: AstNode): { name: string; decorators: AstNode } | null {
  const call = child(stmt, 'expression');
  if (call?.type !== 'CallExpression' || nameOf(child(call, 'callee')) !== CLASS_DECORATORS) return null;
  const [name, decorators] = children(call, 'arguments');
  if (name?.type !== 'Literal' || typeof name['value'] !== 'string' || decorators?.type !== 'ArrayExpression') return null;
  return { name: name['value'], decorators };
}

/** The lowered decorators of every class of `program`, by class name, and the statements they take. */
export function findDecorations(program: AstNode): { byClass: Map<string, Decorations>; statements: Set<AstNode> } {
  const byClass = new Map<string, Decorations>();
  const statements = new Set<AstNode>();
  const helper = decorateHelper(program);
  const of = (name: string): Mutable => {
    let d = byClass.get(name) as Mutable | undefined;
    if (!d) {
      d = { members: [], cls: null, targets: [], tc39: null, prelude: [] };
      byClass.set(name, d);
    }
    return d;
  };
  // TC39 kind: what a class's decorating block reads is evaluated by statements before the class.
  const readBy = new Map<string, string>();
  for (const stmt of children(program, 'body')) {
    const declared = declaredClass(stmt);
    const block = declared ? decoratingBlock(declared.cls) : undefined;
    if (!declared || !block) continue;
    // Only the names the lowering made for what it evaluates before the class (`_dec`, `_computedKey`).
    walk(block, (node) => {
      if (node.type === 'Identifier' && /^_(dec|computedKey)\d*$/.test(nameOf(node) ?? '')) readBy.set(nameOf(node)!, declared.name);
    });
  }
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ExpressionStatement') continue;
    const tc39 = classDecoratorsCall(stmt);
    if (tc39) {
      of(tc39.name).tc39 = { decorators: tc39.decorators, statement: stmt };
      statements.add(stmt);
      continue;
    }
    const assigned = readBy.size > 0 ? assignedNames(stmt) : null;
    const owner = assigned ? readBy.get(assigned[0]!) : undefined;
    if (owner && assigned!.every((n) => readBy.get(n) === owner)) {
      of(owner).prelude.push(stmt);
      statements.add(stmt);
      continue;
    }
    if (!helper) continue;
    const call = decorateCall(child(stmt, 'expression'), helper);
    const member = call ? memberTarget(call) : null;
    if (member) {
      const d = of(member.name);
      d.members.push(stmt);
      d.targets.push(member.at);
      statements.add(stmt);
      continue;
    }
    const cls = classDecoration(stmt, helper);
    if (cls) {
      const d = of(cls.name);
      d.cls = { call: cls.call, statement: stmt };
      d.targets.push(cls.at);
      statements.add(stmt);
    }
  }
  return { byClass, statements };
}

/** Where oxc's lowering of legacy decorators imports its metadata helper from. */
const METADATA_HELPER = '@oxc-project/runtime/helpers/decorateMetadata';

/** The ranges of `_decorateMetadata(...)` calls (emitDecoratorMetadata), if the module imports the helper. */
export function metadataCallRanges(program: AstNode): Array<[number, number]> {
  let helper: string | null = null;
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ImportDeclaration' || child(stmt, 'source')?.['value'] !== METADATA_HELPER) continue;
    const spec = children(stmt, 'specifiers').find((s) => s.type === 'ImportDefaultSpecifier');
    helper = spec ? (nameOf(child(spec, 'local')) ?? null) : null;
  }
  const out: Array<[number, number]> = [];
  if (!helper) return out;
  walk(program, (node) => {
    if (node.type === 'CallExpression' && nameOf(child(node, 'callee')) === helper) out.push([node.start, node.end]);
  });
  return out;
}
