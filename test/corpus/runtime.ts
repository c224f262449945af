// Code that throws while a change is applied: a top-level statement, an initializer, a static block, a
// field initializer run for live instances, a migrateInstance hook, a store's migration. Each refuses
// the whole change; what the refused change made (a timer) is undone. Code that throws later, when the
// program calls it, is applied (the program asked for it) and the error is reported where it happens.

import { appended, type CorpusCase, replaced } from './project.js';

const run = (says: RegExp, file = 'logic.ts', quiet?: RegExp): CorpusCase['expect'] => ({ ok: false, phase: 'evaluate', file, says, ...(quiet ? { quiet } : {}) });
const migrate = (file: string, says: RegExp): CorpusCase['expect'] => ({ ok: false, phase: 'migrate', file, says });

const statements: Array<[string, string, RegExp]> = [
  ['a top-level throw', "throw new Error('boom at the top');\n", /boom at the top/],
  ['a function called at the top level that throws', "function explode(): number {\n  throw new Error('exploded');\n}\nexport const v = explode();\n", /exploded/],
  ['an initializer that throws', "export const cfg: unknown = JSON.parse('{not json');\n", /JSON/],
  ['a static block that throws', "export class StaticBoom {\n  static {\n    throw new Error('static block');\n  }\n}\n", /static block/],
  ['a static field initializer that throws', "function fail(): number {\n  throw new Error('static field');\n}\nexport class StaticField {\n  static x = fail();\n}\n", /static field/],
  ['a thrown number', 'if (Math.random() < 2) throw 42;\n', /42/],
  ['a thrown string', "if (Math.random() < 2) throw 'a string';\n", /a string/],
  ['a thrown null', 'if (Math.random() < 2) throw null;\n', /null/],
  ['a thrown symbol', "if (Math.random() < 2) throw Symbol('sym');\n", /sym/],
  ['a thrown object whose message getter throws', "if (Math.random() < 2) throw { get message(): string { throw new Error('getter'); } };\n", /./],
  ['an error whose toString throws', "const e = new Error('odd');\ne.toString = () => { throw new Error('no string'); };\nif (Math.random() < 2) throw e;\n", /odd|no string/],
  ['an error with a stack that is not a string', "const e2 = new Error('stackless');\n(e2 as { stack: unknown }).stack = 12;\nif (Math.random() < 2) throw e2;\n", /stackless/],
  ['a stack overflow', 'function deepest(n: number): number {\n  return deepest(n + 1) + 1;\n}\nexport const depth = deepest(0);\n', /Maximum call stack|RangeError/],
  ['a top-level await that rejects', "await Promise.reject(new Error('awaited rejection'));\n", /awaited rejection/],
  ['a top-level await of a timer then a throw', "await new Promise((r) => setTimeout(r, 5));\nthrow new Error('after waiting');\n", /after waiting/],
  ['a read of a property of undefined', 'const nothing = (globalThis as Record<string, unknown>).nothingHere as { a: number };\nexport const a = nothing.a;\n', /TypeError/],
  ['a call of undefined', "const noFn = (globalThis as Record<string, unknown>).nothingHere as () => void;\nnoFn();\n", /TypeError/],
  ['a dynamic import of a file that is not there', "await import('./' + 'not-there.ts');\n", /not-there/],
];

export const cases: CorpusCase[] = [
  ...statements.map(([what, text, says]): CorpusCase => ({ name: `runtime: ${what}`, category: 'runtime', edit: appended('logic.ts', `\n${text}`), expect: run(says) })),
  {
    name: 'runtime: a timer made before a throw is stopped with the refused change',
    category: 'runtime',
    edit: appended('logic.ts', "\nsetInterval(() => console.log('leaked timer'), 5);\nthrow new Error('after a timer');\n"),
    expect: run(/after a timer/, 'logic.ts', /leaked timer/),
  },
  {
    name: 'runtime: a listener added before a throw is removed with the refused change',
    category: 'runtime',
    edit: appended('logic.ts', "\nprocess.on('SIGUSR2', () => undefined);\nsetTimeout(() => console.log(`listeners ${process.listenerCount('SIGUSR2')}`), 30);\nthrow new Error('after a listener');\n"),
    expect: run(/after a listener/, 'logic.ts', /listeners/),
  },
  {
    name: 'runtime: a new module that throws as it loads',
    category: 'runtime',
    edit: { 'extra.ts': "throw new Error('extra fails');\n", ...appended('logic.ts', "\nimport './extra.ts';\n") },
    expect: run(/extra fails/, 'extra.ts'),
  },
  {
    name: 'runtime: a throw in the entry',
    category: 'runtime',
    edit: appended('main.ts', "\nif (Math.random() < 2) throw new Error('entry throws');\n"),
    expect: run(/entry throws/, 'main.ts'),
  },
  {
    name: 'runtime: a statement that throws in a nested file',
    category: 'runtime',
    edit: appended('util/deep.ts', "\nif (Math.random() < 2) throw new Error('deep throws');\n"),
    expect: run(/deep throws/, 'util/deep.ts'),
  },
  // Live instances and rows: the migration runs code of the new version for each.
  {
    name: 'runtime: a field initializer that throws for live instances',
    category: 'runtime',
    edit: replaced('model.ts', 'hp = 10;', "hp = 10;\n  armor: number = (() => {\n    throw new Error('no armor');\n  })();"),
    expect: migrate('model.ts', /no armor/),
  },
  {
    name: 'runtime: a migrateInstance hook that throws',
    category: 'runtime',
    edit: replaced('model.ts', 'hp = 10;', "hp = 10;\n  level = 1;\n  static migrateInstance(p: Player): void {\n    if (p.name === 'bob') throw new Error('hook refuses bob');\n  }"),
    expect: migrate('model.ts', /hook refuses bob/),
  },
  {
    name: 'runtime: a migrateInstance hook that writes a value of the wrong type',
    category: 'runtime',
    edit: replaced('model.ts', 'hp = 10;', 'hp = 10;\n  level = 1;\n  static migrateInstance(p: Player): void {\n    (p as unknown as { level: unknown }).level = \'high\';\n  }'),
    expect: migrate('model.ts', /level/),
  },
  {
    name: 'runtime: a field retyped to a type its live values do not fit',
    category: 'runtime',
    edit: replaced('model.ts', 'name: string;\n  constructor(name: string) {\n    this.name = name;', 'name: number;\n  constructor(name: string) {\n    this.name = name.length;'),
    expect: migrate('model.ts', /name/),
  },
  {
    name: 'runtime: a field added with no initializer, its type not allowing undefined',
    category: 'runtime',
    edit: replaced('model.ts', 'hp = 10;', 'hp = 10;\n  armor!: number;'),
    expect: migrate('model.ts', /armor/),
  },
  {
    name: "runtime: a store's new column whose initializer throws for live rows",
    category: 'runtime',
    edit: replaced('units.ts', "tag = 'u';", "tag = 'u';\n  speed: number = this.tag === 'v' ? (() => {\n    throw new Error('row refuses');\n  })() : 1;"),
    expect: migrate('units.ts', /row refuses/),
  },
  {
    name: "runtime: a store's migrateInstance hook that throws",
    category: 'runtime',
    edit: replaced('units.ts', "tag = 'u';", "tag = 'u';\n  static migrateInstance(row: Unit): void {\n    if (row.hp === 7) throw new Error('store hook refuses');\n  }\n  extra = 0;"),
    expect: migrate('units.ts', /store hook refuses/),
  },
  {
    name: "runtime: a store's column given a value its type would round",
    category: 'runtime',
    edit: {
      'units.ts': replaced('units.ts', "tag = 'u';", "tag = 'u';\n  small: u8 = 300;")['units.ts']!.replace('type i32 }', 'type i32, type u8 }'),
    },
    expect: migrate('units.ts', /small/),
  },
  {
    name: "runtime: a store's column retyped to one its values do not fit",
    category: 'runtime',
    edit: { 'units.ts': replaced('units.ts', "tag = 'u';", 'tag: number = 0;')['units.ts']!.replace("{ tag: 'v' }", '{ tag: 1 }') },
    expect: migrate('units.ts', /tag/),
  },
  // Applied: the program calls the code later, and the error is reported where it happens.
  {
    name: 'runtime: a function that throws when the program calls it is applied, its error reported',
    category: 'runtime',
    edit: replaced('logic.ts', "return 'base';", "if (Math.random() < 2) throw new Error('label fails');\n  return 'base';"),
    expect: { ok: true },
  },
  {
    name: 'runtime: an unhandled rejection made at the top level is applied, and reported',
    category: 'runtime',
    edit: appended('logic.ts', "\nvoid Promise.reject(new Error('nobody waits'));\n"),
    expect: { ok: true },
  },
];
