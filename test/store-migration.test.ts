// Live layout changes of handle stores, in-process: what a change does to the columns of a live store,
// what it refuses, and that a rejected change gives every store back its columns and rows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Handle, Store } from '../src/store/index.js';
import { startImage } from './helpers/image.js';

type Rows = Store<Record<string, unknown>>;
type Api = { s: Rows; hs: Array<Handle<Record<string, unknown>>> };

const program = (fields: string, extra = ''): string => `import { createStore, type f32, type i32, type u8 } from 'imago/store';
export class U { ${fields} }
export const s = createStore(U);
export const hs = seed();
function seed() { return [1, 2, 3].map((x) => s.add({ x } as never)); }
${extra}`;

const values = (api: Api, field: string): unknown[] => api.hs.filter((h) => api.s.has(h)).map((h) => api.s.get(h, field));

describe('store columns across changes', () => {
  it('gives a rejected change back every column and row, even after rows moved within kept columns', async () => {
    const v0 = program('x = 0; name = "n";');
    const { api, edit } = await startImage({ 'main.ts': v0 });
    const a = (): Api => api() as unknown as Api;
    // The class gains a column (x and name are kept as they are), then a statement of the same change
    // removes a row (the packed layout moves the last row into the hole) and the change throws.
    const r = await edit({ 'main.ts': program('x = 0; name = "n"; armor: i32 = 3;', 's.remove(hs[0]!);\nthrow new Error("late failure");\n') });
    assert.equal(r.kind, 'rejected');
    assert.equal(a().s.size, 3);
    assert.deepEqual(values(a(), 'x'), [1, 2, 3]);
    assert.deepEqual(values(a(), 'name'), ['n', 'n', 'n']);
    assert.deepEqual(
      a()
        .s.save()
        .fields.map((f) => f.name),
      ['x', 'name'],
      'the added column is gone',
    );
  });

  it('takes an edited initializer for new rows, with no layout change', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('x = 0; hp = 100; tag = "old";', 'export function more() { return s.add({}); }\n') });
    const r = await edit({ 'main.ts': program('x = 0; hp = 50; tag = "new";', 'export function more() { return s.add({}); }\n') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    const a = api() as unknown as Api & { more: () => Handle<Record<string, unknown>> };
    const h = a.more();
    assert.deepEqual([a.s.get(h, 'hp'), a.s.get(h, 'tag')], [50, 'new']);
    assert.deepEqual(values(a, 'hp'), [100, 100, 100], 'live rows keep their values');
  });

  it('checks what an initializer gives a typed column before storing it (it would be rounded or wrapped)', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('x = 0;') });
    const constant = await edit({ 'main.ts': program('x = 0; small: u8 = 300;') });
    assert.ok(
      constant.kind === 'rejected' &&
        /U\.small: its initializer gives 300, which is outside u8 \(0 to 255\); nothing was changed/.test(constant.errors[0]!.message),
      JSON.stringify(constant),
    );
    const perRow = await edit({ 'main.ts': program('x = 0; neg: u8 = this.x - 2;') });
    assert.ok(
      perRow.kind === 'rejected' &&
        /U\.neg `u8`: 1 value in the 3 rows of Store<U> does not fit \(for example -1, which its initializer gave \(it is outside u8/.test(
          perRow.errors[0]!.message,
        ),
      JSON.stringify(perRow),
    );
    assert.deepEqual(
      (api() as unknown as Api).s.save().fields.map((f) => f.name),
      ['x'],
    );
  });

  it('rejects an added typed column that neither an initializer nor migrateInstance fills', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('x = 0;') });
    const r = await edit({ 'main.ts': program('x = 0; level!: i32; static migrateInstance(): void {}') });
    assert.ok(
      r.kind === 'rejected' &&
        /U\.level `i32`: 3 values in the 3 rows of Store<U> do not fit \(for example undefined, which has no initializer, and migrateInstance did not set it\)/.test(
          r.errors[0]!.message,
        ),
      JSON.stringify(r),
    );
    const ok = await edit({ 'main.ts': program('x = 0; level!: i32; static migrateInstance(row: U): void { row.level = row.x * 10; }') });
    assert.equal(ok.kind, 'applied', JSON.stringify(ok));
    assert.deepEqual(values(api() as unknown as Api, 'level'), [10, 20, 30]);
  });

  it('does not turn a decimal text past the doubles into Infinity (found by the layout fuzzer)', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('x = 0; t: string = "1e400";') });
    for (const type of ['f32', 'number']) {
      const r = await edit({ 'main.ts': program(`x = 0; t: ${type} = 0;`) });
      assert.ok(
        r.kind === 'rejected' && /U\.t `.+`: 3 values in the 3 rows of Store<U> do not fit \(for example "1e400"/.test(r.errors[0]!.message),
        JSON.stringify(r),
      );
    }
    assert.deepEqual(values(api() as unknown as Api, 't'), ['1e400', '1e400', '1e400']);
  });

  it('lets a class have a field called row', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('x = 0; row = 1;') });
    const r = await edit({ 'main.ts': program('x = 0; row = 1; col = this.row + this.x;') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual(values(api() as unknown as Api, 'col'), [2, 3, 4]);
  });
});

describe('stores of two images in one process', () => {
  it('stay apart: each image lists its own, with its own tags, and a layout change reaches only its own', async () => {
    const files = { 'main.ts': program('x = 0;') };
    const one = await startImage(files);
    const two = await startImage(files);
    const first = (one.api() as unknown as Api).s;
    const second = (two.api() as unknown as Api).s;
    assert.deepEqual(
      one.image.stores().map((s) => s.name),
      ['Store<U>'],
    );
    assert.equal(one.image.stores()[0], first as unknown, 'the first image lists its own store');
    assert.equal(two.image.stores()[0], second as unknown, 'the second image its own');
    assert.equal(one.image.stores()[0]!.tag, two.image.stores()[0]!.tag, 'each image hands out its own tags (both start at 1)');
    const r = await one.edit({ 'main.ts': program('x = 0; armor = 2;') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual(values(one.api() as unknown as Api, 'armor'), [2, 2, 2], 'the edited image migrated its store');
    assert.throws(() => second.get((two.api() as unknown as Api).hs[0]!, 'armor' as never), /has no field "armor"/, "the other image's store kept its columns");
  });
});
