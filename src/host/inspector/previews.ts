// How the inspector shows a live value without holding it or changing it: a one-line preview, and a
// page of its entries when it is opened. Nothing here runs the program's code: getters are shown, not
// called; proxies are not opened (a trap is code); `inspect.custom` methods and `toString`s are not
// called. Every walk is bounded (a page, a few items of a preview), so a value of a million elements
// costs what a page of it costs.

import { types } from 'node:util';
import { StoreCore } from '../../store/store-core.js';
import type { Entry, Preview } from './wire.js';

/** A preview's longest text, and how many items of a container it names. */
const MAX_TEXT = 200;
const ITEMS = 5;

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** The name of the class `value` was made by, read without running a getter. */
export function className(value: object): string {
  let proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'Object';
  for (let depth = 0; proto && depth < 50; depth++) {
    const d = Object.getOwnPropertyDescriptor(proto, 'constructor');
    if (d && 'value' in d && typeof d.value === 'function') {
      const name = Object.getOwnPropertyDescriptor(d.value, 'name');
      if (name && 'value' in name && typeof name.value === 'string' && name.value !== '') return name.value;
      return 'anonymous';
    }
    proto = Object.getPrototypeOf(proto);
  }
  return 'Object';
}

function quoted(s: string): string {
  return JSON.stringify(s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);
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
      return `ƒ ${functionName(value)}`;
    case 'object':
      if (types.isProxy(value)) return 'Proxy';
      if (Array.isArray(value)) return `Array(${value.length})`;
      if (value instanceof Map || value instanceof Set) return `${className(value)}(${value.size})`;
      return className(value) === 'Object' ? '{…}' : className(value);
    default:
      return String(value);
  }
}

function functionName(f: object): string {
  const d = Object.getOwnPropertyDescriptor(f, 'name');
  return d && 'value' in d && typeof d.value === 'string' && d.value !== '' ? d.value : '(anonymous)';
}

/** Own string keys of a plain or class object, without calling anything. */
function ownKeys(value: object): string[] {
  return Object.getOwnPropertyNames(value).filter((k) => !(Array.isArray(value) && (k === 'length' || /^\d+$/.test(k))));
}

/** An own property's preview text: its value's short form, or `(...)` for an accessor (not called). */
function propertyText(value: object, key: string): string {
  const d = Object.getOwnPropertyDescriptor(value, key);
  if (!d) return 'undefined';
  return 'value' in d ? short(d.value) : '(...)';
}

export function preview(value: unknown): Preview {
  if (value === null) return { type: 'null', text: 'null', expandable: false };
  switch (typeof value) {
    case 'undefined':
      return { type: 'undefined', text: 'undefined', expandable: false };
    case 'string':
      return { type: 'string', text: quoted(value), expandable: false };
    case 'number':
    case 'boolean':
      return { type: typeof value, text: Object.is(value, -0) ? '-0' : String(value), expandable: false };
    case 'bigint':
    case 'symbol':
      return { type: typeof value, text: short(value), expandable: false };
    case 'function': {
      const isClass = /^class\b/.test(Function.prototype.toString.call(value).slice(0, 6));
      return { type: isClass ? 'class' : 'function', text: isClass ? `class ${functionName(value)}` : `ƒ ${functionName(value)}()`, expandable: false };
    }
  }
  const object = value as object;
  if (types.isProxy(object)) return { type: 'proxy', text: 'Proxy (not opened: its traps are code)', expandable: false };
  if (object instanceof StoreCore)
    return { type: 'store', text: `${object.name}: ${object.size.toLocaleString('en-US')} rows (its rows are in the Stores pane)`, expandable: false };
  if (Array.isArray(object)) {
    const items = object.slice(0, ITEMS).map(short);
    return {
      type: 'array',
      text: cut(`Array(${object.length}) [${items.join(', ')}${object.length > ITEMS ? ', …' : ''}]`),
      expandable: object.length > 0,
      size: object.length,
    };
  }
  if (types.isTypedArray(object)) {
    const array = object as unknown as ArrayLike<number | bigint>;
    const items = Array.from({ length: Math.min(ITEMS, array.length) }, (_, i) => String(array[i]));
    return {
      type: 'typed',
      text: cut(`${className(object)}(${array.length}) [${items.join(', ')}${array.length > ITEMS ? ', …' : ''}]`),
      expandable: array.length > 0,
      size: array.length,
    };
  }
  if (types.isMap(object) || types.isSet(object)) {
    const m = object as Map<unknown, unknown> | Set<unknown>;
    const items: string[] = [];
    for (const [k, v] of m.entries()) {
      if (items.length === ITEMS) break;
      items.push(types.isMap(object) ? `${short(k)} => ${short(v)}` : short(v));
    }
    const type = types.isMap(object) ? 'map' : 'set';
    return { type, text: cut(`${className(object)}(${m.size}) {${items.join(', ')}${m.size > ITEMS ? ', …' : ''}}`), expandable: m.size > 0, size: m.size };
  }
  if (types.isDate(object)) {
    const t = Date.prototype.getTime.call(object);
    return { type: 'date', text: Number.isNaN(t) ? 'Invalid Date' : new Date(t).toISOString(), expandable: false };
  }
  if (types.isRegExp(object)) return { type: 'regexp', text: cut(RegExp.prototype.toString.call(object)), expandable: false };
  if (types.isPromise(object)) return { type: 'promise', text: 'Promise', expandable: false };
  if (types.isWeakMap(object) || types.isWeakSet(object))
    return { type: 'weak', text: `${className(object)} (entries not listed: held weakly)`, expandable: false };
  if (types.isNativeError(object) || object instanceof Error) {
    const message = Object.getOwnPropertyDescriptor(object, 'message');
    const text = message && 'value' in message ? String(message.value) : '';
    return { type: 'error', text: cut(`${className(object)}: ${text}`), expandable: true };
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
    let i = 0;
    for (const v of (value as Map<unknown, unknown> | Set<unknown>).values()) if (i++ === key) return { ok: true, value: v };
    return { ok: false, message: `the ${className(value)} has ${(value as Map<unknown, unknown>).size} entries now, not ${key + 1}` };
  }
  const name = String(key);
  const d = Object.getOwnPropertyDescriptor(value, name);
  if (!d) return { ok: false, message: `'${name}' is not there now (the value changed since it was shown)` };
  if (!('value' in d)) return { ok: false, message: `'${name}' is a getter: the inspector does not run it` };
  return { ok: true, value: d.value };
}

/** A page of `value`'s entries: elements, map or set entries, or own properties. */
export function entries(value: unknown, offset: number, limit: number): { readonly entries: Entry[]; readonly total: number } {
  if (typeof value !== 'object' || value === null || types.isProxy(value)) return { entries: [], total: 0 };
  if (Array.isArray(value) || types.isTypedArray(value)) {
    const array = value as unknown as ArrayLike<unknown>;
    const out: Entry[] = [];
    for (let i = offset; i < Math.min(array.length, offset + limit); i++) {
      const d = Array.isArray(value) ? Object.getOwnPropertyDescriptor(value, i) : { value: array[i] };
      out.push({ key: String(i), label: `[${i}]`, value: d === undefined ? { type: 'hole', text: 'empty', expandable: false } : entryValue(d) });
    }
    return { entries: out, total: array.length };
  }
  if (types.isMap(value) || types.isSet(value)) {
    const m = value as Map<unknown, unknown> | Set<unknown>;
    const out: Entry[] = [];
    let i = 0;
    for (const [k, v] of m.entries()) {
      if (i >= offset + limit) break;
      if (i >= offset)
        out.push(
          types.isMap(value) ? { key: i, label: `[[entry ${i}]]`, mapKey: preview(k), value: preview(v) } : { key: i, label: `[${i}]`, value: preview(v) },
        );
      i++;
    }
    return { entries: out, total: m.size };
  }
  const keys = ownKeys(value);
  const out = keys.slice(offset, offset + limit).map((k): Entry => {
    const d = Object.getOwnPropertyDescriptor(value, k);
    return { key: k, label: d && !('value' in d) ? `get ${k}` : k, value: d ? entryValue(d) : preview(undefined) };
  });
  return { entries: out, total: keys.length };
}

function entryValue(d: PropertyDescriptor): Preview {
  return 'value' in d ? preview(d.value) : { type: 'getter', text: '(...)', expandable: false };
}

/** A store cell or a value shown on one line of a table. */
export function cellText(value: unknown): string {
  return typeof value === 'number' ? String(value) : preview(value).text;
}
