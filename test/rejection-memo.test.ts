// The memo that says one save seen twice once (src/runtime/rejection-memo.ts): stamps decide when both
// reads have them; without, only a rejection the texts decided, and only within a moment. Then in an
// image: a rejected change seen twice.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeResult } from '../src/index.js';
import { type ReadFiles, RejectionMemo, SEEN_TWICE_MS } from '../src/runtime/rejection-memo.js';
import { startImage } from './helpers/image.js';

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

describe('a rejected change seen twice', () => {
  it('is said once: the same save delivered again leaves the rejection standing without a second report, however late', async () => {
    const { image, edit, project, host } = await startImage({ 'main.ts': 'export const v = 1;\n' }, 'main.ts', { manualClock: true });
    const reloads: boolean[] = [];
    image.subscribe((e) => {
      if (e.kind === 'reload') reloads.push(e.ok);
    });
    const again = (): Promise<ChangeResult> => image.change([project.path('main.ts')]);
    assert.equal((await edit({ 'main.ts': 'export const v = 1 +;\n' })).kind, 'rejected');
    assert.equal((await again()).kind, 'unchanged');
    host!.clock!.advance(60_000);
    assert.equal((await again()).kind, 'unchanged', 'a minute later, the same save is still the same save');
    assert.equal((await edit({ 'main.ts': 'export const v = 2 +;\n' })).kind, 'rejected', 'other broken texts are reported');
    assert.equal((await edit({ 'main.ts': 'export const v = 2;\n' })).kind, 'applied');
    assert.deepEqual(reloads, [false, false, true]);
  });

  it('is said once when a migration refused it: the same save again is not migrated again', async () => {
    const { image, edit, project, api } = await startImage({
      'main.ts': 'class P { hp = 10; }\nexport const p = new P();\n',
    });
    const reloads: boolean[] = [];
    image.subscribe((e) => {
      if (e.kind === 'reload') reloads.push(e.ok);
    });
    const r = await edit({ 'main.ts': 'class P { hp = 10; armor!: number; }\nexport const p = new P();\n' });
    assert.equal(r.kind === 'rejected' && r.phase, 'migrate');
    assert.equal((await image.change([project.path('main.ts')])).kind, 'unchanged');
    assert.deepEqual(reloads, [false]);
    assert.equal((await edit({ 'main.ts': 'class P { hp = 10; armor?: number; }\nexport const p = new P();\n' })).kind, 'applied');
    assert.equal('armor' in (api()['p'] as object), true);
  });

  it('is checked again when saved again with the same text (a new write: the world it meets may have changed)', async () => {
    const { image, edit } = await startImage({ 'main.ts': 'export const v = 1;\n' });
    const reloads: boolean[] = [];
    image.subscribe((e) => {
      if (e.kind === 'reload') reloads.push(e.ok);
    });
    assert.equal((await edit({ 'main.ts': 'export const v = 1 +;\n' })).kind, 'rejected');
    assert.equal((await edit({ 'main.ts': 'export const v = 1 +;\n' })).kind, 'rejected');
    assert.deepEqual(reloads, [false, false]);
  });

  it('is tried again when saved again after a statement threw (a retry may pass)', async () => {
    const { image, edit } = await startImage({ 'main.ts': 'export const v = 1;\n' });
    const throwing = "if (!(globalThis as Record<string, unknown>)['ready']) throw new Error('not yet');\nexport const v = 2;\n";
    assert.equal((await edit({ 'main.ts': throwing })).kind, 'rejected');
    (globalThis as Record<string, unknown>)['ready'] = true;
    try {
      assert.equal((await edit({ 'main.ts': throwing })).kind, 'applied');
      assert.equal(image.entry?.['v'], 2);
    } finally {
      delete (globalThis as Record<string, unknown>)['ready'];
    }
  });
});
