// The saved state of an image: a JSON directory (modules, bindings, classes with their layouts, stores,
// enums, what was left out) that `imago image info` reads alone, and a binary payload of sections (the
// string table, the value stream, then raw blocks: numeric columns, string columns, buffer bytes).
// Objects are numbered in buckets (all objects of one shape, then each other kind), so a million
// instances of one class cost a column per field, not a record each. Nothing in it is code: classes and
// functions are names, resolved against the program as it is now.

import type { FieldDecl } from '../compile/compiled-module.js';
import type { StoreImage } from '../store/serialize.js';

/** The payload's layout version (the file container has its own). */
export const STATE_FORMAT = 1;

export class StateFormatError extends Error {}

/** A tagged value in the value stream. */
export const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Float: 4,
  /** A safe integer in 31 bits, zigzag varint. */
  Int: 5,
  String: 6,
  Object: 7,
  BigInt: 8,
  Hole: 9,
  Symbol: 10,
  /** A whole array's elements: objects with consecutive ids, from this one on. */
  Run: 11,
} as const;

/** What a bucket of objects holds. */
export const Kind = {
  /** Objects with one prototype and one list of own keys: a column per key. */
  Shaped: 0,
  Array: 1,
  Map: 2,
  Set: 3,
  Date: 4,
  RegExp: 5,
  Buffer: 6,
  Typed: 7,
  Boxed: 8,
  /** A top-level function or class of the program, by name. */
  Named: 9,
  Store: 10,
  /** An array with most of its indices missing: its length and the indices it has. */
  Sparse: 11,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** How a column of a shaped bucket is written. */
export const Column = {
  /** Every value a number: one Float64Array block. */
  Float: 0,
  /** Every value a well-formed string: lengths and one UTF-8 block. */
  Text: 1,
  /** Anything: tagged values in the stream. */
  Values: 2,
  /** A `@transient` field: no values (its initializer gives it one on resume). */
  Unset: 3,
} as const;
export type Column = (typeof Column)[keyof typeof Column];

/** The typed arrays an image can hold, by code (their names; `TYPED_MAKERS` has them by name). */
export const TYPED = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
] as const;

type TypedConstructor = (new (buffer: ArrayBuffer, offset: number, length: number) => object) & { readonly prototype: object };
export const TYPED_MAKERS: Readonly<Record<(typeof TYPED)[number], TypedConstructor>> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
};

export interface SavedClass {
  readonly module: string;
  readonly name: string;
  /** Index of the program class it extends, or -1. */
  readonly parent: number;
  /** Its instance fields when saved (`@transient` ones marked: their values are not saved). */
  readonly fields: readonly FieldDecl[];
  readonly layoutVersion: number;
  /** Objects of it in the image (subclasses' aside). */
  instances: number;
}

/** A key of a shaped bucket: a string, or a `#private` name of a class (`Class#name`) of a module. */
export type SavedKey = string | { readonly module: string; readonly private: string };

export interface SavedShape {
  /** A class index, -1 for Object.prototype, -2 for no prototype. */
  readonly proto: number;
  readonly keys: readonly SavedKey[];
  /** Keys (by index) that are not enumerable. */
  readonly hidden: readonly number[];
}

export interface SavedBucket {
  readonly kind: Kind;
  readonly count: number;
  /** Shaped buckets: the shape, and how each column is written. */
  readonly shape?: number;
  readonly columns?: readonly Column[];
}

export interface SavedNamed {
  readonly kind: 'function' | 'class';
  readonly module: string;
  readonly name: string;
}

export interface SavedStore {
  /** Index of the class whose rows it holds. */
  readonly class: number;
  /** The store's description (store/serialize.ts); its tables and columns are blocks of the payload. */
  readonly meta: Omit<StoreImage, 'tables' | 'columns'>;
  readonly capacity: number;
  /** The name the program gave it, if any. */
  readonly name: string | null;
  /** How many slot tables it has (store/serialize.ts). */
  readonly tables: number;
}

export interface SavedBinding {
  readonly name: string;
  /** The text of the statement that declares it (a resume runs it again if the text changed). */
  readonly text: string;
}

export interface SkippedBinding {
  readonly module: string;
  readonly name: string;
  /** Where the value that could not be saved is, from the binding (`players[3].socket`). */
  readonly path: string;
  /** What it is: `a Socket`, `a function (a closure)`. */
  readonly what: string;
}

export interface SavedEnum {
  readonly module: string;
  readonly name: string;
  /** Member name to value. */
  readonly members: Readonly<Record<string, string | number>>;
}

/** The directory of a saved state (JSON in the file's header). */
export interface StateDirectory {
  readonly format: typeof STATE_FORMAT;
  readonly modules: ReadonlyArray<{ readonly module: string; readonly bindings: readonly SavedBinding[] }>;
  readonly classes: readonly SavedClass[];
  readonly shapes: readonly SavedShape[];
  readonly buckets: readonly SavedBucket[];
  readonly named: readonly SavedNamed[];
  readonly stores: readonly SavedStore[];
  readonly enums: readonly SavedEnum[];
  readonly skipped: readonly SkippedBinding[];
  readonly objects: number;
}
