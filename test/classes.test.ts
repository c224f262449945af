// Live classes in-process: identity, behaviour of existing instances, inheritance, statics, private
// names, enums, rejection. Real files in a temp project, changes applied through the API.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describeLayout } from '../src/host/report.js';
import { type Api, startImage } from './helpers/image.js';

const start = startImage;

const fn = (api: Api, name: string): ((...a: unknown[]) => unknown) => api[name] as (...a: unknown[]) => unknown;
type Obj = Record<string, (...a: unknown[]) => unknown> & Record<string, unknown>;

describe('class identity', () => {
  it('keeps one constructor: instanceof, Map and WeakMap keys, importers, across edits', async () => {
    const v = (n: number): string =>
      `export class C { v(): number { return ${n}; } }\nexport const old = new C();\nexport const byClass = new Map<unknown, string>([[C, 'found']]);\nexport const weak = new WeakMap<object, number>([[C, 1]]);\n`;
    const { api, edit, project, image } = await start({
      'lib.ts': v(1),
      'main.ts': "export * from './lib.ts';\nimport { C } from './lib.ts';\nexport const seenByImporter = C;\n",
    });
    const C = api()['C'] as new () => Obj;
    for (let n = 2; n <= 4; n++) {
      const r = await edit({ 'lib.ts': v(n) });
      assert.equal(r.kind, 'applied');
      assert.equal(api()['C'], C, 'the class object is the same after each edit');
    }
    const old = api()['old'] as Obj;
    assert.equal(old.v!(), 4, 'an instance made before the edits runs the newest method');
    assert.ok(old instanceof C && new C() instanceof C, 'instanceof holds for old and new instances');
    assert.equal((api()['byClass'] as Map<unknown, string>).get(C), 'found');
    assert.equal((api()['weak'] as WeakMap<object, number>).get(C), 1);
    assert.equal(api()['seenByImporter'], C, 'the importer sees the same class');
    assert.equal(old.constructor, C);
    assert.equal(C.name, 'C');
    assert.throws(() => (C as unknown as () => void)(), /Class constructor C cannot be invoked without 'new'/);
    const many = Array.from({ length: 50 }, () => new C());
    v8.setFlagsFromString('--allow-natives-syntax');
    const sameMap = vm.runInThisContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    assert.ok(sameMap(many[0]!, many[49]!), 'instances of one version share a hidden class');
    void project;
    void image;
  });
});

describe('class behaviour', () => {
  it('gives existing instances new, added and removed methods, accessors and statics', async () => {
    const { api, edit } = await start({
      'main.ts':
        "export class K { static kind(): string { return 's1'; } get label(): string { return 'g1'; } a(): string { return 'a1'; } gone(): string { return 'x'; } }\nexport const k = new K();\n",
    });
    await edit({
      'main.ts':
        "export class K { static kind(): string { return 's2'; } get label(): string { return 'g2'; } set label(v: string) { this.stored = v; } stored = ''; a(): string { return 'a2'; } b(): string { return 'b2'; } }\nexport const k = new K();\n",
    });
    const k = api()['k'] as Obj;
    const K = api()['K'] as Obj;
    assert.deepEqual([K.kind!(), k['label'], k.a!(), k.b!()], ['s2', 'g2', 'a2', 'b2']);
    assert.equal(k['gone'], undefined, 'a removed method is gone from old instances');
    (k as Record<string, unknown>)['label'] = 'set';
    assert.equal(k['stored'], 'set', 'an added setter works on an old instance');
  });

  it('reaches the current superclass through super, and re-parents on a changed extends', async () => {
    const src = (baseBody: string, ext: string): string =>
      `export class A { who(): string { return 'A'; } }\nexport class Base { greet(): string { return '${baseBody}'; } who(): string { return 'Base'; } }\nexport class D extends ${ext} { greet(): string { return 'd:' + super.greet(); } }\nexport const d = new D();\n`;
    const { api, edit } = await start({ 'main.ts': src('base1', 'Base') });
    await edit({ 'main.ts': src('base2', 'Base') });
    assert.equal((api()['d'] as Obj).greet!(), 'd:base2');
    await edit({
      'main.ts': `export class A { who(): string { return 'A'; } greet(): string { return 'a'; } }\nexport class Base { greet(): string { return 'base2'; } who(): string { return 'Base'; } }\nexport class D extends A { greet(): string { return 'd:' + super.greet(); } }\nexport const d = new D();\n`,
    });
    const d = api()['d'] as Obj;
    assert.deepEqual(
      [d.greet!(), d.who!(), d instanceof (api()['A'] as new () => object), d instanceof (api()['Base'] as new () => object)],
      ['d:a', 'A', true, false],
    );
  });

  it('keeps a subclass in an unedited module working when its base changes', async () => {
    const { api, edit } = await start({
      'base.ts': 'export abstract class Shape { abstract area(): number; describe(): string { return `area ${this.area()}`; } }\n',
      'main.ts':
        "import { Shape } from './base.ts';\nexport class Sq extends Shape { constructor(private side: number) { super(); } area(): number { return this.side ** 2; } }\nexport const s = new Sq(3);\n",
    });
    await edit({ 'base.ts': 'export abstract class Shape { abstract area(): number; describe(): string { return `area=${this.area()}!`; } }\n' });
    assert.equal((api()['s'] as Obj).describe!(), 'area=9!');
  });

  it('follows a mixin whose function changed', async () => {
    const src = (t: string): string =>
      `type Ctor = new (...a: any[]) => object;\nfunction Tagged<T extends Ctor>(B: T) { return class extends B { #t = '${t}'; tag(): string { return this.#t + '${t}'; } }; }\nclass Plain {}\nexport class M extends Tagged(Plain) {}\nexport const m = new M();\n`;
    const { api, edit } = await start({ 'main.ts': src('1') });
    await edit({ 'main.ts': src('2') });
    assert.equal((api()['m'] as Obj).tag!(), '12', 'the old instance runs the new mixin method and keeps its private field');
  });

  it('applies a changed constructor or field initializer to new instances only', async () => {
    const src = (tag: string, hp: number): string =>
      `export class P { tag: string; hp = ${hp}; constructor() { this.tag = '${tag}'; } }\nexport const old = new P();\nexport function make(): P { return new P(); }\n`;
    const { api, edit, image } = await start({ 'main.ts': src('a', 10) });
    await edit({ 'main.ts': src('b', 20) });
    const old = api()['old'] as Obj;
    const made = fn(api(), 'make')() as Obj;
    assert.deepEqual([old['tag'], old['hp'], made['tag'], made['hp']], ['a', 10, 'b', 20]);
    assert.deepEqual(
      image.classFields('main.ts', 'P')?.map((f) => ({ name: f.name, initializer: f.initializer })),
      [
        { name: 'tag', initializer: null },
        { name: 'hp', initializer: '20' },
      ],
      'the class knows the fields of its installed version',
    );
  });

  it('keeps static fields unless their initializer changed; re-runs a changed static block', async () => {
    const src = (init: number, block: string): string =>
      `export const log: string[] = [];\nexport class K { static count = ${init}; static other = 1; static { log.push('${block}'); } static bump(): void { K.count++; K.other++; } }\nK.bump();\n`;
    const { api, edit } = await start({ 'main.ts': src(0, 'b1') });
    await edit({ 'main.ts': src(0, 'b2') });
    const K = api()['K'] as Obj;
    assert.deepEqual([K['count'], K['other']], [1, 2], 'kept: neither initializer changed');
    assert.deepEqual(api()['log'], ['b1', 'b2'], 'the changed static block ran again');
    await edit({ 'main.ts': src(100, 'b2') });
    assert.deepEqual([K['count'], K['other']], [100, 2], 'count re-initialized, other kept');
  });

  it('takes a removed static field off the class, and keeps one a new statement defines again', async () => {
    const src = (statics: string): string => `export class K { ${statics} }\n`;
    const { api, edit } = await start({ 'main.ts': src('static a = 1; static b = 2; static #c = 3; static c(): number { return K.#c; }') });
    const K = api()['K'] as Obj;
    assert.deepEqual([K['a'], K['b'], K.c!()], [1, 2, 3]);
    const r = await edit({ 'main.ts': src('static a = 1; static c(): number { return 0; }') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal(Object.hasOwn(K, 'b'), false, 'b is gone from the class');
    assert.equal('b' in K, false);
    assert.equal(Object.getOwnPropertySymbols(K).length, 0, 'so is the private static');
    assert.equal(K['a'], 1, 'a is kept');
    await edit({ 'main.ts': src('static a = 10; static b = 20; static c(): number { return 0; }') });
    assert.deepEqual([K['a'], K['b']], [10, 20], 'statics added back, a re-initialized');
    await edit({ 'main.ts': src('static a: number = 10; static b = 20; static c(): number { return 0; }') });
    assert.equal(K['a'], 10, 'a statement edited (a new statement) defines a again: it stays');
  });

  it('works across versions with #private fields and methods, both ways', async () => {
    const src = (mul: number, bump: number): string =>
      `export class P { #n = 100; #bump(): number { return ${bump}; } get n(): number { return this.#n * ${mul} + this.#bump(); } has(o: object): boolean { return #n in o; } reader(): () => number { return () => this.#n; } }\nexport const p = new P();\nexport const oldReader = p.reader();\nexport function make(): P { return new P(); }\n`;
    const { api, edit } = await start({ 'main.ts': src(1, 1) });
    const oldReader = api()['oldReader'] as () => number;
    const P = api()['P'] as Obj;
    const makeOld = fn(api(), 'make');
    await edit({ 'main.ts': src(2, 2) });
    const p = api()['p'] as Obj;
    assert.deepEqual([p['n'], p.has!(p), p.has!({})], [202, true, false], 'the old instance with new methods');
    const fresh = makeOld() as Obj;
    assert.ok(fresh instanceof (P as unknown as new () => object));
    assert.equal(oldReader.call(fresh), 100, 'an old closure reads #n of an instance made after the edit');
  });

  it('constructs subclasses of built-ins', async () => {
    const { api, edit } = await start({
      'main.ts': "export class AppError extends Error { code = 'E1'; }\nexport function make(): AppError { return new AppError('m'); }\n",
    });
    await edit({
      'main.ts':
        "export class AppError extends Error { code = 'E2'; describe(): string { return this.code + ':' + this.message; } }\nexport function make(): AppError { return new AppError('m'); }\n",
    });
    const e = fn(api(), 'make')() as Obj;
    assert.ok(e instanceof Error);
    assert.equal(e.describe!(), 'E2:m');
  });
});

describe('class rejection', () => {
  it('rejects turning a class into a function while instances are alive, and keeps the class working', async () => {
    const { api, edit } = await start({
      'main.ts': 'export class Player { hp(): number { return 1; } }\nexport const players = [new Player(), new Player()];\n',
    });
    const r = await edit({ 'main.ts': 'export function Player(): number { return 0; }\nexport const players = [new Player(), new Player()];\n' });
    assert.equal(r.kind, 'rejected');
    if (r.kind === 'rejected') {
      assert.equal(r.phase, 'instantiate');
      assert.match(r.errors[0]!.message, /class Player became a function, but 2 instances are alive; keep Player a class/);
      assert.deepEqual([r.errors[0]!.file, r.errors[0]!.line], ['main.ts', 1]);
    }
    assert.equal((api()['players'] as Obj[])[0]!.hp!(), 1, 'the old class keeps working');
  });

  it('allows it when no instance is alive', async () => {
    const { api, edit } = await start({ 'main.ts': "export class Tool { use(): string { return 'x'; } }\n" });
    const r = await edit({ 'main.ts': "export function Tool(): string { return 'fn'; }\n" });
    assert.equal(r.kind, 'applied');
    assert.equal(fn(api(), 'Tool')(), 'fn');
  });

  it('restores the previous class version when a later statement of the change throws', async () => {
    const { api, edit } = await start({ 'main.ts': 'export class C { v(): number { return 1; } }\nexport const c = new C();\n' });
    const r = await edit({ 'main.ts': "export class C { v(): number { return 2; } }\nexport const c = new C();\nthrow new Error('later');\n" });
    assert.equal(r.kind, 'rejected');
    assert.equal((api()['c'] as Obj).v!(), 1, 'the old methods are back');
  });
});

describe('enums', () => {
  it('keeps the enum object, matches members by name and reports changed values', async () => {
    const { api, edit } = await start({ 'main.ts': 'export enum Color { Red, Green, Blue }\nexport const stored = Color.Green;\n' });
    const Color = api()['Color'] as Record<string, unknown>;
    const r = await edit({ 'main.ts': 'export enum Color { Red, Blue, Green, Black = 10 }\nexport const stored = Color.Green;\n' });
    assert.equal(r.kind, 'applied');
    assert.equal(api()['Color'], Color, 'the same enum object');
    assert.deepEqual([Color['Green'], Color['Blue'], Color[2], Color['Black']], [2, 1, 'Green', 10]);
    if (r.kind === 'applied') assert.deepEqual(r.summary.enums, ['Color.Blue 2→1', 'Color.Green 1→2', 'Color.Black added (10)']);
  });
});

describe('class layers', () => {
  it('keeps every class layer in fast mode after 10 edits', async () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const hasFast = vm.runInThisContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;
    const src = (n: number): string =>
      `export class Base { b(): number { return ${n}; } static s(): number { return ${n}; } }\nexport class E extends Base { #x = ${n}; x(): number { return this.#x; } get y(): number { return ${n}; } static t(): number { return ${n}; } }\nexport const e = new E();\n`;
    const { image, edit } = await start({ 'main.ts': src(0) });
    for (let n = 1; n <= 10; n++) assert.equal((await edit({ 'main.ts': src(n) })).kind, 'applied');
    const layers = image.layers();
    assert.ok(layers.length >= 7, 'module layer plus three per class');
    for (const layer of layers) assert.ok(hasFast(layer), 'a class layer was left in dictionary mode');
  });
});

describe('statics across rejected and removed declarations', () => {
  it('restarts an old static field that held a timer when its change is rolled back, with no second error', async () => {
    const v = (ms: number, tail = ''): string => `export class K { static timer = setInterval(() => {}, ${ms}); }
  export function timer(): unknown { return K.timer; }
  ${tail}`;
    const { api, edit } = await startImage({ 'main.ts': v(1000) });
    const before = (api()['timer'] as () => unknown)();
    const r = await edit({ 'main.ts': v(2000, 'throw new Error("late");\n') });
    assert.equal(r.kind, 'rejected');
    const after = (api()['timer'] as () => unknown)();
    assert.equal(r.kind === 'rejected' ? r.errors.length : -1, 1, 'only the error of the change itself');
    assert.notEqual(after, before, 'the restarted static holds the timer it started again, not the cleared one');
  });
  it('keeps a static the new code sets itself after its declaration was removed', async () => {
    const { api, edit } = await startImage({ 'main.ts': `export class K { static count = 1; }\nexport function count(): unknown { return K.count; }\n` });
    const r = await edit({
      'main.ts': `export class K { declare static count: number; }\nK.count = 5;\nexport function count(): unknown { return K.count; }\n`,
    });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal((api()['count'] as () => unknown)(), 5);
  });
});

describe('accessor fields', () => {
  it('keep their values when another class of the module gets an accessor of the same name', async () => {
    const m = (more: string): string =>
      `export class A { accessor x = 1; }\nexport const a = new A();\na.x = 42;\n${more}export function probe(): number { return a.x; }\n`;
    const { api, edit } = await startImage({ 'main.ts': m('') });
    assert.equal((api()['probe'] as () => number)(), 42);
    assert.equal((await edit({ 'main.ts': m('export class B { accessor x = 2; }\n') })).kind, 'applied');
    assert.equal((api()['probe'] as () => number)(), 42);
  });

  it('keep their values on live instances when another accessor is added above them, or the class is edited', async () => {
    const k = (above: string, word: string): string =>
      `export class K {\n  ${above}accessor x = 1;\n  static accessor total = 0;\n  bump(): string { this.x++; K.total++; return '${word} ' + this.x + ' ' + K.total; }\n}\nexport const k = new K();\nexport function probe(): string { return k.bump(); }\n`;
    const { api, edit } = await startImage({ 'main.ts': k('', 'v1') });
    assert.equal((api()['probe'] as () => string)(), 'v1 2 1');
    assert.equal((await edit({ 'main.ts': k('accessor y = 5;\n  ', 'v2') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), 'v2 3 2', 'x and total kept their values');
    assert.equal(((api()['k'] as Record<string, unknown>)['y'] as number) ?? null, 5, 'y came with its initializer');
  });
});

describe('a field made an accessor field, and back', () => {
  it('keeps its value on live instances, said as a rename of the field', async () => {
    const k = (decl: string): string =>
      `export class K { ${decl} }\nexport const k = new K();\nk.level = 11;\nexport function probe(): number { return k.level; }\n`;
    const { api, edit } = await startImage({ 'main.ts': k('level = 5;') });
    assert.equal((api()['probe'] as () => number)(), 11);
    const toAccessor = await edit({ 'main.ts': k('accessor level = 5;') });
    assert.equal(toAccessor.kind, 'applied');
    assert.equal((api()['probe'] as () => number)(), 11, 'the value moved into the accessor');
    assert.ok(toAccessor.kind === 'applied');
    assert.deepEqual(toAccessor.summary.layouts[0]!.renamed, [{ from: 'level', to: '#___accessor_level' }]);
    assert.equal(describeLayout(toAccessor.summary.layouts[0]!), 'K: level→accessor level (renamed) (1 instance)');
    assert.equal((await edit({ 'main.ts': k('level = 5;') })).kind, 'applied');
    assert.equal((api()['probe'] as () => number)(), 11, 'and back');
  });
});

describe('legacy decorators and reflect-metadata', () => {
  it("replaces what the last version's decorators set on the class, keeps what other code set, and forgets a removed decorator's", async () => {
    const svc = (decorator: string, word: string): string => `import 'reflect-metadata';
export function role(r: string) { return (c: Function): void => { Reflect.defineMetadata('role', r, c); }; }
${decorator}
export class Svc { hi(): string { return '${word}'; } }
Reflect.defineMetadata('note', 'kept', Svc);
export function probe(): string {
  return [new Svc().hi(), String(Reflect.getMetadata('role', Svc)), String(Reflect.getMetadata('note', Svc))].join(' ');
}
`;
    const { api, edit } = await startImage({ 'main.ts': svc("@role('admin')", 'v1') }, 'main.ts', { compileOptions: { experimentalDecorators: true } });
    assert.equal((api()['probe'] as () => string)(), 'v1 admin kept');
    assert.equal((await edit({ 'main.ts': svc("@role('owner')", 'v2') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), 'v2 owner kept', 'the note set by other code is kept');
    assert.equal((await edit({ 'main.ts': svc('', 'v3') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), 'v3 undefined kept', "the removed decorator's metadata left");
    const rejected = await edit({ 'main.ts': `${svc("@role('x')", 'v4')}throw new Error('no');\n` });
    assert.equal(rejected.kind, 'rejected');
    assert.equal((api()['probe'] as () => string)(), 'v3 undefined kept', 'a rejected change puts the metadata back');
  });
});

describe('TC39 decorator metadata', () => {
  it("a decorated subclass's metadata inherits its superclass's, in another module too, and follows the superclass's edits", async () => {
    const base = (word: string): string =>
      `export function tag(v: string) { return (_f: unknown, c: ClassMethodDecoratorContext): void => { (c.metadata as Record<string, unknown>)[String(c.name)] = v; }; }\nexport class Base { @tag('${word}') f(): void {} }\n`;
    const sub = "import { Base, tag } from './base.ts';\nexport class Sub extends Base { @tag('sub') g(): void {} }\n";
    const main = `import { Sub } from './sub.ts';
export { Sub };
export function probe(): string {
  const m = (Sub as unknown as Record<symbol, Record<string, unknown>>)[(Symbol as { metadata?: symbol }).metadata ?? Symbol.for('Symbol.metadata')]!;
  return [m['g'], m['f'], Object.hasOwn(m, 'f')].join(' ');
}
`;
    const { api, edit } = await startImage({ 'main.ts': main, 'base.ts': base('one'), 'sub.ts': sub });
    assert.equal((api()['probe'] as () => string)(), 'sub one false');
    assert.equal((await edit({ 'base.ts': base('two') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), 'sub two false', "the subclass's metadata reads the new superclass version's");
  });
});

describe('useDefineForClassFields: false', () => {
  it('a field added without an initializer is left off live instances, as off new ones; a parameter property is said to need migrateInstance', async () => {
    const dto = (fields: string): string =>
      `export class Dto { tag = 'a'; ${fields} }\nexport const live = new Dto('x');\nexport function probe(): string { return Object.keys(live).join(',') + ' fresh: ' + Object.keys(new Dto('y')).join(','); }\n`;
    const { api, edit } = await startImage({ 'main.ts': dto('constructor(_n: string) {}') }, 'main.ts', { compileOptions: { useDefineForClassFields: false } });
    assert.equal((api()['probe'] as () => string)(), 'tag fresh: tag');
    assert.equal((await edit({ 'main.ts': dto('nickname!: string; constructor(_n: string) {}') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), 'tag fresh: tag', 'no own nickname on either');
    const r = await edit({ 'main.ts': dto('nickname!: string; constructor(public n: string) {}') });
    assert.equal(r.kind, 'rejected');
    assert.match(JSON.stringify(r), /Dto\.n, a constructor parameter property, is added to live instances, for which the constructor does not run again/);
  });
});

describe('TC39 decorators on live data', () => {
  it("a field added after a decorated field does not run that field's extra initializers again on live instances", async () => {
    const unit = (extra: string): string => `export const seen: unknown[] = [];
export function track(_v: undefined, c: ClassFieldDecoratorContext): void { c.addInitializer(function (this: unknown) { seen.push(this); }); }
export class Unit {
  @track y = 2;
  ${extra}
}
export const live = new Unit();
export function probe(): string { return seen.length + ' ' + String((live as unknown as { z?: number }).z); }
`;
    const { api, edit } = await startImage({ 'main.ts': unit('') });
    assert.equal((api()['probe'] as () => string)(), '1 undefined');
    assert.equal((await edit({ 'main.ts': unit('z = 3;') })).kind, 'applied');
    assert.equal((api()['probe'] as () => string)(), '1 3', "z came with its initializer; y's initializers did not run again");
  });

  it('a statement after a decorated class that assigns a decorator stays after the class', async () => {
    const { api } = await startImage({
      'main.ts': `let trace: ((f: unknown, c: ClassMethodDecoratorContext) => void) | null = (_f, _c) => undefined;
export class A { @trace! m(): number { return 1; } }
trace = null;
export function probe(): string { return String(trace) + ' ' + new A().m(); }
`,
    });
    assert.equal((api()['probe'] as () => string)(), 'null 1');
  });
});
