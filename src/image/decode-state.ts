// Reading a saved state back: every object is made first (instances as `Object.create` of their class's
// prototype, in bucket order), then filled, each instance getting its fields in the saved order, so the
// instances of a class share one hidden class with fast properties. Nothing read is ever run: classes
// and functions are names the image resolves against the program as it is now.

import type { StoreImage } from '../store/serialize.js';
import { ByteReader } from './bytes.js';
import {
  Column,
  Kind,
  type SavedKey,
  type SavedNamed,
  type SavedStore,
  type StateDirectory,
  StateFormatError,
  Tag,
  TYPED,
  TYPED_MAKERS,
} from './state-format.js';
import { unpackStrings } from './strings.js';
import { unpackTable } from './tables.js';

export interface DecodeRefs {
  /** The prototype instances of saved class `index` get. */
  prototype(index: number): object;
  named(n: SavedNamed): unknown;
  privateKey(module: string, key: string): symbol;
  /** A store made for `saved` and restored to `image` (its plain columns are filled afterwards, in place). */
  store(saved: SavedStore, image: StoreImage): { readonly columns: readonly unknown[] };
  /** Compiles a function (the host's compileFunction): makers of whole objects. Without it, objects are filled key by key. */
  compile?(params: readonly string[], body: string): (...args: never[]) => unknown;
  /**
   * False for a shape whose objects are about to gain fields (a resume migrates them): an object made
   * whole by a literal has no room to grow, and a million of them growing cost more than filling them.
   */
  whole?(shape: number): boolean;
  /** For a shape whose objects take other names or another order than saved: the keys, and the order to give them. */
  layout?(shape: number): { readonly keys: readonly SavedKey[]; readonly order: readonly number[] } | undefined;
}

export interface DecodedState {
  /** The saved bindings' values, module by module as the directory lists them. */
  readonly values: unknown[];
  /** The objects of each saved class (not its subclasses'), by class index. */
  readonly instances: object[][];
}

/** Decodes a payload `encodeState` wrote; throws StateFormatError saying what is wrong. */
export function decodeState(directory: StateDirectory, payload: Uint8Array, refs: DecodeRefs, what: string): DecodedState {
  const fail = (problem: string): never => {
    throw new StateFormatError(`${what}: ${problem}`);
  };
  // A plain Uint8Array over the bytes: a Node Buffer's slice() would share memory instead of copying.
  payload = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const head = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.byteLength < 8 || head.getUint32(0, true) !== directory.format) fail('its state is not of the format its header says');
  const count = head.getUint32(4, true);
  if (count < 4 || 8 + 4 * count > payload.byteLength) fail('its state has a broken table of sections');
  const sections: Uint8Array[] = [];
  let at = 8 + 4 * count;
  for (let i = 0; i < count; i++) {
    const n = head.getUint32(8 + 4 * i, true);
    if (at + n > payload.byteLength) fail(`its section ${i} runs past the end`);
    sections.push(payload.subarray(at, at + n));
    at += n;
  }
  const copy = (b: Uint8Array): ArrayBuffer => b.slice().buffer;
  const strings = unpackStrings(new Uint32Array(copy(sections[0]!)), sections[1]!, what);
  const shell = new ByteReader(sections[2]!, `${what} (objects)`);
  const fill = new ByteReader(sections[3]!, `${what} (values)`);
  const blocks = sections.slice(4);
  const block = (r: ByteReader): Uint8Array => blocks[r.varint()] ?? fail('it refers to a block it does not have');
  const objects = new Array<unknown>(directory.objects);
  const str = (r: ByteReader): string => strings[r.varint()] ?? fail('it refers to a string it does not have');

  const value = (r: ByteReader): unknown => {
    const tag = r.u8();
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Float:
        return r.f64();
      case Tag.Int: {
        const z = r.varint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case Tag.String:
        return str(r);
      case Tag.BigInt:
        return BigInt(str(r));
      case Tag.Symbol:
        return Symbol.for(str(r));
      case Tag.Object: {
        const id = r.varint();
        if (id >= objects.length) fail(`it refers to object ${id} of ${objects.length}`);
        return objects[id];
      }
      default:
        return fail(`it holds a value of unknown kind ${tag}`);
    }
  };

  const instances: object[][] = directory.classes.map(() => []);
  // Per bucket, what the second pass needs: columns read ahead, array lengths, stores.
  const ahead: unknown[] = [];
  let id = 0;
  for (const b of directory.buckets) {
    const start = id;
    if (start + b.count > objects.length) fail('its buckets hold more objects than it says');
    switch (b.kind) {
      case Kind.Shaped: {
        const shape = directory.shapes[b.shape ?? -1] ?? fail('a bucket refers to a shape it does not have');
        const proto = shape.proto === -1 ? Object.prototype : shape.proto === -2 ? null : refs.prototype(shape.proto);
        const mine = shape.proto >= 0 ? instances[shape.proto] : undefined;
        const cols = (b.columns ?? []).map((c) => {
          if (c === Column.Float) {
            const bytes = block(shell);
            if (bytes.byteLength !== b.count * 8) fail('a number column has the wrong length');
            return new Float64Array(copy(bytes));
          }
          if (c === Column.Text) {
            const lengths = block(shell);
            const list = unpackStrings(new Uint32Array(copy(lengths)), block(shell), what);
            if (list.length !== b.count) fail('a string column has the wrong length');
            return list;
          }
          return c === Column.Unset ? [] : null;
        });
        // Columns that hold no references (numbers, strings): the objects are made whole at once, by
        // object literals a compiled maker writes (3x faster than Object.create and a store per field).
        const whole = refs.compile && cols.every((c) => c !== null) && (refs.whole?.(b.shape!) ?? true);
        const made = whole ? makeWhole(refs, directory, b.shape!, proto, cols as ArrayLike<unknown>[], b.count) : null;
        for (let i = 0; i < b.count; i++) {
          const o = made ? made[i]! : (Object.create(proto) as object);
          objects[id++] = o;
          mine?.push(o);
        }
        ahead.push(made ? 'made' : cols);
        break;
      }
      case Kind.Sparse:
        for (let i = 0; i < b.count; i++) {
          const a: unknown[] = [];
          a.length = shell.varint();
          objects[id++] = a;
        }
        ahead.push(null);
        break;
      case Kind.Array: {
        const lengths: number[] = [];
        for (let i = 0; i < b.count; i++) {
          lengths.push(shell.varint());
          objects[id++] = [];
        }
        ahead.push(lengths);
        break;
      }
      case Kind.Store: {
        const made: Array<{ columns: readonly unknown[]; lengths: number[] }> = [];
        for (let i = 0; i < b.count; i++) {
          const saved = directory.stores[shell.varint()] ?? fail('it refers to a store it does not have');
          const { meta } = saved;
          if (!Number.isInteger(meta.slotsUsed) || meta.slotsUsed < 0 || meta.slotsUsed > 2 ** 24) fail(`a store says it used ${String(meta.slotsUsed)} slots`);
          const length = meta.layout === 'packed' ? meta.size : meta.slotsUsed;
          const tables = Array.from({ length: saved.tables }, () => unpackTable(shell, meta.slotsUsed, block));
          // Numeric columns are views of the payload: restoreStore copies them into the store's own arrays.
          const columns = meta.fields.map((f) => (f.kind === 'value' ? new Array<unknown>(length) : block(shell)));
          const store = refs.store(saved, { ...meta, tables, columns });
          made.push({ columns: store.columns, lengths: meta.fields.map((f) => (f.kind === 'value' ? length : -1)) });
          objects[id++] = store;
        }
        ahead.push(made);
        break;
      }
      default:
        for (let i = 0; i < b.count; i++) objects[id++] = shellOf(b.kind, shell, objects, { value, block, str }, refs, directory, fail);
        ahead.push(null);
    }
  }
  if (id !== objects.length) fail(`its buckets hold ${id} objects, not ${objects.length}`);

  id = 0;
  directory.buckets.forEach((b, bi) => {
    const start = id;
    id += b.count;
    if (b.kind === Kind.Shaped) {
      const shape = directory.shapes[b.shape!]!;
      const { keys, order } = keysOf(refs, directory, b.shape!);
      if (ahead[bi] === 'made') {
        hide(objects, start, b.count, shape.hidden, keys);
        return;
      }
      const cols = (ahead[bi] as Array<ArrayLike<unknown> | null>).map((c) => {
        if (c) return c;
        const list = new Array<unknown>(b.count);
        for (let i = 0; i < b.count; i++) list[i] = value(fill);
        return list;
      });
      const k = keys.length;
      // An own `__proto__` (JSON.parse makes them) is defined: assigning it would set the prototype.
      const own = keys.indexOf('__proto__');
      for (let i = 0; i < b.count; i++) {
        const o = objects[start + i] as Record<string | symbol, unknown>;
        for (let n = 0; n < k; n++) {
          const j = order[n]!;
          if (j === own) Object.defineProperty(o, '__proto__', { value: cols[j]![i], writable: true, enumerable: true, configurable: true });
          else o[keys[j]!] = cols[j]![i];
        }
      }
      hide(objects, start, b.count, shape.hidden, keys);
    } else if (b.kind === Kind.Array) {
      const lengths = ahead[bi] as number[];
      for (let i = 0; i < b.count; i++) {
        const a = objects[start + i] as unknown[];
        const n = lengths[i]!;
        if (n > 0 && fill.peek() === Tag.Run) {
          fill.u8();
          const from = fill.varint();
          if (from + n > objects.length) fail('an array refers to objects it does not have');
          for (let j = 0; j < n; j++) a.push(objects[from + j]);
          continue;
        }
        for (let j = 0; j < n; j++) {
          if (fillHole(fill)) a.length = j + 1;
          else a.push(value(fill));
        }
      }
    } else if (b.kind === Kind.Sparse) {
      for (let i = 0; i < b.count; i++) {
        const a = objects[start + i] as unknown[];
        for (let n = fill.varint(); n > 0; n--) {
          const at = fill.varint();
          if (at >= a.length) fail('a sparse array holds an index past its length');
          a[at] = value(fill);
        }
      }
    } else if (b.kind === Kind.Map) {
      for (let i = 0; i < b.count; i++) {
        const m = objects[start + i] as Map<unknown, unknown>;
        for (let n = fill.varint(); n > 0; n--) m.set(value(fill), value(fill));
      }
    } else if (b.kind === Kind.Set) {
      for (let i = 0; i < b.count; i++) {
        const s = objects[start + i] as Set<unknown>;
        for (let n = fill.varint(); n > 0; n--) s.add(value(fill));
      }
    } else if (b.kind === Kind.Store) {
      for (const { columns, lengths } of ahead[bi] as Array<{ columns: readonly unknown[]; lengths: number[] }>) {
        lengths.forEach((n, j) => {
          const col = columns[j] as unknown[];
          for (let r = 0; r < n; r++) col[r] = value(fill);
        });
      }
    }
  });
  const values: unknown[] = [];
  for (const m of directory.modules) for (const _ of m.bindings) values.push(value(fill));
  if (!fill.done || !shell.done) fail('its state has bytes left over after its last value');
  return { values, instances };
}

/** The keys a shape's objects get (renamed by a resume's plan, private names as their symbols), and in what order. */
function keysOf(refs: DecodeRefs, directory: StateDirectory, shapeIndex: number): { keys: Array<string | symbol>; order: number[] } {
  const planned = refs.layout?.(shapeIndex);
  const keys = (planned?.keys ?? directory.shapes[shapeIndex]!.keys).map((k) => (typeof k === 'string' ? k : refs.privateKey(k.module, k.private)));
  return { keys, order: planned?.order ? [...planned.order] : keys.map((_, j) => j) };
}

/** Makes the keys of a shape listed as not enumerable so. */
function hide(objects: readonly unknown[], start: number, count: number, hidden: readonly number[], keys: ReadonlyArray<string | symbol>): void {
  for (const h of hidden) {
    const key = keys[h]!;
    for (let i = 0; i < count; i++) Object.defineProperty(objects[start + i] as object, key, { enumerable: false });
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The objects of a bucket whose columns are all values (no references), made by a compiled maker:
 * `a[i] = { __proto__: P, x: c0[i], ... }`, the keys in their order. A key that is no identifier, a
 * symbol, or an own `__proto__` is a computed key (a plain `__proto__:` would set the prototype).
 */
function makeWhole(refs: DecodeRefs, directory: StateDirectory, shapeIndex: number, proto: object | null, cols: ArrayLike<unknown>[], count: number): object[] {
  const { keys, order } = keysOf(refs, directory, shapeIndex);
  const fields = order.map((j) => {
    const k = keys[j]!;
    const name = typeof k === 'string' && IDENTIFIER.test(k) && k !== '__proto__' ? k : `[k${j}]`;
    return `${name}: c${j}[i]`;
  });
  const params = ['P', 'N', ...keys.map((_, j) => `k${j}`), ...cols.map((_, j) => `c${j}`)];
  const body = `"use strict";\nconst a = new Array(N);\nfor (let i = 0; i < N; i++) a[i] = { __proto__: P, ${fields.join(', ')} };\nreturn a;`;
  const make = refs.compile!(params, body) as (...args: unknown[]) => object[];
  return make(proto, count, ...keys, ...cols);
}

/** Peeks for a hole in an array's values (consumed when it is one). */
function fillHole(r: ByteReader): boolean {
  if (r.peek() !== Tag.Hole) return false;
  r.u8();
  return true;
}

function shellOf(
  kind: Kind,
  shell: ByteReader,
  objects: readonly unknown[],
  read: { value(r: ByteReader): unknown; block(r: ByteReader): Uint8Array; str(r: ByteReader): string },
  refs: DecodeRefs,
  directory: StateDirectory,
  fail: (problem: string) => never,
): unknown {
  const { value, block, str } = read;
  switch (kind) {
    case Kind.Map:
      return new Map();
    case Kind.Set:
      return new Set();
    case Kind.Date:
      return new Date(shell.f64());
    case Kind.RegExp: {
      const r = new RegExp(str(shell), str(shell));
      r.lastIndex = shell.varint();
      return r;
    }
    case Kind.Buffer:
      return block(shell).slice().buffer;
    case Kind.Typed: {
      const make = TYPED_MAKERS[TYPED[shell.u8()] ?? 'Uint8Array'];
      const buffer = objects[shell.varint()];
      if (!(buffer instanceof ArrayBuffer)) return fail('a typed array refers to something that is not a buffer');
      try {
        return new make(buffer, shell.varint(), shell.varint());
      } catch (e: unknown) {
        return fail(`a typed array does not fit its buffer (${(e as Error).message})`);
      }
    }
    case Kind.Boxed:
      return Object(value(shell)) as object;
    case Kind.Named:
      return refs.named(directory.named[shell.varint()] ?? fail('it refers to a function it does not have'));
    default:
      return fail(`it holds objects of unknown kind ${kind}`);
  }
}
