// Scenario folders through the real CLI: test/scenarios/<name>/v0 is the program as started, v1, v2, ...
// are the files each edit writes, and scenario.json says what must be seen after each step.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliRun } from './helpers/cli.js';
import { sleep, tempProject } from './helpers/project.js';

type Pattern = string;
interface Generation {
  expect?: Pattern | Pattern[] | null;
  ignore?: Pattern;
  reject?: boolean;
  phase?: string;
  atomic?: boolean;
  delete?: string[];
  stderr?: Pattern;
  afterMs?: number;
  linesAfterNever?: Pattern;
  stdoutNever?: Pattern;
  stderrNever?: Pattern;
  stderrCount?: [string, number];
}
interface Scenario {
  description: string;
  flags?: string[];
  /** Flags for node itself, before the CLI (`--allow-natives-syntax` to look at hidden classes). */
  nodeFlags?: string[];
  entry?: string;
  start?: { expect: Pattern };
  startRejected?: { stderr: Pattern };
  wait?: { stderr?: Pattern; event?: string };
  gens: Generation[];
  stop?: { signal: NodeJS.Signals; expect: Pattern; code: number };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/scenarios');

const toMatcher = (p: Pattern): ((s: string) => boolean) => {
  if (p.length > 1 && p.startsWith('/') && p.endsWith('/')) {
    const re = new RegExp(p.slice(1, -1));
    return (s) => re.test(s);
  }
  return (s) => s.trim() === p;
};

function readTree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) readTree(p, base, out);
    else out[path.relative(base, p)] = fs.readFileSync(p, 'utf8');
  }
  return out;
}

async function runScenario(name: string, sc: Scenario): Promise<void> {
  const project = tempProject(readTree(path.join(root, name, 'v0')));
  const cli = CliRun.run(project.dir, [...(sc.flags ?? []), sc.entry ?? 'main.ts'], sc.nodeFlags ?? []);
  try {
    let awaitingReady = false;
    if (sc.startRejected) {
      await cli.until('the rejected load event', () => cli.events().find((e) => e.kind === 'load' && e.ok === false));
      await cli.until(`stderr ${sc.startRejected.stderr}`, () => toMatcher(sc.startRejected!.stderr)(cli.stderr));
      awaitingReady = true;
    } else {
      await cli.until('the ready event', () => cli.events().find((e) => e.kind === 'ready'), 15000);
      if (sc.start) await cli.until(`a first line ${sc.start.expect}`, () => cli.lines.some(toMatcher(sc.start!.expect)));
    }
    if (sc.wait?.stderr) await cli.until(`stderr ${sc.wait.stderr}`, () => toMatcher(sc.wait!.stderr!)(cli.stderr));
    if (sc.wait?.event) await cli.until(`a ${sc.wait.event} event`, () => cli.events().some((e) => e.kind === sc.wait!.event));
    for (const [i, gen] of sc.gens.entries()) {
      const step = `${name} v${i + 1}`;
      const before = cli.reloads().length;
      const mark = cli.lines.length;
      const errMark = cli.stderr.length;
      project.write(readTree(path.join(root, name, `v${i + 1}`)), gen.atomic);
      if (gen.delete) project.write(Object.fromEntries(gen.delete.map((f) => [f, null])));
      if (awaitingReady) {
        await cli.until(`${step}: the ready event`, () => cli.events().some((e) => e.kind === 'ready'));
        awaitingReady = false;
      } else {
        const ev = await cli.until(`${step}: a reload event`, () => cli.reloads()[before]);
        assert.equal(ev.ok, !gen.reject, `${step}: reload ok should be ${!gen.reject}: ${JSON.stringify(ev).slice(0, 400)}`);
        if (gen.phase) assert.equal(ev.phase, gen.phase, `${step}: rejected in the wrong phase`);
      }
      let matchedAt = mark;
      const expects = gen.expect === undefined || gen.expect === null ? [] : Array.isArray(gen.expect) ? gen.expect : [gen.expect];
      if (gen.ignore !== undefined && expects.length === 1) {
        const ignore = toMatcher(gen.ignore);
        const k = await cli.until(`${step}: a line other than ${gen.ignore}`, () => {
          const idx = cli.lines.slice(mark).findIndex((l) => !ignore(l));
          return idx < 0 ? null : { idx };
        });
        const first = cli.lines[mark + k.idx]!;
        assert.ok(toMatcher(expects[0]!)(first), `${step}: the first new line is ${JSON.stringify(first)}, expected ${expects[0]}`);
        matchedAt = mark + k.idx;
      } else {
        for (const want of expects) {
          const m = toMatcher(want);
          const from = matchedAt;
          const idx = await cli.until(`${step}: a line ${want}`, () => {
            const j = cli.lines.slice(from).findIndex(m);
            return j < 0 ? null : { j };
          });
          matchedAt = from + idx.j + 1;
        }
      }
      if (gen.stderr) await cli.until(`${step}: stderr ${gen.stderr}`, () => toMatcher(gen.stderr!)(cli.stderr.slice(errMark)));
      if (gen.afterMs) await sleep(gen.afterMs);
      if (gen.linesAfterNever) {
        const bad = cli.lines.slice(matchedAt + 1).find(toMatcher(gen.linesAfterNever));
        assert.equal(bad, undefined, `${step}: no line ${gen.linesAfterNever} should follow the change`);
      }
      if (gen.stdoutNever) assert.ok(!toMatcher(gen.stdoutNever)(cli.lines.slice(mark).join('\n')), `${step}: stdout matched ${gen.stdoutNever}`);
      if (gen.stderrNever) assert.ok(!toMatcher(gen.stderrNever)(cli.stderr.slice(errMark)), `${step}: stderr matched ${gen.stderrNever}`);
      if (gen.stderrCount) {
        const [text, n] = gen.stderrCount;
        assert.equal(cli.stderr.slice(errMark).split(text).length - 1, n, `${step}: '${text}' should appear ${n} time(s) on stderr`);
      }
    }
    if (sc.stop) {
      const exit = await cli.stop(sc.stop.signal);
      assert.ok(cli.lines.some(toMatcher(sc.stop.expect)), `stop: expected a line ${sc.stop.expect}; got ${cli.lines.slice(-3).join(' | ')}`);
      assert.equal(exit.code, sc.stop.code, 'stop: exit code');
    }
  } finally {
    cli.kill();
    await sleep(20);
    project.remove();
  }
}

describe('scenarios through the CLI', { concurrency: 2 }, () => {
  for (const name of fs.readdirSync(root).sort()) {
    const sc = JSON.parse(fs.readFileSync(path.join(root, name, 'scenario.json'), 'utf8')) as Scenario;
    it(`${name}: ${sc.description}`, { timeout: 60000 }, () => runScenario(name, sc));
  }
});
