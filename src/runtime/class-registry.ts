// The live classes of one image by their stable prototype: what the migration engine walks prototype
// chains with, what the image's stores are laid out by (StoreRegistry.layoutOf), and what an image lists
// as its classes. One per image.

import type { ClassIdentity } from './class-identity.js';
import type { ModuleRecord } from './module-record.js';

/** A class of the image and the module that defines it. */
export interface ClassEntry {
  readonly identity: ClassIdentity;
  readonly record: ModuleRecord;
}

export class ClassRegistry {
  readonly #byPrototype = new Map<object, ClassEntry>();
  /** Objects imago made that inherit from a class's prototype but are no instances (initializer tables). */
  readonly #internal = new WeakSet<object>();

  add(entry: ClassEntry): void {
    this.#byPrototype.set(entry.identity.prototype, entry);
  }

  remove(identity: ClassIdentity): void {
    this.#byPrototype.delete(identity.prototype);
  }

  /** The class whose stable prototype is `prototype`. */
  get(prototype: object): ClassEntry | undefined {
    return this.#byPrototype.get(prototype);
  }

  /** The classes of `prototype`'s chain that the image defined, base first. */
  chainOf(prototype: object | null): ClassEntry[] {
    const chain: ClassEntry[] = [];
    for (let p = prototype; p !== null; p = Object.getPrototypeOf(p) as object | null) {
      const c = this.#byPrototype.get(p);
      if (c) chain.unshift(c);
    }
    return chain;
  }

  /** Marks an object of imago's own that inherits from a class's prototype: never migrated as an instance. */
  markInternal(o: object): void {
    this.#internal.add(o);
  }

  isInternal(o: object): boolean {
    return this.#internal.has(o);
  }

  /** Every class of the image. */
  list(): ClassEntry[] {
    return [...this.#byPrototype.values()];
  }

  /** The layout of a class by its stable prototype (a ClassIdentity is a store's ClassLayoutSource). */
  readonly layoutOf = (prototype: object): ClassIdentity | undefined => this.#byPrototype.get(prototype)?.identity;
}
