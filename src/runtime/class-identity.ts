// Live classes (the Sanable engine's "vptr jamming", done the JavaScript way). A class keeps one
// constructor object for its whole life: every module sees it, `instanceof` holds for instances made
// before and after any number of edits, and it works as a Map key. Each version of the class body is a
// layer: `K.prototype -> Impl_vN.prototype -> Base.prototype` for methods and accessors, `K -> Impl_vN ->
// Base` for statics. Swapping a layer is one prototype change on a stable object, never a change to the
// instances (ARCHITECTURE.md fact 1: setPrototypeOf on instances is 11-22x slower forever).

import type { FieldDecl } from '../compile/compiled-module.js';
import { trampolineNameOk } from './codegen.js';
import type { CompiledFunction, Host } from './host.js';
import { installLayer } from './layer.js';

type Constructor = abstract new (...args: never[]) => object;

/** The stable parts of one class. */
export interface ClassIdentity {
  /** Its name in its module (an explicit rename changes it: rename-names.ts). */
  name: string;
  /** The constructor every module sees. */
  readonly constructor: CompiledFunction & { prototype: object };
  /** `constructor.prototype`: stable for the class's life (what instances inherit from). */
  readonly prototype: object;
  /** `holder.impl` is the current version's class: `new K()` constructs through it. */
  readonly pin: object;
  /** The version currently installed. */
  impl: Constructor;
  /** The instance fields the installed version declares (the live data layout issue migrates by these). */
  fields: readonly FieldDecl[];
  /**
   * The `extends` text of the installed version (compiled-module.ts ClassInfo.heritage); undefined for a
   * class restored from an image file before its first definition.
   */
  heritage?: string | null;
  /** Counts layout changes (1 for the first layout): what a `migrateInstance` hook is told it migrates from. */
  layoutVersion: number;
  /** `{ field() { return initializer; } }` of the installed version (stores fill new rows and columns with it). */
  initializers: Readonly<Record<PropertyKey, () => unknown>>;
  /** False until the first `new` of the class or a subclass: until then no heap walk looks for instances. */
  constructed(): boolean;
  /** reflect-metadata keys the installed version's legacy decorators set on the class (decorate-class.ts). */
  decoratorMetadata: readonly unknown[];
}

/**
 * Source of the stable constructor: `new K(...)` runs the current version's constructor and fields.
 * K is a *derived* class that returns the object `Reflect.construct` made: a derived constructor never
 * allocates a receiver of its own, so V8 caches one initial map per (version, K) and every instance of a
 * version shares a hidden class. A plain `function K` made a new map for every instance (175x slower
 * method calls in bench/steady-state.ts).
 */
function constructorSource(name: string): string {
  const id = trampolineNameOk(name) ? name : 'Class';
  return `"use strict";
return class ${id} extends Object {
  constructor(...args) {
    __imago_H.made = true;
    return Reflect.construct(__imago_H.impl, args, new.target);
  }
};`;
}

/** Creates the identity of a class the first time it is defined. */
export function createClassIdentity(
  host: Host,
  name: string,
  filename: string,
  impl: Constructor,
  fields: readonly FieldDecl[],
  initializers: ClassIdentity['initializers'],
  /** Instances exist already (restored from an image file): later layout changes look for them. */
  made = false,
): ClassIdentity {
  const pin = Object.create(Object.prototype) as object;
  const holder = Object.create(pin) as { impl: Constructor; made: boolean };
  holder.made = made;
  const make = host.compileFunction(constructorSource(name), ['__imago_H'], filename);
  const stable = make(holder) as ClassIdentity['constructor'];
  const identity: ClassIdentity = {
    name,
    constructor: stable,
    prototype: stable.prototype,
    pin,
    impl,
    fields,
    layoutVersion: 1,
    initializers,
    constructed: () => holder.made,
    decoratorMetadata: [],
  };
  installVersion(identity, impl);
  return identity;
}

/** The layers currently installed for a class, to restore them if a change is rejected. */
export interface InstalledLayers {
  readonly methods: object;
  readonly statics: object;
  readonly impl: Constructor;
}

export function installedLayers(identity: ClassIdentity): InstalledLayers {
  return {
    methods: Object.getPrototypeOf(identity.constructor.prototype) as object,
    statics: Object.getPrototypeOf(identity.constructor) as object,
    impl: identity.impl,
  };
}

/** Installs a version (or puts back earlier layers): methods, statics and the constructor to run. */
export function installVersion(identity: ClassIdentity, impl: Constructor, layers?: InstalledLayers): void {
  installLayer(identity.constructor.prototype, layers?.methods ?? impl.prototype);
  installLayer(identity.constructor, layers?.statics ?? impl);
  installLayer(identity.pin, { impl: layers?.impl ?? impl });
  identity.impl = layers?.impl ?? impl;
}

/** Defines a static field like a class field definition does (own, writable, enumerable). */
export function defineStatic(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
