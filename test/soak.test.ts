// The soak's short form (issue 20, item 4): 500 edits, good and bad alternating, to a program under HTTP
// load through the real CLI. Behaviour only: every good edit applied and seen, every bad one rejected in
// its phase, no request failed, and the program holds what it held before the first edit. The full form
// with memory and latency figures is `npm run soak` (bench/soak.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from './helpers/soak-driver.js';

const RELOADS = 500;

describe('soak', () => {
  it(`${RELOADS} edits under load: each good one applied, each bad one rejected, nothing failed or leaked`, { timeout: 300000 }, async () => {
    const r = await runSoak({ reloads: RELOADS, every: 250, debounceMs: 1, tickMs: 4, clients: 2, pauseMs: 2, editTimeoutMs: 30000 });
    assert.deepEqual(r.problems, [], 'no unexpected event, no rejection in the wrong phase');
    assert.deepEqual(r.good, { written: RELOADS / 2, seen: RELOADS / 2 }, 'every good edit applied, its function and its timer seen in an answer');
    assert.deepEqual(r.bad, { written: RELOADS / 2, rejected: RELOADS / 2 }, 'every bad edit rejected');
    assert.deepEqual(r.requests.failures, [], 'no request failed');
    assert.ok(r.requests.ok > RELOADS, `the program answered all along (${r.requests.ok} answers)`);
    assert.deepEqual(r.after, r.before, 'timers, dispose callbacks, process listeners and active handles as before the first edit');
    assert.equal(r.before.ownedTimers, 1, "the program's timer is owned by its statement");
    assert.deepEqual(r.exit, { code: 143, signal: null }, 'imago stopped the program on SIGTERM');
  });
});
