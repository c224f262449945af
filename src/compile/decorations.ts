// TypeScript's legacy decorators as oxc lowers them (tsconfig `experimentalDecorators`), found in the
// JavaScript so a decorated class stays one live class. oxc emits, after the class:
//
//   _decorate([dec, ...], K.prototype, "m", null);   a member of an instance (K for a static member)
//   K = _K = _decorate([classDec, ...], K);           class decorators (the class is then `let K = class K`)
//
// The member calls run on each new version of the class (its methods are that version's layer); the
// class call runs on the stable class (define-class.ts). `K` in them becomes the class they apply to.

import { type AstNode, child, children, nameOf, text } from './ast.js';

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

/** The lowered decorators of every class of `program`, by class name, and the statements they take. */
export function findDecorations(program: AstNode): { byClass: Map<string, Decorations>; statements: Set<AstNode> } {
  const byClass = new Map<string, Decorations>();
  const statements = new Set<AstNode>();
  const helper = decorateHelper(program);
  if (!helper) return { byClass, statements };
  const of = (name: string): { members: AstNode[]; cls: Decorations['cls']; targets: number[] } => {
    let d = byClass.get(name) as { members: AstNode[]; cls: Decorations['cls']; targets: number[] } | undefined;
    if (!d) {
      d = { members: [], cls: null, targets: [] };
      byClass.set(name, d);
    }
    return d;
  };
  for (const stmt of children(program, 'body')) {
    if (stmt.type !== 'ExpressionStatement') continue;
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
