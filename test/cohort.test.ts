// The coordinator's rounds (host/cohort/coordinator.ts), driven directly with members that answer as
// told: a round ended early leaves nothing behind for the next one; steps with no member left do not
// wait; a member that reports while a round is under way is compared with what the round leaves.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Coordinator, type MemberLink } from '../src/host/cohort/coordinator.js';
import { TAG, type ToCoordinator, type ToMember } from '../src/host/cohort/messages.js';

interface Fake {
  readonly link: MemberLink;
  readonly heard: ToMember[];
  say(m: ToCoordinator): void;
}

function fake(coordinator: Coordinator, name: string, answer: (m: ToMember) => ToCoordinator | null, restart?: () => void): Fake {
  const heard: ToMember[] = [];
  let say: (m: ToCoordinator) => void = () => undefined;
  const link: MemberLink = {
    name,
    ...(restart ? { restart } : {}),
    send: (m) => {
      heard.push(m);
      const a = answer(m);
      if (a) queueMicrotask(() => say(a));
    },
  };
  say = coordinator.join(link);
  say({ imago: TAG, t: 'held', paths: ['/p/shared.ts'], texts: [] });
  return { link, heard, say: (m) => say(m) };
}

const TEXTS = new Map([['/p/shared.ts', 'export const v = 2;']]);

/** A member that prepares quietly (its commit runs no program code) and applies the change once it is kept. */
function quietly(msg: ToMember): ToCoordinator | null {
  if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'], quiet: true };
  if (msg.t === 'finish' && msg.keep) return { imago: TAG, t: 'applied', id: msg.id, summary: 'summary' as never };
  return null;
}

/** A member that runs the cohort's text of shared.ts joins, then `b` reports it runs an older one (it is brought up to date). */
function behind(c: Coordinator, b: Fake): void {
  c.join({ name: 'worker process 1', send: () => undefined })({
    imago: TAG,
    t: 'held',
    paths: ['/p/shared.ts'],
    texts: [['/p/shared.ts', 'export const v = 2;']],
  });
  b.say({ imago: TAG, t: 'held', paths: ['/p/shared.ts'], texts: [['/p/shared.ts', 'export const v = 1;']] });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the coordinator', () => {
  it("a round ended while its commit step waits leaves no timer that ends the next round (the members' keep is the coordinator's)", async () => {
    const c = new Coordinator({ hollow: false, timeoutMs: 150, root: '/p', notice: () => undefined });
    // The member prepares at once; it never answers a commit of the first round.
    let round = 0;
    const m = fake(c, 'worker thread 1', (msg) => {
      if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'] };
      if (msg.t === 'commit' && msg.id > 1) return { imago: TAG, t: 'ready', id: msg.id };
      if (msg.t === 'finish' && msg.keep) return { imago: TAG, t: 'applied', id: msg.id, summary: null as never };
      return null;
    });
    const first = await c.prepare(TEXTS, ['/p/shared.ts'], undefined);
    assert.deepEqual(first, { ok: true, files: ['shared.ts'], members: 1, quiet: false });
    const waiting = c.commit();
    // The coordinator's own commit failed meanwhile: it rolls the round back.
    await c.finish(false);
    const ended = await waiting;
    assert.equal(ended.ok, true, 'the cancelled step answers at once, as gone');
    round = (await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok ? 2 : 0;
    assert.equal(round, 2);
    assert.deepEqual(await c.commit(), { ok: true, files: [], members: 1, quiet: false });
    // Past the first round's timeout: its timer must not have touched the second round.
    await sleep(200);
    await c.finish(true);
    const finishes = m.heard.filter((h) => h.t === 'finish').map((h) => [h.id, (h as { keep: boolean }).keep]);
    assert.deepEqual(finishes, [
      [1, false],
      [2, true],
    ]);
    // And a step asked for after its round ended is refused, not taken as a yes.
    const late = await c.commit();
    assert.equal(late.ok, false);
  });

  it('a step with no member left does not wait for the timeout', async () => {
    const c = new Coordinator({ hollow: false, timeoutMs: 2000, root: '/p', notice: () => undefined });
    const m = fake(c, 'worker thread 1', (msg) => (msg.t === 'prepare' ? { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'] } : null));
    assert.equal((await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok, true);
    const t0 = performance.now();
    const commit = c.commit();
    c.leave(m.link, 'exited');
    assert.equal((await commit).ok, true);
    await c.finish(true);
    assert.ok(performance.now() - t0 < 500, `took ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('a member that reports older texts while a round is under way is brought up to date after it', async () => {
    const stale: Array<() => Promise<void>> = [];
    const c = new Coordinator({ hollow: true, timeoutMs: 500, root: '/p', notice: () => undefined, stale: (run) => stale.push(run) });
    const a = fake(c, 'worker process 1', (msg) => {
      if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'] };
      if (msg.t === 'commit') return { imago: TAG, t: 'ready', id: msg.id };
      return null;
    });
    assert.equal((await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok, true);
    // A worker forked meanwhile started on the text before this change.
    const b = fake(c, 'worker process 2', (msg) => {
      if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'] };
      if (msg.t === 'commit') return { imago: TAG, t: 'ready', id: msg.id };
      return null;
    });
    b.say({ imago: TAG, t: 'held', paths: ['/p/shared.ts'], texts: [['/p/shared.ts', 'export const v = 1;']] });
    assert.equal(stale.length, 0, 'compared before the round ended');
    assert.equal((await c.commit()).ok, true);
    await c.finish(true);
    assert.equal(stale.length, 1);
    await stale[0]!();
    const toB = b.heard.map((h) => h.t);
    assert.deepEqual(toB, ['prepare', 'commit', 'finish']);
    assert.deepEqual((b.heard[0] as { texts: unknown }).texts, [['/p/shared.ts', 'export const v = 2;']]);
    assert.equal(a.heard.length, 3, 'the up-to-date member was not asked again');
  });

  it('members that prepared quietly get no commit step: the kept change is their word to commit', async () => {
    const c = new Coordinator({ hollow: true, timeoutMs: 500, root: '/p', notice: () => undefined });
    const a = fake(c, 'worker process 1', quietly);
    const b = fake(c, 'worker process 2', quietly);
    const vote = await c.prepare(TEXTS, ['/p/shared.ts'], undefined);
    assert.deepEqual(vote, { ok: true, files: ['shared.ts'], members: 2, quiet: true });
    assert.equal((await c.commit()).ok, true);
    assert.equal(c.decide(true), true);
    assert.deepEqual(await c.finish(true), { summary: 'summary', members: 2 });
    for (const m of [a, b])
      assert.deepEqual(
        m.heard.map((h) => h.t),
        ['prepare', 'finish'],
      );
    // One member that is not quiet: it alone is asked to commit, and waits on a decision file.
    const c2 = new Coordinator({ hollow: true, timeoutMs: 500, root: '/p', notice: () => undefined });
    const q = fake(c2, 'worker process 1', quietly);
    const loud = fake(c2, 'worker process 2', (msg) => {
      if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'] };
      if (msg.t === 'commit') return { imago: TAG, t: 'ready', id: msg.id };
      if (msg.t === 'finish' && msg.keep) return { imago: TAG, t: 'applied', id: msg.id, summary: 'summary' as never };
      return null;
    });
    assert.equal((await c2.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok && true, true);
    assert.equal((await c2.commit()).ok, true);
    assert.equal(c2.decide(true), true);
    await c2.finish(true);
    assert.deepEqual(
      q.heard.map((h) => h.t),
      ['prepare', 'finish'],
    );
    assert.deepEqual(
      loud.heard.map((h) => h.t),
      ['prepare', 'commit', 'finish'],
    );
    const commit = loud.heard[1] as { decision?: { file: string } };
    assert.ok(commit.decision?.file, 'the member that waits is told where the decision appears');
    c.dispose();
    c2.dispose();
  });

  it('a quiet member whose commit failed after the change was kept is said, and started again when it can be', async () => {
    const notices: string[] = [];
    let restarted = 0;
    const c = new Coordinator({ hollow: true, timeoutMs: 500, root: '/p', notice: (m) => notices.push(m) });
    fake(
      c,
      'worker process 1',
      (msg) => {
        if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'], quiet: true };
        if (msg.t === 'finish' && msg.keep) {
          const error = { file: 'shared.ts', line: 1, column: 1, code: 'IMAGO_INTERNAL', message: 'a fault\nwith a stack' };
          return { imago: TAG, t: 'refused', id: msg.id, refusal: { phase: 'instantiate', errors: [error] } };
        }
        return null;
      },
      () => restarted++,
    );
    assert.equal((await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok, true);
    await c.commit();
    await c.finish(true);
    assert.equal(restarted, 1);
    assert.equal(notices.length, 1);
    assert.match(
      notices[0]!,
      /worker process 1 could not take a change the others kept \(a fault\); it is started again on the code the others run\. This is a fault in imago/,
    );
  });

  it('a quiet member still busy when the kept change ends is said, and so is its failure when it answers late', async () => {
    const notices: string[] = [];
    let restarted = 0;
    const c = new Coordinator({ hollow: true, timeoutMs: 100, root: '/p', notice: (m) => notices.push(m) });
    const m = fake(
      c,
      'worker process 1',
      (msg) => (msg.t === 'prepare' ? { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'], quiet: true } : null),
      () => restarted++,
    );
    assert.equal((await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok, true);
    await c.commit();
    await c.finish(true);
    assert.deepEqual(notices, ['worker process 1 has not taken the change yet (it is busy): it takes it when it is free']);
    const error = { file: 'shared.ts', line: 1, column: 1, code: 'IMAGO_INTERNAL', message: 'a fault' };
    m.say({ imago: TAG, t: 'refused', id: 1, refusal: { phase: 'instantiate', errors: [error] } });
    assert.equal(restarted, 1);
    assert.match(notices[1] ?? '', /worker process 1 could not take a change the others kept \(a fault\)/);
    // Said once: the same answer again is no longer owed.
    m.say({ imago: TAG, t: 'refused', id: 1, refusal: { phase: 'instantiate', errors: [error] } });
    assert.equal(restarted, 1);
  });

  it('bringing a member up to date: a quiet member is not asked to commit, and its failure after the keep is said', async () => {
    const stale: Array<() => Promise<void>> = [];
    const notices: string[] = [];
    let restarted = 0;
    const c = new Coordinator({ hollow: true, timeoutMs: 300, root: '/p', notice: (m) => notices.push(m), stale: (run) => stale.push(run) });
    const b = fake(
      c,
      'worker process 2',
      (msg) => {
        if (msg.t === 'prepare') return { imago: TAG, t: 'prepared', id: msg.id, files: ['shared.ts'], quiet: true };
        const error = { file: 'shared.ts', line: 1, column: 1, code: 'IMAGO_INTERNAL', message: 'a fault' };
        if (msg.t === 'finish' && msg.keep) return { imago: TAG, t: 'refused', id: msg.id, refusal: { phase: 'instantiate', errors: [error] } };
        return null;
      },
      () => restarted++,
    );
    // It reports an older text than the one the cohort runs.
    behind(c, b);
    assert.equal(stale.length, 1);
    await stale[0]!();
    assert.deepEqual(
      b.heard.map((h) => h.t),
      ['prepare', 'finish'],
    );
    assert.equal(restarted, 1);
    assert.ok(
      notices.some((n) => /worker process 2 could not take a change the others kept/.test(n)),
      notices.join('\n'),
    );
  });

  it('bringing a member up to date that no longer runs the texts ends the round at once, with nothing said', async () => {
    const stale: Array<() => Promise<void>> = [];
    const notices: string[] = [];
    const c = new Coordinator({ hollow: true, timeoutMs: 300, root: '/p', notice: (m) => notices.push(m), stale: (run) => stale.push(run) });
    const b = fake(c, 'worker process 2', (msg) => (msg.t === 'prepare' ? { imago: TAG, t: 'prepared', id: msg.id, files: [] } : null));
    behind(c, b);
    await stale[0]!();
    assert.deepEqual(
      b.heard.map((h) => h.t),
      ['prepare'],
    );
    assert.deepEqual(
      notices.filter((n) => !/started on an older/.test(n)),
      [],
    );
  });

  it('a refusal every member gives alike is said of all of them; different ones name the first', async () => {
    const refusing =
      (message: string) =>
      (msg: ToMember): ToCoordinator | null =>
        msg.t === 'prepare'
          ? {
              imago: TAG,
              t: 'refused',
              id: msg.id,
              refusal: { phase: 'parse', errors: [{ file: 'shared.ts', line: 1, column: 1, code: 'IMAGO_PARSE', message }] },
            }
          : null;
    const c = new Coordinator({ hollow: true, timeoutMs: 300, root: '/p', notice: () => undefined });
    fake(c, 'worker process 1', refusing('bad'));
    fake(c, 'worker process 2', refusing('bad'));
    const alike = await c.prepare(TEXTS, ['/p/shared.ts'], undefined);
    assert.equal(alike.ok, false);
    assert.equal(alike.ok ? '' : alike.errors[0]?.message, 'bad (in each of worker process 1, worker process 2)');
    const c2 = new Coordinator({ hollow: true, timeoutMs: 300, root: '/p', notice: () => undefined });
    fake(c2, 'worker process 1', refusing('bad here'));
    fake(c2, 'worker process 2', refusing('bad there'));
    const apart = await c2.prepare(TEXTS, ['/p/shared.ts'], undefined);
    assert.equal(apart.ok ? '' : apart.errors[0]?.message, 'bad here (in worker process 1)');
  });

  it('a kept change counts the members that applied it (not one that left); idle() waits for the round to end', async () => {
    const c = new Coordinator({ hollow: true, timeoutMs: 300, root: '/p', notice: () => undefined });
    fake(c, 'worker process 1', quietly);
    const leaving = fake(c, 'worker process 2', quietly);
    await c.idle();
    assert.equal((await c.prepare(TEXTS, ['/p/shared.ts'], undefined)).ok, true);
    let idle = false;
    void c.idle().then(() => {
      idle = true;
    });
    c.leave(leaving.link, 'exited');
    await c.commit();
    await sleep(10);
    assert.equal(idle, false, 'not while the change is under way');
    assert.deepEqual(await c.finish(true), { summary: 'summary', members: 1 });
    await sleep(0);
    assert.equal(idle, true);
  });
});
