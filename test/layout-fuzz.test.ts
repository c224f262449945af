// Layout fuzzing against a model, quick form: random class edits on a live image with instances and
// handle stores, compared after every step with what layout-model.ts says each instance and row holds
// (test/helpers/layout-fuzz.ts). 500 steps over a few seeds; `npm run fuzz` runs 10,000.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, startImage } from './helpers/image.js';
import { formatFailure } from './helpers/layout-failure.js';
import { fuzz } from './helpers/layout-fuzz.js';

const SEEDS = [101, 202, 303, 404, 505];
const STEPS = 100;

describe('layout fuzzing against a model', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps of class edits keep every instance and row as the model says`, async () => {
      const r = await fuzz(seed, STEPS);
      assert.equal(r.failure, null, r.failure ? formatFailure(r.failure) : '');
      assert.equal(r.applied + r.rejected, STEPS, 'every step made an edit');
      assert.ok(r.applied > STEPS / 2 && r.rejected > 0, `both outcomes were exercised: ${r.applied} applied, ${r.rejected} rejected`);
    });
  }
});

describe('regressions the layout fuzzer found', () => {
  // B leaves C in the same change that retypes a field of C: C's step ran first and checked B's
  // instances and rows against C's new type, though B no longer holds the field once the change is done.
  const program = (c: string, parent: string): string => `import { createStore, type u8 } from 'imago/store';
export class A { a = 1; }
export class C { ${c} }
export class B extends ${parent} { b = 2; }
export const bs = [new B()];
export const rows = createStore(B);
export const h = rows.add({});
export function row(): unknown[] { return rows.save().fields.map((f) => f.name).map((f) => [f, rows.get(h, f as never)]); }
`;

  it('does not hold a subclass the change re-parents away to the new types of its old parent', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('t: string = "x";', 'C') });
    const r = await edit({ 'main.ts': program('t: boolean = true;', 'A') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual({ ...((api()['bs'] as object[])[0] as object) }, { a: 1, b: 2 }, 'the instance has A and B fields only');
    assert.deepEqual(call(api(), 'row'), [
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('does not ask a subclass the change re-parents away for a field its old parent adds without an initializer', async () => {
    const { api, edit } = await startImage({ 'main.ts': program('t: string = "x";', 'C') });
    const r = await edit({ 'main.ts': program('t: string = "x"; n!: u8;', 'A') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual({ ...((api()['bs'] as object[])[0] as object) }, { a: 1, b: 2 });
  });

  it('moves a value by the marker of the new parent a class joins in the same change', async () => {
    const v = (c: string, b: string, parent: string): string => `export class A { a = 1; }
export class C { ${c} }
export class B extends ${parent} { ${b} }
export const bs = [new B()];
bs[0]!.x = 'kept';
`;
    const { api, edit } = await startImage({ 'main.ts': v('c = 0;', 'x = "init";', 'A') });
    const r = await edit({ 'main.ts': v('c = 0; /** @renamed x */ y = "init";', '', 'C') });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual({ ...((api()['bs'] as object[])[0] as object) }, { c: 0, y: 'kept' }, "B's x moved to C's y with its value");
  });
});
