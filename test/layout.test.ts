// Live data layout: what the compiler records about class fields, the layout diff, value checks and
// conversions, and migrations of live instances in-process (the CLI scenarios cover the user's view).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModule } from '../src/compile/compile-module.js';
import type { ClassInfo, FieldDecl } from '../src/compile/compiled-module.js';
import { shapeText } from '../src/compile/type-shape.js';
import { diffLayout } from '../src/runtime/layout-diff.js';
import { convert, fits, resolveShape, type ValueShape } from '../src/runtime/value-fit.js';
import { startImage } from './helpers/image.js';

function layoutOf(source: string, name = 'P'): ClassInfo {
  const r = compileModule('m.ts', source);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const info = r.module.classes.get(name);
  assert.ok(info, `class ${name} has a layout`);
  return info;
}

const described = (info: ClassInfo): string[] =>
  info.fields.map((f) => `${f.name}:${f.typeText}${f.renamedFrom ? `<-${f.renamedFrom}` : ''}${f.initializer ? '=' : ''}`);

describe('class layouts from the source', () => {
  it('records fields in instance order with their types: parameter properties, optional, private, inferred, aliases', () => {
    const info = layoutOf(`type Hp = number | string;
class Vec {}
export class P {
  hp: Hp = 10;
  /** @renamed legacyName */
  name = 'p';
  tags?: string[];
  #secret: 'a' | 'b' = 'a';
  pos = new Vec();
  declare ghost: number;
  static count = 0;
  constructor(public x: number, private readonly y = 2) {}
  static migrateInstance(): void {}
}`);
    assert.deepEqual(described(info), [
      'x:number',
      'y:number',
      'hp:Hp=',
      'name:string<-legacyName=',
      'tags:string[] | undefined',
      "#secret:'a' | 'b'=",
      'pos:Vec=',
    ]);
    const hp = info.fields.find((f) => f.name === 'hp')!;
    assert.equal(shapeText(hp.type), 'number | string', 'a local type alias is followed');
    assert.equal(info.migrateHook, true);
    assert.equal(layoutOf('class P { a = 1; }').migrateHook, false);
  });

  it('keeps fields without initializer out of the instance order under useDefineForClassFields: false, after those defined up front', () => {
    const r = compileModule('m.ts', 'class P { a: number; b = 1; constructor() { this.a = 2; } }', { useDefineForClassFields: false });
    assert.ok(r.ok);
    assert.deepEqual(
      r.module.classes.get('P')!.fields.map((f) => f.name),
      ['b', 'a'],
    );
  });
});

const field = (name: string, typeText: string, extra: Partial<FieldDecl> = {}): FieldDecl => ({
  name,
  initializer: null,
  typeText,
  type: { kind: 'opaque' },
  renamedFrom: null,
  sourceOffset: 0,
  ...extra,
});

describe('layout diff', () => {
  it('adds, removes, renames by marker and retypes', () => {
    const r = diffLayout(
      'P',
      [field('hp', 'number'), field('legacy', 'number'), field('tag', 'string')],
      [field('health', 'number', { renamedFrom: 'hp' }), field('tag', 'string | number'), field('armor', 'number')],
    );
    assert.ok(r.ok);
    assert.deepEqual(
      r.diff.added.map((a) => [a.field.name, a.from?.name ?? null]),
      [
        ['health', 'hp'],
        ['armor', null],
      ],
    );
    assert.deepEqual(
      r.diff.removed.map((f) => f.name),
      ['legacy'],
    );
    assert.deepEqual(
      r.diff.retyped.map((t) => t.field.name),
      ['tag'],
    );
    assert.deepEqual(r.diff.unmarked, [{ removed: 'legacy', added: 'armor' }], 'a same-type remove + add is pointed out, not assumed');
  });

  it('treats a marker whose old field is gone as done, and rejects a marker whose old field is still declared or used twice', () => {
    const stale = diffLayout('P', [field('health', 'number')], [field('health', 'number', { renamedFrom: 'hp' })]);
    assert.ok(stale.ok && stale.diff.added.length === 0 && stale.diff.removed.length === 0);
    const still = diffLayout('P', [field('hp', 'number')], [field('hp', 'number'), field('health', 'number', { renamedFrom: 'hp' })]);
    assert.ok(!still.ok && /still declares hp/.test(still.message));
    const twice = diffLayout('P', [field('hp', 'number')], [field('a', 'number', { renamedFrom: 'hp' }), field('b', 'number', { renamedFrom: 'hp' })]);
    assert.ok(!twice.ok && /two fields of P are marked @renamed hp/.test(twice.message));
  });
});

describe('values against types', () => {
  const shape = (src: string): ValueShape => {
    const info = layoutOf(`class C {}\nclass P { f: ${src} = undefined!; }`);
    return resolveShape(info.fields[0]!.type, (n) => (n === 'C' ? class C {} : (globalThis as Record<string, unknown>)[n]));
  };
  it('checks primitives, literals, unions, arrays and classes', () => {
    assert.ok(fits(1, shape('number | string')) && fits('x', shape('number | string')) && !fits(true, shape('number | string')));
    assert.ok(fits(null, shape('number | null')) && !fits(undefined, shape('number | null')));
    assert.ok(fits('a', shape("'a' | 'b'")) && !fits('c', shape("'a' | 'b'")));
    assert.ok(fits([1, 2], shape('number[]')) && !fits([1, 'x'], shape('number[]')) && fits([1, 'x'], shape('Array<number | string>')));
    assert.ok(fits(new Date(), shape('Date')) && !fits({}, shape('Date')));
    assert.ok(fits({ any: 1 }, shape('{ a: number }')) && !fits(1, shape('{ a: number }')), 'an object type checks objectness only');
    assert.ok(fits(5, shape('SomeInterface')), 'a type imago cannot see into accepts any value');
    const local = layoutOf('interface Event { t: number }\nimport type { Map } from "./types.ts";\nclass P { e: Event | null = null; m?: Map; }').fields;
    assert.deepEqual(
      local.map((f) => f.type.kind),
      ['union', 'union'],
    );
    assert.ok(
      local.every((f) => f.type.kind === 'union' && f.type.members[0]!.kind === 'opaque'),
      'a local interface or type-only import is not the global class of that name',
    );
  });
  it('converts exactly or not at all', () => {
    assert.deepEqual(convert(7, shape('string')), { value: '7' });
    assert.deepEqual(convert(' 12.5 ', shape('number')), { value: 12.5 });
    assert.equal(convert('12abc', shape('number')), undefined);
    assert.equal(convert('1e400', shape('number')), undefined, 'a decimal text past the doubles does not become Infinity');
    assert.deepEqual(convert(3, shape('bigint')), { value: 3n });
    assert.equal(convert(3.5, shape('bigint')), undefined);
    assert.deepEqual(convert(2n ** 60n, shape('string')), { value: String(2n ** 60n) });
    assert.equal(convert(2n ** 60n, shape('number')), undefined, 'a bigint beyond the safe integers does not convert to number');
    assert.deepEqual(convert('true', shape('boolean')), { value: true });
    assert.deepEqual(convert(1, shape("'1' | '2'")), { value: '1' });
    assert.equal(convert(3, shape("'1' | '2'")), undefined);
  });
});

type Obj = Record<PropertyKey, unknown>;

describe('migrating live instances', () => {
  it('keeps undeclared own properties after the declared fields, and moves private values with their class', async () => {
    const v0 = `export class P { #hp = 1; a = 1; legacy = 2; b = 3; get hp(): number { return this.#hp; } set hp(v: number) { this.#hp = v; } }
export const p = new P();
(p as unknown as Record<string, number>)['extra'] = 9;
p.hp = 42;\n`;
    const { api, edit } = await startImage({ 'main.ts': v0 });
    const r = await edit({ 'main.ts': v0.replace(' legacy = 2;', ' c = 4;') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    const p = api()['p'] as Obj;
    assert.deepEqual(Object.keys(p), ['a', 'c', 'b', 'extra'], 'c takes the place legacy had, as in a new instance; extra stays last');
    assert.equal(p['hp'], 42, 'the private field kept its value');
    assert.ok(r.kind === 'applied' && r.summary.layouts[0]?.instances === 1);
  });

  it('rejects a change that would alter a frozen instance, naming it, and changes nothing', async () => {
    const v0 = 'export class P { a = 1; }\nexport const ps = [new P(), Object.freeze(new P())];\nexport const version = 1;\n';
    const { api, edit } = await startImage({ 'main.ts': v0 });
    const r = await edit({ 'main.ts': v0.replace('a = 1;', 'a = 1; b = 2;').replace('version = 1', 'version = 2') });
    assert.equal(r.kind, 'rejected');
    assert.ok(r.kind === 'rejected' && r.phase === 'migrate' && /frozen, sealed or not extensible/.test(r.errors[0]!.message), JSON.stringify(r));
    assert.equal(api()['version'], 1);
    assert.deepEqual(
      (api()['ps'] as Obj[]).map((o) => Object.keys(o).join()),
      ['a', 'a'],
      'the extensible instance did not get b either',
    );
  });

  it('checks what migrateInstance leaves against the new types', async () => {
    const v0 = 'export class P { n = 1; }\nexport const p = new P();\n';
    const { api, edit } = await startImage({ 'main.ts': v0 });
    const r = await edit({
      'main.ts':
        'export class P { n = 1; label: string = "x"; static migrateInstance(p: P): void { (p as unknown as Record<string, unknown>)["label"] = 5; } }\nexport const p = new P();\n',
    });
    assert.ok(
      r.kind === 'rejected' &&
        /P\.label `string`: 1 live value of 1 does not fit \(for example 5, which migrateInstance left there\)/.test(r.errors[0]!.message),
      JSON.stringify(r),
    );
    assert.deepEqual(Object.keys(api()['p'] as Obj), ['n']);
  });

  it('migrates subclass instances when only the subclass changed, and instances of a class in another module', async () => {
    const base = 'export class Base { id = 1; }\n';
    const main = (extra: string): string =>
      `import { Base } from './base.ts';\nexport class Sub extends Base { ${extra} }\nexport const s = new Sub();\nexport const b = new Base();\n`;
    const { api, edit } = await startImage({ 'base.ts': base, 'main.ts': main('speed = 2;') });
    let r = await edit({ 'main.ts': main('speed = 2; armor = this.id + 10;') });
    assert.equal(r.kind, 'applied');
    assert.deepEqual(
      [api()['s'], api()['b']].map((o) => JSON.stringify(o)),
      ['{"id":1,"speed":2,"armor":11}', '{"id":1}'],
    );
    r = await edit({ 'base.ts': 'export class Base { id = 1; tag = "t"; }\n' });
    assert.equal(r.kind, 'applied');
    assert.deepEqual(
      [api()['s'], api()['b']].map((o) => JSON.stringify(o)),
      ['{"id":1,"tag":"t","speed":2,"armor":11}', '{"id":1,"tag":"t"}'],
    );
  });

  it('keeps a field a subclass stops overriding, and puts back a property the program set that a rejected change declared', async () => {
    const v0 = 'export class Base { x = 1; }\nexport class Sub extends Base { override x = 2; y = 3; }\nexport const s = new Sub();\n';
    const { api, edit } = await startImage({ 'main.ts': v0 });
    let r = await edit({ 'main.ts': v0.replace('override x = 2; ', '') });
    assert.equal(r.kind, 'applied');
    assert.equal(JSON.stringify(api()['s']), '{"x":2,"y":3}', 'Base still declares x: the value stays');
    const v1 = 'export class P { a = 1; }\nexport const p = new P();\n(p as unknown as Record<string, string>)["b"] = "keep";\n';
    const second = await startImage({ 'main.ts': v1 });
    r = await second.edit({ 'main.ts': v1.replace('a = 1;', 'a = 1; b = 2; c: number = (() => { throw new Error("no"); })();') });
    assert.ok(r.kind === 'rejected' && r.phase === 'migrate');
    assert.equal(JSON.stringify(second.api()['p']), '{"a":1,"b":"keep"}');
  });
});
