// The corpus of bad edits (test/corpus/), through the real CLI: every case must hold (the change refused
// with the file and the place, or applied where that is right; the program running the previous version
// with its state; the next good edit applied). `npm test` runs every other case of each category;
// IMAGO_CORPUS=full (`npm run corpus`) all of them; IMAGO_CORPUS_ONLY=<regexp> the cases it matches;
// IMAGO_CORPUS_SHARDS the number of programs at once (2); IMAGO_CORPUS_VERBOSE=1 prints each case.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cases as config } from './corpus/config.js';
import { cases as files } from './corpus/files.js';
import { cases as imports } from './corpus/imports.js';
import type { CorpusCase } from './corpus/project.js';
import { cases as runtime } from './corpus/runtime.js';
import { cases as syntax } from './corpus/syntax.js';
import { cases as types } from './corpus/types.js';
import { type CaseOutcome, runCorpus } from './helpers/corpus-runner.js';

const all: readonly CorpusCase[] = [...syntax, ...types, ...runtime, ...imports, ...files, ...config];

describe('the corpus of bad edits', () => {
  it('has at least 200 cases, each named once', () => {
    assert.ok(all.length >= 200, `${all.length} cases`);
    assert.equal(new Set(all.map((c) => c.name)).size, all.length);
  });

  it('holds for every case, through the real CLI', { timeout: 20 * 60_000 }, async () => {
    // `npm test` runs every other case of each category (all of them: IMAGO_CORPUS=full, `npm run corpus`).
    const only = process.env['IMAGO_CORPUS_ONLY'];
    const full = process.env['IMAGO_CORPUS'] === 'full';
    const quick = all.filter((c, i) => all.findIndex((d) => d.category === c.category) % 2 === i % 2);
    const chosen = only ? all.filter((c) => new RegExp(only).test(c.name)) : full ? all : quick;
    const shards = Number(process.env['IMAGO_CORPUS_SHARDS'] ?? 2);
    const t0 = Date.now();
    const outcomes = await runCorpus(chosen, shards, (o) => {
      if (process.env['IMAGO_CORPUS_VERBOSE'])
        console.log(`${o.problem ? 'FAIL' : 'ok  '} ${String(o.ms).padStart(5)} ms  ${o.name}${o.problem ? `\n      ${o.problem}` : ''}`);
    });
    const failed = outcomes.filter((o): o is CaseOutcome & { problem: string } => o.problem !== null);
    const byCategory = new Map<string, number>();
    for (const o of outcomes) byCategory.set(o.category, (byCategory.get(o.category) ?? 0) + 1);
    console.log(
      `corpus: ${outcomes.length} cases (${[...byCategory].map(([c, n]) => `${c} ${n}`).join(', ')}), ${failed.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s on ${shards} programs`,
    );
    assert.equal(outcomes.length, chosen.length);
    assert.deepEqual(
      failed.map((f) => `${f.name}: ${f.problem}`),
      [],
    );
  });
});
