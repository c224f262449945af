// The data layout of objects whose nearest prototype is one object: every field the classes of its chain
// declare, base first, by the key the field lives under (its name, or for `#x` the class's stable
// symbol: ARCHITECTURE.md fact 4). The migration engine compares the layout instances hold with the one
// their chain declares now, field by field and by key, so a field that moves between a class and its
// superclass keeps its values (Dart, Pharo and CLOS match slots by name too).

import type { FieldDecl } from '../compile/compiled-module.js';
import type { ClassLayoutSource } from '../store/schema.js';
import type { ClassRegistry } from './class-registry.js';
import { type ModuleRecord, privateKey } from './module-record.js';

/** One field of a chain's layout. */
export interface LayoutField {
  /** What the field lives under on an instance (a column's name in a store). */
  readonly key: PropertyKey;
  /** As declared: `hp`, `#secret`. */
  readonly name: string;
  readonly decl: FieldDecl;
  /** The class that declares it. */
  readonly owner: ClassLayoutSource;
  /** The declaring version's initializer (called with an instance or a row as `this`), if any. */
  readonly initializer: (() => unknown) | null;
}

export type ChainLayout = readonly LayoutField[];

/** The key field `name` of class `className` in `record` lives under. */
export function fieldKey(record: ModuleRecord, className: string, name: string): PropertyKey {
  return name.startsWith('#') ? privateKey(record, `${className}${name}`) : name;
}

/** The initializer the installed version of `owner` has for `decl`, if any. */
export function initializerOf(owner: ClassLayoutSource, decl: FieldDecl, key: PropertyKey): (() => unknown) | null {
  return decl.initializer !== null && Object.hasOwn(owner.initializers, key) ? owner.initializers[key as string]! : null;
}

/** The fields the classes of `prototype`'s chain declare now, base first; a redeclared key keeps its place. */
export function declaredLayout(classes: ClassRegistry, prototype: object | null): LayoutField[] {
  const out: LayoutField[] = [];
  const at = new Map<PropertyKey, number>();
  for (const { identity, record } of classes.chainOf(prototype)) {
    for (const decl of identity.fields) {
      const key = fieldKey(record, identity.name, decl.name);
      const field: LayoutField = { key, name: decl.name, decl, owner: identity, initializer: initializerOf(identity, decl, key) };
      const i = at.get(key);
      if (i === undefined) {
        at.set(key, out.length);
        out.push(field);
      } else out[i] = field;
    }
  }
  return out;
}
