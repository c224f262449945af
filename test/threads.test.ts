// Worker threads as one program with the main thread (issue 22), through the real CLI: an edit to a
// module a worker runs is applied in the worker with its state kept; an edit to a module both run is one
// change, applied in both or in neither; a refusal in one thread, or a thread that does not reach a safe
// point in time, rejects it everywhere; a worker that ended is not waited for.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { tempProject } from './helpers/project.js';

const MAIN = `import { Worker } from 'node:worker_threads';
import { label } from './shared.ts';
const w = new Worker(new URL('./w.ts', import.meta.url));
w.on('message', (m: unknown) => console.log('worker ' + String(m)));
w.on('error', (e: Error) => console.log('worker error: ' + e.message.split('\\n')[0]));
w.on('exit', (c: number) => console.log('worker exit ' + c));
let pokes = 0;
setInterval(() => {
  pokes++;
  console.log('main ' + label() + ' ' + pokes);
  w.postMessage('poke');
}, 60);
`;

/** The worker answers each poke with its label and how many it answered (its state); `block` makes it busy. */
const worker = (tag: string, extra = ''): string => `import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { label, onlyWorker } from './shared.ts';
let count = 0;
function answer(): string {
  count++;
  return '${tag} ' + label() + ' ' + onlyWorker() + ' ' + count;
}
parentPort!.on('message', () => {
  if (fs.existsSync(new URL('./block', import.meta.url))) {
    parentPort!.postMessage('blocking');
    const until = Date.now() + 2500;
    while (Date.now() < until) {}
  }
  parentPort!.postMessage(answer());
});
${extra}`;

const shared = (v: string): string => `export function label(): string { return '${v}'; }\nexport function onlyWorker(): string { return 'ow'; }\n`;

/** The last line the main thread and the worker printed, as [label, count]. */
function last(cli: CliRun, who: 'main' | 'worker'): { label: string; count: number } | null {
  for (let i = cli.lines.length - 1; i >= 0; i--) {
    const m = who === 'main' ? /^main (\S+) (\d+)$/.exec(cli.lines[i]!) : /^worker (\S+ \S+) ow (\d+)$/.exec(cli.lines[i]!);
    if (m) return { label: m[1]!, count: Number(m[2]) };
  }
  return null;
}

describe('worker threads take the program changes with it', () => {
  it("a worker's own module is swapped in place, its state kept; a module both threads run changes in both as one change", async () => {
    const p = tempProject({ 'main.ts': MAIN, 'w.ts': worker('A'), 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker answering', () => last(cli, 'worker')?.label === 'A v1', 20000);
      assert.match(cli.stderr, /a worker runs w\.ts through imago's loader; edits to its modules apply in every thread that runs them/);
      const before = last(cli, 'worker')!.count;
      p.write({ 'w.ts': worker('B') });
      const r1 = await cli.until('the worker edit applied', () => cli.reloads()[0]);
      assert.equal(r1.ok, true, JSON.stringify(r1));
      assert.equal(r1['members'], 1);
      assert.deepEqual(r1['files'], ['w.ts']);
      await cli.until('the new answer', () => last(cli, 'worker')?.label === 'B v1');
      // The count went on from where it was: the module's state survived the swap.
      assert.ok(last(cli, 'worker')!.count > before, cli.lines.slice(-6).join('\n'));
      assert.ok(!cli.lines.some((l) => /^worker B v1 ow 1$/.test(l)), 'the worker module started over');

      p.write({ 'shared.ts': shared('v2') });
      const r2 = await cli.until('the shared edit applied', () => cli.reloads()[1]);
      assert.equal(r2.ok, true, JSON.stringify(r2));
      assert.equal(r2['members'], 1);
      await cli.until('both threads on v2', () => last(cli, 'main')?.label === 'v2' && last(cli, 'worker')?.label === 'B v2');
      assert.match(cli.stderr, /reloaded shared\.ts in [\d.]+ ms \([^)]*also in 1 worker thread/);
      assert.ok(!cli.lines.some((l) => l.startsWith('worker error')), cli.lines.join('\n'));
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a change one thread cannot take (a link error only the worker has) is rejected in every thread', async () => {
    const p = tempProject({ 'main.ts': MAIN, 'w.ts': worker('A'), 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker answering', () => last(cli, 'worker')?.label === 'A v1', 20000);
      // The main thread has no use for onlyWorker (and the checker does not see w.ts): only the worker fails to link.
      p.write({ 'shared.ts': "export function label(): string { return 'v2'; }\n" });
      const r = await cli.until('the rejection', () => cli.reloads()[0]);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.equal(r.phase, 'link');
      const errors = r['errors'] as Array<{ message: string; file: string }>;
      assert.match(errors[0]!.message, /onlyWorker[\s\S]*\(in worker thread \d+ \(w\.ts\)\)/);
      const mainBefore = last(cli, 'main')!.count;
      await cli.until('more pokes', () => last(cli, 'main')!.count > mainBefore + 3);
      assert.equal(last(cli, 'main')!.label, 'v1', 'the main thread took a change the worker refused');
      assert.equal(last(cli, 'worker')!.label, 'A v1');
      // The fix applies in both.
      p.write({ 'shared.ts': shared('v3') });
      await cli.until('the fix applied', () => cli.reloads()[1]?.ok === true);
      await cli.until('both on v3', () => last(cli, 'main')?.label === 'v3' && last(cli, 'worker')?.label === 'A v3');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a change the worker throws on while committing is rolled back in the main thread too', async () => {
    const p = tempProject({ 'main.ts': MAIN, 'w.ts': worker('A'), 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker answering', () => last(cli, 'worker')?.label === 'A v1', 20000);
      p.write({
        'shared.ts': `import { isMainThread } from 'node:worker_threads';\nexport let n = 0;\nif (!isMainThread) throw new Error('not here');\n${shared('v2')}`,
      });
      const r = await cli.until('the rejection', () => cli.reloads()[0]);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.equal(r.phase, 'evaluate');
      assert.match((r['errors'] as Array<{ message: string }>)[0]!.message, /not here \(in worker thread \d+ \(w\.ts\)\)/);
      const mainBefore = last(cli, 'main')!.count;
      await cli.until('more pokes', () => last(cli, 'main')!.count > mainBefore + 3);
      assert.equal(last(cli, 'main')!.label, 'v1', 'the main thread kept a change the worker rolled back');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('while a worker commits slowly and then throws, the main thread never runs the change, and loses nothing of its state', async () => {
    const counter = (v: string, extra = ''): string =>
      `import { isMainThread } from 'node:worker_threads';\nexport let count = 0;\nexport function bump(): number { return ++count; }\nexport function label(): string { return '${v}'; }\n${extra}`;
    const p = tempProject({
      'main.ts': `import { Worker } from 'node:worker_threads';
import { bump, label } from './m.ts';
const w = new Worker(new URL('./w.ts', import.meta.url));
w.on('message', (m: unknown) => console.log('worker ' + String(m)));
setInterval(() => { const n = bump(); if (n % 10 === 0) console.log('main ' + label() + ' ' + n); }, 5);
`,
      'w.ts':
        "import { parentPort } from 'node:worker_threads';\nimport { label } from './m.ts';\nparentPort!.postMessage('up ' + label());\nparentPort!.on('message', () => undefined);\n",
      'm.ts': counter('v1'),
    });
    const cli = CliRun.run(p.dir, ['--swap-timeout', '5000', 'main.ts']);
    try {
      await cli.until('the worker up', () => cli.lines.includes('worker up v1'), 20000);
      await cli.until('main counting', () => last(cli, 'main') !== null);
      p.write({
        'm.ts': counter('v2', "if (!isMainThread) { const until = Date.now() + 1500; while (Date.now() < until) {} throw new Error('slow, then no'); }\n"),
      });
      const r = await cli.until('the rejection', () => cli.reloads()[0], 15000);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.match((r['errors'] as Array<{ message: string }>)[0]!.message, /slow, then no \(in worker thread \d+ \(w\.ts\)\)/);
      const after = last(cli, 'main')!.count;
      await cli.until('more counting', () => last(cli, 'main')!.count > after + 20);
      const mains = cli.lines.filter((l) => l.startsWith('main ')).map((l) => l.split(' '));
      assert.ok(!mains.some(([, v]) => v === 'v2'), 'the main thread ran the change before it was kept');
      const counts = mains.map(([, , n]) => Number(n));
      assert.ok(
        counts.every((n, i) => i === 0 || n > counts[i - 1]!),
        'the count went back: what the program did during the change was undone',
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a worker busy past --swap-timeout rejects the change everywhere, naming it; once free, the next save applies', async () => {
    const p = tempProject({ 'main.ts': MAIN, 'w.ts': worker('A'), 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['--swap-timeout', '300', 'main.ts']);
    try {
      await cli.until('the worker answering', () => last(cli, 'worker')?.label === 'A v1', 20000);
      p.write({ block: '' });
      await cli.until('the worker busy', () => cli.lines.includes('worker blocking'));
      p.write({ block: null });
      const t0 = Date.now();
      p.write({ 'shared.ts': shared('v2') });
      const r = await cli.until('the rejection', () => cli.reloads()[0], 15000);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.equal(r.phase, 'coordinate');
      const e = (r['errors'] as Array<{ code: string; message: string }>)[0]!;
      assert.equal(e.code, 'IMAGO_SWAP_TIMEOUT');
      assert.match(e.message, /worker thread \d+ \(w\.ts\) did not prepare the change within 300 ms \(--swap-timeout\)/);
      assert.ok(Date.now() - t0 < 2400, 'the change waited for the busy worker instead of timing out');
      assert.equal(last(cli, 'main')!.label, 'v1');
      // Free again, the worker took nothing of the rejected change; a save applies in both.
      await cli.until('the worker free', () => cli.lines.slice(cli.lines.lastIndexOf('worker blocking')).some((l) => /^worker A /.test(l)), 10000);
      assert.equal(last(cli, 'worker')!.label, 'A v1');
      p.write({ 'shared.ts': shared('v3') });
      await cli.until('the save applied', () => cli.reloads()[1]?.ok === true);
      await cli.until('both on v3', () => last(cli, 'main')?.label === 'v3' && last(cli, 'worker')?.label === 'A v3');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a worker that loaded while a change applied is brought up to the running code', async () => {
    // The worker starts once the program runs (it starts on the texts the program runs then).
    const main = MAIN.replace(
      "const w = new Worker(new URL('./w.ts', import.meta.url));",
      "let w: Worker | null = null;\nsetTimeout(() => {\n  console.log('starting the worker');\n  w = new Worker(new URL('./w.ts', import.meta.url));\n  w.on('message', (m: unknown) => console.log('worker ' + String(m)));\n}, 300);",
    )
      .replace(
        "w.on('message', (m: unknown) => console.log('worker ' + String(m)));\nw.on('error', (e: Error) => console.log('worker error: ' + e.message.split('\\n')[0]));\nw.on('exit', (c: number) => console.log('worker exit ' + c));\n",
        '',
      )
      .replace("w.postMessage('poke');", "w?.postMessage('poke');");
    // The worker's load is slow: the program's next change lands while it loads.
    const slow = worker('A').replace('let count = 0;', 'let count = 0;\nconst until = Date.now() + 1500;\nwhile (Date.now() < until) {}');
    const p = tempProject({ 'main.ts': main, 'w.ts': slow, 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker starting', () => cli.lines.includes('starting the worker'), 20000);
      p.write({ 'shared.ts': shared('v2') });
      const r = await cli.until('the change', () => cli.reloads()[0]);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r['members'], undefined, 'the loading worker was part of the change');
      await cli.until('the catch-up said', () =>
        /worker thread \d+ \(w\.ts\) started on an older shared\.ts than the program runs \(a change applied while it loaded\): it is brought up to date/.test(
          cli.stderr,
        ),
      );
      await cli.until('the worker on v2', () => last(cli, 'worker')?.label === 'A v2', 10000);
      // Its state was kept through the catch-up: the count goes on.
      const first = cli.lines.findIndex((l) => /^worker A v2 /.test(l));
      assert.ok(!cli.lines.slice(first).some((l) => /^worker A v1 /.test(l)));
      assert.ok(Number(/ (\d+)$/.exec(cli.lines[first]!)![1]) > 1, cli.lines[first]);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it("a structural edit's meaning reaches the worker: a renamed field keeps its values in the worker's instances", async () => {
    const p = tempProject({
      'main.ts': `import { Worker } from 'node:worker_threads';
import { Critter } from './critter.ts';
const mine = new Critter();
mine.hp = 7;
const w = new Worker(new URL('./w.ts', import.meta.url));
w.on('message', (m: unknown) => console.log('worker ' + String(m)));
setInterval(() => { console.log('main ' + mine.show()); w.postMessage('x'); }, 60);
`,
      'critter.ts': "export class Critter {\n  hp = 10;\n  show(): string { return 'v1 ' + JSON.stringify(this); }\n}\n",
      'w.ts': `import { parentPort } from 'node:worker_threads';
import { Critter } from './critter.ts';
const theirs = new Critter();
theirs.hp = 3;
parentPort!.on('message', () => parentPort!.postMessage(theirs.show()));
`,
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker answering', () => cli.lines.includes('worker v1 {"hp":3}'), 20000);
      const edit = spawnSync(process.execPath, [CLI, 'edit', 'rename-field', 'Critter.hp', 'health'], { cwd: p.dir, encoding: 'utf8' });
      assert.equal(edit.status, 0, edit.stdout + edit.stderr);
      await cli.until('both renamed, values kept', () => cli.lines.includes('worker v1 {"health":3}') && cli.lines.includes('main v1 {"health":7}'));
      const r = cli.reloads().at(-1)!;
      assert.equal(r['members'], 1);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a worker that crashed is not waited for: the next change applies in the main thread at once', async () => {
    const crash = "parentPort!.on('message', () => { if (fs.existsSync(new URL('./crash', import.meta.url))) throw new Error('crashed'); });\n";
    const p = tempProject({ 'main.ts': MAIN, 'w.ts': worker('A', crash), 'shared.ts': shared('v1') });
    const cli = CliRun.run(p.dir, ['--swap-timeout', '5000', 'main.ts']);
    try {
      await cli.until('the worker answering', () => last(cli, 'worker')?.label === 'A v1', 20000);
      p.write({ crash: '' });
      await cli.until('the worker gone', () => cli.lines.includes('worker exit 1'));
      await cli.until('the crash said', () =>
        /worker thread \d+ \(w\.ts\) ended with an uncaught error \(crashed\): its modules take no changes until a worker starts them again/.test(cli.stderr),
      );
      p.write({ 'shared.ts': shared('v2') });
      const r = await cli.until('the change', () => cli.reloads()[0]);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r['members'], undefined);
      assert.ok((r['ms'] as number) < 4000, `the change waited ${String(r['ms'])} ms for a worker that is gone`);
      await cli.until('main on v2', () => last(cli, 'main')?.label === 'v2');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it("an edit to a worker's file whose last worker leaves before the edit's change comes is said, and the next worker runs it", async () => {
    const main = (extra: string): string => `import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
function spawn(): void {
  const w = new Worker(new URL('./w.ts', import.meta.url));
  w.on('message', (m: unknown) => console.log('worker ' + String(m)));
  w.on('exit', () => console.log('worker exit'));
}
spawn();
setInterval(() => {
  const f = new URL('./again', import.meta.url);
  if (fs.existsSync(f)) { fs.unlinkSync(f); spawn(); }
}, 20);
${extra}`;
    const w = (tag: string): string => `import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
parentPort!.postMessage('${tag}');
const t = setInterval(() => {
  const q = new URL('./quit', import.meta.url);
  if (fs.existsSync(q)) { fs.unlinkSync(q); clearInterval(t); process.exit(0); }
}, 20);
`;
    const p = tempProject({ 'main.ts': main(''), 'w.ts': w('A') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('worker A', () => cli.lines.includes('worker A'), 20000);
      // A change of main.ts that takes a while (a top-level await) holds the queue...
      p.write({ 'main.ts': main('await new Promise((r) => setTimeout(r, 400));\n') });
      await new Promise((r) => setTimeout(r, 60));
      // ...while w.ts is saved (its worker runs it) and the worker then leaves, before w.ts's change comes.
      p.write({ 'w.ts': w('B') });
      await new Promise((r) => setTimeout(r, 10));
      p.write({ quit: '' });
      await cli.until('the worker to exit', () => cli.lines.includes('worker exit'), 5000);
      await cli.until('the notice', () => /w\.ts changed: no worker runs it now; a worker takes it when it starts/.test(cli.stderr), 8000);
      p.write({ again: '' });
      await cli.until('a new worker', () => cli.lines.filter((l) => /^worker [AB]$/.test(l)).length >= 2, 8000);
      assert.deepEqual(
        cli.lines.filter((l) => /^worker [AB]$/.test(l)),
        ['worker A', 'worker B'],
        'the new worker runs the edit, not the text the last one ran',
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });
});
