// `imago status` says what the program holds open (resources): the timers its top-level statements made
// and still own (from the runtime), Node's active handles by type, and the listeners on `process`, so a
// leak across edits shows as a count that grows (the soak compares them before and after 500 edits).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient, type Running, runWithControl } from './helpers/control.js';
import { imago } from './helpers/image-cli.js';
import { sleep, waitFor } from './helpers/project.js';

const MAIN = (timers: string): string => `export const beats = { n: 0 };
${timers}
export function tick(): void {}
`;
const TWO = `setInterval(() => { beats.n++; }, 50);\nsetTimeout(() => { beats.n++; }, 600000);`;
const ONE = `setInterval(() => { beats.n++; }, 50);`;

interface Resources {
  readonly ownedTimers: number;
  readonly disposers: number;
  readonly active: Record<string, number>;
  readonly processListeners: number;
}

describe('imago status: resources', () => {
  let run: Running;
  let client: RawClient;
  before(async () => {
    run = await runWithControl({ 'main.ts': MAIN(TWO) });
    client = await RawClient.connect(run.socket);
  });
  after(async () => {
    client.close();
    await run.stop();
  });

  const resources = async (): Promise<Resources> => (await client.ask({ kind: 'status' }))['resources'] as Resources;

  it("counts the timers the program's statements own, and Node's active timers", async () => {
    const r = await resources();
    assert.equal(r.ownedTimers, 2, 'an interval and a timeout, each owned by its statement');
    assert.equal(r.disposers, 0);
    assert.ok((r.active['Timeout'] ?? 0) >= 3, `the two timers and the tick's among Node's (${JSON.stringify(r.active)})`);
    assert.ok(r.processListeners > 0, "imago's own listeners on process (signals, uncaught errors)");
  });

  it('counts one timer fewer when an edit removes the statement that made it, and the same listeners', async () => {
    const before = await resources();
    run.project.write({ 'main.ts': MAIN(ONE) });
    await waitFor('the edit to apply', () => run.cli.reloads().some((e) => e.ok), 20000);
    const after = await resources();
    assert.equal(after.ownedTimers, 1, 'the removed statement took its timer with it');
    // imago's own timers come and go with an edit (the background check waits for a second of quiet).
    let timeouts = after.active['Timeout'];
    for (let i = 0; i < 50 && timeouts !== (before.active['Timeout'] ?? 0) - 1; i++) {
      await sleep(100);
      timeouts = (await resources()).active['Timeout'];
    }
    assert.equal(timeouts, (before.active['Timeout'] ?? 0) - 1, "one timer fewer in Node's count");
    assert.equal(after.processListeners, before.processListeners, 'no listener added by the edit');
  });

  it('prints them', () => {
    const r = imago(run.project.dir, ['status']);
    assert.match(r.stdout, /resources: 1 timer and 0 dispose callbacks owned by top-level statements; \d+ process listeners; active: .*Timeout \d+/);
  });
});
