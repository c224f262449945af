// The store API a program sees as `imago/store`, made once per image over the image's StoreRegistry
// (docs/stores.md): createStore, `new Store`, StoreError, and the types they use.

import { StoreError } from './errors.js';
import type { Store, StoreOptions } from './index.js';
import { PackedStore } from './packed.js';
import type { StoreRegistry } from './registry.js';
import { StableStore } from './stable.js';
import type { StoreCore, StoreLayout } from './store-core.js';

type Layouts = {
  readonly [L in StoreLayout]: new (
    registry: StoreRegistry<StoreCore>,
    cls: { name: string; prototype: object },
    options: StoreOptions,
  ) => StoreCore;
};
const LAYOUTS: Layouts = { packed: PackedStore, stable: StableStore };

type AnyClass = abstract new (...args: never[]) => object;

/** What `imago/store` exports at run time. */
export interface StoreApi {
  readonly createStore: <C extends AnyClass>(cls: C, options?: StoreOptions) => Store<InstanceType<C>>;
  readonly Store: new <C extends AnyClass>(cls: C, options?: StoreOptions) => Store<InstanceType<C>>;
  readonly StoreError: typeof StoreError;
}

/** The store API of one image: its stores are registered in `registry` and laid out by the classes it knows. */
export function createStoreApi(registry: StoreRegistry<StoreCore>): StoreApi {
  function createStore<C extends AnyClass>(cls: C, options: StoreOptions = {}): Store<InstanceType<C>> {
    const name = typeof cls === 'function' ? cls.name || 'an anonymous class' : String(cls);
    if (typeof cls !== 'function' || typeof cls.prototype !== 'object' || !registry.layoutOf(cls.prototype as object)) {
      throw new StoreError(
        `createStore(${name}): ${name} is not a class imago compiled; declare it at the top level of a module of the program that \`imago run\` runs`,
      );
    }
    const layout = options.layout ?? 'packed';
    const make = Object.hasOwn(LAYOUTS, layout) ? LAYOUTS[layout] : undefined;
    if (!make) throw new StoreError(`createStore(${name}): layout must be 'packed' or 'stable', not ${JSON.stringify(layout)}`);
    const store = new make(registry, cls as unknown as { name: string; prototype: object }, options);
    return store as unknown as Store<InstanceType<C>>;
  }
  /** `new Store(Particle, options)`: the same as `createStore(Particle, options)`. */
  const Store = function Store(cls: AnyClass, options?: StoreOptions) {
    return createStore(cls, options);
  } as unknown as StoreApi['Store'];
  return { createStore, Store, StoreError };
}
