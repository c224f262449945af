// What live classes need from the compiler: `#private` names become stable symbols (ARCHITECTURE.md
// fact 4: a re-evaluated class cannot read the native private fields of an old instance), static fields
// and static blocks leave the class body to become state items, and a class's references to its own
// name reach its stable identity rather than the version being defined.

import { type AstNode, child, children, isNode, nameOf, text, walk } from './ast.js';
import type { Edit } from './emitter.js';

/** A static member taken out of a top-level class body. */
export type StaticMember =
  | { readonly kind: 'field'; readonly node: AstNode; readonly key: AstNode; readonly computed: boolean; readonly value: AstNode | null }
  | { readonly kind: 'block'; readonly node: AstNode };

const isClass = (node: AstNode): boolean => node.type === 'ClassDeclaration' || node.type === 'ClassExpression';
const isMember = (node: AstNode): boolean => node.type === 'PropertyDefinition' || node.type === 'MethodDefinition' || node.type === 'AccessorProperty';

/**
 * The static block in which lowered TC39 decorators decorate the class being defined
 * (`_apply_decs_2311(this, ...)`, tc39-decorators.ts), or undefined. It stays in the class body: it
 * decorates each version as that version is defined.
 */
export function decoratingBlock(cls: AstNode): AstNode | undefined {
  return children(child(cls, 'body')!, 'body').find((m) => {
    if (m.type !== 'StaticBlock') return false;
    let found = false;
    walk(m, (node) => {
      if (found) return false;
      const callee = child(node, 'callee');
      if (node.type === 'CallExpression' && callee?.type === 'Identifier' && /^_apply_decs_\d+$/.test(nameOf(callee) ?? '')) {
        found = children(node, 'arguments')[0]?.type === 'ThisExpression';
      }
      return !found;
    });
    return found;
  });
}

/** The static fields and static blocks of a class, in order (the decorating block aside). */
export function staticMembers(cls: AstNode): StaticMember[] {
  const out: StaticMember[] = [];
  const decorating = decoratingBlock(cls);
  for (const m of children(child(cls, 'body')!, 'body')) {
    if (m === decorating) continue;
    if (m.type === 'StaticBlock') out.push({ kind: 'block', node: m });
    else if (m.type === 'PropertyDefinition' && m['static'] === true) {
      out.push({ kind: 'field', node: m, key: child(m, 'key')!, computed: m['computed'] === true, value: child(m, 'value') ?? null });
    }
  }
  return out;
}

/** The instance fields a class declares, in order (oxc turns parameter properties into fields). */
export function instanceFields(js: string, cls: AstNode): Array<{ name: string; initializer: string | null }> {
  const out: Array<{ name: string; initializer: string | null }> = [];
  for (const m of children(child(cls, 'body')!, 'body')) {
    if ((m.type !== 'PropertyDefinition' && m.type !== 'AccessorProperty') || m['static'] === true) continue;
    const key = child(m, 'key')!;
    const name =
      m['computed'] === true
        ? `[${js.slice(key.start, key.end)}]`
        : key.type === 'PrivateIdentifier'
          ? `#${text(key, 'name') ?? ''}`
          : (nameOf(key) ?? js.slice(key.start, key.end));
    const value = child(m, 'value');
    out.push({ name, initializer: value ? js.slice(value.start, value.end) : null });
  }
  return out;
}

/** What a migration runs of a class for live instances: each instance field's initializer, and `static migrateInstance`. */
export interface MigrationCode {
  readonly fields: ReadonlyArray<{ readonly name: string; readonly start: number; readonly end: number }>;
  readonly hook: { readonly start: number; readonly end: number } | null;
}

export function migrationCode(js: string, cls: AstNode): MigrationCode {
  const fields: Array<{ name: string; start: number; end: number }> = [];
  let hook: { start: number; end: number } | null = null;
  for (const m of children(child(cls, 'body')!, 'body')) {
    const value = child(m, 'value');
    if ((m.type === 'PropertyDefinition' || m.type === 'AccessorProperty') && m['static'] !== true && value) {
      const key = child(m, 'key')!;
      if (m['computed'] === true) continue;
      const name = key.type === 'PrivateIdentifier' ? `#${text(key, 'name') ?? ''}` : (nameOf(key) ?? js.slice(key.start, key.end));
      fields.push({ name, start: value.start, end: value.end });
    }
    if (m.type === 'MethodDefinition' && m['static'] === true && nameOf(child(m, 'key')!) === 'migrateInstance') hook = { start: m.start, end: m.end };
  }
  return { fields, hook };
}

/** The name a static member is kept under across versions, e.g. `count`, `#secret`, `[computed]`. */
export function staticKeyText(js: string, member: Extract<StaticMember, { kind: 'field' }>): string {
  if (member.computed) return `[${js.slice(member.key.start, member.key.end)}]`;
  if (member.key.type === 'PrivateIdentifier') return `#${text(member.key, 'name') ?? ''}`;
  return nameOf(member.key) ?? js.slice(member.key.start, member.key.end);
}

export interface PrivateNames {
  readonly edits: Edit[];
  /** `const __imago_pN = __imago_rt.privateName("Class#name");` lines for the prologue. */
  readonly prologue: string;
  /** The symbol variable for `#name` declared by the class starting at `classStart`. */
  symbolFor(classStart: number, name: string): string | undefined;
}

/**
 * Rewrites every `#name` to a symbol from a registry keyed by (module, class label, name), stable across
 * versions: `this.#x` -> `this[__imago_p0]`, `#x in o` -> `__imago_p0 in o`, `#x = 1` -> `[__imago_p0] = 1`.
 * A class's label is its name, nested classes `Outer/Inner` (or `Outer/class` when anonymous).
 */
export function rewritePrivateNames(program: AstNode, js: string, topLevelNames: ReadonlyMap<AstNode, string>): PrivateNames {
  const edits: Edit[] = [];
  const vars = new Map<string, string>();
  const byClass = new Map<number, Map<string, string>>();
  const symbolVar = (label: string, name: string): string => {
    const key = `${label}#${name}`;
    let v = vars.get(key);
    if (!v) {
      v = `__imago_p${vars.size}`;
      vars.set(key, v);
    }
    return v;
  };
  type Frame = { readonly start: number; readonly names: Map<string, string> };
  const resolve = (stack: readonly Frame[], name: string): string | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const v = stack[i]!.names.get(name);
      if (v) return v;
    }
    return undefined;
  };
  const visit = (node: AstNode, stack: Frame[], label: string): void => {
    if (isClass(node)) {
      const own = nameOf(child(node, 'id'));
      const classLabel = stack.length === 0 && topLevelNames.has(node) ? topLevelNames.get(node)! : `${label}/${own ?? 'class'}`;
      const names = new Map<string, string>();
      for (const m of children(child(node, 'body')!, 'body')) {
        const key = child(m, 'key');
        if (isMember(m) && key?.type === 'PrivateIdentifier') names.set(text(key, 'name')!, symbolVar(classLabel, text(key, 'name')!));
      }
      byClass.set(node.start, names);
      const heritage = child(node, 'superClass');
      if (heritage) visit(heritage, stack, label);
      const inner = [...stack, { start: node.start, names }];
      for (const m of children(child(node, 'body')!, 'body')) visit(m, inner, classLabel);
      return;
    }
    if (node.type === 'PrivateIdentifier') {
      const v = resolve(stack, text(node, 'name')!);
      if (v) edits.push({ start: node.start, end: node.end, text: v });
      return;
    }
    if (isMember(node) && child(node, 'key')?.type === 'PrivateIdentifier') {
      const key = child(node, 'key')!;
      const v = resolve(stack, text(key, 'name')!);
      if (v) edits.push({ start: key.start, end: key.end, text: `[${v}]` });
      for (const k of Object.keys(node)) if (k !== 'key') visitValue(node[k], stack, label);
      return;
    }
    if (node.type === 'MemberExpression' && child(node, 'property')?.type === 'PrivateIdentifier') {
      const prop = child(node, 'property')!;
      const v = resolve(stack, text(prop, 'name')!);
      visit(child(node, 'object')!, stack, label);
      if (!v) return;
      const dot = js.lastIndexOf('.', prop.start);
      const optional = dot > 0 && js[dot - 1] === '?';
      edits.push({ start: optional ? dot - 1 : dot, end: prop.end, text: `${optional ? '?.' : ''}[${v}]` });
      return;
    }
    for (const k of Object.keys(node)) visitValue(node[k], stack, label);
  };
  const visitValue = (value: unknown, stack: Frame[], label: string): void => {
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) visit(v, stack, label);
    } else if (isNode(value)) visit(value, stack, label);
  };
  for (const [i, stmt] of children(program, 'body').entries()) visit(stmt, [], topLevelNames.get(stmt) ?? `statement${i}`);
  const prologue = [...vars].map(([key, v]) => `const ${v} = __imago_rt.privateName(${JSON.stringify(key)});\n`).join('');
  return { edits, prologue, symbolFor: (classStart, name) => byClass.get(classStart)?.get(name) };
}

/**
 * The function expression of a TypeScript enum as oxc emits it, `var E = function(E) {...}(E || {})`
 * (or `({})` when exported), or null when the declarator is not one.
 */
export function enumFunction(declarator: AstNode, name: string): AstNode | null {
  const init = child(declarator, 'init');
  if (init?.type !== 'CallExpression') return null;
  const callee = child(init, 'callee');
  const args = children(init, 'arguments');
  const params = callee ? children(callee, 'params') : [];
  if (callee?.type !== 'FunctionExpression' || params.length !== 1 || nameOf(params[0]) !== name || args.length !== 1) return null;
  // `(E || {})` for a local enum, `({})` for an exported one.
  const arg = args[0]!;
  const empty = (n: AstNode | undefined): boolean => n?.type === 'ObjectExpression' && children(n, 'properties').length === 0;
  if (empty(arg)) return callee;
  if (arg.type !== 'LogicalExpression' || arg['operator'] !== '||' || nameOf(child(arg, 'left')) !== name) return null;
  return empty(child(arg, 'right')) ? callee : null;
}
