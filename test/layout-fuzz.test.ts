// Layout fuzzing against a model, quick form: random class edits on a live image with instances and
// handle stores, compared after every step with what layout-model.ts says each instance and row holds
// (test/helpers/layout-fuzz.ts). 500 steps over a few seeds; `npm run fuzz` runs 10,000.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
