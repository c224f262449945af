// The columns of a store, read from the data layout imago knows for a class (its fields in layout order,
// inherited fields first, with their written types and initializers). The image's class registry answers
// for each class it defines (StoreRegistry.layoutOf); a store asks when it is created and when the class
// changes.

import type { FieldDecl } from '../compile/compiled-module.js';
import { type ElementKind, isElementKind } from './elements.js';

/** What imago knows about one class's own fields, current version. */
export interface ClassLayoutSource {
  readonly name: string;
  /** The class's stable prototype. */
  readonly prototype: object;
  /** Own instance fields of the installed version, in layout order. */
  readonly fields: readonly FieldDecl[];
  /** `{ field() { return initializer; } }` of the installed version, called with a row as `this`. */
  readonly initializers: Readonly<Record<PropertyKey, () => unknown>>;
}

export type ColumnKind = ElementKind | 'value';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly decl: FieldDecl;
  /** The class that declares the field. */
  readonly owner: ClassLayoutSource;
  /**
   * The declaring version's initializer, taken when the spec was made: a column a change stops declaring
   * keeps its defaults until the change settles (migration.ts).
   */
  readonly initializer: (() => unknown) | null;
  /** No longer declared: kept until the change that dropped it settles, filled with undefined or 0 meanwhile. */
  readonly retired?: boolean;
}

/** The layout source of each class of a prototype chain, by stable prototype. */
export type LayoutLookup = (prototype: object) => ClassLayoutSource | undefined;

/** The column a field becomes: `f32` & co. (from 'imago/store') typed, `number` f64, the rest plain. */
export function columnKind(decl: FieldDecl): ColumnKind {
  const t = decl.type;
  if (isElementKind(decl.typeText) && (t.kind === 'opaque' || t.kind === 'ref')) return decl.typeText;
  if (t.kind === 'primitive' && t.name === 'number') return 'f64';
  return 'value';
}

/** The classes of `prototype`'s chain that imago defined, base first. */
export function layoutChain(prototype: object, layoutOf: LayoutLookup): ClassLayoutSource[] {
  const chain: ClassLayoutSource[] = [];
  for (let p: object | null = prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const s = layoutOf(p);
    if (s) chain.unshift(s);
  }
  return chain;
}

/**
 * The columns of a store of the class whose prototype is `prototype`: every public field of the chain, a
 * subclass's redeclaration taking the place of the base's. Private (`#x`) fields are not columns.
 */
export function columnsOf(prototype: object, layoutOf: LayoutLookup): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  const at = new Map<string, number>();
  for (const owner of layoutChain(prototype, layoutOf)) {
    for (const decl of owner.fields) {
      if (decl.name.startsWith('#')) continue;
      const init = decl.initializer !== null && Object.hasOwn(owner.initializers, decl.name) ? owner.initializers[decl.name]! : null;
      const spec: ColumnSpec = { name: decl.name, kind: columnKind(decl), decl, owner, initializer: init };
      const i = at.get(decl.name);
      if (i === undefined) {
        at.set(decl.name, out.length);
        out.push(spec);
      } else out[i] = spec;
    }
  }
  return out;
}

const LITERAL = /^(?:[-+]?(?:\d[\d_]*\.?[\d_]*|\.\d+)(?:[eE][-+]?\d+)?|0[xXbBoO][\da-fA-F_]+|'[^'\\\n]*'|"[^"\\\n]*"|true|false|null|undefined|void 0)$/;

/** True when the initializer is a literal: one value serves every row (a column fills in one pass). */
export function isConstantInitializer(decl: FieldDecl): boolean {
  return decl.initializer !== null && LITERAL.test(decl.initializer.trim());
}
