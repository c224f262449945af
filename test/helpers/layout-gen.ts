// The fuzzer's generator: a small seeded PRNG, values of each field type, random class edits (add,
// remove, rename by marker, retype, reorder, re-parent, move between A and B, change an initializer,
// and edits that must be rejected), and the program text a declaration becomes, with the harness that
// lets the fuzzer drive and read the live image through the program's own exports.

import {
  CLASSES,
  type Cls,
  chainOf,
  type Decl,
  declaredTwice,
  type FieldDef,
  type Init,
  LITERALS,
  literalInit,
  type Parent,
  TYPES,
  type Ty,
  typeText,
  type Val,
} from './layout-model.js';

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const NUMBERS: readonly number[] = [0, 1, -7, 2.5, 0.1, 1e21, 123456789, -0.5, 3, 300, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY];
const I32S: readonly number[] = [0, 5, -3, 2147483647, -2147483648, 40];
const F32S: readonly number[] = [0, 1.5, -2, 0.25, 16777216, Number.NaN];
const U8S: readonly number[] = [0, 1, 255, 7];
const STRINGS: readonly string[] = [
  'a',
  '',
  '12',
  '-3',
  '2.5',
  'true',
  'false',
  '1e3',
  'x1',
  '2147483648',
  '1e400',
  ' 7 ',
  '0x10',
  '.5',
  '+3',
  '-0',
  '1_0',
  '1',
  'x',
];
const BIGINTS: readonly bigint[] = [0n, 7n, -4n, 2n ** 60n];

/** A value of type `ty`, as a well-typed program would write it. */
export function randomValue(rng: Rng, ty: Ty): Val {
  switch (ty) {
    case 'number':
      return rng.pick(NUMBERS);
    case 'i32':
      return rng.pick(I32S);
    case 'f32':
      return rng.pick(F32S);
    case 'u8':
      return rng.pick(U8S);
    case 'strnull':
      return rng.chance(0.3) ? null : rng.pick(STRINGS);
    case 'lit':
      return rng.pick(LITERALS);
    case 'string':
      return rng.pick(STRINGS);
    case 'boolean':
      return rng.chance(0.5);
    case 'bigint':
      return rng.pick(BIGINTS);
    case 'opt':
      return rng.chance(0.3) ? undefined : rng.pick(NUMBERS);
    case 'numstr':
      return rng.chance(0.5) ? rng.pick(NUMBERS) : rng.pick(STRINGS);
  }
}

const literal = (v: Val): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : String(v));

const initText = (init: Init): string => (init.kind === 'value' ? literal(init.v) : `String(this.${init.of})`);

function fieldText(f: FieldDef): string {
  const marker = f.from ? `  /** @renamed ${f.from} */\n` : '';
  const name = f.ty === 'opt' ? `${f.name}?` : f.init ? f.name : `${f.name}!`;
  return `${marker}  ${name}: ${typeText(f.ty)}${f.init ? ` = ${initText(f.init)}` : ''};\n`;
}

const body = (fs: readonly FieldDef[]): string => fs.map(fieldText).join('');
const basesText = (d: Decl): string => `export class A {\n${body(d.A)}}\nexport class C {\n${body(d.C)}}\n`;
const subclassText = (d: Decl): string => `export class B${d.parent ? ` extends ${d.parent}` : ''} {\n${body(d.B)}}\n`;

/** The classes of a declaration as source. */
export function classesText(d: Decl): string {
  return `${basesText(d)}${subclassText(d)}`;
}

/** What the statements an edit adds call: the harness's functions (main.ts puts them there). */
const HARNESS = `function fuzz(): Record<string, (...args: unknown[]) => unknown> {
  return (globalThis as unknown as { imagoFuzz: Record<string, (...args: unknown[]) => unknown> }).imagoFuzz;
}
`;

/**
 * The program's files. classes.ts has the classes (and an edit's statements after them); `split`: A and
 * C live in bases.ts, so a change edits two modules. main.ts, the entry, is the harness: its text never
 * changes (it is compiled once and never runs again), and it is how the fuzzer drives and reads the image.
 */
export function programFiles(d: Decl, split: boolean, statements = ''): Record<string, string> {
  const types = "import type { f32, i32, u8 } from 'imago/store';\n";
  if (!split) return { 'classes.ts': `${types}${classesText(d)}${HARNESS}${statements}` };
  return {
    'bases.ts': `${types}${basesText(d)}`,
    'classes.ts': `${types}import { A, C } from './bases.ts';\nexport { A, C };\n${subclassText(d)}${HARNESS}${statements}`,
  };
}

/** The entry: the stores, the instances the fuzzer makes, and what reads them. */
export const HARNESS_MAIN = `import { createStore, type Handle } from 'imago/store';
import { A, B, C } from './classes.ts';
type O = Record<string, unknown>;
export const objs: object[] = [];
const stores = { A: createStore(A, { name: 'storeA', layout: 'stable' }), B: createStore(B, { name: 'storeB' }), C: createStore(C, { name: 'storeC' }) } as unknown as Record<string, import('imago/store').Store<O>>;
const handles: Record<string, Array<Handle<O>>> = { A: [], B: [], C: [] };
export function spawn(k: string): void { objs.push(k === 'A' ? new A() : k === 'B' ? new B() : new C()); }
export function put(i: number, f: string, v: unknown): void { (objs[i] as O)[f] = v; }
export function rawAdd(k: string, _step: number): void { stores[k]!.add({}); }
export function rawRemove(k: string, i: number, _step: number): void { stores[k]!.remove(handles[k]![i]!); }
export function addRow(k: string, _step?: number): string | null {
  try { handles[k]!.push(stores[k]!.add({})); return null; } catch (e: unknown) { return String(e); }
}
export function putRow(k: string, i: number, f: string, v: unknown): void { stores[k]!.set(handles[k]![i]!, f, v); }
export function removeRow(k: string, i: number, _step?: number): void { stores[k]!.remove(handles[k]![i]!); handles[k]!.splice(i, 1); }
const enc = (v: unknown): string => \`\${typeof v}:\${Object.is(v, -0) ? '-0' : String(v)}\`;
function store(k: string): unknown {
  const s = stores[k]!;
  const cols = s.save().fields.map((f) => f.name);
  const hs = handles[k]!;
  if (s.size !== hs.length) return { size: s.size, handles: hs.length };
  return { cols, rows: hs.map((h) => (s.has(h) ? cols.map((c) => enc(s.get(h, c))) : 'stale')) };
}
export function dump(): unknown {
  return {
    objs: objs.map((o) => [o instanceof B ? 'B' : o instanceof C ? 'C' : 'A', o instanceof B ? (o instanceof A ? 'A' : o instanceof C ? 'C' : null) : o instanceof C ? 'C' : 'A', Object.keys(o).map((k) => [k, enc((o as O)[k])])]),
    A: store('A'),
    B: store('B'),
    C: store('C'),
  };
}
(globalThis as unknown as { imagoFuzz: unknown }).imagoFuzz = { addRow, removeRow, rawAdd, rawRemove };
`;

export const POOL: readonly string[] = Array.from({ length: 18 }, (_, i) => `f${i}`);

/** One class edit: the declaration it gives and what it is, in words. */
export interface Edit {
  readonly next: Decl;
  readonly what: string;
}

type Fields = FieldDef[];
interface Draft {
  A: Fields;
  B: Fields;
  C: Fields;
  parent: Parent;
  /** Names this edit already added, removed, renamed (both names) or moved: not touched twice in one edit. */
  touched: Set<string>;
}

function newField(rng: Rng, name: string, ty: Ty = rng.pick(TYPES)): FieldDef {
  return { name, ty, init: rng.chance(0.85) ? literalInit(randomValue(rng, ty)) : null };
}

const insertAt = (rng: Rng, fs: Fields, f: FieldDef): void => {
  fs.splice(rng.int(fs.length + 1), 0, f);
};

/** One primitive edit to the draft; returns its description, or null when it does not apply. */
function primitive(rng: Rng, d: Draft): string | null {
  const cls: Cls = rng.pick(CLASSES);
  const fs = d[cls];
  const free = POOL.filter((n) => !CLASSES.some((c) => d[c].some((f) => f.name === n)) && !d.touched.has(n));
  const untouched = fs.map((f, i) => [f, i] as const).filter(([f]) => !d.touched.has(f.name));
  const kind = rng.int(100);
  if (kind < 20) {
    const name = free[0] === undefined ? null : rng.pick(free);
    if (name === null) return null;
    const f = newField(rng, name);
    insertAt(rng, fs, f);
    d.touched.add(name);
    const copied = maybeCopy(rng, d, cls, f);
    return `add ${cls}.${fieldText(copied).trim()}`;
  }
  if (untouched.length === 0) return null;
  const [f, at] = rng.pick(untouched);
  const other: Cls = rng.pick(CLASSES.filter((c) => c !== cls));
  const twice = declaredTwice(d, f.name);
  if (kind < 32) {
    fs.splice(at, 1);
    d.touched.add(f.name);
    return `remove ${cls}.${f.name}`;
  }
  if (kind < 46) {
    const name = free[0] === undefined ? null : rng.pick(free);
    // A marker names a field of its own class; one the other class still declares is refused (by design).
    if (name === null || twice) return null;
    const ty = rng.chance(0.3) ? rng.pick(TYPES) : f.ty;
    fs[at] = { name, ty, init: ty === f.ty ? f.init : literalInit(randomValue(rng, ty)), from: f.name };
    d.touched.add(name).add(f.name);
    return `rename ${cls}.${f.name} -> ${name}: ${ty}`;
  }
  if (kind < 64) {
    const ty = rng.pick(TYPES.filter((t) => t !== f.ty));
    fs[at] = { name: f.name, ty, init: f.init || rng.chance(0.3) ? literalInit(randomValue(rng, ty)) : null };
    return `retype ${cls}.${f.name}: ${f.ty} -> ${ty}`;
  }
  if (kind < 72) {
    if (fs.length < 2) return null;
    for (let i = fs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [fs[i], fs[j]] = [fs[j]!, fs[i]!];
    }
    return `reorder ${cls}: ${fs.map((x) => x.name).join(', ')}`;
  }
  if (kind < 80) {
    d.parent = rng.pick((['A', 'C', null] as const).filter((p) => p !== d.parent));
    return d.parent ? `B extends ${d.parent}` : 'B extends nothing';
  }
  if (kind < 86) {
    if (twice) return null;
    fs.splice(at, 1);
    // A third of the moves rename too: the marker is on the other class (semantics.md: fields match by name across the hierarchy).
    const name = rng.chance(0.33) ? (free[0] === undefined ? null : rng.pick(free)) : null;
    insertAt(rng, d[other], name ? { name, ty: f.ty, init: f.init, from: f.name } : f);
    d.touched.add(f.name);
    if (name) d.touched.add(name);
    return `move ${cls}.${f.name} to ${other}${name ? ` as ${name} (@renamed)` : ''}`;
  }
  if (kind < 90) {
    // B redeclares a field of A, with a type and initializer of its own.
    if (cls === 'B' || cls !== d.parent || twice) return null;
    const o = newField(rng, f.name);
    insertAt(rng, d.B, o);
    d.touched.add(f.name);
    return `override in B: ${fieldText(o).trim()}`;
  }
  const init = rng.chance(0.85) ? literalInit(randomValue(rng, f.ty)) : null;
  fs[at] = { ...f, init };
  const copied = maybeCopy(rng, d, cls, fs[at]!);
  return `initializer of ${cls}.${f.name}: ${copied.init ? initText(copied.init) : 'none'}`;
}

const STRINGY: readonly Ty[] = ['string', 'numstr', 'strnull'];

/** Half the time, gives a field that holds strings the initializer `String(this.g)`, g a field before it. */
function maybeCopy(rng: Rng, d: Draft, cls: Cls, f: FieldDef): FieldDef {
  if (!STRINGY.includes(f.ty) || declaredTwice(d, f.name) || !rng.chance(0.5)) return f;
  const chain = chainOf(d, cls);
  const before = chain.slice(0, chain.indexOf(f));
  if (before.length === 0) return f;
  const copied: FieldDef = { ...f, init: { kind: 'copy', of: rng.pick(before).name } };
  d[cls][d[cls].indexOf(f)] = copied;
  return copied;
}

/**
 * An initializer \`String(this.g)\` reads a field set before its own (in a new instance, and in a
 * migration where a field added after another new one sees it): one whose g no longer comes before it
 * in its class's chain becomes a literal, so what it reads is always defined.
 */
function repairCopies(rng: Rng, decl: Decl): { decl: Decl; what: string[] } {
  const what: string[] = [];
  const fix = (cls: Cls): FieldDef[] =>
    decl[cls].map((f) => {
      if (f.init?.kind !== 'copy') return f;
      const of = f.init.of;
      const chain = chainOf(decl, cls);
      const g = chain.findIndex((x) => x.name === of);
      // A new instance runs B's initializer of an override after all of A's: only fields of one class are copied.
      if (g >= 0 && g < chain.indexOf(f) && !declaredTwice(decl, of) && !declaredTwice(decl, f.name)) return f;
      const init = literalInit(randomValue(rng, f.ty));
      what.push(`initializer of ${cls}.${f.name}: ${initText(init)}`);
      return { ...f, init };
    });
  return { decl: { A: fix('A'), B: fix('B'), C: fix('C'), parent: decl.parent }, what };
}

/** A random edit of `decl`: one to three primitive edits in one change, its text different from decl's. */
export function generateEdit(rng: Rng, decl: Decl): Edit {
  for (;;) {
    const d: Draft = { A: [...decl.A], B: [...decl.B], C: [...decl.C], parent: decl.parent, touched: new Set() };
    const n = rng.chance(0.7) ? 1 : rng.chance(0.6) ? 2 : 3;
    const what: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = primitive(rng, d);
      if (w) what.push(w);
    }
    const repaired = repairCopies(rng, { A: d.A, B: d.B, C: d.C, parent: d.parent });
    const next = repaired.decl;
    what.push(...repaired.what);
    if (what.length > 0 && classesText(next) !== classesText(decl)) return { next, what: what.join('; ') };
  }
}

/** A field with a literal initializer. */
function literalField(rng: Rng, name: string, ty: Ty): FieldDef {
  return { name, ty, init: literalInit(randomValue(rng, ty)) };
}

/** The declaration every run starts from: B extends A. */
export function initialDecl(rng: Rng): Decl {
  return {
    A: [literalField(rng, 'f0', 'number'), literalField(rng, 'f1', 'string'), literalField(rng, 'f2', rng.pick(TYPES))],
    B: [literalField(rng, 'f3', 'i32'), literalField(rng, 'f4', rng.pick(TYPES))],
    C: [literalField(rng, 'f5', 'string')],
    parent: 'A',
  };
}
