// The command's contract: help, flags, exit codes, one-line errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { sleep, tempProject, waitFor } from './helpers/project.js';

function imago(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('imago command', () => {
  it('prints help for imago --help and imago run --help', () => {
    const main = imago(['--help']);
    assert.equal(main.code, 0);
    assert.match(main.stdout, /imago run \[options\] <entry\.ts>/);
    const run = imago(['run', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--events <file>/);
    assert.match(run.stdout, /--tick-ms <n>/);
  });

  it('prints the version', () => {
    const r = imago(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^imago \d+\.\d+\.\d+\n$/);
  });

  const oneLineError = (args: string[], pattern: RegExp, cwd?: string): void => {
    const r = imago(args, cwd);
    assert.equal(r.code, 2, `exit code 2 for ${args.join(' ')}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };

  it('rejects a bad flag with one line and exit 2', () =>
    oneLineError(['run', '--frobnicate', 'main.ts'], /^imago: unknown option '--frobnicate' for 'imago run'; see 'imago run --help'/));
  it('rejects a bad number with one line and exit 2', () => oneLineError(['run', '--tick-ms', 'fast', 'main.ts'], /--tick-ms takes a number >= 1, got 'fast'/));
  it('rejects an unknown command', () => oneLineError(['go'], /unknown command 'go'/));
  it('asks for an entry file', () => oneLineError(['run'], /needs an entry file/));
  it('rejects an option without its value, naming what it needs', () => oneLineError(['run', '--events'], /--events needs a file path/));
  it('rejects a bad --typecheck mode', () => oneLineError(['run', '--typecheck', 'strict', 'main.ts'], /--typecheck takes gate, warn or off, got 'strict'/));
  it('rejects a second entry for check', () => oneLineError(['check', 'a.ts', 'b.ts'], /one entry file only, got 'a\.ts' and 'b\.ts'/));
  it('rejects an unknown option for check', () => oneLineError(['check', '--frob', 'a.ts'], /unknown option '--frob' for 'imago check'/));
  it('rejects --watch with --no-watch', () => oneLineError(['run', '--watch', '--no-watch', 'main.ts'], /--watch and --no-watch contradict each other/));
  it('takes a check entry with the same name as the --root folder', () => {
    const p = tempProject({ 'src/main.ts': "export const s: string = 'x';\n" });
    try {
      const r = imago(['check', '--root', 'src', 'src'], p.dir);
      assert.doesNotMatch(r.stderr, /--root needs a folder|one entry file only/, r.stderr);
      assert.match(r.stderr, /entry file 'src' not found/);
    } finally {
      p.remove();
    }
  });

  it('gives the program its own arguments, after the entry, as node would: process.argv is [node, entry, args...]', () => {
    const p = tempProject({ 'main.ts': 'console.log(JSON.stringify(process.argv.slice(1)));\n' });
    try {
      const entry = path.join(p.dir, 'main.ts');
      const after = imago(['run', '--no-watch', '--typecheck', 'off', 'main.ts', 'foo', '--flag', '--tick-ms', '5', '--', 'x'], p.dir);
      assert.equal(after.code, 0, after.stderr);
      assert.deepEqual(JSON.parse(after.stdout.trim()), [entry, 'foo', '--flag', '--tick-ms', '5', '--', 'x']);
      const ended = imago(['run', '--no-watch', '--typecheck=off', '--', 'main.ts', '-v'], p.dir);
      assert.deepEqual(JSON.parse(ended.stdout.trim()), [entry, '-v'], "'--' ends imago's options");
    } finally {
      p.remove();
    }
  });

  it('names a missing entry file and where it looked', () => {
    const p = tempProject({});
    try {
      oneLineError(['run', 'nope.ts'], new RegExp(`entry file 'nope\\.ts' not found \\(looked at ${p.dir}/nope\\.ts\\)`), p.dir);
    } finally {
      p.remove();
    }
  });
});

/** A copy of the demo's sources in a temp project, run by the CLI until its first frame. */
async function startDemo(
  extra: readonly string[] = [],
): Promise<{ files: Record<string, string>; p: ReturnType<typeof tempProject>; cli: import('./helpers/cli.js').CliRun }> {
  const { CliRun } = await import('./helpers/cli.js');
  const fs = await import('node:fs');
  const demo = path.resolve(path.dirname(CLI), '../examples/sim');
  const files = Object.fromEntries(
    fs
      .readdirSync(demo)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, fs.readFileSync(path.join(demo, f), 'utf8')]),
  );
  const p = tempProject(files);
  const cli = CliRun.run(p.dir, ['--tick-ms', '5', ...extra, 'main.ts']);
  try {
    await cli.until('the first frame', () => cli.lines.some((l) => /^\|.*\| t=/.test(l)), 30000);
  } catch (e: unknown) {
    cli.kill();
    p.remove();
    throw e;
  }
  return { files, p, cli };
}

describe('the bundled demo', () => {
  it('type-checks where it lives, as npm run demo runs it', () => {
    const root = path.resolve(path.dirname(CLI), '..');
    const r = spawnSync(process.execPath, [CLI, 'check', 'examples/sim/main.ts'], { cwd: root, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, `imago check examples/sim/main.ts from the repository root:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /No type errors \(4 files, .*examples\/sim\/tsconfig\.json/);
  });

  it('keeps its critters and clock across a restart through its image file, as npm run demo does', async () => {
    const { CliRun } = await import('./helpers/cli.js');
    const { p, cli } = await startDemo(['--image', 'sim.img']);
    try {
      await cli.until('half a second of simulation', () => cli.lines.some((l) => /t=[1-9]/.test(l) || /t=0\.[5-9]/.test(l)));
      await cli.stop('SIGINT');
      const stopped = /simulation stopped after ([\d.]+) s: \d+ born, \d+ died, (\d+) alive/.exec(cli.lines.join('\n'));
      assert.ok(stopped, cli.lines.join('\n'));
      assert.match(cli.stderr, /saved sim\.img/);
      const again = CliRun.run(p.dir, ['--tick-ms', '5', '--image', 'sim.img', 'main.ts']);
      try {
        const resumed = await again.until('the resumed simulation', () => again.lines.find((l) => l.startsWith('simulation resumed')));
        assert.match(resumed, new RegExp(`^simulation resumed at ${stopped[1]} s with ${stopped[2]} critters`));
        assert.ok(!again.lines.some((l) => l.startsWith('simulation started')), 'start() did not seed again');
      } finally {
        again.kill();
      }
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('runs, takes an edit of rules.ts and render.ts, and keeps its critters and clock', async () => {
    const { files, p, cli } = await startDemo();
    try {
      const render = files['render.ts']!.replace('return `|${cells', 'return `v2 |${cells');
      p.write({
        'render.ts': render,
        'rules.ts': files['rules.ts']!.replace('Math.sin(age * 1.5 + id) * 9 * dt', '0').replace('population < 10 && Math.random() < 0.02', 'population < 0'),
      });
      const line = await cli.until('a frame drawn by the new render.ts', () => cli.lines.find((l) => l.startsWith('v2 |')));
      const time = Number(/t=([\d.]+)s/.exec(line)![1]);
      assert.ok(time > 0.4, `the simulation clock kept running across the edit (t=${time})`);
      assert.equal(cli.lines.filter((l) => l.startsWith('simulation started')).length, 1, 'start() ran once');
      const frozen = await cli.until('two frames with the new rules', () => {
        const frames = cli.lines.filter((l) => l.startsWith('v2 |')).slice(1);
        return frames.length >= 2 ? frames : null;
      });
      const field = (l: string): string => l.slice(0, l.indexOf('| t='));
      assert.equal(
        field(frozen[1]!).replace(/[a-z]/g, (c) => c.toUpperCase()),
        field(frozen[0]!).replace(/[a-z]/g, (c) => c.toUpperCase()),
        'move() returns 0 and nobody is born: the field stands still',
      );
      await cli.stop('SIGINT');
      assert.ok(
        cli.lines.some((l) => /^simulation stopped after/.test(l)),
        'stop() ran on Ctrl-C',
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });
});

describe('the bundled demo, its data edited', () => {
  it('takes a field added to the Critter class: every live critter gets the new column, nothing restarts', async () => {
    const { files, p, cli } = await startDemo();
    try {
      const world = files['world.ts']!.replace('  age: f32 = 0;\n', "  age: f32 = 0;\n  mark = '+';\n");
      const render = files['render.ts']!.replace('return `|${cells', 'return `v3 |${cells').replace(
        'cells[at] = energy[row]! > 3 ? name[row]!.toUpperCase() : name[row]!;',
        "cells[at] = critters.column('mark')[row]! + name[row]!.slice(0, 0);",
      );
      assert.notEqual(world, files['world.ts']);
      p.write({ 'world.ts': world, 'render.ts': render });
      const line = await cli.until('a frame drawn with the new column', () => cli.lines.find((l) => l.startsWith('v3 |')));
      await cli.until('the reload line', () => /Critter: \+mark \(\d+ rows? in 1 store\)/.test(cli.stderr));
      assert.match(line, /^v3 \|[.+]*\+[.+]*\| t=/, 'every critter shows the mark its new column got from the initializer');
      assert.ok(Number(/t=([\d.]+)s/.exec(line)![1]) > 0.4, 'the clock kept running');
      assert.equal(cli.lines.filter((l) => l.startsWith('simulation started')).length, 1, 'start() ran once');
    } finally {
      cli.kill();
      p.remove();
    }
  });
});

describe('exits', () => {
  const runUntilExit = async (
    files: Record<string, string>,
    args: string[],
    signal?: NodeJS.Signals,
  ): Promise<{ code: number | null; lines: string[]; stderr: string }> => {
    const { CliRun } = await import('./helpers/cli.js');
    const p = tempProject(files);
    const cli = new CliRun(p.dir, ['run', ...args, 'main.ts']);
    try {
      if (signal) {
        await cli.until('the program to run', () => cli.lines.length > 0 && cli.stderr.includes('[imago] running'), 20000);
        await sleep(50);
        await cli.stop(signal);
      } else await waitFor('imago to exit', () => cli.exit, 20000);
      return { code: cli.exit!.code, lines: cli.lines, stderr: cli.stderr };
    } finally {
      cli.kill();
      p.remove();
    }
  };

  it('exits 1 when the program cannot start under --no-watch', async () => {
    const r = await runUntilExit({ 'main.ts': "throw new Error('boot fail');\n" }, ['--no-watch', '--typecheck', 'off']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot start main\.ts \(evaluate\); not waiting for a fix \(--no-watch\)/);
  });

  it("names the program's code in errors, never imago's compiled names", async () => {
    const r = await runUntilExit(
      {
        'main.ts': "const store = {} as { add(n: number): void };\nsetTimeout(() => { store.add(1); }, 5);\nconsole.log(new Error('trace').stack);\n",
      },
      ['--no-watch', '--typecheck', 'off'],
    );
    assert.match(r.stderr, /TypeError: store\.add is not a function\n\s+at \/.*main\.ts:2:26/);
    assert.match(r.lines.join('\n'), /Error: trace\n\s+at \/.*main\.ts:3:13/, 'a frame of a top-level statement reads as Node shows top-level code');
    assert.doesNotMatch(`${r.stderr}${r.lines.join('\n')}`, /__imago/);
  });

  it('stops cleanly on SIGTERM right after an edit, while the checker is busy', async () => {
    const { CliRun } = await import('./helpers/cli.js');
    for (let round = 0; round < 3; round++) {
      const p = tempProject({ 'main.ts': "export function f(): number { return 1; }\nsetInterval(() => f(), 50);\nconsole.log('up');\n" });
      const cli = new CliRun(p.dir, ['run', 'main.ts']);
      try {
        await cli.until('the program to run', () => cli.lines.includes('up'), 20000);
        p.write({ 'main.ts': `export function f(): number { return ${round + 2}; }\nsetInterval(() => f(), 50);\nconsole.log('up');\n` });
        await sleep(4 + round * 4);
        const exit = await cli.stop('SIGTERM');
        assert.equal(exit.code, 143);
        await sleep(300);
        assert.doesNotMatch(cli.stderr, /EPIPE|context canceled|at .*checker-process/, cli.stderr);
      } finally {
        cli.kill();
        p.remove();
      }
    }
  });

  it('exits 1 when stop() throws, and says so', async () => {
    const r = await runUntilExit(
      { 'main.ts': "export function tick(): void { console.log('t'); }\nexport function stop(): void { throw new Error('stop failed'); }\n" },
      [],
      'SIGTERM',
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stop\(\) threw \(imago exits with code 1\)/);
  });

  it('leaves the exit to a program that handles the signal itself', async () => {
    const r = await runUntilExit(
      {
        'main.ts':
          "console.log('up');\nprocess.on('SIGINT', () => { console.log('flushing'); setTimeout(() => { console.log('flushed'); process.exit(7); }, 100); });\nsetInterval(() => {}, 1000);\n",
      },
      [],
      'SIGINT',
    );
    assert.deepEqual([r.code, r.lines.includes('flushed')], [7, true]);
  });

  it("keeps the program's functions callable from its exit handlers after it stopped", async () => {
    const r = await runUntilExit(
      {
        'main.ts':
          "function bye(): string { return 'bye'; }\nprocess.on('exit', () => console.log(bye()));\nconsole.log('up');\nsetInterval(() => {}, 1000);\n",
      },
      [],
      'SIGTERM',
    );
    assert.ok(r.lines.includes('bye'), r.lines.join('\n'));
  });
});
