// How the inspector shows a live value without holding it or changing it: a one-line preview, and a
// page of its entries when it is opened. Nothing of the value runs: it is read through property
// descriptors, never by a property read (no getter, no `length` or `size` a subclass overrides); a
// Map's or Set's entries and a typed array's length through built-ins captured when imago loaded (never
// a method the object or a subclass provides, no Symbol.species); no Proxy is opened or walked through
// (a trap is code), not even in a prototype chain; no `toString`, `Symbol.toPrimitive` or
// `inspect.custom` is called, and no `stack` is read (V8 formats it on first read, through
// `Error.prepareStackTrace`). The program shares the realm: one that patches the built-ins themselves
// (Array.prototype, Object.getOwnPropertyDescriptor, util.types) is out of this reach. Every walk is
// bounded: a preview names at most ITEMS entries, a page is what was asked for; only an object's own
// keys are listed whole (docs/inspector.md, limits).

import { types } from 'node:util';
import type { Entry, Preview } from './wire.js';

/** A preview's longest text, and how many items of a container it names. */
const MAX_TEXT = 200;
const ITEMS = 5;
/** Characters of a long string each entry shows when it is opened. */
const CHUNK = 1000;

/** Built-ins captured before the program ran: what a program's monkey-patching cannot reach. */
const getter = (proto: object, key: string): ((this: unknown) => unknown) => Object.getOwnPropertyDescriptor(proto, key)!.get!;
const MAP_SIZE = getter(Map.prototype, 'size');
const SET_SIZE = getter(Set.prototype, 'size');
const MAP_ENTRIES = Map.prototype.entries;
const SET_VALUES = Set.prototype.values;
const MAP_ITERATOR_NEXT = Object.getPrototypeOf(new Map().entries()).next as (this: unknown) => IteratorResult<unknown>;
const SET_ITERATOR_NEXT = Object.getPrototypeOf(new Set().values()).next as (this: unknown) => IteratorResult<unknown>;
const TYPED_LENGTH = getter(Object.getPrototypeOf(Uint8Array.prototype) as object, 'length');
const REGEXP_SOURCE = getter(RegExp.prototype, 'source');
const REGEXP_FLAGS = ['hasIndices', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky']
  .filter((f) => Object.getOwnPropertyDescriptor(RegExp.prototype, f)?.get)
  .map(
    (f) =>
      [
        getter(RegExp.prototype, f),
        { hasIndices: 'd', global: 'g', ignoreCase: 'i', multiline: 'm', dotAll: 's', unicode: 'u', unicodeSets: 'v', sticky: 'y' }[f]!,
      ] as const,
  );
const DATE_TIME = Date.prototype.getTime;
const ARRAY_BUFFER_BYTES = getter(ArrayBuffer.prototype, 'byteLength');
const SHARED_BUFFER_BYTES = getter(SharedArrayBuffer.prototype, 'byteLength');
const FUNCTION_TEXT = Function.prototype.toString;

/** Objects that are stores (told by the image at each question): shown as stores, not their insides. */
const stores = new WeakMap<object, { readonly name: string; readonly size: number }>();

export function knowStore(store: { readonly name: string; readonly size: number }): void {
  stores.set(store, store);
}

const call = <T>(fn: (this: unknown) => unknown, self: unknown): T => Reflect.apply(fn, self, []) as T;

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** An own data property's value, or undefined (an accessor is not called). */
function own(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

/** The name of the class `value` was made by, read without running anything: null when a Proxy is in the way. */
export function className(value: object): string {
  let proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'Object';
  for (let depth = 0; typeof proto === 'object' && proto !== null && depth < 50; depth++) {
    if (types.isProxy(proto)) return 'Object';
    const ctor = own(proto, 'constructor');
    if (typeof ctor === 'function' && !types.isProxy(ctor)) {
      const name = own(ctor, 'name');
      return typeof name === 'string' && name !== '' ? name : 'anonymous';
    }
    proto = Object.getPrototypeOf(proto);
  }
  return 'Object';
}

function quoted(s: string): string {
  return JSON.stringify(s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);
}

function functionName(f: object): string {
  const name = own(f, 'name');
  return typeof name === 'string' && name !== '' ? name : '(anonymous)';
}

/** A primitive, or a word for an object (`{…}`, `Array(3)`): what a preview shows of the items inside it. */
function short(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quoted(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.description === undefined ? 'Symbol()' : `Symbol(${value.description})`;
    case 'function':
      return types.isProxy(value) ? 'Proxy' : `ƒ ${functionName(value)}`;
    case 'object': {
      if (types.isProxy(value)) return 'Proxy';
      if (Array.isArray(value)) return `Array(${own(value, 'length') as number})`;
      if (types.isMap(value)) return `${className(value)}(${call<number>(MAP_SIZE, value)})`;
      if (types.isSet(value)) return `${className(value)}(${call<number>(SET_SIZE, value)})`;
      const store = stores.get(value);
      if (store) return store.name;
      return className(value) === 'Object' ? '{…}' : className(value);
    }
    default:
      return String(value);
  }
}

/** Key lists of objects opened a moment ago: the pages of one object, asked one after another, list its keys once. */
const keyLists = new WeakMap<object, { readonly keys: string[]; readonly at: number }>();
const KEYS_FOR_MS = 2000;

/** Own string keys, array indices and a typed array's elements aside. */
function ownKeys(value: object): string[] {
  const kept = keyLists.get(value);
  if (kept && performance.now() - kept.at < KEYS_FOR_MS) return kept.keys;
  const keys = listKeys(value);
  // Only a long list is worth keeping (the walk is what costs).
  if (keys.length > 10_000) keyLists.set(value, { keys, at: performance.now() });
  return keys;
}

function listKeys(value: object): string[] {
  const names = Object.getOwnPropertyNames(value);
  // imago keeps a class's `#private` fields under symbols described `#name` (they survive edits that way): shown by that name.
  // Two classes of a chain may each have a `#x`: the second is `#x (2)`, and so on, in the object's order.
  const seen = new Map<string, number>();
  const privates: string[] = [];
  for (const sym of Object.getOwnPropertySymbols(value)) {
    const d = sym.description;
    if (d === undefined || !d.startsWith('#') || names.includes(d)) continue;
    const n = (seen.get(d) ?? 0) + 1;
    seen.set(d, n);
    privates.push(n === 1 ? d : `${d} (${n})`);
  }
  if (!Array.isArray(value) && !types.isTypedArray(value)) return [...names, ...privates];
  return [...names.filter((k) => k !== 'length' && !/^(?:0|[1-9]\d*)$/.test(k)), ...privates];
}

/** An own property's descriptor by the name the inspector shows: a string key, else a `#private` field's symbol. */
function descriptor(value: object, key: string): PropertyDescriptor | undefined {
  const d = Object.getOwnPropertyDescriptor(value, key);
  if (d || !key.startsWith('#')) return d;
  const [, name, nth] = /^(#[^ ]+)(?: \((\d+)\))?$/.exec(key) ?? [];
  const sym = Object.getOwnPropertySymbols(value).filter((x) => x.description === name)[Number(nth ?? 1) - 1];
  return sym === undefined ? undefined : Object.getOwnPropertyDescriptor(value, sym);
}

/** `descriptor`, or 'uninitialized' for a module namespace's binding not yet initialized (reading it throws). */
function readDescriptor(value: object, key: string): PropertyDescriptor | undefined | 'uninitialized' {
  try {
    return descriptor(value, key);
  } catch {
    return 'uninitialized';
  }
}

const UNINITIALIZED: Preview = { type: 'uninitialized', text: '<uninitialized>', expandable: false };

/** An own property's preview text: its value's short form, or `(...)` for an accessor (not called). */
function propertyText(value: object, key: string): string {
  if (unformattedStack(value, key)) return '(...)';
  const d = readDescriptor(value, key);
  if (d === 'uninitialized') return '<uninitialized>';
  if (!d) return 'undefined';
  return 'value' in d ? short(d.value) : '(...)';
}

/** Up to ITEMS entries of a Map or Set, through the built-in iterator (the object's own methods are not called). */
function firstEntries(m: object, isMap: boolean, count: number, skip = 0): Array<readonly [unknown, unknown]> {
  const iterator = call<object>(isMap ? MAP_ENTRIES : SET_VALUES, m);
  const next = isMap ? MAP_ITERATOR_NEXT : SET_ITERATOR_NEXT;
  const out: Array<readonly [unknown, unknown]> = [];
  for (let i = 0; out.length < count; i++) {
    const step = call<IteratorResult<unknown>>(next, iterator);
    if (step.done) break;
    if (i < skip) continue;
    const entry = step.value;
    out.push(isMap ? [(entry as unknown[])[0], (entry as unknown[])[1]] : [entry, entry]);
  }
  return out;
}

function arrayItems(array: unknown[], from: number, count: number): Array<PropertyDescriptor | undefined> {
  const length = own(array, 'length') as number;
  const out: Array<PropertyDescriptor | undefined> = [];
  for (let i = from; i < Math.min(length, from + count); i++) out.push(Object.getOwnPropertyDescriptor(array, i));
  return out;
}

export function preview(value: unknown): Preview {
  if (value === null) return { type: 'null', text: 'null', expandable: false };
  switch (typeof value) {
    case 'undefined':
      return { type: 'undefined', text: 'undefined', expandable: false };
    case 'string':
      return value.length > MAX_TEXT
        ? { type: 'string', text: `${quoted(value)} (${value.length.toLocaleString('en-US')} characters)`, expandable: true, size: value.length }
        : { type: 'string', text: quoted(value), expandable: false };
    case 'number':
    case 'boolean':
      return { type: typeof value, text: Object.is(value, -0) ? '-0' : String(value), expandable: false };
    case 'bigint':
    case 'symbol':
      return { type: typeof value, text: short(value), expandable: false };
    case 'function': {
      if (types.isProxy(value)) return { type: 'proxy', text: 'Proxy of a function (not opened: its traps are code)', expandable: false };
      // `class X {`, `class {`, not a method named class (`class() {}`).
      const isClass = /^class[\s{]/.test(Reflect.apply(FUNCTION_TEXT, value, []).slice(0, 6));
      return { type: isClass ? 'class' : 'function', text: isClass ? `class ${functionName(value)}` : `ƒ ${functionName(value)}()`, expandable: false };
    }
  }
  const object = value as object;
  if (types.isProxy(object)) return { type: 'proxy', text: 'Proxy (not opened: its traps are code)', expandable: false };
  const store = stores.get(object);
  if (store) return { type: 'store', text: `${store.name}: ${store.size.toLocaleString('en-US')} rows (its rows are in the Stores pane)`, expandable: false };
  if (Array.isArray(object)) {
    const length = own(object, 'length') as number;
    const items = arrayItems(object, 0, ITEMS).map((d) => (d === undefined ? 'empty' : 'value' in d ? short(d.value) : '(...)'));
    return { type: 'array', text: cut(`Array(${length}) [${items.join(', ')}${length > ITEMS ? ', …' : ''}]`), expandable: length > 0, size: length };
  }
  if (types.isTypedArray(object)) {
    const length = call<number>(TYPED_LENGTH, object);
    const array = object as unknown as ArrayLike<number | bigint>;
    const items = Array.from({ length: Math.min(ITEMS, length) }, (_, i) => String(array[i]));
    return {
      type: 'typed',
      text: cut(`${className(object)}(${length}) [${items.join(', ')}${length > ITEMS ? ', …' : ''}]`),
      expandable: length > 0,
      size: length,
    };
  }
  if (types.isMap(object) || types.isSet(object)) {
    const isMap = types.isMap(object);
    const size = call<number>(isMap ? MAP_SIZE : SET_SIZE, object);
    const items = firstEntries(object, isMap, ITEMS).map(([k, v]) => (isMap ? `${short(k)} => ${short(v)}` : short(v)));
    return {
      type: isMap ? 'map' : 'set',
      text: cut(`${className(object)}(${size}) {${items.join(', ')}${size > ITEMS ? ', …' : ''}}`),
      expandable: size > 0,
      size,
    };
  }
  if (types.isDate(object)) {
    const t = Reflect.apply(DATE_TIME, object, []) as number;
    return { type: 'date', text: Number.isNaN(t) ? 'Invalid Date' : new Date(t).toISOString(), expandable: false };
  }
  if (types.isRegExp(object)) {
    const flags = REGEXP_FLAGS.map(([get, letter]) => (call<boolean>(get, object) ? letter : '')).join('');
    return { type: 'regexp', text: cut(`/${call<string>(REGEXP_SOURCE, object)}/${flags}`), expandable: false };
  }
  if (types.isPromise(object)) return { type: 'promise', text: 'Promise', expandable: false };
  if (types.isArrayBuffer(object) || types.isSharedArrayBuffer(object)) {
    const bytes = call<number>(types.isArrayBuffer(object) ? ARRAY_BUFFER_BYTES : SHARED_BUFFER_BYTES, object);
    return { type: 'buffer', text: `${className(object)}(${bytes.toLocaleString('en-US')} bytes)`, expandable: false };
  }
  if (types.isWeakMap(object) || types.isWeakSet(object))
    return { type: 'weak', text: `${className(object)} (entries not listed: held weakly)`, expandable: false };
  if (types.isNativeError(object)) {
    const message = own(object, 'message');
    return { type: 'error', text: cut(`${className(object)}${typeof message === 'string' ? `: ${message}` : ''}`), expandable: true };
  }
  const keys = ownKeys(object);
  const name = className(object);
  const shown = keys.slice(0, ITEMS).map((k) => `${k}: ${propertyText(object, k)}`);
  return {
    type: 'object',
    text: cut(`${name === 'Object' ? '' : `${name} `}{${shown.join(', ')}${keys.length > ITEMS ? ', …' : ''}}`),
    expandable: keys.length > 0,
  };
}

/** The value one key further down, or why it cannot be opened. */
export function child(value: unknown, key: string | number): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, message: `${preview(value).text} has no entries` };
  if (types.isProxy(value)) return { ok: false, message: 'a Proxy is not opened: its traps are code' };
  if (types.isMap(value) || types.isSet(value)) {
    if (typeof key !== 'number') return { ok: false, message: `entries of a ${className(value)} are named by their position, not '${key}'` };
    const [entry] = firstEntries(value, types.isMap(value), 1, key);
    if (!entry) return { ok: false, message: `the ${className(value)} has fewer than ${key + 1} entries now` };
    return { ok: true, value: entry[1] };
  }
  const name = String(key);
  if (unformattedStack(value, name))
    return { ok: false, message: `a stack is not read by the inspector (formatting it may run the program's code): read ${name} in the REPL` };
  const d = readDescriptor(value, name);
  if (d === 'uninitialized') return { ok: false, message: `'${name}' is not initialized yet` };
  if (!d) return { ok: false, message: `'${name}' is not there now (the value changed since it was shown)` };
  if (!('value' in d)) return { ok: false, message: `'${name}' is a getter: the inspector does not run it` };
  return { ok: true, value: d.value };
}

/** A page of `value`'s entries: elements, map or set entries, or own properties. */
export function entries(value: unknown, offset: number, limit: number): { readonly entries: Entry[]; readonly total: number } {
  if (typeof value === 'string') {
    // A long string, opened: its text in pieces of CHUNK characters.
    const out: Entry[] = [];
    for (let k = offset; k < Math.min(Math.ceil(value.length / CHUNK), offset + limit); k++)
      out.push({
        key: k,
        label: `[${(k * CHUNK).toLocaleString('en-US')}…]`,
        value: { type: 'text', text: value.slice(k * CHUNK, (k + 1) * CHUNK), expandable: false },
      });
    return { entries: out, total: Math.ceil(value.length / CHUNK) };
  }
  if (typeof value !== 'object' || value === null || types.isProxy(value) || stores.has(value)) return { entries: [], total: 0 };
  if (Array.isArray(value)) {
    const out = arrayItems(value, offset, limit).map(
      (d, i): Entry => ({
        key: String(offset + i),
        label: `[${offset + i}]`,
        value: d === undefined ? { type: 'hole', text: 'empty', expandable: false } : entryValue(d),
      }),
    );
    return { entries: out, total: own(value, 'length') as number };
  }
  if (types.isTypedArray(value)) {
    const length = call<number>(TYPED_LENGTH, value);
    const array = value as unknown as ArrayLike<unknown>;
    const out: Entry[] = [];
    for (let i = offset; i < Math.min(length, offset + limit); i++) out.push({ key: String(i), label: `[${i}]`, value: preview(array[i]) });
    return { entries: out, total: length };
  }
  if (types.isMap(value) || types.isSet(value)) {
    const isMap = types.isMap(value);
    const out = firstEntries(value, isMap, limit, offset).map(
      ([k, v], i): Entry =>
        isMap
          ? { key: offset + i, label: `[[entry ${offset + i}]]`, mapKey: preview(k), value: preview(v) }
          : { key: offset + i, label: `[${offset + i}]`, value: preview(v) },
    );
    return { entries: out, total: call<number>(isMap ? MAP_SIZE : SET_SIZE, value) };
  }
  const keys = ownKeys(value);
  const out = keys.slice(offset, offset + limit).map((k): Entry => {
    if (unformattedStack(value, k))
      return {
        key: k,
        label: k,
        value: { type: 'getter', text: '(...) formatting a stack may run the program’s code: read it in the REPL', expandable: false },
      };
    const d = readDescriptor(value, k);
    if (d === 'uninitialized') return { key: k, label: k, value: UNINITIALIZED };
    return { key: k, label: d && !('value' in d) ? `get ${k}` : k, value: d ? entryValue(d) : preview(undefined) };
  });
  return { entries: out, total: keys.length };
}

/** A `stack`: V8 formats it when it is first read, through `Error.prepareStackTrace` and the message's `toString`. */
function unformattedStack(_value: object, key: string): boolean {
  // Not only errors: Error.captureStackTrace(obj) gives any object (a DOMException, a library's own error class) such a stack.
  return key === 'stack';
}

function entryValue(d: PropertyDescriptor): Preview {
  return 'value' in d ? preview(d.value) : { type: 'getter', text: '(...)', expandable: false };
}

/** A store cell or a value shown on one line of a table. */
export function cellText(value: unknown): string {
  return typeof value === 'number' ? String(value) : preview(value).text;
}
