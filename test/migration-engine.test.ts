// The migration engine: fields matched by key across a class hierarchy (moved up, moved down, a class
// re-parented), objects the new version makes during the change left alone, instances and store rows
// migrated together and put back together, and the engine driven outside a commit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModule } from '../src/compile/compile-module.js';
import { createMemoryHost } from '../src/host/memory-host.js';
import type { ChangeResult } from '../src/index.js';
import { createClassIdentity } from '../src/runtime/class-identity.js';
import { ClassRegistry } from '../src/runtime/class-registry.js';
import { findAffected, migrateStep, settleLayouts } from '../src/runtime/migration.js';
import { ModuleRecord } from '../src/runtime/module-record.js';
import { Transaction } from '../src/runtime/transaction.js';
import { StoreRegistry } from '../src/store/registry.js';
import type { StoreCore } from '../src/store/store-core.js';
import { call, startImage } from './helpers/image.js';

const summaryOf = (r: ChangeResult) => {
  assert.equal(r.kind, 'applied', JSON.stringify(r));
  return r.kind === 'applied' ? r.summary : null!;
};

/** A base class, a subclass, one instance of each, and a way to read their fields. */
const hierarchy = (base: string, sub: string): string => `export class Base { ${base} }
export class Sub extends Base { ${sub} }
export const b = new Base();
export const s = new Sub();
export function fresh(): string[] { return Object.keys(new Sub()); }
`;

describe('fields matched by name across a hierarchy', () => {
  it('keeps the values of a field moved up into the superclass, and initializes it where no one held it', async () => {
    const { api, edit } = await startImage({ 'main.ts': hierarchy('a = 1;', 'x = 1; c = 3;') });
    (api()['s'] as Record<string, number>)['x'] = 5;
    const summary = summaryOf(await edit({ 'main.ts': hierarchy('a = 1; x = 0;', 'c = 3;') }));
    const s = api()['s'] as Record<string, number>;
    const b = api()['b'] as Record<string, number>;
    assert.equal(s['x'], 5, "the subclass instance's value stayed");
    assert.equal(b['x'], 0, 'the base instance got the initializer');
    assert.deepEqual(Object.keys(s), call(api(), 'fresh'), 'the subclass instance has the fields in the order a new one has them');
    const moved = summary.layouts.flatMap((l) => l.moved.map((m) => `${l.class}: ${m.field} ${m.from}->${m.to}`));
    assert.deepEqual(moved.sort(), ['Base: x Sub->Base', 'Sub: x Sub->Base'], 'both classes report the move');
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.added, l.removed]),
      [
        ['Base', ['x'], []],
        ['Sub', [], []],
      ],
      'the base added x for its own instances; the subclass lost nothing',
    );
  });

  it('keeps the values of a field moved down into a subclass, and drops it from base instances', async () => {
    const { api, edit } = await startImage({ 'main.ts': hierarchy('a = 1; x = 0;', 'c = 3;') });
    (api()['s'] as Record<string, number>)['x'] = 5;
    (api()['b'] as Record<string, number>)['x'] = 7;
    const summary = summaryOf(await edit({ 'main.ts': hierarchy('a = 1;', 'x = 1; c = 3;') }));
    const s = api()['s'] as Record<string, number>;
    const b = api()['b'] as Record<string, number>;
    assert.equal(s['x'], 5, 'the value moved down with the field');
    assert.equal('x' in b, false, 'the base instance no longer has x');
    assert.deepEqual(Object.keys(s), call(api(), 'fresh'));
    assert.deepEqual(Object.keys(b), ['a']);
    assert.deepEqual(summary.layouts.find((l) => l.class === 'Sub')?.moved, [{ field: 'x', from: 'Base', to: 'Sub' }]);
  });

  it('moves a field up without an initializer when every instance holding the class already has it', async () => {
    const v = (base: string, sub: string): string => `export class Base { ${base} }
export class Sub extends Base { ${sub} }
export const s = new Sub();
`;
    const { api, edit } = await startImage({ 'main.ts': v('a = 1;', 'x: number = 4;') });
    const r = await edit({ 'main.ts': v('a = 1; x!: number;', '') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal((api()['s'] as Record<string, number>)['x'], 4);
  });

  it('refuses a field moved up without an initializer when a base instance would have no value', async () => {
    const { api, edit } = await startImage({ 'main.ts': hierarchy('a = 1;', 'x: number = 4;') });
    const r = await edit({ 'main.ts': hierarchy('a = 1; x!: number;', '') });
    assert.equal(r.kind, 'rejected');
    assert.ok(
      r.kind === 'rejected' && r.phase === 'migrate' && /Base\.x is added to live instances but has no initializer/.test(r.errors[0]!.message),
      JSON.stringify(r),
    );
    assert.equal((api()['s'] as Record<string, number>)['x'], 4, 'nothing changed');
    assert.equal('x' in (api()['b'] as object), false);
  });

  it('re-parents a class: fields of the old parent go, those of the new one come with their initializers', async () => {
    const v = (parent: string): string => `export class A { a = 1; }
export class B { b = 2; }
export class Sub extends ${parent} { c = 3; }
export const s = new Sub();
export function isB(): boolean { return s instanceof B; }
`;
    const { api, edit } = await startImage({ 'main.ts': v('A') });
    const summary = summaryOf(await edit({ 'main.ts': v('B') }));
    assert.deepEqual({ ...(api()['s'] as object) }, { b: 2, c: 3 });
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.added, l.removed]),
      [['Sub', ['b'], ['a']]],
      'the reload line says what the instances gained and lost',
    );
    assert.equal(call(api(), 'isB'), true);
  });

  it('moves a column of a store from a subclass up to its superclass with its values', async () => {
    const v = (base: string, sub: string): string => `import { createStore } from 'imago/store';
export class Base { ${base} }
export class Sub extends Base { ${sub} }
export const rows = createStore(Sub);
export const h = rows.add({ a: 1, x: 9 } as never);
`;
    const { api, edit } = await startImage({ 'main.ts': v('a = 0;', 'x = 0;') });
    const r = await edit({ 'main.ts': v('a = 0; x = 0;', '') });
    summaryOf(r);
    const rows = api()['rows'] as { get(h: unknown, f: string): unknown; column(f: string): unknown };
    assert.equal(rows.get(api()['h'], 'x'), 9, 'the row kept x');
    assert.equal(rows.get(api()['h'], 'a'), 1);
  });
});

describe('when a class migrates', () => {
  it('refuses an added field whose initializer reads a binding the change sets after the class, saying what to move', async () => {
    const { api, edit } = await startImage({ 'main.ts': 'export class Item { price = 1; }\nexport const item = new Item();\nitem.price = 5;\n' });
    const r = await edit({
      'main.ts': 'export class Item { price = 1; withTax: number = this.price * RATE; }\nexport const item = new Item();\nitem.price = 5;\nconst RATE = 1.2;\n',
    });
    assert.ok(
      r.kind === 'rejected' &&
        r.phase === 'migrate' &&
        /the initializer of Item\.withTax reads RATE, which main\.ts sets only after class Item in this change: .*declare RATE above class Item/.test(
          r.errors[0]!.message,
        ),
      JSON.stringify(r),
    );
    assert.deepEqual({ ...(api()['item'] as object) }, { price: 5 }, 'nothing changed');
    const ok = await edit({
      'main.ts': 'const RATE = 1.2;\nexport class Item { price = 1; withTax: number = this.price * RATE; }\nexport const item = new Item();\nitem.price = 5;\n',
    });
    summaryOf(ok);
    assert.equal((api()['item'] as Record<string, number>)['withTax'], 6, 'declared above the class, it is set in time');
  });

  it('sees a binding declared after the class that the change leaves as it was', async () => {
    const { api, edit } = await startImage({
      'main.ts': 'export class Item { price = 1; }\nexport const item = new Item();\nitem.price = 5;\nconst RATE = 2;\n',
    });
    summaryOf(
      await edit({
        'main.ts': 'export class Item { price = 1; withTax: number = this.price * RATE; }\nexport const item = new Item();\nitem.price = 5;\nconst RATE = 2;\n',
      }),
    );
    assert.equal((api()['item'] as Record<string, number>)['withTax'], 10);
  });

  it('follows reads through the module functions an initializer calls, and refuses a hook that reads such a binding', async () => {
    const v = (cls: string, tail: string): string => `${cls}\nexport const item = new Item();\n${tail}`;
    const { edit } = await startImage({ 'main.ts': v('export class Item { price = 1; }', 'const RATE = 1;\nfunction rate(): number { return RATE; }\n') });
    const viaFunction = await edit({
      'main.ts': v('export class Item { price = 1; tax: number = this.price * rate(); }', 'const RATE = 2;\nfunction rate(): number { return RATE; }\n'),
    });
    assert.ok(viaFunction.kind === 'rejected' && /Item\.tax reads RATE/.test(viaFunction.errors[0]!.message), JSON.stringify(viaFunction));
    const hook = await edit({
      'main.ts': v(
        'export class Item { price = 1; w = 0; static migrateInstance(i: Item): void { i.w = FACTOR; } }',
        'const RATE = 1;\nfunction rate(): number { return RATE; }\nconst FACTOR = 3;\n',
      ),
    });
    assert.ok(hook.kind === 'rejected' && /Item\.migrateInstance reads FACTOR/.test(hook.errors[0]!.message), JSON.stringify(hook));
  });

  it('runs as the class is defined, so later statements of the change see the new fields', async () => {
    const { api, edit } = await startImage({ 'main.ts': 'const BASE = 2;\nexport class P { a = 1; }\nexport const p = new P();\n' });
    summaryOf(await edit({ 'main.ts': 'const BASE = 2;\nexport class P { a = 1; b = BASE; }\nexport const p = new P();\nexport const seen = (p as P).b;\n' }));
    assert.equal(api()['seen'], 2);
  });
});

describe('renames across a hierarchy', () => {
  it('moves a value up and renames it in one change, and says so', async () => {
    const v = (a: string, b: string): string => `export class A { ${a} }\nexport class B extends A { ${b} }\nexport const x = new B();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('a = 1;', 'b = 2;') });
    (api()['x'] as Record<string, number>)['b'] = 20;
    const summary = summaryOf(await edit({ 'main.ts': v('a = 1; /** @renamed b */ beta = 2;', '') }));
    assert.deepEqual({ ...(api()['x'] as object) }, { a: 1, beta: 20 });
    const a = summary.layouts.find((l) => l.class === 'A')!;
    assert.deepEqual([a.added, a.renamed], [[], [{ from: 'b', to: 'beta' }]], 'A renamed b to beta, added nothing');
    assert.deepEqual(a.moved, [{ field: 'b', from: 'B', to: 'A' }]);
  });

  it('reports a rename that changed the type, with the values it converted', async () => {
    const v = (fields: string): string => `export class P { ${fields} }\nexport const p = new P();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('b: number = 21;') });
    const summary = summaryOf(await edit({ 'main.ts': v('/** @renamed b */ bee: string = "";') }));
    assert.equal((api()['p'] as Record<string, unknown>)['bee'], '21');
    assert.deepEqual(summary.layouts[0]!.retyped, [{ field: 'bee', from: 'number', to: 'string', converted: 1 }]);
  });

  it('counts values that do not fit across the instances of a class and of its subclasses', async () => {
    const v = (type: string): string =>
      `export class Q { v: ${type} = 5 as never; }\nexport class R extends Q {}\nexport const all = [new Q(), new Q(), new R(), new R()];\n`;
    const { edit } = await startImage({ 'main.ts': v('number') });
    const r = await edit({ 'main.ts': v('boolean') });
    assert.ok(r.kind === 'rejected' && /4 live values of 4 do not fit/.test(r.errors[0]!.message), JSON.stringify(r));
  });
});

describe('objects the new version makes during the change', () => {
  it('are not migrated as old: a re-run static initializer makes an instance of the new layout', async () => {
    const v = (fields: string, shared: string): string => `export class C { ${fields} static shared = ${shared}; }
export const kept = new C();
kept.a = 7;
`;
    const { api, edit } = await startImage({ 'main.ts': v('a = 1;', 'new C()') });
    const r = await edit({ 'main.ts': v('/** @renamed a */ b = 1; c = this.b * 2;', 'new C() as C').replace('kept.a = 7;\n', '') });
    const summary = summaryOf(r);
    const kept = api()['kept'] as Record<string, number>;
    const shared = (api()['C'] as { shared: Record<string, number> }).shared;
    assert.deepEqual({ ...kept }, { b: 7, c: 14 }, 'the old instance was migrated');
    assert.deepEqual({ ...shared }, { b: 1, c: 2 }, 'the instance the new static made has the new layout, untouched by the migration');
    assert.equal(summary.migration?.instances, 2, 'the old instances: kept and the old shared one');
  });
});

describe('instances and store rows change together', () => {
  /** One instance of P and one row of a store of P, then `tail`. */
  const v = (fields: string, tail = ''): string => `import { createStore } from 'imago/store';
export class P { ${fields} }
export const one = new P();
export const rows = createStore(P);
export const h = rows.add({});
${tail}`;

  it('puts back both when a statement after the class throws', async () => {
    const { api, edit } = await startImage({ 'main.ts': v('hp = 1;') });
    const r = await edit({ 'main.ts': v('hp = 1; armor = 2;', 'throw new Error("late");\n') });
    assert.equal(r.kind, 'rejected');
    assert.equal(r.kind === 'rejected' && r.phase, 'evaluate');
    assert.deepEqual({ ...(api()['one'] as object) }, { hp: 1 }, 'the instance is as it was');
    const rows = api()['rows'] as { get(h: unknown, f: string): unknown };
    assert.throws(() => rows.get(api()['h'], 'armor'), /has no field "armor"/, 'the store has its old columns');
  });

  it('lets statements after the class in the same change use the new fields of instances and rows', async () => {
    const { api, edit } = await startImage({ 'main.ts': v('hp = 1;') });
    const r = await edit({ 'main.ts': v('hp = 1; armor = 2;', 'export const seen = [one.armor, rows.get(h, "armor"), rows.add({ armor: 5 })];\n') });
    summaryOf(r);
    const seen = api()['seen'] as unknown[];
    assert.deepEqual(seen.slice(0, 2), [2, 2]);
  });
});

describe('the engine outside a commit', () => {
  it('migrates instances and settles them with a transaction of its own, and rolls back', () => {
    const host = createMemoryHost();
    const classes = new ClassRegistry();
    const stores = new StoreRegistry<StoreCore>({ layoutOf: classes.layoutOf });
    const record = new ModuleRecord('/m.ts', 'm.ts');
    const compiled = (src: string) => {
      const r = compileModule('m.ts', src);
      assert.ok(r.ok);
      return r.module.classes.get('P')!;
    };
    const v1 = compiled('class P { hp = 1; legacy = 0; }');
    const v2 = compiled('class P { /** @renamed hp */ health = 1; armor = 3; }');
    class Impl1 {
      hp = 1;
      legacy = 0;
    }
    class Impl2 {
      health = 1;
      armor = 3;
    }
    const identity = createClassIdentity(host, 'P', '/m.ts?class=P', Impl1, v1.fields, {});
    classes.add({ identity, record });
    record.classes.set('P', identity);
    const P = identity.constructor as unknown as new () => Record<string, number>;
    const a = new P();
    a['hp'] = 40;
    const ctx = { host, classes, stores };
    const run = (fail: boolean): Transaction => {
      const tx = new Transaction();
      const env = { ctx, tx };
      const affected = findAffected(env, identity, true);
      const before = { fields: identity.fields, impl: identity.impl };
      identity.fields = v2.fields;
      identity.initializers = { armor: () => 3 };
      identity.impl = Impl2;
      tx.onUndo(() => {
        identity.fields = before.fields;
        identity.impl = before.impl;
      });
      migrateStep(env, { identity, record, old: v1.fields, info: v2, hook: null }, false, affected);
      if (fail) tx.rollback();
      return tx;
    };
    run(true);
    assert.deepEqual({ ...a }, { hp: 40, legacy: 0 }, 'a rolled-back transaction leaves the instance as it was');
    const tx = run(false);
    const result = settleLayouts({ ctx, tx });
    tx.close();
    assert.deepEqual({ ...a }, { health: 40, armor: 3 }, 'migrated and settled');
    assert.equal(result?.instances, 1);
    assert.deepEqual(result?.reports[0]?.renamed, [{ from: 'hp', to: 'health' }]);
  });
});

describe('engine regressions found in review', () => {
  it('gives a field moved down the values of old instances, and its initializer to a subclass instance made during the change', async () => {
    const sub = (fields: string) => `import { Base, factories } from './base.ts';
  export class Sub extends Base { ${fields} }
  factories.push(() => new Sub());
  `;
    const { image, edit } = await startImage({
      'base.ts': `export class Base { a = 1; x = 5; }
  export const factories: Array<() => Base> = [];
  `,
      'sub.ts': sub('c = 3;'),
      'main.ts': `import { factories } from './base.ts';
  import './sub.ts';
  export const old = factories.map((f) => f());
  `,
    });
    // x moves down from Base to Sub; a statement of base.ts after class Base makes a Sub (through the factory sub.ts registered).
    const r = await edit({
      'base.ts': `export class Base { a = 1; }
  export const factories: Array<() => Base> = [];
  export const between = factories.map((f) => f());
  `,
      'sub.ts': sub('x = 5; c = 3;'),
    });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    const old = (image.entry!['old'] as object[])[0]!;
    const between = (image.exportsOf('base.ts')!['between'] as object[])[0]!;
    assert.deepEqual({ ...old }, { a: 1, x: 5, c: 3 }, 'the old Sub kept x');
    assert.deepEqual(Object.keys(between).sort(), ['a', 'c', 'x'], 'a Sub has every field Sub declares');
  });
  it('puts everything back even when a statement re-parented a migrated instance before the change failed', async () => {
    const v = (fields: string, tail = '') => `export class P { ${fields} }
  export class Q { q = 1; }
  export const one = new P();
  export function fresh(): object { return { ...new P() }; }
  ${tail}`;
    const { api, edit } = await startImage({ 'main.ts': v('hp = 1;') });
    let outcome: unknown;
    try {
      const r = await edit({ 'main.ts': v('hp = 1; armor = 2;', 'Object.setPrototypeOf(one, Q.prototype);\nthrow new Error("late");\n') });
      outcome = r.kind === 'rejected' ? { phase: r.phase, errors: r.errors.map((e) => e.message) } : r;
    } catch (e) {
      outcome = `change() threw: ${(e as Error).message}`;
    }
    assert.deepEqual(outcome, { phase: 'evaluate', errors: ['Error: late'] }, 'rejected for what the statement threw, nothing else');
    assert.deepEqual((api()['fresh'] as () => object)(), { hp: 1 }, 'P is back at its old version');
  });
  it('puts back an earlier class step of the same change when a later one fails: instances, stores, versions', async () => {
    const v = (base: string, sub: string) => `import { createStore } from 'imago/store';
  export class Base { ${base} }
  export class Sub extends Base { ${sub} }
  export const b = new Base();
  export const s = new Sub();
  export const rows = createStore(Sub);
  export const h = rows.add({});
  export function fresh(): object { return { ...new Sub() }; }
  `;
    const { api, edit, image } = await startImage({ 'main.ts': v('a = 1; z = 9;', 'c: number = 3;') });
    (api()['s'] as Record<string, unknown>)['c'] = 4;
    const r = await edit({ 'main.ts': v('a = 1; y = 2;', 'c: boolean = true;') });
    assert.equal(r.kind, 'rejected', JSON.stringify(r));
    assert.deepEqual({ ...(api()['b'] as object) }, { a: 1, z: 9 });
    assert.deepEqual({ ...(api()['s'] as object) }, { a: 1, z: 9, c: 4 });
    const rows = api()['rows'] as { get(h: unknown, f: string): unknown };
    assert.equal(rows.get(api()['h'], 'z'), 9);
    assert.throws(() => rows.get(api()['h'], 'y'));
    assert.deepEqual((api()['fresh'] as () => object)(), { a: 1, z: 9, c: 3 });
    assert.deepEqual(
      image.classFields('main.ts', 'Base')?.map((f) => f.name),
      ['a', 'z'],
    );
    // and the next change migrates as if nothing happened
    const r2 = await edit({ 'main.ts': v('a = 1; y = 2;', 'c: number = 3;') });
    assert.equal(r2.kind, 'applied', JSON.stringify(r2));
    assert.deepEqual({ ...(api()['s'] as object) }, { a: 1, y: 2, c: 4 });
    assert.equal(rows.get(api()['h'], 'y'), 2);
    assert.throws(() => rows.get(api()['h'], 'z'));
  });
  it('renames a private field with subclass instances holding private fields of their own', async () => {
    const v = (fields: string, get: string) => `export class P { ${fields} get v(): number { return ${get}; } set v(n: number) { ${get} = n; } }
  export class S extends P { #z = 1; q = 2; get z() { return this.#z; } }
  export const p = new P();
  export const s = new S();
  `;
    const { api, edit } = await startImage({ 'main.ts': v('#a = 1; b = 2;', 'this.#a') });
    (api()['p'] as { v: number }).v = 10;
    (api()['s'] as { v: number }).v = 20;
    const r = await edit({ 'main.ts': v('/** @renamed #a */ #c = 1; b = 2; d = 4;', 'this.#c') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal((api()['p'] as { v: number }).v, 10);
    assert.equal((api()['s'] as { v: number }).v, 20);
    assert.equal((api()['s'] as { z: number }).z, 1);
  });
});

describe('review: renames across classes', () => {
  const v = (p: string, c: string, tail = '') => `export class P { ${p} }\nexport class C extends P { ${c} }\nexport const c = new C();\n${tail}`;
  it('droppedLater: a marker on P naming a field C drops in the same change', async () => {
    const { api, edit } = await startImage({ 'main.ts': v('x = 0;', 'b = 1;') });
    (api()['c'] as Record<string, number>)['b'] = 5;
    const r = await edit({ 'main.ts': v('x = 0; /** @renamed b */ a = 0;', '') });
    const summary = summaryOf(r);
    assert.deepEqual({ ...(api()['c'] as object) }, { x: 0, a: 5 });
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.added, l.removed, l.renamed, l.moved]),
      [
        ['P', [], [], [{ from: 'b', to: 'a' }], [{ field: 'b', from: 'C', to: 'P' }]],
        ['C', [], [], [], [{ field: 'b', from: 'C', to: 'P' }]],
      ],
    );
  });
  it('report: the same rename when P also has instances of its own (which get the initializer)', async () => {
    const { api, edit } = await startImage({ 'main.ts': v('x = 0;', 'b = 1;', 'export const p = new P();\n') });
    (api()['c'] as Record<string, number>)['b'] = 5;
    const r = await edit({ 'main.ts': v('x = 0; /** @renamed b */ a = 0;', '', 'export const p = new P();\n') });
    const summary = summaryOf(r);
    assert.deepEqual({ ...(api()['c'] as object) }, { x: 0, a: 5 });
    assert.deepEqual({ ...(api()['p'] as object) }, { x: 0, a: 0 });
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.added, l.removed, l.renamed, l.moved]),
      [
        ['P', ['a'], [], [{ from: 'b', to: 'a' }], [{ field: 'b', from: 'C', to: 'P' }]],
        ['C', [], [], [], [{ field: 'b', from: 'C', to: 'P' }]],
      ],
    );
  });
});

describe('review: markMoves with unrelated classes', () => {
  it('a rename inside one class is not a move from an unrelated class that removes a field of the same name', async () => {
    const v = (p: string, q: string) => `export class P { ${p} }\nexport class Q { ${q} }\nexport const p = new P();\nexport const q = new Q();\n`;
    const { edit } = await startImage({ 'main.ts': v('hp = 1;', 'hp = 2; z = 0;') });
    const summary = summaryOf(await edit({ 'main.ts': v('/** @renamed hp */ health = 1;', 'z = 0;') }));
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.removed, l.renamed, l.moved]),
      [
        ['P', [], [{ from: 'hp', to: 'health' }], []],
        ['Q', ['hp'], [], []],
      ],
    );
  });
});

describe('review: undo of a pass over several groups', () => {
  it('puts back every group when an initializer throws partway through the second group', async () => {
    const v = (base: string) => `export class Base { a = 1; flag = false; ${base} }
export class Sub extends Base { c = 3; }
export const all: Base[] = [new Base(), new Base(), new Sub(), new Sub(), new Sub()];
all[3]!.flag = true;
(all[2] as unknown as Record<string, unknown>).y = 'own';
`;
    const { api, edit } = await startImage({ 'main.ts': v('') });
    const snap = () => (api()['all'] as object[]).map((o) => Object.entries(o));
    const before = snap();
    const r = await edit({
      'main.ts': v('x = 5; y: number = this.flag ? (() => { throw new Error("boom"); })() : 2; z = 9;').replace(
        "all[3]!.flag = true;\n(all[2] as unknown as Record<string, unknown>).y = 'own';\n",
        '',
      ),
    });
    assert.equal(r.kind, 'rejected', JSON.stringify(r));
    assert.deepEqual(snap(), before);
  });
});

describe('review: rollback restarts', () => {
  it('a static whose initializer holds a timer restarts in its old code when the change fails', async () => {
    const v = (ms: number, tail: string) => `export class K { static t = setInterval(() => {}, ${ms}); static n = ${ms}; }\n${tail}`;
    const { api, edit } = await startImage({ 'main.ts': v(100000, '') });
    const r = await edit({ 'main.ts': v(200000, 'throw new Error("late");\n') });
    assert.ok(r.kind === 'rejected');
    assert.deepEqual(r.kind === 'rejected' && r.errors.map((e) => e.message), ['Error: late']);
    const K = api()['K'] as { t: unknown; n: number };
    assert.equal(K.n, 100000);
    assert.ok(K.t);
  });
  it('a removed static is gone before the new code runs, and back after a rollback', async () => {
    const { api, edit } = await startImage({ 'main.ts': 'export class K { static count = 1; }\n' });
    const r = await edit({ 'main.ts': 'export class K { declare static count: number; }\nexport const seen = K.count;\nK.count = 5;\n' });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual([api()['seen'], (api()['K'] as { count: number }).count], [undefined, 5]);
    const r2 = await edit({ 'main.ts': 'export class K { static other = 1; }\nexport const seen = 2;\nthrow new Error("x");\n' });
    assert.equal(r2.kind, 'rejected');
    assert.equal((api()['K'] as { count: number }).count, 5);
  });
});

describe('review: markMoves picks the class by name only', () => {
  it('a field moved up from Sub is not reported as moved from an unrelated class that drops a field of that name', async () => {
    const v = (q: string, p: string, s: string) =>
      `export class Q { ${q} }\nexport class P { ${p} }\nexport class Sub extends P { ${s} }\nexport const q = new Q();\nexport const s = new Sub();\n`;
    const { edit } = await startImage({ 'main.ts': v('x = 1; k = 0;', 'a = 1;', 'x = 2;') });
    const summary = summaryOf(await edit({ 'main.ts': v('k = 0;', 'a = 1; x = 0;', '') }));
    assert.deepEqual(
      summary.layouts.map((l) => [l.class, l.removed, l.moved.map((m) => `${m.field}:${m.from}->${m.to}`)]),
      [
        ['Q', ['x'], []],
        ['P', [], ['x:Sub->P']],
        ['Sub', [], ['x:Sub->P']],
      ],
    );
  });
});

describe('review: hook old', () => {
  it('a subclass hook gets the fields held before the change, not those the superclass step added', async () => {
    const v = (base: string, sub: string) => `export class Base { a = 1; ${base} }
export class Sub extends Base { c = 3; ${sub} static migrateInstance(s: Sub, old: Record<string, unknown>): void { (globalThis as Record<string, unknown>).__old = Object.keys(old); } }
export const s = new Sub();
`;
    const { edit } = await startImage({ 'main.ts': v('', '') });
    const r = await edit({ 'main.ts': v('y = 2;', 'd = 4;') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual((globalThis as Record<string, unknown>).__old, ['a', 'c']);
  });
});

describe('review: hook old values', () => {
  it('old holds the value from before the change, not one an earlier step of the change converted', async () => {
    const v = (t: string, init: string, sub: string) => `export class Base { n: ${t} = ${init}; }
export class Sub extends Base { c = 3; ${sub} static migrateInstance(s: Sub, old: Record<string, unknown>): void { (globalThis as Record<string, unknown>).__oldN = old['n']; } }
export const s = new Sub();
s.n = 5 as never;
`;
    const { edit } = await startImage({ 'main.ts': v('number', '0', '') });
    const r = await edit({ 'main.ts': v('string', "''", 'd = 4;').replace('s.n = 5 as never;\n', '') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal((globalThis as Record<string, unknown>).__oldN, 5);
  });
});

describe('review: droppedLater and a second marker', () => {
  it('a value named by markers in two classes of the chain moves to one field only', async () => {
    const v = (p: string, c: string) => `export class P { ${p} }\nexport class C extends P { ${c} }\nexport const c = new C();\n`;
    const { api, edit } = await startImage({ 'main.ts': v('x = 0;', 'b = 1;') });
    (api()['c'] as Record<string, number>)['b'] = 5;
    const r = await edit({ 'main.ts': v('x = 0; /** @renamed b */ a = 0;', '/** @renamed b */ bb = 0;') });
    assert.ok(
      r.kind === 'rejected' && /renamed b/.test(r.errors[0]!.message),
      `expected a rejection, got ${r.kind}: ${JSON.stringify({ ...(api()['c'] as object) })}`,
    );
  });
});

describe('review: deferral from a closure in an initializer', () => {
  it('an arrow-function field that mentions a later binding does not make the change overwrite what its statements set', async () => {
    const v = (w: string, b: string, tail: string) => `export class Widget { id = 0; onClick = (): string => PREFIX + this.id; ${w} }
export class Button extends Widget { label = ''; ${b} }
export const btn = new Button();
${tail}const PREFIX = 'btn-';
`;
    const { api, edit } = await startImage({ 'main.ts': v('', '', '') });
    const r = await edit({ 'main.ts': v('size = 1;', "color = 'red';", "btn.color = 'blue';\n") });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.equal((api()['btn'] as Record<string, unknown>)['color'], 'blue');
  });
});

describe('review: snapshot order', () => {
  it('an older snapshot handed to a later change never takes the text back', async () => {
    const { api, image, project } = await startImage({ 'main.ts': 'export const v = 1;\n' });
    project.write({ 'main.ts': 'export const v = 2;\n' });
    const older = await image.snapshot([project.path('main.ts')]);
    project.write({ 'main.ts': 'export const v = 3;\n' });
    const newer = await image.snapshot([project.path('main.ts')]);
    await image.change([project.path('main.ts')], { sources: newer });
    assert.equal(api()['v'], 3);
    await image.change([project.path('main.ts')], { sources: older });
    assert.equal(api()['v'], 3);
    // Begun in the other order but finishing reversed
    project.write({ 'main.ts': 'export const v = 4;\n' });
    const p1 = image.snapshot([project.path('main.ts')]);
    const p2 = image.snapshot([project.path('main.ts')]);
    const [s1, s2] = await Promise.all([p1, p2]);
    await image.change([project.path('main.ts')], { sources: s2 });
    project.write({ 'main.ts': 'export const v = 5;\n' });
    await image.change([project.path('main.ts')], { sources: s1 });
    assert.equal(api()['v'], 5);
  });
});
