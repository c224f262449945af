// The peer benchmark's driver (bench/peers) works: run through its own command with one tool (imago,
// which needs nothing installed in bench/peers) and two edits, it measures every column of the table.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../bench/peers/measure.js';
import { longestGap } from '../bench/peers/measure.js';
import { median } from '../bench/stats.js';

const DRIVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bench/peers/run.js');
/** Its own work folder, so a bench:peers run going on at the same time keeps its own. */
const WORK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/peers/.work', `test-${process.pid}`);

function runDriver(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [DRIVER, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('peer benchmark driver', () => {
  it('runs imago on the sample program through two edits, the syntax error and its fix, and writes the table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-peers-'));
    try {
      const out = path.join(dir, 'benchmarks.md');
      const json = path.join(dir, 'runs.json');
      const r = runDriver(['--tools', 'imago', '--setup', '0', '--edits', '2', '--out', out, '--json', json, '--work', WORK]);
      assert.equal(r.status, 0, `the driver exits 0\n${r.stdout}\n${r.stderr}`);
      const { runs } = JSON.parse(fs.readFileSync(json, 'utf8')) as { runs: RunResult[] };
      assert.equal(runs.length, 1, 'one run: one tool at one SETUP_MS');
      const run = runs[0]!;
      assert.equal(run.kind, 'ran', `imago ran: ${JSON.stringify(run)}`);
      if (run.kind !== 'ran') return;
      assert.deepEqual(
        run.edits.map((e) => e.save),
        ['in place', 'rename'],
        'the first edit is saved in place, the second by rename',
      );
      for (const edit of run.edits) {
        assert.ok(edit.effectMs !== null && edit.effectMs > 0 && edit.effectMs < 5000, `edit ${edit.index} showed (${edit.effectMs} ms)`);
        assert.equal(edit.stateKept, true, `edit ${edit.index} kept the state`);
        assert.ok(edit.gapMs !== null && edit.gapMs > 0, `edit ${edit.index} has an output gap (${edit.gapMs})`);
        assert.equal(edit.oldCodeAfter, false, `no old code ran after edit ${edit.index}`);
      }
      assert.equal(run.syntax.killed, false, 'the syntax error does not stop the program under imago');
      assert.ok(run.syntax.recoverMs !== null, 'the fix shows');
      assert.ok(run.rssBefore > 0 && run.rssAfter > 0, 'memory of the process tree was read');
      const table = fs.readFileSync(out, 'utf8');
      assert.match(table, /^\| imago \| \d+ ms \| \*\*[\d.]+ ms\*\* \|/m, "the table has imago's row");
      assert.match(table, /imago keeps state on every edit and survives the syntax error \| yes \|/, 'the goals are checked');
      const again = path.join(dir, 'again.md');
      assert.equal(runDriver(['--from', json, '--out', again]).status, 0);
      assert.equal(fs.readFileSync(again, 'utf8'), table, '--from writes the same table from the saved results');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(WORK, { recursive: true, force: true });
    }
  });

  it('refuses an unknown tool or a bad count, naming what it accepts', () => {
    const tool = runDriver(['--tools', 'webpack']);
    assert.equal(tool.status, 2);
    assert.match(tool.stderr, /no tool 'webpack'; the tools are imago, imago-unchecked, node-tsx, .*dynohot/);
    const count = runDriver(['--edits', 'many']);
    assert.equal(count.status, 2);
    assert.match(count.stderr, /--edits needs a whole number >= 0, got 'many'/);
  });

  it('measures the longest gap between lines up to a time, and medians', () => {
    const lines = [0, 2, 4, 30, 32, 90].map((at, i) => ({ at, tick: i, version: 'v', state: 's' }));
    assert.equal(longestGap(lines, 0, 40), 26, 'the gap from 4 to 30');
    assert.equal(longestGap(lines, 0, 100), 58, 'the gap from 32 to 90 once it is in the window');
    assert.equal(longestGap(lines, 3, 40), 2, 'from the fourth line on');
    assert.deepEqual([median([3, 1, 2]), median([4, 1, 3, 2]), median([])], [2, 2.5, NaN]);
  });
});
