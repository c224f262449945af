// The first pass of a save: every object the saved bindings reach, sorted into buckets (one per shape of
// plain objects and class instances, one per other kind), or the first value that cannot be saved.

import type { FieldDecl } from '../compile/compiled-module.js';
import type { StoreImage } from '../store/serialize.js';
import { describeValue } from './paths.js';
import { Kind, type SavedKey, type SavedNamed, TYPED_MAKERS } from './state-format.js';
import { isRef, isSparse, sparseIndices } from './values.js';

/** A class of the program, as the encoder sees it. */
export interface ClassView {
  readonly module: string;
  readonly name: string;
  /** The stable prototype of the program class it extends, null for none, or the name of a class from outside. */
  readonly parent: object | null | string;
  /** Its instance fields as saved (transient ones left out), and its layout's version. */
  readonly fields: readonly FieldDecl[];
  readonly layoutVersion: number;
  /** Own keys its instances keep out of an image (`@transient` fields). */
  readonly transient: ReadonlySet<string | symbol>;
}

/** What the image tells the encoder about the program. */
export interface EncodeRefs {
  classOf(prototype: object): ClassView | null;
  named(fn: unknown): SavedNamed | null;
  privateName(key: symbol): { readonly module: string; readonly private: string } | null;
  /** A store of the program: the prototype of its class and its rows. */
  store(o: object): { readonly prototype: object; readonly image: StoreImage; readonly name: string | null } | null;
  /** Why an object of imago's own cannot be saved (a row view, a module namespace, an enum), else null. */
  refuse(o: object): string | null;
}

export interface Shape {
  readonly proto: object | null;
  /** Every own key, as the objects have them (to match objects to the shape); its strings and symbols apart. */
  readonly all: readonly PropertyKey[];
  readonly strings: readonly string[];
  readonly symbols: readonly symbol[];
  /** The keys saved, and how the file names them. */
  readonly kept: readonly (string | symbol)[];
  readonly saved: readonly SavedKey[];
  readonly hidden: readonly number[];
  /** Objects can be matched to it by `for...in` (no hidden keys, nothing enumerable up the chain); set when first matched. */
  forIn?: boolean;
  /** Keys (by index) of `@transient` fields: their values are not saved. */
  readonly unset: ReadonlySet<number>;
  readonly bucket: Bucket;
}

export interface Bucket {
  readonly kind: Kind;
  readonly shape: Shape | null;
  readonly objects: object[];
  /** The id of its first object, once the writer numbered the buckets. */
  start: number;
}

const BOXED: ReadonlySet<object> = new Set<object>([Number.prototype, String.prototype, Boolean.prototype, BigInt.prototype]);
const TYPED_PROTOS: ReadonlySet<object> = new Set<object>(Object.values(TYPED_MAKERS).map((c) => c.prototype));

export class Discovery {
  readonly ids = new Map<object, number>();
  readonly bucketOf: Bucket[] = [];
  readonly posOf: number[] = [];
  readonly buckets: Bucket[] = [];
  readonly #byKind = new Map<Kind, Bucket>();
  readonly #shapes = new Map<object | null, Map<string, Shape>>();
  readonly #symbolIds = new Map<symbol, number>();
  /** The shape of the last object seen of each prototype, and which prototypes have no enumerable properties. */
  readonly #last = new Map<object | null, Shape>();
  readonly #plain = new Map<object | null, boolean>();
  #lastProto: object | null | undefined = undefined;
  #lastShape: Shape | null = null;
  /** Classes met, by stable prototype. */
  readonly classes = new Map<object, ClassView>();

  constructor(private readonly refs: EncodeRefs) {}

  /**
   * Adds what `root` reaches; returns the first value that cannot be saved and why, or null. With `all`,
   * goes on past such values (leaving them out) and collects up to `limit` of them there.
   */
  walk(root: unknown, all?: Array<{ readonly value: unknown; readonly why: string }>, limit = 10): { readonly value: unknown; readonly why: string } | null {
    const stack: unknown[] = [root];
    const refused = new Set<unknown>();
    while (stack.length > 0) {
      const v = stack.pop();
      let bad: { value: unknown; why: string } | null = null;
      if (isRef(v)) {
        if (this.ids.has(v) || refused.has(v)) continue;
        const why = this.#add(v, stack);
        if (why !== null) bad = { value: v, why };
      } else if (typeof v === 'symbol' && Symbol.keyFor(v) === undefined && !refused.has(v)) bad = { value: v, why: describeValue(v) };
      if (!bad) continue;
      if (!all) return bad;
      refused.add(bad.value);
      all.push(bad);
      if (all.length >= limit) break;
    }
    return all?.[0] ?? null;
  }

  #register(o: object, bucket: Bucket): void {
    this.ids.set(o, this.bucketOf.length);
    this.bucketOf.push(bucket);
    this.posOf.push(bucket.objects.length);
    bucket.objects.push(o);
  }

  #kind(o: object, kind: Kind): void {
    let bucket = this.#byKind.get(kind);
    if (!bucket) {
      bucket = { kind, shape: null, objects: [], start: 0 };
      this.#byKind.set(kind, bucket);
      this.buckets.push(bucket);
    }
    this.#register(o, bucket);
  }

  #add(o: object, stack: unknown[]): string | null {
    const { refs } = this;
    if (typeof o === 'function') {
      if (!refs.named(o)) return describeValue(o);
      this.#kind(o, Kind.Named);
      return null;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    // Instances of the program's classes, the bulk of a big image: one lookup by prototype. (A row view's
    // prototype is its store's accessors, never the class's.)
    if (proto !== null && this.classes.has(proto)) return this.#shaped(o, proto, stack);
    const refused = refs.refuse(o);
    if (refused !== null) return refused;
    const store = refs.store(o);
    if (store) {
      const why = this.#classFor(store.prototype);
      if (why !== null) return why;
      this.#kind(o, Kind.Store);
      for (const c of store.image.columns) if (Array.isArray(c)) for (const v of c as unknown[]) stack.push(v);
      return null;
    }
    if (proto === Object.prototype || proto === null) return this.#shaped(o, proto, stack);
    if (proto === Array.prototype) {
      const a = o as unknown[];
      if (isSparse(a)) {
        this.#kind(o, Kind.Sparse);
        for (const i of sparseIndices(a)) stack.push(a[i]);
        return null;
      }
      this.#kind(o, Kind.Array);
      // Last first: the stack gives them back in order, so objects it alone reaches get consecutive ids.
      for (let i = a.length - 1; i >= 0; i--) stack.push(a[i]);
      return null;
    }
    if (proto === Map.prototype) {
      this.#kind(o, Kind.Map);
      for (const [k, v] of o as Map<unknown, unknown>) stack.push(k, v);
      return null;
    }
    if (proto === Set.prototype) {
      this.#kind(o, Kind.Set);
      for (const v of o as Set<unknown>) stack.push(v);
      return null;
    }
    if (proto === Date.prototype) this.#kind(o, Kind.Date);
    else if (proto === RegExp.prototype) this.#kind(o, Kind.RegExp);
    else if (proto === ArrayBuffer.prototype) this.#kind(o, Kind.Buffer);
    else if (BOXED.has(proto)) this.#kind(o, Kind.Boxed);
    else if (TYPED_PROTOS.has(proto)) {
      this.#kind(o, Kind.Typed);
      stack.push((o as ArrayBufferView).buffer);
    } else {
      const why = this.#classFor(proto);
      if (why !== null) return why === '' ? describeValue(o) : why;
      return this.#shaped(o, proto, stack);
    }
    return null;
  }

  /** Notes the program class of `proto` and its parents; '' when it is none, else why its instances cannot be saved. */
  #classFor(proto: object): string | null {
    for (let p: object | null = proto; p !== null; ) {
      if (this.classes.has(p)) return null;
      const cls = this.refs.classOf(p);
      if (!cls) return '';
      if (typeof cls.parent === 'string')
        return `an instance of ${cls.name}, which extends ${cls.parent} (a class from outside the program: its internal state cannot be saved)`;
      this.classes.set(p, cls);
      p = cls.parent;
    }
    return null;
  }

  #shaped(o: object, proto: object | null, stack: unknown[]): string | null {
    let shape = this.#sameAsLast(o, proto);
    if (!shape) {
      const keys = Reflect.ownKeys(o);
      // Shapes by their keys, per prototype: objects of ever-different keys are found in one lookup each.
      const id = this.#keysId(keys);
      shape = this.#shapes.get(proto)?.get(id);
      if (!shape) {
        const made = this.#newShape(o, proto, keys);
        if (typeof made === 'string') return made;
        shape = made;
        const byKeys = this.#shapes.get(proto);
        if (byKeys) byKeys.set(id, shape);
        else this.#shapes.set(proto, new Map([[id, shape]]));
      }
      if (shape.forIn === undefined) shape.forIn = shape.hidden.length === 0 && this.#plainChain(proto);
      this.#last.set(proto, shape);
      this.#lastProto = proto;
      this.#lastShape = shape;
    }
    const { kept, unset } = shape;
    const record = o as Record<string | symbol, unknown>;
    for (let k = 0; k < kept.length; k++) {
      if (unset.size > 0 && unset.has(k)) continue;
      const v = record[kept[k]!];
      if (isRef(v) || typeof v === 'symbol') stack.push(v);
    }
    this.#register(o, shape.bucket);
    return null;
  }

  /**
   * The shape of the last object of `proto` when `o` has it too, checked without listing `o`'s keys:
   * `for...in` reads V8's cached key list of the object's hidden class (Reflect.ownKeys builds a new
   * array for each object: 3x slower over a million instances). It sees enumerable string keys only, so
   * it is used for shapes without hidden keys, under prototypes without enumerable properties, and
   * symbol keys are compared apart.
   */
  #sameAsLast(o: object, proto: object | null): Shape | undefined {
    // Instances come in runs: the last prototype's shape is at hand without a lookup.
    const last = proto === this.#lastProto && this.#lastShape ? this.#lastShape : this.#last.get(proto);
    if (!last?.forIn) return undefined;
    this.#lastProto = proto;
    this.#lastShape = last;
    const { strings, symbols } = last;
    let i = 0;
    for (const key in o) {
      if (strings[i] !== key) return undefined;
      i++;
    }
    if (i !== strings.length) return undefined;
    const own = Object.getOwnPropertySymbols(o);
    if (own.length !== symbols.length) return undefined;
    for (let j = 0; j < own.length; j++) if (own[j] !== symbols[j]) return undefined;
    return last;
  }

  /** True when nothing on `proto`'s chain is enumerable (so `for...in` lists own keys only). */
  #plainChain(proto: object | null): boolean {
    let plain = this.#plain.get(proto);
    if (plain === undefined) {
      plain = true;
      for (const _ in proto === null ? {} : (Object.create(proto) as object)) plain = false;
      this.#plain.set(proto, plain);
    }
    return plain;
  }

  #newShape(o: object, proto: object | null, keys: readonly (string | symbol)[]): Shape | string {
    const transient = proto && this.classes.get(proto)?.transient;
    const kept: (string | symbol)[] = [];
    const saved: SavedKey[] = [];
    const hidden: number[] = [];
    const unset = new Set<number>();
    for (const key of keys) {
      if (transient?.has(key)) unset.add(kept.length);
      const d = Object.getOwnPropertyDescriptor(o, key)!;
      if (d.get || d.set) return `an object with a getter or setter property ${String(key)} (only data properties can be saved)`;
      if (typeof key === 'symbol') {
        const name = this.refs.privateName(key);
        if (!name) return `an object with a property keyed by ${String(key)} (only string keys and #private fields can be saved)`;
        saved.push(name);
      } else saved.push(key);
      if (!d.enumerable) hidden.push(kept.length);
      kept.push(key);
    }
    const bucket: Bucket = { kind: Kind.Shaped, shape: null, objects: [], start: 0 };
    const strings = keys.filter((k): k is string => typeof k === 'string');
    const symbols = keys.filter((k): k is symbol => typeof k === 'symbol');
    const shape: Shape = { proto, all: keys, strings, symbols, kept, saved, hidden, unset, bucket };
    (bucket as { shape: Shape | null }).shape = shape;
    this.buckets.push(bucket);
    return shape;
  }

  /** One string for a list of keys, never the same for two lists (JSON: strings quoted, symbols by a number of their own). */
  #keysId(keys: readonly (string | symbol)[]): string {
    return JSON.stringify(
      keys.map((k) => {
        if (typeof k === 'string') return k;
        let n = this.#symbolIds.get(k);
        if (n === undefined) {
          n = this.#symbolIds.size;
          this.#symbolIds.set(k, n);
        }
        return n;
      }),
    );
  }

  /** Where the registrations stand: `undo` takes back everything registered after. */
  mark(): { readonly count: number; readonly classes: number } {
    return { count: this.bucketOf.length, classes: this.classes.size };
  }

  /** Takes back what a walk registered after `mark` (a binding that cannot be saved), last first. */
  undo(mark: { readonly count: number; readonly classes: number }): void {
    for (let n = this.bucketOf.length - 1; n >= mark.count; n--) this.ids.delete(this.bucketOf[n]!.objects.pop()!);
    this.bucketOf.length = mark.count;
    this.posOf.length = mark.count;
    for (const proto of [...this.classes.keys()].slice(mark.classes)) this.classes.delete(proto);
  }
}
