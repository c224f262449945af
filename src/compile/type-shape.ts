// The part of a field's TypeScript type that imago can check against live values: primitives, literals,
// unions, arrays and class types. Everything else (interfaces, mapped and conditional types, generics
// imago cannot see through) is `opaque`: the type gate checks the code, but live values are not checked.

import { type AstNode, child, children, nameOf } from './ast.js';

export type TypeShape =
  | { readonly kind: 'any' }
  | { readonly kind: 'never' }
  | { readonly kind: 'opaque' }
  | { readonly kind: 'primitive'; readonly name: 'number' | 'string' | 'boolean' | 'bigint' | 'symbol' | 'undefined' | 'null' | 'object' | 'function' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean; readonly bigint?: true }
  | { readonly kind: 'union'; readonly members: readonly TypeShape[] }
  | { readonly kind: 'array'; readonly element: TypeShape }
  /** A named type that may be a class: resolved against the module's classes and imports when checking. */
  | { readonly kind: 'ref'; readonly name: string };

const ANY: TypeShape = { kind: 'any' };
const OPAQUE: TypeShape = { kind: 'opaque' };
const prim = (name: Extract<TypeShape, { kind: 'primitive' }>['name']): TypeShape => ({ kind: 'primitive', name });

const KEYWORDS: Record<string, TypeShape> = {
  TSAnyKeyword: ANY,
  TSUnknownKeyword: ANY,
  TSNeverKeyword: { kind: 'never' },
  TSNumberKeyword: prim('number'),
  TSStringKeyword: prim('string'),
  TSBooleanKeyword: prim('boolean'),
  TSBigIntKeyword: prim('bigint'),
  TSSymbolKeyword: prim('symbol'),
  TSUndefinedKeyword: prim('undefined'),
  TSVoidKeyword: prim('undefined'),
  TSNullKeyword: prim('null'),
  TSObjectKeyword: prim('object'),
  TSTypeLiteral: prim('object'),
  TSFunctionType: prim('function'),
  TSConstructorType: prim('function'),
  TSTemplateLiteralType: prim('string'),
};

/** The union of `members`, flattened; a single member stands for itself. */
export function unionOf(members: readonly TypeShape[]): TypeShape {
  const flat = members.flatMap((m) => (m.kind === 'union' ? m.members : [m]));
  if (flat.some((m) => m.kind === 'any')) return ANY;
  return flat.length === 1 ? flat[0]! : { kind: 'union', members: flat };
}

/** The shape of a literal type's value node (`'a'`, `1`, `-1`, `true`, `10n`), or opaque. */
function literalShape(node: AstNode | undefined): TypeShape {
  if (!node) return OPAQUE;
  if (node.type === 'UnaryExpression' && node['operator'] === '-') {
    const inner = literalShape(child(node, 'argument'));
    return inner.kind === 'literal' && typeof inner.value === 'number' ? { kind: 'literal', value: -inner.value } : OPAQUE;
  }
  if (node.type === 'TemplateLiteral') return prim('string');
  const value = node['value'];
  if (typeof node['bigint'] === 'string') return { kind: 'literal', value: node['bigint'], bigint: true };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { kind: 'literal', value };
  return OPAQUE;
}

/**
 * The shape of a TypeScript type node. `aliases` are the module's own type declarations by name: a
 * `type X = ...` is followed to a depth of 8 (deeper, or recursive, aliases are opaque); any other
 * node there (an interface, a generic alias, a type-only import) names a type that is opaque.
 */
export function shapeOfType(node: AstNode | undefined, aliases: ReadonlyMap<string, AstNode>, depth = 0): TypeShape {
  if (!node || depth > 8) return OPAQUE;
  const keyword = KEYWORDS[node.type];
  if (keyword) return keyword;
  switch (node.type) {
    case 'TSParenthesizedType':
      return shapeOfType(child(node, 'typeAnnotation'), aliases, depth);
    case 'TSTypeOperator':
      return node['operator'] === 'readonly' ? shapeOfType(child(node, 'typeAnnotation'), aliases, depth) : OPAQUE;
    case 'TSLiteralType':
      return literalShape(child(node, 'literal'));
    case 'TSUnionType':
      return unionOf(children(node, 'types').map((t) => shapeOfType(t, aliases, depth + 1)));
    case 'TSArrayType':
      return { kind: 'array', element: shapeOfType(child(node, 'elementType'), aliases, depth + 1) };
    case 'TSTupleType':
      return { kind: 'array', element: ANY };
    case 'TSTypeReference': {
      const name = nameOf(child(node, 'typeName'));
      if (!name) return OPAQUE;
      const args = children(child(node, 'typeArguments') ?? node, 'params');
      if ((name === 'Array' || name === 'ReadonlyArray') && args.length === 1) return { kind: 'array', element: shapeOfType(args[0], aliases, depth + 1) };
      const alias = aliases.get(name);
      // An interface, a generic alias or a type-only import: a type, never a class to check against.
      if (alias?.type === 'TSTypeAliasDeclaration' && !child(alias, 'typeParameters')) return shapeOfType(child(alias, 'typeAnnotation'), aliases, depth + 1);
      if (alias) return OPAQUE;
      return { kind: 'ref', name };
    }
    default:
      return OPAQUE;
  }
}

/** The type TypeScript infers for a field from its initializer, where that is plain: `10` -> number. */
export function shapeOfInitializer(node: AstNode | undefined): TypeShape {
  if (!node) return OPAQUE;
  switch (node.type) {
    case 'Literal': {
      if (typeof node['bigint'] === 'string') return prim('bigint');
      const v = node['value'];
      return typeof v === 'number' ? prim('number') : typeof v === 'string' ? prim('string') : typeof v === 'boolean' ? prim('boolean') : OPAQUE;
    }
    case 'TemplateLiteral':
      return prim('string');
    case 'UnaryExpression':
      return node['operator'] === '-' || node['operator'] === '+'
        ? shapeOfInitializer(child(node, 'argument'))
        : node['operator'] === '!'
          ? prim('boolean')
          : OPAQUE;
    case 'NewExpression': {
      const name = nameOf(child(node, 'callee'));
      return name && children(node, 'typeArguments').length === 0 ? { kind: 'ref', name } : OPAQUE;
    }
    case 'ArrayExpression': {
      const elements = children(node, 'elements').map(shapeOfInitializer);
      const first = elements[0];
      if (first?.kind !== 'primitive') return OPAQUE;
      return elements.every((e) => e.kind === 'primitive' && e.name === first.name) ? { kind: 'array', element: first } : OPAQUE;
    }
    default:
      return OPAQUE;
  }
}

/** True when `undefined` is a value of the shape (an optional field, `T | undefined`, `unknown`). */
export function acceptsUndefined(shape: TypeShape): boolean {
  switch (shape.kind) {
    case 'any':
      return true;
    case 'primitive':
      return shape.name === 'undefined';
    case 'union':
      return shape.members.some(acceptsUndefined);
    default:
      return false;
  }
}

/** A short text for the shape, as TypeScript would write it. */
export function shapeText(shape: TypeShape): string {
  switch (shape.kind) {
    case 'any':
      return 'unknown';
    case 'never':
      return 'never';
    case 'opaque':
      return '(unchecked)';
    case 'primitive':
      return shape.name;
    case 'literal':
      return shape.bigint ? `${shape.value}n` : JSON.stringify(shape.value);
    case 'union':
      return shape.members.map(shapeText).join(' | ');
    case 'array': {
      const inner = shapeText(shape.element);
      return shape.element.kind === 'union' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'ref':
      return shape.name;
  }
}

/** True if the shape says anything imago can check (it is not opaque anywhere that matters). */
export function isCheckable(shape: TypeShape): boolean {
  switch (shape.kind) {
    case 'opaque':
      return false;
    case 'union':
      return shape.members.every(isCheckable);
    case 'array':
      return isCheckable(shape.element);
    default:
      return true;
  }
}
