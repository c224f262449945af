// The second pass of a save: the buckets the discovery made, written as a directory and a payload
// (state-format.ts). Synchronous: the program does not run while its state is copied.

import { ByteWriter } from './bytes.js';
import { Discovery, type EncodeRefs } from './discover.js';
import { pathTo } from './paths.js';
import {
  Column,
  Kind,
  type SavedBucket,
  type SavedClass,
  type SavedEnum,
  type SavedNamed,
  type SavedShape,
  type SavedStore,
  type SkippedBinding,
  STATE_FORMAT,
  type StateDirectory,
  Tag,
  TYPED,
} from './state-format.js';
import { packStrings, StringTable, wellFormed } from './strings.js';
import { packTable } from './tables.js';
import { sparseIndices } from './values.js';

export interface StateRoot {
  readonly module: string;
  readonly name: string;
  /** The declaring statement's text. */
  readonly text: string;
  readonly value: unknown;
}

export interface EncodedState {
  readonly directory: StateDirectory;
  /** Its bytes, in chunks to be written one after the other (image-file.ts never joins them). */
  readonly payload: readonly Uint8Array[];
}

const INT_LIMIT = 2 ** 30;

/** Saves `roots` (each binding's value) and what they reach; bindings that reach what cannot be saved are listed, not saved. */
export function encodeState(roots: readonly StateRoot[], refs: EncodeRefs, enums: readonly SavedEnum[]): EncodedState {
  const skipped: SkippedBinding[] = [];
  const left = new Set<number>();
  // A binding that reaches what cannot be saved is left out: what its walk registered is taken back
  // (a later binding that shares those objects registers them again).
  const d = new Discovery(refs);
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i]!;
    const mark = d.mark();
    if (!d.walk(root.value)) continue;
    d.undo(mark);
    left.add(i);
    // Every such value of the binding (up to ten) is said at once, not one per save.
    const all: Array<{ value: unknown; why: string }> = [];
    new Discovery(refs).walk(root.value, all);
    for (const bad of all) skipped.push({ module: root.module, name: root.name, path: `${root.name}${pathTo(root.value, bad.value)}`, what: bad.why });
  }
  return new Writer(d, refs).write(
    roots.filter((_, i) => !left.has(i)),
    enums,
    skipped,
  );
}

class Writer {
  readonly #strings = new StringTable();
  readonly #shell = new ByteWriter();
  readonly #fill = new ByteWriter();
  readonly #blocks: Uint8Array[] = [];
  readonly #classIndex = new Map<object, number>();
  readonly #named: SavedNamed[] = [];
  readonly #namedIndex = new Map<string, number>();

  constructor(
    private readonly d: Discovery,
    private readonly refs: EncodeRefs,
  ) {}

  #id(o: object): number {
    const n = this.d.ids.get(o)!;
    return this.d.bucketOf[n]!.start + this.d.posOf[n]!;
  }

  #block(bytes: Uint8Array): number {
    this.#blocks.push(bytes);
    return this.#blocks.length - 1;
  }

  #value(w: ByteWriter, v: unknown): void {
    switch (typeof v) {
      case 'undefined':
        w.u8(Tag.Undefined);
        return;
      case 'boolean':
        w.u8(v ? Tag.True : Tag.False);
        return;
      case 'number':
        if (Number.isInteger(v) && v > -INT_LIMIT && v < INT_LIMIT && !Object.is(v, -0)) {
          w.u8(Tag.Int);
          w.varint(v >= 0 ? v * 2 : -v * 2 - 1);
        } else {
          w.u8(Tag.Float);
          w.f64(v);
        }
        return;
      case 'string':
        w.u8(Tag.String);
        w.varint(this.#strings.id(v));
        return;
      case 'bigint':
        w.u8(Tag.BigInt);
        w.varint(this.#strings.id(v.toString()));
        return;
      case 'symbol':
        w.u8(Tag.Symbol);
        w.varint(this.#strings.id(Symbol.keyFor(v)!));
        return;
      default:
        if (v === null) w.u8(Tag.Null);
        else {
          w.u8(Tag.Object);
          w.varint(this.#id(v as object));
        }
    }
  }

  write(roots: readonly StateRoot[], enums: readonly SavedEnum[], skipped: readonly SkippedBinding[]): EncodedState {
    const { d } = this;
    // Buffers first: typed arrays are made over them.
    const order = [...d.buckets].sort((a, b) => (a.kind === Kind.Buffer ? 0 : 1) - (b.kind === Kind.Buffer ? 0 : 1));
    let total = 0;
    for (const b of order) {
      b.start = total;
      total += b.objects.length;
    }
    const classes: SavedClass[] = [];
    for (const [proto, c] of d.classes) {
      this.#classIndex.set(proto, classes.length);
      classes.push({ module: c.module, name: c.name, parent: -1, fields: c.fields, layoutVersion: c.layoutVersion, instances: 0 });
    }
    [...d.classes.values()].forEach((c, i) => {
      (classes[i] as { parent: number }).parent = c.parent && typeof c.parent === 'object' ? (this.#classIndex.get(c.parent) ?? -1) : -1;
    });
    const shapes: SavedShape[] = [];
    const stores: SavedStore[] = [];
    const buckets: SavedBucket[] = [];
    for (const b of order) {
      if (b.objects.length === 0) continue;
      if (b.kind === Kind.Shaped) {
        const shape = b.shape!;
        const proto = shape.proto === Object.prototype ? -1 : shape.proto === null ? -2 : this.#classIndex.get(shape.proto)!;
        if (proto >= 0) classes[proto]!.instances += b.objects.length;
        shapes.push({ proto, keys: shape.saved, hidden: shape.hidden });
        buckets.push({
          kind: b.kind,
          count: b.objects.length,
          shape: shapes.length - 1,
          columns: shape.kept.map((key, k) => (shape.unset.has(k) ? Column.Unset : this.#column(b.objects, key))),
        });
      } else {
        buckets.push({ kind: b.kind, count: b.objects.length });
        for (const o of b.objects) this.#object(b.kind, o, stores);
      }
    }
    for (const r of roots) this.#value(this.#fill, r.value);
    const modules = new Map<string, Array<{ name: string; text: string }>>();
    for (const r of roots) {
      const list = modules.get(r.module) ?? [];
      list.push({ name: r.name, text: r.text });
      modules.set(r.module, list);
    }
    const directory: StateDirectory = {
      format: STATE_FORMAT,
      modules: [...modules].map(([module, bindings]) => ({ module, bindings })),
      classes,
      shapes,
      buckets,
      named: this.#named,
      stores,
      enums,
      skipped,
      objects: total,
    };
    return { directory, payload: this.#payload() };
  }

  /** Writes the values of `key` of every object of a shaped bucket as one column. */
  #column(objects: readonly object[], key: string | symbol): Column {
    const n = objects.length;
    const first = n > 0 ? (objects[0] as Record<string | symbol, unknown>)[key] : undefined;
    // One pass, betting on the first value's type; a value of another type ends the bet.
    if (typeof first === 'number') {
      const col = new Float64Array(n);
      let i = 0;
      for (; i < n; i++) {
        const v = (objects[i] as Record<string | symbol, unknown>)[key];
        if (typeof v !== 'number') break;
        col[i] = v;
      }
      if (i === n) {
        this.#shell.varint(this.#block(new Uint8Array(col.buffer)));
        return Column.Float;
      }
    } else if (typeof first === 'string') {
      const list = new Array<string>(n);
      let i = 0;
      for (; i < n; i++) {
        const v = (objects[i] as Record<string | symbol, unknown>)[key];
        if (typeof v !== 'string' || !wellFormed(v)) break;
        list[i] = v;
      }
      if (i === n) {
        const { lengths, text } = packStrings(list);
        this.#shell.varint(this.#block(new Uint8Array(lengths.buffer)));
        this.#shell.varint(this.#block(text));
        return Column.Text;
      }
    }
    for (let i = 0; i < n; i++) this.#value(this.#fill, (objects[i] as Record<string | symbol, unknown>)[key]);
    return Column.Values;
  }

  /** The id of `a[0]` when `a` holds, in order, objects with consecutive ids (one bucket's run), else null. */
  #run(a: readonly unknown[]): number | null {
    const first = a[0];
    if (a.length < 16 || typeof first !== 'object' || first === null) return null;
    const n = this.d.ids.get(first);
    if (n === undefined) return null;
    const bucket = this.d.bucketOf[n]!;
    const pos = this.d.posOf[n]!;
    const objects = bucket.objects;
    if (pos + a.length > objects.length) return null;
    for (let i = 1; i < a.length; i++) if (objects[pos + i] !== a[i]) return null;
    return bucket.start + pos;
  }

  #object(kind: Kind, o: object, stores: SavedStore[]): void {
    const s = this.#shell;
    const f = this.#fill;
    switch (kind) {
      case Kind.Array: {
        const a = o as unknown[];
        s.varint(a.length);
        // An array of objects numbered one after the other (a million instances it made, say) is their
        // first number: no lookup per element, on either side.
        const run = this.#run(a);
        if (run !== null) {
          f.u8(Tag.Run);
          f.varint(run);
          return;
        }
        for (let i = 0; i < a.length; i++) {
          const v = a[i];
          if (v === undefined && !(i in a)) f.u8(Tag.Hole);
          else this.#value(f, v);
        }
        return;
      }
      case Kind.Sparse: {
        const a = o as unknown[];
        const indices = sparseIndices(a);
        s.varint(a.length);
        f.varint(indices.length);
        for (const i of indices) {
          f.varint(i);
          this.#value(f, a[i]);
        }
        return;
      }
      case Kind.Map:
        f.varint((o as Map<unknown, unknown>).size);
        for (const [k, v] of o as Map<unknown, unknown>) {
          this.#value(f, k);
          this.#value(f, v);
        }
        return;
      case Kind.Set:
        f.varint((o as Set<unknown>).size);
        for (const v of o as Set<unknown>) this.#value(f, v);
        return;
      case Kind.Date:
        s.f64((o as Date).getTime());
        return;
      case Kind.RegExp: {
        // Through the string table: a source may hold a lone surrogate, which UTF-8 text cannot.
        const r = o as RegExp;
        s.varint(this.#strings.id(r.source));
        s.varint(this.#strings.id(r.flags));
        s.varint(r.lastIndex);
        return;
      }
      case Kind.Buffer:
        s.varint(this.#block(new Uint8Array(o as ArrayBuffer).slice()));
        return;
      case Kind.Typed: {
        const view = o as ArrayBufferView;
        const name = (Object.getPrototypeOf(o) as { constructor: { name: string } }).constructor.name;
        s.u8(TYPED.indexOf(name as (typeof TYPED)[number]));
        s.varint(this.#id(view.buffer));
        s.varint(view.byteOffset);
        s.varint(view instanceof DataView ? view.byteLength : (view as Uint8Array).length);
        return;
      }
      case Kind.Boxed:
        this.#value(s, (o as { valueOf(): unknown }).valueOf());
        return;
      case Kind.Named: {
        const n = this.refs.named(o)!;
        const key = `${n.kind}\0${n.module}\0${n.name}`;
        let index = this.#namedIndex.get(key);
        if (index === undefined) {
          index = this.#named.length;
          this.#named.push(n);
          this.#namedIndex.set(key, index);
        }
        s.varint(index);
        return;
      }
      case Kind.Store: {
        const { prototype, image, name } = this.refs.store(o)!;
        const { tables, columns, ...meta } = image;
        stores.push({ class: this.#classIndex.get(prototype)!, meta, capacity: (o as { capacity: number }).capacity, name, tables: tables.length });
        s.varint(stores.length - 1);
        tables.forEach((t, i) => {
          packTable(s, t, i === 1 ? meta.freeCount : null, (b) => this.#block(b));
        });
        // The store's bytes are views of its live columns (save-state.ts): copied now, before the program runs again.
        for (const c of columns) {
          if (c instanceof Uint8Array) s.varint(this.#block(c.slice()));
          else for (const v of c) this.#value(f, v);
        }
        return;
      }
    }
  }

  /** The table of sections, then the sections: blocks are views of columns, never copied here. */
  #payload(): Uint8Array[] {
    const { lengths, text } = packStrings(this.#strings.list);
    const sections = [new Uint8Array(lengths.buffer), text, this.#shell.result(), this.#fill.result(), ...this.#blocks];
    const head = new Uint8Array(8 + 4 * sections.length);
    const view = new DataView(head.buffer);
    view.setUint32(0, STATE_FORMAT, true);
    view.setUint32(4, sections.length, true);
    sections.forEach((s, i) => {
      view.setUint32(8 + 4 * i, s.byteLength, true);
    });
    return [head, ...sections];
  }
}
