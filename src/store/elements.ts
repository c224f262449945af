// Element types of numeric columns. A field written `x: f32` (imported from 'imago/store') is a
// Float32Array column; a plain `number` field is f64. Everything else is a plain array column.

export type ElementKind = 'f64' | 'f32' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8';

export type NumericColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

type NumericConstructor = new (length: number) => NumericColumn;

export const ELEMENTS: Readonly<
  Record<ElementKind, { readonly make: NumericConstructor; readonly bytes: number; readonly min: number; readonly max: number; readonly integer: boolean }>
> = {
  f64: { make: Float64Array, bytes: 8, min: -Infinity, max: Infinity, integer: false },
  f32: { make: Float32Array, bytes: 4, min: -Infinity, max: Infinity, integer: false },
  i32: { make: Int32Array, bytes: 4, min: -(2 ** 31), max: 2 ** 31 - 1, integer: true },
  u32: { make: Uint32Array, bytes: 4, min: 0, max: 2 ** 32 - 1, integer: true },
  i16: { make: Int16Array, bytes: 2, min: -(2 ** 15), max: 2 ** 15 - 1, integer: true },
  u16: { make: Uint16Array, bytes: 2, min: 0, max: 2 ** 16 - 1, integer: true },
  i8: { make: Int8Array, bytes: 1, min: -128, max: 127, integer: true },
  u8: { make: Uint8Array, bytes: 1, min: 0, max: 255, integer: true },
};

export function isElementKind(name: string): name is ElementKind {
  return Object.hasOwn(ELEMENTS, name);
}

/** True if the column of `kind` holds `value` exactly (typed arrays would round or wrap it silently). */
export function fitsElement(kind: ElementKind, value: unknown): boolean {
  if (typeof value !== 'number') return false;
  if (kind === 'f64') return true;
  if (kind === 'f32') return Number.isNaN(value) || Object.is(Math.fround(value), value);
  const e = ELEMENTS[kind];
  return Number.isInteger(value) && value >= e.min && value <= e.max;
}

/** True if every value of a `from` column fits a `to` column, so a column converts with one copy. */
export function widens(from: ElementKind, to: ElementKind): boolean {
  if (from === to || to === 'f64') return true;
  const a = ELEMENTS[from];
  const b = ELEMENTS[to];
  if (to === 'f32') return a.integer && a.bytes <= 2;
  return a.integer && b.integer && a.min >= b.min && a.max <= b.max;
}

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** `value` as a number for a column of `kind` when it converts exactly (a decimal string, a safe bigint). */
export function toElement(kind: ElementKind, value: unknown): { value: number } | undefined {
  if (fitsElement(kind, value)) return { value: value as number };
  let n: number | undefined;
  // A text past the doubles (`1e400`) would become Infinity: not its value.
  if (typeof value === 'string' && DECIMAL.test(value)) n = Number.isFinite(Number(value)) ? Number(value) : undefined;
  else if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) n = Number(value);
  else if (typeof value === 'boolean') return undefined;
  return n !== undefined && fitsElement(kind, n) ? { value: n } : undefined;
}

/** Why a value does not fit a column of `kind`, for messages. */
export function elementMisfit(kind: ElementKind, value: unknown): string {
  if (typeof value !== 'number') return 'is not a number';
  if (kind === 'f32') return 'is not exactly a 32-bit float';
  return ELEMENTS[kind].integer && !Number.isInteger(value) ? 'is not an integer' : `is outside ${kind} (${ELEMENTS[kind].min} to ${ELEMENTS[kind].max})`;
}
