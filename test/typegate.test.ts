// The type gate in-process: scoping by declaration hashes, files new to the program, re-export chains,
// packages without types; and through the CLI: imago check, rapid edits coalesced.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { BackgroundCheck, type BackgroundReport } from '../src/check/background-check.js';
import { ImportGraph } from '../src/check/import-graph.js';
import { type BackgroundAnswer, WorkerTypeGate } from '../src/check/type-gate.js';
import { createImage, createNodeHost } from '../src/index.js';
import type { TypeGate } from '../src/runtime/type-gate.js';
import { CLI, CliRun } from './helpers/cli.js';
import { sleep, type TempProject, tempProject, waitFor } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

/** The texts of `paths` as they are on disk now (null for a deleted file): what a change would give the gate. */
function texts(...paths: string[]): Map<string, string | null> {
  return new Map(paths.map((f) => [f, fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null]));
}

async function gateFor(files: Record<string, string>): Promise<{ gate: WorkerTypeGate; p: TempProject }> {
  const p = tempProject(files);
  const { gate } = await WorkerTypeGate.open({ root: p.dir, entry: p.path('main.ts') });
  cleanup.push(() => {
    gate.close();
    p.remove();
  });
  const first = await gate.check(new Map(), true);
  assert.deepEqual(first.errors, [], 'the project starts clean');
  return { gate, p };
}

/** A program whose core.ts declares a type that user.ts uses through mid.ts; other.ts is unrelated. */
const files = {
  'core.ts': 'export interface Entity { hp: number }\nexport function heal(e: Entity): number { return e.hp + 1; }\n',
  'mid.ts': "export * from './core.ts';\n",
  'user.ts': "import { heal, type Entity } from './mid.ts';\nexport const e: Entity = { hp: 1 };\nexport const h: number = heal(e);\n",
  'other.ts': 'export const unrelated: number = 1;\n',
  'main.ts': "import './user.ts';\nimport './other.ts';\n",
};

describe('the import graph', () => {
  it('resolves imports as the program was when checked: a file deleted since still has its importers', () => {
    const p = tempProject({
      'main.ts': "import type { Config } from './types.ts';\nexport const c: Config = { speed: 2 };\n",
      'types.ts': 'export interface Config { speed: number }\n',
    });
    cleanup.push(() => p.remove());
    const main = p.path('main.ts');
    const types = p.path('types.ts');
    const mainText = fs.readFileSync(main, 'utf8');
    // The graph is built after the first check is answered: types.ts may be gone by then.
    fs.rmSync(types);
    const late = new ImportGraph();
    late.update(main, mainText);
    assert.deepEqual([...late.importsOf(main)!], [], 'from the disk alone, the import resolves to nothing');
    const asChecked = new ImportGraph();
    asChecked.asOf(new Set([main, types]), () => asChecked.update(main, mainText));
    assert.deepEqual([...asChecked.importsOf(main)!], [types]);
    assert.deepEqual([...asChecked.scope(new Map([[types, true]]))].sort(), [main, types].sort(), 'deleting types.ts checks its importer');
  });
});

describe("the program's files after a change", () => {
  it('takes in a file an import brings that only TypeScript resolves (a .d.ts-only module)', async () => {
    const { gate, p } = await gateFor({ 'main.ts': 'export const a: number = 1;\n', 'types.d.ts': 'export interface T { x: number }\n' });
    p.write({ 'main.ts': "import type { T } from './types';\nexport const a: T = { x: 1 };\n" });
    assert.deepEqual((await gate.check(texts(p.path('main.ts')), false)).errors, []);
    assert.ok(gate.knows(p.path('types.d.ts')), 'types.d.ts is in the program now: the gate knows it');
  });

  it('lets go of a file a removed /// <reference> brought', async () => {
    const { gate, p } = await gateFor({
      'main.ts': '/// <reference path="./g.d.ts" />\nexport const a: number = G;\n',
      'g.d.ts': 'declare const G: number;\n',
    });
    assert.ok(gate.knows(p.path('g.d.ts')));
    p.write({ 'main.ts': 'export const a: number = 1;\n' });
    assert.deepEqual((await gate.check(texts(p.path('main.ts')), false)).errors, []);
    assert.equal(gate.knows(p.path('g.d.ts')), false, 'g.d.ts left the program');
    p.write({ 'g.d.ts': 'declare const G: Nope;\n' });
    assert.deepEqual((await gate.check(texts(p.path('g.d.ts')), false)).errors, [], 'a file outside the program does not block');
  });
});

describe('type gate scoping', () => {
  it('checks only the edited file after a body edit', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'core.ts': 'export interface Entity { hp: number }\nexport function heal(e: Entity): number { return e.hp + 2; }\n' });
    const r = await gate.check(texts(p.path('core.ts')), false);
    assert.deepEqual([r.checked, r.errors.length], [1, 0]);
  });

  it('checks importers, through re-exports, after an API change, and finds what broke', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    const r = await gate.check(texts(p.path('core.ts')), false);
    assert.ok(r.checked >= 3 && r.checked < 5, `core, mid and user are checked, other is not (${r.checked})`);
    assert.deepEqual(
      r.errors.map((e) => `${e.file}:${e.line} ${e.code}`),
      ['user.ts:2 TS2322'],
    );
  });

  it('counts a type-position import() as an import', async () => {
    const { gate, p } = await gateFor({ ...files, 'other.ts': "export const unrelated: import('./core.ts').Entity = { hp: 1 };\n" });
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    const r = await gate.check(texts(p.path('core.ts')), false);
    assert.deepEqual(r.errors.map((e) => e.file).sort(), ['other.ts', 'user.ts']);
  });

  it('checks files that enter the program with a change', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'extra.ts': "export const x: number = 'no';\n", 'main.ts': "import './user.ts';\nimport './other.ts';\nimport './extra.ts';\n" });
    const r = await gate.check(texts(p.path('main.ts')), false);
    assert.deepEqual(
      r.errors.map((e) => `${e.file} ${e.code}`),
      ['extra.ts TS2322'],
    );
    assert.ok(gate.knows(p.path('extra.ts')));
  });

  it('keeps finding the errors of a rejected change when the same text is checked again', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    assert.equal((await gate.check(texts(p.path('core.ts')), false)).errors.length, 1);
    const again = await gate.check(texts(p.path('core.ts')), false);
    assert.deepEqual(
      again.errors.map((e) => e.file),
      ['user.ts'],
      'saving again does not slip past the error',
    );
    const elsewhere = await gate.check(texts(p.path('other.ts')), false);
    assert.equal(elsewhere.errors.length, 1, 'nor does saving another file');
  });

  it('answers a change with the check begun as its file was saved, when it gives the same snapshot', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    const saved = texts(p.path('core.ts'));
    gate.checkAhead(saved);
    const r = await gate.check(saved, false);
    assert.equal(r.early, true, 'the check begun on save answers');
    assert.deepEqual(
      r.errors.map((e) => `${e.file} ${e.code}`),
      ['user.ts TS2322'],
      'and it found what the edit broke',
    );
  });

  it('checks the texts it is given, not what is on disk', async () => {
    const { gate, p } = await gateFor(files);
    const broken = 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n';
    // The disk keeps the clean text: the change compiles `broken`, so the check must be of `broken`.
    const r = await gate.check(new Map([[p.path('core.ts'), broken]]), false);
    assert.deepEqual(
      r.errors.map((e) => `${e.file} ${e.code}`),
      ['user.ts TS2322'],
      'the error of the given text is found',
    );
    const clean = await gate.check(texts(p.path('core.ts')), false);
    assert.deepEqual(clean.errors, [], 'and the disk text, given next, is clean');
    const gone = await gate.check(new Map([[p.path('other.ts'), null]]), false);
    assert.deepEqual(
      gone.errors.map((e) => `${e.file} ${e.message}`),
      ["main.ts Cannot find module or type declarations for side-effect import of './other.ts'."],
      'a file given as deleted is gone for the checker, though it is on disk',
    );
  });

  it('keeps knowing a file an early check saw deleted until a change takes that answer (a save through a rename)', async () => {
    const { gate, p } = await gateFor({
      ...files,
      'types.ts': 'export interface Config { speed: number }\n',
      'main.ts': "import type { Config } from './types.ts';\nexport const c: Config = { speed: 2 };\n",
    });
    const types = p.path('types.ts');
    assert.ok(gate.knows(types));
    const gone = new Map([[types, null]]);
    gate.checkAhead(gone);
    // The early answer arrives (the checker takes well under a second for this) while the batch waits.
    await sleep(1500);
    assert.ok(gate.knows(types), 'an answer no change took yet does not drop the file');
    const r = await gate.check(gone, false);
    assert.equal(r.early, true);
    assert.equal(gate.knows(types), false, 'the change that took it does');
  });

  it('checks afresh when the change gives another snapshot than the early check', async () => {
    const { gate, p } = await gateFor(files);
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    gate.checkAhead(texts(p.path('core.ts')));
    p.write({ 'user.ts': "import { heal, type Entity } from './mid.ts';\nexport const e: Entity = { hp: 'x' };\nexport const h: number = heal(e);\n" });
    const both = texts(p.path('core.ts'), p.path('user.ts'));
    gate.checkAhead(both);
    const r = await gate.check(both, false);
    assert.equal(r.early, undefined, 'the early check was of core.ts alone, and still running when both were read');
    assert.deepEqual(r.errors, [], 'the fresh check sees both saves');
    gate.checkAhead(texts(p.path('other.ts')));
    const other = await gate.check(texts(p.path('core.ts')), false);
    assert.equal(other.early, undefined, 'an early check of another snapshot does not answer');
  });

  it("checks a project whose tsconfig.json sets outDir and no rootDir (TypeScript 7 would take the virtual config's folder for it)", async () => {
    const tsconfig = JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', rewriteRelativeImportExtensions: true, outDir: 'out', types: [] },
      files: ['main.ts'],
    });
    const { gate, p } = await gateFor({ ...files, 'tsconfig.json': tsconfig, 'package.json': '{"type":"module"}' });
    p.write({ 'other.ts': "export const unrelated: number = 'x';\n" });
    const r = await gate.check(texts(p.path('other.ts')), false);
    assert.deepEqual(
      r.errors.map((e) => `${e.file} ${e.code}`),
      ['other.ts TS2322'],
      'only the real error, no TS6059 about rootDir',
    );
  });

  it("survives the death of TypeScript's process: this process lives on, a fresh checker takes over", async () => {
    const { gate, p } = await gateFor(files);
    const childrenOf = (pid: number): number[] =>
      spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
    const typescript = [gate.pid!];
    assert.ok(childrenOf(process.pid).includes(typescript[0]!), "TypeScript's process is this process's child (the checker is a thread)");
    for (const pid of typescript) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await sleep(100);
    const first = await gate.check(texts(p.path('core.ts')), false).then(
      () => 'answered',
      () => 'failed',
    );
    assert.ok(first === 'failed' || first === 'answered', 'the check that meets the dead process settles');
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    const r = await gate.check(texts(p.path('core.ts')), false);
    assert.deepEqual(
      r.errors.map((e) => e.file),
      ['user.ts'],
      'the next check works and finds the error',
    );
  });

  it('reports a package without type declarations once, as a notice, not as errors', async () => {
    const p = tempProject({
      'node_modules/untyped/package.json': '{ "name": "untyped", "main": "index.js" }',
      'node_modules/untyped/index.js': 'exports.v = 1;\n',
      'a.ts': "import u from 'untyped';\nexport const a = u;\n",
      'main.ts': "import u from 'untyped';\nimport { a } from './a.ts';\nexport const b = [u, a];\n",
    });
    const { gate } = await WorkerTypeGate.open({ root: p.dir, entry: p.path('main.ts') });
    cleanup.push(() => {
      gate.close();
      p.remove();
    });
    const r = await gate.check(new Map(), true);
    assert.deepEqual(r.errors, []);
    assert.equal(r.notices.length, 1, `one notice: ${r.notices.join(' | ')}`);
    assert.match(r.notices[0]!, /Could not find a declaration file for module 'untyped'/);
    const again = await gate.check(texts(p.path('a.ts')), false);
    assert.deepEqual(again.notices, [], 'not repeated');
  });
});

describe('imago check', () => {
  const run = (cwd: string, args: string[]): { code: number | null; out: string } => {
    const r = spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', timeout: 30000 });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  it('prints errors like tsc and exits 1', () => {
    const p = tempProject({
      'main.ts': "import { f } from './lib.ts';\nexport const n: number = f();\n",
      'lib.ts': "export function f(): string { return 'x'; }\n",
    });
    cleanup.push(() => p.remove());
    const r = run(p.dir, ['main.ts']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^main\.ts:2:14 TS2322: Type 'string' is not assignable to type 'number'\.\n {2}1 \| import.*\n> 2 \| export const n/m);
    assert.match(r.out, /Found 1 error in 1 file \(2 files, imago defaults \(no tsconfig\.json\); \d+ ms\)\./);
  });
  it('exits 0 for a clean program, finding the entry itself', () => {
    const p = tempProject({ 'src/main.ts': 'export const ok: string = process.platform;\n' });
    cleanup.push(() => p.remove());
    const r = run(p.dir, []);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /No type errors \(1 file, imago defaults/);
  });
});

/** A program printing `n<version>` every 5 ms, run by the CLI until its first line; `v(n)` is its text at version n. */
async function startProbe(): Promise<{ v: (n: number) => string; p: TempProject; cli: CliRun }> {
  const v = (n: number): string => `export function probe(): string { return 'n${n}'; }\nsetInterval(() => console.log(probe()), 5);\n`;
  const p = tempProject({ 'main.ts': v(0) });
  cleanup.push(() => p.remove());
  const cli = CliRun.run(p.dir, ['main.ts']);
  await cli.until('the first line', () => cli.lines.includes('n0'), 20000);
  return { v, p, cli };
}

describe('Ctrl-C in a terminal (SIGINT to the whole process group)', () => {
  it("stops imago alone: TypeScript's process, in a session of its own, says nothing and does not panic", async () => {
    const p = tempProject({ 'package.json': '{"type":"module"}\n', 'main.ts': 'let n = 0;\nexport function tick() { n++; }\n' });
    cleanup.push(() => p.remove());
    for (const when of ['started', 'starting'] as const) {
      // detached: the child leads a process group of its own, as a shell's foreground job does.
      const child = spawn(process.execPath, [CLI, 'run', '--no-control', 'main.ts'], { cwd: p.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      // 130 either way: imago's own exit after SIGINT, or SIGINT itself before imago listened for it.
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : null))));
      if (when === 'started') await waitFor('the program runs', () => /running main\.ts/.test(stderr), 20000);
      else await sleep(700);
      process.kill(-child.pid!, 'SIGINT');
      const code = await exited;
      assert.doesNotMatch(stderr, /context canceled|panic|goroutine|could not start/, `${when}: ${stderr}`);
      assert.equal(code, 130, `${when}: ${stderr}`);
    }
  });
});

describe('stopping during a long check', () => {
  it('ends at once on SIGINT while TypeScript is busy with a check of seconds', async () => {
    // Types TypeScript takes seconds to check (template literal unions mapped over 10,000 members).
    const lines = ["type D = 'a'|'b'|'c'|'d'|'e'|'f'|'g'|'h'|'i'|'j';", 'type T4 = `${D}${D}${D}${D}`;'];
    for (let i = 0; i < 40; i++) {
      lines.push(`type M${i} = { [P in T4 as \`\${P}_${i}\`]: P };`);
      lines.push(`export const v${i}: M${i}[keyof M${i}] extends T4 ? number : string = 1;`);
    }
    const p = tempProject({ 'package.json': '{"type":"module"}\n', 'main.ts': `${lines.join('\n')}\nsetInterval(() => {}, 1000);\n` });
    cleanup.push(() => p.remove());
    const run = new CliRun(p.dir, ['run', '--no-control', 'main.ts']);
    try {
      await run.until('the program runs', () => /running main\.ts/.test(run.stderr), 60000);
      fs.writeFileSync(p.path('main.ts'), fs.readFileSync(p.path('main.ts'), 'utf8').replaceAll('= 1;', '= 2;'));
      await sleep(1500);
      const t0 = Date.now();
      const exit = await run.stop('SIGINT');
      const ms = Date.now() - t0;
      assert.ok(ms < 2500, `imago took ${ms} ms to end after SIGINT (the check in flight must not hold it)`);
      assert.equal(exit.signal ?? exit.code, 130);
    } finally {
      run.kill();
    }
  });
});

describe('rapid edits', () => {
  it('coalesces edits saved while a change is checked: the last text wins, never out of order', async () => {
    const { v, p, cli } = await startProbe();
    try {
      for (let n = 1; n <= 8; n++) {
        fs.writeFileSync(p.path('main.ts'), v(n));
        await sleep(2);
      }
      await cli.until('the last version', () => cli.lines.includes('n8'));
      await sleep(100);
      const seen = cli.lines.map((l) => Number(l.slice(1)));
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `versions never go back: ${seen.join(',')}`);
      assert.equal(seen.at(-1), 8, 'the last saved text runs');
      assert.ok(cli.reloads().length < 8, `edits were coalesced into fewer changes (${cli.reloads().length})`);
    } finally {
      cli.kill();
    }
  });
});

describe('one read of each file per change', () => {
  it('checks again even when the compiled text is the running one, so the checker does not keep the other', async () => {
    const { gate, p } = await gateFor(files);
    const image = createImage({ entry: p.path('main.ts'), root: p.dir, typeGate: gate });
    cleanup.push(() => image.dispose());
    assert.equal((await image.load()).kind, 'applied');
    const original = fs.readFileSync(p.path('core.ts'), 'utf8');
    p.write({ 'core.ts': 'export interface Entity { hp: string }\nexport function heal(e: Entity): number { return e.hp.length; }\n' });
    gate.checkAhead(texts(p.path('core.ts')));
    await sleep(300); // the early check read the broken text; then the save is undone
    p.write({ 'core.ts': original });
    assert.equal((await image.change([p.path('core.ts')])).kind, 'unchanged');
    p.write({ 'other.ts': 'export const unrelated: number = 2;\n' });
    const r = await image.change([p.path('other.ts')]);
    assert.equal(r.kind, 'applied', `a valid edit applies: the checker holds core.ts as it runs, not the undone text (${JSON.stringify(r)})`);
  });

  /** A gate that records the texts it is asked about. */
  const recordingGate = (): { gate: TypeGate; asked: Array<ReadonlyMap<string, string | null>> } => {
    const asked: Array<ReadonlyMap<string, string | null>> = [];
    return {
      asked,
      gate: {
        check: async (given) => {
          asked.push(given);
          return { errors: [], notices: [], checked: given.size, ms: 0 };
        },
        knows: () => false,
        close: () => undefined,
      },
    };
  };

  it('reads each touched file once, and gives the type checker the bytes it compiles', async () => {
    const p = tempProject({ 'main.ts': 'export const v: number = 1;\n' });
    const { gate, asked } = recordingGate();
    const host = createNodeHost();
    const reads: string[] = [];
    const counting = {
      ...host,
      readFile: (f: string) => {
        reads.push(f);
        return host.readFile(f);
      },
    };
    const image = createImage({ entry: p.path('main.ts'), root: p.dir, typeGate: gate, host: counting });
    cleanup.push(() => {
      image.dispose();
      p.remove();
    });
    assert.equal((await image.load()).kind, 'applied');
    reads.length = 0;
    p.write({ 'main.ts': 'export const v: number = 2;\n' });
    assert.equal((await image.change([p.path('main.ts')])).kind, 'applied');
    assert.deepEqual(reads, [p.path('main.ts')], 'main.ts was read once for the check and the compile together');
    assert.equal(asked.at(-1)?.get(p.path('main.ts')), 'export const v: number = 2;\n', 'the checker was given the text that runs');
    assert.equal(image.entry?.['v'], 2);
  });

  it('applies the snapshot it is given, whatever the disk holds by then', async () => {
    const p = tempProject({ 'main.ts': 'export const v: number = 1;\n' });
    const { gate, asked } = recordingGate();
    const image = createImage({ entry: p.path('main.ts'), root: p.dir, typeGate: gate });
    cleanup.push(() => {
      image.dispose();
      p.remove();
    });
    assert.equal((await image.load()).kind, 'applied');
    p.write({ 'main.ts': 'export const v: number = 2;\n' });
    const sources = await image.snapshot([p.path('main.ts')]);
    p.write({ 'main.ts': 'export const v: number = 3;\n' });
    assert.equal((await image.change([p.path('main.ts')], { sources })).kind, 'applied');
    assert.equal(image.entry?.['v'], 2, 'the snapshot runs');
    assert.equal(asked.at(-1), sources.texts, 'and is what was checked');
    assert.equal((await image.change([p.path('main.ts')])).kind, 'applied');
    assert.equal(image.entry?.['v'], 3, 'the next change reads the disk');
  });
});

describe('the early check in a running program', () => {
  it('says the check began on save, for saves in place and by rename', async () => {
    const { v, p, cli } = await startProbe();
    try {
      fs.writeFileSync(p.path('main.ts'), v(1));
      await cli.until('the edit saved in place', () => cli.lines.includes('n1'));
      fs.writeFileSync(p.path('.main.ts.saving'), v(2));
      fs.renameSync(p.path('.main.ts.saving'), p.path('main.ts'));
      await cli.until('the edit saved by rename', () => cli.lines.includes('n2'));
      await sleep(50);
      const reloads = cli.stderr.split('\n').filter((l) => l.includes('reloaded main.ts'));
      assert.equal(reloads.length, 2, cli.stderr);
      for (const line of reloads) assert.match(line, /type-checked in [\d.]+ ms, begun on save\)/);
    } finally {
      cli.kill();
    }
  });
});

describe('the background check', () => {
  const childrenOf = (pid: number): number[] =>
    spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  /** A file's text, or '' once it is gone (ps itself, ended). */
  const readOr = (file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };

  /** A project of `files`, its gate after a first whole check, and a background check reporting into `reports`. */
  const watched = async (
    files: Record<string, string>,
  ): Promise<{ p: TempProject; gate: WorkerTypeGate; check: BackgroundCheck; reports: BackgroundReport[] }> => {
    const p = tempProject(files);
    const { gate } = await WorkerTypeGate.open({ root: p.dir, entry: p.path('main.ts') });
    const reports: BackgroundReport[] = [];
    const check = new BackgroundCheck(
      gate,
      globalThis,
      (r) => reports.push(r),
      (m) => assert.fail(m),
    );
    cleanup.push(() => {
      check.close();
      gate.close();
      p.remove();
    });
    await gate.check(new Map(), true);
    return { p, gate, check, reports };
  };

  it("checks the whole program in the gate's own checker: one TypeScript process, not two", async () => {
    // other.ts has an error no change reaches (a program first loaded under --typecheck=warn).
    const { p, gate, check, reports } = await watched({ ...files, 'other.ts': "export const unrelated: number = 'x';\n" });
    // A body edit of core.ts, checked by the gate: the background check follows the checker's snapshot.
    fs.writeFileSync(p.path('core.ts'), files['core.ts'].replace('e.hp + 1', 'e.hp + 2'));
    await gate.check(texts(p.path('core.ts')), false);
    const before = childrenOf(process.pid);
    assert.ok(gate.pid !== null && before.includes(gate.pid), "TypeScript's process is a child of this process (the checker is a thread)");
    check.schedule();
    const until = Date.now() + 20000;
    while (reports.length === 0 && Date.now() < until) await sleep(50);
    assert.deepEqual(
      reports[0]?.errors.map((e) => `${e.file} ${e.code}`),
      ['other.ts TS2322'],
      'it checked the whole program',
    );
    assert.equal(reports[0]?.files, 5, 'every file of the program');
    assert.deepEqual(
      childrenOf(process.pid).filter((pid) => !before.includes(pid) && /--api/.test(readOr(`/proc/${pid}/cmdline`))),
      [],
      'no second TypeScript process was started',
    );
  });

  it('is overtaken by a REPL probe sent while it runs (the probe moves the checker to its text and back)', async () => {
    const many: Record<string, string> = {};
    const imports: string[] = [];
    for (let i = 0; i < 200; i++) {
      many[`m${i}.ts`] =
        `export interface Shape${i} { readonly kind: 'k${i}'; readonly size: number; readonly tags: readonly string[] }\n` +
        `export function area${i}(s: Shape${i}): number { return s.tags.reduce((n, t) => n + t.length, s.size * ${i}); }\n`;
      imports.push(`import './m${i}.ts';`);
    }
    many['m199.ts'] += "export const bad: number = 'x';\n";
    many['main.ts'] = `${imports.join('\n')}\n`;
    const { p, gate } = await watched(many);
    const main = p.path('main.ts');
    const text = fs.readFileSync(main, 'utf8');
    // A probe sent while the background check runs moves the checker on (and back): the check is overtaken.
    const background = gate.background();
    const probe = await gate.query({ kind: 'probe', file: main, text: `${text}\nconst z = 1;\n`, from: text.length });
    assert.equal(probe.checked, true);
    assert.equal((await background).overtaken, true);
  });

  it('asks again when it was overtaken, but not after a change was rejected', async () => {
    const answers: Array<BackgroundAnswer> = [
      { kind: 'background', id: 0, ms: 1, checked: 0, errors: [], overtaken: true },
      { kind: 'background', id: 1, ms: 1, checked: 3, errors: [{ file: 'a.ts', line: 1, column: 1, message: 'no', code: 'TS2322' }], overtaken: false },
    ];
    let asked = 0;
    const reports: BackgroundReport[] = [];
    const checker = { background: async (): Promise<BackgroundAnswer> => answers[Math.min(asked++, answers.length - 1)]! };
    const check = new BackgroundCheck(
      checker,
      globalThis,
      (r) => reports.push(r),
      (m) => assert.fail(m),
    );
    cleanup.push(() => check.close());
    check.schedule();
    await waitFor('the report after the overtaken run', () => reports.length > 0, 5000);
    assert.equal(asked, 2, 'overtaken once, asked again');
    assert.equal(reports[0]?.files, 3);
    // Overtaken, then a change is rejected before it asks again: it waits for the next applied change.
    let again = 0;
    const rejected = new BackgroundCheck(
      {
        background: async (): Promise<BackgroundAnswer> => {
          again++;
          rejected.cancel();
          return answers[0]!;
        },
      },
      globalThis,
      () => assert.fail('no report'),
      (m) => assert.fail(m),
    );
    cleanup.push(() => rejected.close());
    rejected.schedule();
    await sleep(1000);
    assert.equal(again, 1, 'not asked again with the rejected texts in the checker');
  });

  it('gives way to a change checked meanwhile: the change is answered first, the background check says it was overtaken', async () => {
    const many: Record<string, string> = { 'main.ts': '' };
    const imports: string[] = [];
    for (let i = 0; i < 150; i++) {
      many[`m${i}.ts`] =
        `export interface Shape${i} { readonly kind: 'k${i}'; readonly size: number; readonly tags: readonly string[] }\n` +
        `export function area${i}(s: Shape${i}): number { return s.tags.reduce((n, t) => n + t.length, s.size * ${i}); }\n` +
        `export const all${i}: Shape${i}[] = Array.from({ length: 3 }, (_, k) => ({ kind: 'k${i}' as const, size: k, tags: ['a', 'b'] }));\n`;
      imports.push(`import './m${i}.ts';`);
    }
    many['main.ts'] = `${imports.join('\n')}\n`;
    const { gate, p } = await gateFor(many);
    const order: string[] = [];
    const background = gate.background().then((r) => {
      order.push('background');
      return r;
    });
    const change = gate.check(texts(p.path('m0.ts')), false).then((r) => {
      order.push('change');
      return r;
    });
    const [b, c] = await Promise.all([background, change]);
    assert.deepEqual(c.errors, []);
    assert.deepEqual(order, ['change', 'background'], 'the change did not wait for the whole program');
    assert.equal(b.overtaken, true, 'the background check stopped when the change moved the checker on');
    const again = await gate.background();
    assert.equal(again.overtaken, false);
    assert.equal(again.checked, 151, 'left alone, it checks every file');
  });
});

describe('a change felt through a middle module', () => {
  it("rejects a method's new signature in a file that reaches the class only through another module's exports", async () => {
    const { gate, p } = await gateFor({
      'user.ts': 'export class User {\n  greet(prefix: string): string {\n    return prefix;\n  }\n}\n',
      'store.ts': "import { User } from './user.ts';\nexport function find(): User {\n  return new User();\n}\n",
      'main.ts': "import { find } from './store.ts';\nexport const g: string = find().greet('hello');\n",
    });
    assert.deepEqual((await gate.check(texts(p.path('main.ts')), true)).errors, []);
    p.write({ 'user.ts': 'export class User {\n  greet(opts: { prefix: string }): string {\n    return opts.prefix;\n  }\n}\n' });
    const errors = (await gate.check(texts(p.path('user.ts')), false)).errors;
    assert.deepEqual(
      errors.map((e) => [e.file, e.code]),
      [['main.ts', 'TS2345']],
    );
  });
});
