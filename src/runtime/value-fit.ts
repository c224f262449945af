// Whether a live value fits a field's new type, and the standard conversions imago applies when it does
// not but converts exactly (`number` -> `string`, integral `number` -> `bigint`, `string` -> `number`
// where the text is a number). Types imago cannot see into are `opaque`: those values are not checked.

import type { TypeShape } from '../compile/type-shape.js';

/** A TypeShape with class names resolved to the constructors they name at run time. */
export type ValueShape =
  | Exclude<TypeShape, { kind: 'union' } | { kind: 'array' } | { kind: 'ref' }>
  | { readonly kind: 'union'; readonly members: readonly ValueShape[] }
  | { readonly kind: 'array'; readonly element: ValueShape }
  | { readonly kind: 'instance'; readonly name: string; readonly constructor: abstract new (...args: never[]) => unknown };

/** Resolves `ref` shapes with `lookup` (a class, an imported class, a global constructor); others become opaque. */
export function resolveShape(shape: TypeShape, lookup: (name: string) => unknown): ValueShape {
  switch (shape.kind) {
    case 'union':
      return { kind: 'union', members: shape.members.map((m) => resolveShape(m, lookup)) };
    case 'array':
      return { kind: 'array', element: resolveShape(shape.element, lookup) };
    case 'ref': {
      const value = lookup(shape.name);
      return typeof value === 'function' && typeof (value as { prototype?: unknown }).prototype === 'object'
        ? { kind: 'instance', name: shape.name, constructor: value as abstract new (...args: never[]) => unknown }
        : { kind: 'opaque' };
    }
    default:
      return shape;
  }
}

/** True if imago can check values against every part of the shape. */
export function checkable(shape: ValueShape): boolean {
  if (shape.kind === 'opaque') return false;
  if (shape.kind === 'union') return shape.members.every(checkable);
  if (shape.kind === 'array') return checkable(shape.element);
  return true;
}

/** True if `value` is a value of the shape (opaque parts accept anything). */
export function fits(value: unknown, shape: ValueShape): boolean {
  switch (shape.kind) {
    case 'any':
    case 'opaque':
      return true;
    case 'never':
      return false;
    case 'primitive':
      switch (shape.name) {
        case 'null':
          return value === null;
        case 'object':
          return (typeof value === 'object' && value !== null) || typeof value === 'function';
        default:
          return typeof value === shape.name;
      }
    case 'literal':
      return shape.bigint ? typeof value === 'bigint' && String(value) === shape.value : value === shape.value;
    case 'union':
      return shape.members.some((m) => fits(value, m));
    case 'array':
      return Array.isArray(value) && value.every((v: unknown) => fits(v, shape.element));
    case 'instance':
      return value instanceof shape.constructor;
  }
}

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;

/** The exact conversion of `value` to a primitive kind, or undefined when there is none. */
function convertTo(value: unknown, kind: string): { value: unknown } | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? { value: String(value) } : undefined;
    case 'number':
      // A text past the doubles (`1e400`) would become Infinity: not its value, so no conversion.
      if (typeof value === 'string' && DECIMAL.test(value) && Number.isFinite(Number(value))) return { value: Number(value) };
      if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return { value: Number(value) };
      return undefined;
    case 'bigint':
      if (typeof value === 'number' && Number.isInteger(value)) return { value: BigInt(value) };
      if (typeof value === 'string' && INTEGER.test(value)) return { value: BigInt(value.trim()) };
      return undefined;
    case 'boolean':
      return value === 'true' ? { value: true } : value === 'false' ? { value: false } : undefined;
    default:
      return undefined;
  }
}

/**
 * `value` converted to fit the shape: itself when it fits, else the first exact standard conversion to
 * a member of the shape, or undefined when none exists.
 */
export function convert(value: unknown, shape: ValueShape): { value: unknown } | undefined {
  if (fits(value, shape)) return { value };
  const members = shape.kind === 'union' ? shape.members : [shape];
  for (const m of members) {
    const kind = m.kind === 'primitive' ? m.name : m.kind === 'literal' ? (m.bigint ? 'bigint' : typeof m.value) : null;
    if (!kind) continue;
    const converted = convertTo(value, kind);
    if (converted && fits(converted.value, m)) return converted;
  }
  return undefined;
}

/** A short description of a live value for messages: `"abc"`, `12`, `an object`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}
