// Type errors: in the file edited, felt only in another file, in a declaration file. Each is refused by
// the type check with the file and the place where TypeScript sees it.

import { appended, BASE, type CorpusCase, replaced } from './project.js';

const typecheck = (file: string, says: RegExp = /TS\d+/): CorpusCase['expect'] => ({ ok: false, phase: 'typecheck', file, says });

/** Wrong code added to logic.ts: the error is in logic.ts. */
const local: Array<[string, string, RegExp]> = [
  ['a string where a number goes', "export const n: number = 'one';\n", /TS2322/],
  ['a missing property', 'export const p: { a: number; b: number } = { a: 1 };\n', /TS2741/],
  ['an excess property', 'export const p: { a: number } = { a: 1, b: 2 };\n', /TS2353/],
  ['too few arguments', 'export const s = score();\n', /TS2554/],
  ['too many arguments', 'export const s = score(1, 2);\n', /TS2554/],
  ['an argument of the wrong type', "export const s = score('3');\n", /TS2345/],
  ['a call of something not callable', 'const notFn = 1;\nexport const r = notFn();\n', /TS2349/],
  ['a method that does not exist', 'export const u = label().toUpper();\n', /TS2551|TS2339/],
  ['an implicit any parameter', 'export function implicit(x) { return x; }\n', /TS7006/],
  ['null where it is not allowed', 'export const nn: string = null;\n', /TS2322/],
  ['possibly undefined', 'const maybe: number | undefined = Math.random() > 2 ? 1 : undefined;\nexport const m = maybe + 1;\n', /TS18048/],
  ['a wrong return type', "export function wrong(): number { return 'x'; }\n", /TS2322/],
  ['a missing return', 'export function missing(x: number): number { if (x > 0) return 1; }\n', /TS2366|TS7030/],
  ['an unused @ts-expect-error', '// @ts-expect-error\nexport const fine = 1;\n', /TS2578/],
  ['an assignment to a readonly property', 'const ro: { readonly a: number } = { a: 1 };\nro.a = 2;\n', /TS2540/],
  ['an abstract class made', 'abstract class Ab { }\nexport const ab = new Ab();\n', /TS2511/],
  ['a private member read outside', 'class Pr { private x = 1; }\nexport const px = new Pr().x;\n', /TS2341/],
  ['an unknown name', 'export const un = notDeclaredAnywhere + 1;\n', /TS2304/],
  ['a const assigned', 'const fixed = 1;\nfixed = 2;\n', /TS2588/],
  ['a union not narrowed', "const u: string | number = Math.random() > 0.5 ? 'a' : 1;\nexport const l = u.length;\n", /TS2339/],
  ['an enum of another enum', 'enum A { x }\nenum B { x }\nexport const e: A = B.x;\n', /TS2322/],
  ['a generic constraint broken', 'function first<T extends { length: number }>(t: T): number { return t.length; }\nexport const f = first(1);\n', /TS2345/],
  ['an index out of a tuple', 'const tup: [number, number] = [1, 2];\nexport const third = tup[2];\n', /TS2493/],
  ['an interface not implemented', 'interface Named { name: string }\nexport class Nameless implements Named { }\n', /TS2420/],
  ['a comparison that cannot be true', "const k = 'a' as 'a' | 'b';\nexport const same = k === 'c';\n", /TS2367/],
  ['an await of nothing in an async function that returns the wrong type', "export async function later(): Promise<number> { return 'x'; }\n", /TS2322/],
  ['a spread of a number', 'export const sp = { ...1, a: [...2] };\n', /TS2488|TS2698/],
  ['an override without the base member', 'class Base0 { }\nexport class Over extends Base0 { override go(): void { } }\n', /TS4113/],
  ['a property used before it is assigned', 'export class Late { x: number; }\n', /TS2564/],
  ['a symbol used as a key type wrongly', 'const rec: Record<string, number> = {};\nexport const v = rec[Symbol()];\n', /TS2538/],
];

export const cases: CorpusCase[] = [
  ...local.map(([what, text, says]): CorpusCase => ({ name: `types: ${what}`, category: 'types', edit: appended('logic.ts', `\n${text}`), expect: typecheck('logic.ts', says) })),
  // Felt only in another file: the edited file is fine on its own.
  {
    name: 'types: a function made to take a string, called with a number elsewhere',
    category: 'types',
    edit: replaced('logic.ts', 'score(n: number): number {\n  return n * 10;', 'score(n: string): number {\n  return n.length * 10;'),
    expect: typecheck('state.ts', /TS2345/),
  },
  {
    name: 'types: a parameter added, the callers elsewhere not changed',
    category: 'types',
    edit: replaced('logic.ts', "label(): string {\n  return 'base';", "label(prefix: string): string {\n  return prefix + 'base';"),
    expect: typecheck('state.ts', /TS2554/),
  },
  {
    name: 'types: a function removed that another file imports',
    category: 'types',
    edit: replaced('logic.ts', "export function label(): string {\n  return 'base';\n}\n", ''),
    expect: { ok: false, phase: 'link', file: 'state.ts', says: /label/ },
  },
  {
    name: 'types: an export renamed, the import not',
    category: 'types',
    edit: replaced('logic.ts', 'export function score(', 'export function points('),
    expect: { ok: false, phase: 'link', file: 'state.ts', says: /score/ },
  },
  {
    name: 'types: a class field retyped, read as the old type elsewhere',
    category: 'types',
    edit: { ...replaced('model.ts', 'hp = 10;', "hp: string = 'ten';") },
    expect: typecheck('state.ts', /TS2365|TS2322/),
  },
  {
    name: 'types: a constructor given a parameter, called without it',
    category: 'types',
    edit: replaced('model.ts', 'constructor(name: string) {', 'constructor(name: string, level: number) {\n    void level;'),
    expect: typecheck('model.ts', /TS2554/),
  },
  {
    name: 'types: a nested file made to return a number, used as a string',
    category: 'types',
    edit: { 'util/deep.ts': "import { score } from '../logic.ts';\n\nexport function deep(): number {\n  return score(1);\n}\n", ...appended('state.ts', 'export const d: string = deep();\n') },
    expect: typecheck('state.ts', /TS2322/),
  },
  // In a declaration file: the change is to types only, felt where they are used.
  { name: 'types: a .d.ts field retyped', category: 'types', edit: replaced('types.d.ts', 'speed: number;', 'speed: string;'), expect: typecheck('state.ts', /TS2322/) },
  { name: 'types: a .d.ts field added', category: 'types', edit: replaced('types.d.ts', 'speed: number;', 'speed: number;\n  limit: number;'), expect: typecheck('state.ts', /TS2741/) },
  { name: 'types: a .d.ts union narrowed', category: 'types', edit: replaced('types.d.ts', "mode: 'run' | 'walk';", "mode: 'walk';"), expect: typecheck('state.ts', /TS2322/) },
  { name: 'types: a .d.ts broken', category: 'types', edit: { 'types.d.ts': `${BASE['types.d.ts']}interface {\n` }, expect: typecheck('types.d.ts', /TS\d+/) },
  { name: 'types: a .d.ts deleted', category: 'types', edit: { 'types.d.ts': null }, expect: typecheck('state.ts', /TS2304/) },
  { name: 'types: a .d.ts with a value in it', category: 'types', edit: appended('types.d.ts', 'export const x = 1;\n'), expect: typecheck('state.ts', /TS\d+/) },
  {
    name: 'types: a type error in the entry',
    category: 'types',
    edit: replaced('main.ts', 'console.log(`tick ${gen}', "console.log(`tick ${gen.toUpperCase()}"),
    expect: typecheck('main.ts', /TS2339/),
  },
  { name: 'types: a type error in the store class', category: 'types', edit: replaced('units.ts', "tag = 'u';", "tag: number = 'u';"), expect: typecheck('units.ts', /TS2322/) },
  { name: 'types: a store add with a field the class lacks', category: 'types', edit: replaced('units.ts', '{ hp: 7 }', '{ hp: 7, speed: 1 }'), expect: typecheck('units.ts', /TS2353/) },
];
