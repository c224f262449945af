// The snapshots a change applies are numbered as their reads complete: a read that began first but
// finished last (an empty read retried, a read that waited its turn) saw the newer text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileRead } from '../src/runtime/host.js';
import { SourceSnapshot } from '../src/runtime/sources.js';

describe('source snapshots', () => {
  it('are numbered as they complete, not as they begin', async () => {
    const pending: Array<(r: FileRead) => void> = [];
    const host = { readFile: (): Promise<FileRead> => new Promise<FileRead>((resolve) => pending.push(resolve)) };
    let n = 0;
    const next = (): number => ++n;
    const first = SourceSnapshot.take(host, ['/p/main.ts'], next);
    const second = SourceSnapshot.take(host, ['/p/main.ts'], next);
    pending[1]!({ kind: 'text', text: 'v7' });
    const b = await second;
    pending[0]!({ kind: 'text', text: 'v8' });
    const a = await first;
    assert.ok(a.sequence > b.sequence, 'the read that finished last is the newer one');
    assert.equal(a.texts.get('/p/main.ts'), 'v8');
  });
});
