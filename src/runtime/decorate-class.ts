// Legacy decorators (tsconfig `experimentalDecorators`) on a live class. A class keeps one stable
// constructor; each version of its body is a layer under it (class-identity.ts). So:
// - member decorators run on each new version, on the layer that version installs (a method's wrapper
//   is rebuilt with the method, and an old wrapper never shadows a new method);
// - what they registered on the version as reflect-metadata becomes the stable class's own, replacing
//   the previous version's (a DI container such as inversify reads it there);
// - class decorators run on the stable class each time the class is defined, so a container or registry
//   sees the one constructor every module holds. A class decorator that returns another class is
//   refused: imago cannot make every holder of the class use the replacement.
// TC39 decorators (tsconfig without experimentalDecorators): member decorators are lowered into the
// class body and run on each version as it is defined; class decorators run here, on the stable class.

import type { ClassIdentity } from './class-identity.js';
import type { ImageContext } from './context.js';
import type { ModuleRecord } from './module-record.js';

/** The reflect-metadata API on the global Reflect, when a program loaded it. */
interface MetadataApi {
  getOwnMetadataKeys(target: object): unknown[];
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
  deleteMetadata(key: unknown, target: object): boolean;
}

function metadataApi(): MetadataApi | null {
  const r = Reflect as unknown as Partial<MetadataApi>;
  return typeof r.getOwnMetadataKeys === 'function' &&
    typeof r.getOwnMetadata === 'function' &&
    typeof r.defineMetadata === 'function' &&
    typeof r.deleteMetadata === 'function'
    ? (r as MetadataApi)
    : null;
}

/** Replaces the own class-level metadata of `target` with `entries`. */
function setOwnMetadata(api: MetadataApi, target: object, entries: ReadonlyArray<readonly [unknown, unknown]>): void {
  for (const key of api.getOwnMetadataKeys(target)) api.deleteMetadata(key, target);
  for (const [key, value] of entries) api.defineMetadata(key, value, target);
}

const ownMetadata = (api: MetadataApi, target: object): Array<[unknown, unknown]> =>
  api.getOwnMetadataKeys(target).map((key) => [key, api.getOwnMetadata(key, target)]);

/**
 * Runs the lowered decorators of class `stable` (just defined): `members` with the version now
 * installed, `cls` with the stable class.
 */
export function decorateClass(
  ctx: ImageContext,
  record: ModuleRecord,
  stable: abstract new (...args: never[]) => object,
  members: ((version: object) => void) | null,
  cls: ((stable: object) => unknown) | null,
): void {
  const entry = ctx.classes.get(stable.prototype);
  if (!entry) throw new Error(`imago lost track of a decorated class in ${record.rel}; please report this`);
  const { identity } = entry;
  const api = metadataApi();
  // What the class holds now is not the decorators' (the last version's was forgotten as the class was
  // defined again): metadata other code set on it stays.
  const before = api ? ownMetadata(api, stable) : [];
  const baseline = api ? new Map(before) : null;
  if (api) {
    const keys = identity.decoratorMetadata;
    ctx.transaction?.onUndo(() => {
      setOwnMetadata(api, stable, before);
      identity.decoratorMetadata = keys;
    });
  }
  members?.(identity.impl);
  if (api) for (const [key, value] of ownMetadata(api, identity.impl)) api.defineMetadata(key, value, stable);
  if (cls) refuseReplacement(record, identity.name, stable, cls(stable));
  if (api && baseline) {
    identity.decoratorMetadata = ownMetadata(api, stable)
      .filter(([key, value]) => !baseline.has(key) || baseline.get(key) !== value)
      .map(([key]) => key);
  }
}

/**
 * As a class is defined again, the reflect-metadata its last version's decorators set on it leaves: the
 * new version's decorators set theirs (decorateClass), and a decorator removed from the source leaves
 * nothing behind.
 */
export function forgetDecoratorMetadata(identity: ClassIdentity, onUndo: (undo: () => void) => void): void {
  const api = metadataApi();
  if (!api || identity.decoratorMetadata.length === 0) return;
  const target = identity.constructor;
  const keys = identity.decoratorMetadata;
  const saved = keys.flatMap((key) => (api.getOwnMetadataKeys(target).includes(key) ? [[key, api.getOwnMetadata(key, target)] as const] : []));
  for (const key of keys) api.deleteMetadata(key, target);
  identity.decoratorMetadata = [];
  onUndo(() => {
    for (const [key, value] of saved) api.defineMetadata(key, value, target);
    identity.decoratorMetadata = keys;
  });
}

function refuseReplacement(record: ModuleRecord, name: string, stable: object, result: unknown): void {
  if (result === undefined || result === stable) return;
  throw new Error(
    `a class decorator of ${name} (${record.rel}) returned another class; imago keeps one live class for every module that holds it, so it cannot use a replacement: make the decorator change the class it is given (statics, metadata, registration) and return nothing`,
  );
}

/** Where TC39 decorators keep a class's metadata (`Symbol.metadata`, not yet in Node 20: the lowering's fallback). */
const metadataKey = (): symbol => (Symbol as { metadata?: symbol }).metadata ?? Symbol.for('Symbol.metadata');

/** The TC39 metadata a version of a class holds as its own, if its decorators made one. */
export function ownTc39Metadata(impl: object): object | undefined {
  const key = metadataKey();
  const own = Object.hasOwn(impl, key) ? (impl as Record<symbol, unknown>)[key] : undefined;
  return typeof own === 'object' && own !== null ? own : undefined;
}

/**
 * Links the TC39 metadata of a class's new version to its superclass's, as the proposal does (the
 * lowering leaves a decorated subclass's metadata without a parent), and the metadata of subclasses that
 * inherited from this class's `previous` metadata to the new one.
 */
export function linkTc39Metadata(ctx: ImageContext, identity: ClassIdentity, previous: object | undefined, onUndo: (undo: () => void) => void): void {
  const own = ownTc39Metadata(identity.impl);
  const relink = (metadata: object, parent: object | null): void => {
    const before = Object.getPrototypeOf(metadata) as object | null;
    if (before === parent) return;
    Object.setPrototypeOf(metadata, parent);
    onUndo(() => Object.setPrototypeOf(metadata, before));
  };
  if (own && Object.getPrototypeOf(own) === null) {
    const parent = (Object.getPrototypeOf(identity.impl) as Record<symbol, unknown> | null)?.[metadataKey()];
    if (typeof parent === 'object' && parent !== null && parent !== own) relink(own, parent);
  }
  if (!previous || previous === own) return;
  for (const { identity: other } of ctx.classes.list()) {
    const theirs = ownTc39Metadata(other.impl);
    if (theirs && Object.getPrototypeOf(theirs) === previous) relink(theirs, own ?? (Object.getPrototypeOf(previous) as object | null));
  }
}

/**
 * Applies TC39 class decorators to `stable` (just defined), last first, as the proposal does: each gets
 * the class and `{ kind: 'class', name, metadata, addInitializer }`; initializers run once all have.
 * `metadata` is the one member decorators of this version filled (the version's own), so
 * `K[Symbol.metadata]` reads the current version's.
 */
export function classDecorators(
  ctx: ImageContext,
  record: ModuleRecord,
  stable: abstract new (...args: never[]) => object,
  decorators: readonly unknown[],
): void {
  const entry = ctx.classes.get(stable.prototype);
  if (!entry) throw new Error(`imago lost track of a decorated class in ${record.rel}; please report this`);
  const { identity } = entry;
  const impl = identity.impl as unknown as Record<symbol, unknown>;
  const key = metadataKey();
  if (!Object.hasOwn(impl, key)) {
    const parent = (Object.getPrototypeOf(impl) as Record<symbol, unknown> | null)?.[key];
    Object.defineProperty(impl, key, { value: Object.create((parent as object | undefined) ?? null), enumerable: true, configurable: true, writable: true });
  }
  const metadata = impl[key];
  const initializers: Array<() => unknown> = [];
  for (let i = decorators.length - 1; i >= 0; i--) {
    const decorator = decorators[i];
    if (typeof decorator !== 'function') throw new TypeError(`a class decorator of ${identity.name} (${record.rel}) is not a function`);
    let applied = false;
    const context = {
      kind: 'class',
      name: identity.name,
      metadata,
      addInitializer(initializer: unknown): void {
        if (applied) throw new TypeError('addInitializer called after its decorator returned');
        if (typeof initializer !== 'function') throw new TypeError('an initializer must be a function');
        initializers.push(initializer as () => unknown);
      },
    };
    const result: unknown = decorator.call(undefined, stable, context);
    applied = true;
    refuseReplacement(record, identity.name, stable, result);
  }
  for (const initializer of initializers) initializer.call(stable);
}
