// What the stores of one image share: the live stores (so a layout change finds the stores of its class
// and an image can list its own), the handle tags in use, the class layouts stores are laid out by, and
// the row views (never migrated as instances). One registry per image: two images in one process keep
// stores of a class of the same name apart, and nothing here is a module-level singleton.

import { StoreError } from './errors.js';
import type { ClassLayoutSource } from './schema.js';

/** Stores' tags are 13 bits: 8,191 stores may be alive at once (handle.ts). */
const TAGS = 2 ** 13;

/** What a store tells its registry about itself. */
export interface RegisteredStore {
  readonly name: string;
  readonly prototype: object;
}

export interface StoreRegistryOptions {
  /** The layout imago knows for a class, by the class's stable prototype (the image's class registry). */
  readonly layoutOf: (prototype: object) => ClassLayoutSource | undefined;
  /** Stores keep where each row was removed, and say so for a stale handle (IMAGO_DEBUG). */
  readonly debug?: boolean;
}

export class StoreRegistry<S extends RegisteredStore = RegisteredStore> {
  readonly debug: boolean;
  readonly layoutOf: (prototype: object) => ClassLayoutSource | undefined;
  readonly #stores = new Set<WeakRef<S>>();
  readonly #tags = new Map<number, WeakRef<RegisteredStore>>();
  #nextTag = 1;
  readonly #views = new WeakSet<object>();

  constructor(options: StoreRegistryOptions) {
    this.layoutOf = options.layoutOf;
    this.debug = options.debug ?? false;
  }

  /** Called by a store as it is created. */
  add(store: S): void {
    this.#stores.add(new WeakRef(store));
  }

  /** The live stores, in the order they were created. */
  list(): S[] {
    const out: S[] = [];
    for (const ref of this.#stores) {
      const store = ref.deref();
      if (store) out.push(store);
      else this.#stores.delete(ref);
    }
    return out;
  }

  /** The live stores whose class is `prototype`'s class or a subclass of it. */
  storesOf(prototype: object): S[] {
    return this.list().filter((s) => s.prototype === prototype || Object.prototype.isPrototypeOf.call(prototype, s.prototype));
  }

  /** A tag no live store of this image uses (reused once a store is collected), or `wanted` when it is free. */
  takeTag(owner: RegisteredStore, wanted?: number): number {
    if (wanted !== undefined) {
      const holder = this.#tags.get(wanted)?.deref();
      if (holder && holder !== owner)
        throw new StoreError(
          `cannot restore ${owner.name}: its saved handles carry tag ${wanted}, which ${holder.name} uses in this image; restore it before creating that store`,
        );
      this.#tags.set(wanted, new WeakRef(owner));
      return wanted;
    }
    for (let tried = 0; tried < TAGS - 1; tried++) {
      const tag = this.#nextTag;
      this.#nextTag = this.#nextTag + 1 >= TAGS ? 1 : this.#nextTag + 1;
      if (!this.#tags.get(tag)?.deref()) {
        this.#tags.set(tag, new WeakRef(owner));
        return tag;
      }
    }
    throw new StoreError(`more than ${TAGS - 1} stores are alive at once; handles cannot tell them apart`);
  }

  releaseTag(tag: number, owner: object): void {
    if (this.#tags.get(tag)?.deref() === owner) this.#tags.delete(tag);
  }

  /** The name of the live store that uses `tag`, if any. */
  storeNameOfTag(tag: number): string | null {
    return this.#tags.get(tag)?.deref()?.name ?? null;
  }

  /** Marks a row view (or its accessor layer): it inherits from a class's prototype but is no instance. */
  markView(o: object): void {
    this.#views.add(o);
  }

  /** True for a row view or its accessor layer: never migrated as an instance. */
  isRowView(o: object): boolean {
    return this.#views.has(o);
  }
}
