// A plain model of what live instances and store rows hold across class edits, written from
// docs/semantics.md ("Data layout") and docs/stores.md ("Live layout changes"), not from imago's code:
// two classes A and B (B extends A or not), each field with a type and maybe an initializer; instances
// and rows as maps of field name -> value. `migrate` says what every instance and row holds after an
// edit, or that the edit is rejected. The fuzzer (layout-fuzz.ts) compares it with a live image.

/**
 * The field types the fuzzer uses: `i32`, `f32`, `u8` are imago/store's (typed columns; imported aliases,
 * so not checked on instances); `opt` is `x?: number`, `numstr` `number | string`, `strnull`
 * `string | null`, `lit` `'1' | '2' | 'x'`.
 */
export type Ty = 'number' | 'i32' | 'f32' | 'u8' | 'string' | 'boolean' | 'bigint' | 'opt' | 'numstr' | 'strnull' | 'lit';
export const TYPES: readonly Ty[] = ['number', 'i32', 'f32', 'u8', 'string', 'boolean', 'bigint', 'opt', 'numstr', 'strnull', 'lit'];
export const LITERALS: readonly string[] = ['1', '2', 'x'];

export type Val = number | string | boolean | bigint | null | undefined;

/** An initializer: a literal, or `String(this.of)` (run per instance and per row: semantics.md). */
export type Init = { readonly kind: 'value'; readonly v: Val } | { readonly kind: 'copy'; readonly of: string };

export const literalInit = (v: Val): Init => ({ kind: 'value', v });

/** What an initializer gives where `self` holds the fields set so far (an instance's, or a row's). */
export function initValue(init: Init, self: Vals): Val {
  return init.kind === 'value' ? init.v : String(self.get(init.of));
}

export interface FieldDef {
  readonly name: string;
  readonly ty: Ty;
  /** The initializer, or null when the field has none. */
  readonly init: Init | null;
  /** `/** @renamed from *\/`: written only in the edit that renames. */
  readonly from?: string;
}

/** A and C are bases; B extends A, C or nothing. */
export type Cls = 'A' | 'B' | 'C';
export const CLASSES: readonly Cls[] = ['A', 'B', 'C'];
export type Parent = 'A' | 'C' | null;

export interface Decl {
  readonly A: readonly FieldDef[];
  readonly B: readonly FieldDef[];
  readonly C: readonly FieldDef[];
  /** What B extends. */
  readonly parent: Parent;
}

export type Vals = ReadonlyMap<string, Val>;

export interface Inst {
  readonly cls: Cls;
  /** Its fields, and properties the program set that its chain does not declare. */
  readonly vals: Vals;
}

export interface World {
  readonly decl: Decl;
  readonly objs: readonly Inst[];
  /** The rows of the store of A and of B, in the order the program keeps their handles. */
  readonly rows: Readonly<Record<Cls, readonly Vals[]>>;
}

/**
 * The fields an instance of `cls` (or a row of its store) has, in the order a new instance gets them; a
 * field B redeclares (an override) takes the place of A's, with B's type and initializer.
 */
export function chainOf(decl: Decl, cls: Cls): readonly FieldDef[] {
  if (cls !== 'B' || decl.parent === null) return decl[cls];
  const base = decl[decl.parent];
  const own = new Map(decl.B.map((f) => [f.name, f]));
  return [...base.map((f) => own.get(f.name) ?? f), ...decl.B.filter((f) => !base.some((a) => a.name === f.name))];
}

/** Whether two classes declare `name` (B overrides it when it extends the other). */
export const declaredTwice = (decl: Decl, name: string): boolean => CLASSES.filter((c) => decl[c].some((f) => f.name === name)).length > 1;

/** TypeScript's text for a field of type `ty` (the `?` of an optional field goes on the name). */
export function typeText(ty: Ty): string {
  switch (ty) {
    case 'opt':
      return 'number';
    case 'numstr':
      return 'number | string';
    case 'strnull':
      return 'string | null';
    case 'lit':
      return LITERALS.map((l) => `'${l}'`).join(' | ');
    default:
      return ty;
  }
}

type Column = 'f64' | 'i32' | 'f32' | 'u8' | 'value';

/** A store column: `number` is a Float64Array, `i32`/`f32`/`u8` typed arrays of theirs, the rest plain arrays. */
const columnOf = (ty: Ty): Column => (ty === 'number' ? 'f64' : ty === 'i32' || ty === 'f32' || ty === 'u8' ? ty : 'value');

/** Whether a typed column holds `n` exactly (stores.md: widenings copy; narrowings only when every value fits). */
function holds(col: Exclude<Column, 'value'>, n: number): boolean {
  if (col === 'f64') return true;
  if (col === 'f32') return Number.isNaN(n) || Object.is(Math.fround(n), n);
  const [min, max] = col === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 255];
  return Number.isInteger(n) && n >= min && n <= max;
}

export const acceptsUndefined = (ty: Ty): boolean => ty === 'opt';

/** semantics.md: `i32` is an imported alias, which imago does not check on instances. */
function fitsInstance(v: Val, ty: Ty): boolean {
  switch (ty) {
    case 'i32':
    case 'f32':
    case 'u8':
      return true;
    case 'strnull':
      return v === null || typeof v === 'string';
    case 'lit':
      return typeof v === 'string' && LITERALS.includes(v);
    case 'opt':
      return v === undefined || typeof v === 'number';
    case 'numstr':
      return typeof v === 'number' || typeof v === 'string';
    default:
      return typeof v === ty;
  }
}

// Decimal and integer texts; surrounding white space is allowed (test/layout.test.ts: ' 12.5 ' -> 12.5).
const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;
const safe = (b: bigint): boolean => b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER);

/** semantics.md's exact conversions to one primitive; null when there is none. */
function convertTo(v: Val, kind: 'number' | 'string' | 'boolean' | 'bigint'): { v: Val } | null {
  switch (kind) {
    case 'string':
      return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? { v: String(v) } : null;
    case 'number':
      // "Exact": a text too large for a double (1e400) is not the number Infinity.
      if (typeof v === 'string' && DECIMAL.test(v) && Number.isFinite(Number(v))) return { v: Number(v) };
      return typeof v === 'bigint' && safe(v) ? { v: Number(v) } : null;
    case 'bigint':
      if (typeof v === 'number' && Number.isInteger(v)) return { v: BigInt(v) };
      return typeof v === 'string' && INTEGER.test(v) ? { v: BigInt(v.trim()) } : null;
    case 'boolean':
      return v === 'true' ? { v: true } : v === 'false' ? { v: false } : null;
  }
}

/** A live instance's value under a new type: kept when it fits, else converted exactly (union members in written order), else null. */
export function convertInstance(v: Val, ty: Ty): { v: Val } | null {
  if (fitsInstance(v, ty)) return { v };
  const kinds = ((): ReadonlyArray<'number' | 'string' | 'boolean' | 'bigint'> => {
    switch (ty) {
      case 'numstr':
        return ['number', 'string'];
      case 'opt':
        return ['number'];
      case 'strnull':
      case 'lit':
        return ['string'];
      case 'i32':
      case 'f32':
      case 'u8':
        return [];
      default:
        return [ty];
    }
  })();
  for (const k of kinds) {
    const c = convertTo(v, k);
    if (c && fitsInstance(c.v, ty)) return c;
  }
  return null;
}

/** A row's value under a new type: typed columns take numbers they hold exactly (stores.md); plain columns convert as instances do. */
export function convertRow(v: Val, ty: Ty): { v: Val } | null {
  const col = columnOf(ty);
  if (col === 'value') return convertInstance(v, ty);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? convertTo(v, 'number')?.v : typeof v === 'bigint' && safe(v) ? Number(v) : null;
  if (typeof n !== 'number' || !holds(col, n)) return null;
  // An integer column has no -0.
  return { v: col === 'i32' || col === 'u8' ? n + 0 : n };
}

/** What one instance or row holds after an edit, or why the edit is rejected. */
function migrateOne(vals: Vals, was: readonly FieldDef[], now: readonly FieldDef[], row: boolean): Map<string, Val> | string {
  const out = new Map<string, Val>();
  const oldTy = new Map(was.map((f) => [f.name, f.ty]));
  for (const f of now) {
    const had = oldTy.get(f.name);
    let source: string | null = null;
    if (vals.has(f.name) && had !== undefined) source = f.name;
    else if (f.from !== undefined && vals.has(f.from) && oldTy.has(f.from)) source = f.from;
    if (source !== null) {
      const v = vals.get(source);
      const sameType = oldTy.get(source) === f.ty;
      // A kept field of the same type is not checked; a renamed one is, on instances (semantics.md: converted if the type changed).
      if (sameType && (source === f.name || row)) {
        out.set(f.name, v);
        continue;
      }
      const c = row ? convertRow(v, f.ty) : convertInstance(v, f.ty);
      if (!c) return `${f.name}: ${String(v)} does not convert to ${f.ty}`;
      out.set(f.name, c.v);
    } else if (f.init) out.set(f.name, initValue(f.init, out));
    else if (acceptsUndefined(f.ty)) out.set(f.name, undefined);
    else return `${f.name} is added with no initializer and ${f.ty} does not allow undefined`;
  }
  // Properties the program set that no class declared stay (semantics.md, "Fast afterwards").
  if (!row) for (const [k, v] of vals) if (!oldTy.has(k) && !out.has(k)) out.set(k, v);
  return out;
}

export type Outcome = { readonly kind: 'applied'; readonly world: World } | { readonly kind: 'rejected'; readonly why: string };

/** The world after the class edit `next`: every instance and row migrated, or the edit rejected whole. */
export function migrate(world: World, next: Decl): Outcome {
  const objs: Inst[] = [];
  for (const o of world.objs) {
    const r = migrateOne(o.vals, chainOf(world.decl, o.cls), chainOf(next, o.cls), false);
    if (typeof r === 'string') return { kind: 'rejected', why: `instance of ${o.cls}: ${r}` };
    objs.push({ cls: o.cls, vals: r });
  }
  const rows: Record<Cls, Vals[]> = { A: [], B: [], C: [] };
  for (const cls of CLASSES) {
    for (const vals of world.rows[cls]) {
      const r = migrateOne(vals, chainOf(world.decl, cls), chainOf(next, cls), true);
      if (typeof r === 'string') return { kind: 'rejected', why: `row of ${cls}: ${r}` };
      rows[cls].push(r);
    }
  }
  return { kind: 'applied', world: { decl: withoutMarkers(next), objs, rows } };
}

/** The declaration once an edit is done: a marker whose old field is gone does nothing. */
export function withoutMarkers(decl: Decl): Decl {
  const strip = (fs: readonly FieldDef[]): FieldDef[] => fs.map(({ name, ty, init }) => ({ name, ty, init }));
  return { A: strip(decl.A), B: strip(decl.B), C: strip(decl.C), parent: decl.parent };
}

/** What `new A()` / `new B()` holds: initializers, undefined where there is none. */
export function newInstance(decl: Decl, cls: Cls): Inst {
  return { cls, vals: fresh(chainOf(decl, cls)) };
}

/** What `store.add({})` adds: initializers; it throws (adds nothing) for a field with none whose type does not allow undefined. */
export function newRow(decl: Decl, cls: Cls): Vals | null {
  const fields = chainOf(decl, cls);
  if (fields.some((f) => !f.init && !acceptsUndefined(f.ty))) return null;
  return fresh(fields);
}

/** Fields set in order, each initializer seeing those before it. */
function fresh(fields: readonly FieldDef[]): Vals {
  const vals = new Map<string, Val>();
  for (const f of fields) vals.set(f.name, f.init ? initValue(f.init, vals) : undefined);
  return vals;
}

/** One value as the program's dump() writes it: its type and its text. */
export function encode(v: unknown): string {
  return `${typeof v}:${Object.is(v, -0) ? '-0' : String(v)}`;
}

/** The dump the program must produce for `world` (same shape as the program's dump(), see layout-gen.ts). */
export function expectedDump(world: World): unknown {
  const store = (cls: Cls) => {
    const cols = chainOf(world.decl, cls).map((f) => f.name);
    return { cols, rows: world.rows[cls].map((r) => cols.map((c) => encode(r.get(c)))) };
  };
  return {
    objs: world.objs.map((o) => [
      o.cls,
      o.cls === 'B' ? world.decl.parent : o.cls,
      // Its fields and the properties the program set that no class declares.
      [...o.vals].map(([k, v]) => [k, encode(v)]),
    ]),
    A: store('A'),
    B: store('B'),
    C: store('C'),
  };
}
