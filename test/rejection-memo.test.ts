// The memo that says one save seen twice once (src/runtime/rejection-memo.ts): stamps decide when both
// reads have them; without, only a rejection the texts decided, and only within a moment.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ReadFiles, RejectionMemo, SEEN_TWICE_MS } from '../src/runtime/rejection-memo.js';

const read = (files: Record<string, [text: string | null, stamp: string | null]>): ReadFiles => {
  const texts = new Map(Object.entries(files).map(([p, [text]]) => [p, text]));
  return { contentOf: (p) => texts.get(p), stampOf: (p) => files[p]?.[1] ?? null };
};

describe('the rejection memo', () => {
  it('knows the same save by its stamps, however late, and a save again by a new stamp', () => {
    const memo = new RejectionMemo();
    memo.remember(read({ '/a.ts': ['x', 's1'] }), ['/a.ts'], 0, false);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's1'] }), ['/a.ts'], 60_000), true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's2'] }), ['/a.ts'], 1), false, 'a new write of the same text');
    assert.equal(memo.seenAgain(read({ '/a.ts': ['y', 's1'] }), ['/a.ts'], 1), false, 'other text');
  });

  it('compares every touched file: another file, or one more, is another change', () => {
    const memo = new RejectionMemo();
    memo.remember(read({ '/a.ts': ['x', 's1'], '/b.ts': [null, 'missing'] }), ['/a.ts', '/b.ts'], 0, true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's1'], '/b.ts': [null, 'missing'] }), ['/a.ts', '/b.ts'], 5), true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's1'] }), ['/a.ts'], 5), false);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's1'], '/c.ts': ['z', 's3'] }), ['/a.ts', '/c.ts'], 5), false);
  });

  it('without stamps, counts only a rejection the texts decided, within a moment of it', () => {
    const memo = new RejectionMemo();
    memo.remember(read({ '/a.ts': ['x', null] }), ['/a.ts'], 0, true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', null] }), ['/a.ts'], SEEN_TWICE_MS - 1), true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', null] }), ['/a.ts'], SEEN_TWICE_MS), false);
    memo.remember(read({ '/a.ts': ['x', null] }), ['/a.ts'], 0, false);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', null] }), ['/a.ts'], 1), false, 'a statement that threw may pass on a retry');
  });

  it('forgets when told to (a rejection no text decides: the checker failed)', () => {
    const memo = new RejectionMemo();
    memo.remember(read({ '/a.ts': ['x', 's1'] }), ['/a.ts'], 0, true);
    memo.remember(null, ['/a.ts'], 1, true);
    assert.equal(memo.seenAgain(read({ '/a.ts': ['x', 's1'] }), ['/a.ts'], 2), false);
  });
});
