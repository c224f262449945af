// `imago repl`, `imago describe`, `imago deps` and `imago status` as a user runs them: against a program
// under `imago run`, through pipes and through a real terminal (util-linux `script` gives one).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { type Running, runWithControl, WORLD } from './helpers/control.js';
import { imago } from './helpers/image-cli.js';
import { waitFor } from './helpers/project.js';

const MAIN = `import { Critter, critters, count } from './world.js';
export let ticks = 0;
const spare: Critter = { x: 1, y: 2, move() {} };
export function tick() {
  ticks++;
  for (const c of critters) c.move(1);
}
export function report(): string { return \`\${count()} critters, \${spare.x}\`; }
`;

/** Drives a command with its stdin and stdout; `until` waits for text in what it printed. */
class Session {
  out = '';
  code: number | null | undefined;
  readonly #child;
  constructor(dir: string, command: string, args: readonly string[]) {
    this.#child = spawn(command, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    this.#child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    this.#child.stderr.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    this.#child.on('close', (code) => {
      this.code = code;
    });
  }
  type(text: string): void {
    this.#child.stdin.write(text);
  }
  end(): void {
    this.#child.stdin.end();
  }
  until(what: string | RegExp, ms = 20000): Promise<string> {
    return waitFor(`'${what}' in: ${this.out.slice(-400)}`, () => (typeof what === 'string' ? this.out.includes(what) : what.test(this.out)) && this.out, ms);
  }
  async exited(): Promise<number | null> {
    return waitFor('the command to exit', () => (this.code === undefined ? false : { code: this.code }), 15000).then((r) => r.code);
  }
}

describe('imago repl and friends', () => {
  let run: Running;
  before(async () => {
    run = await runWithControl({ 'world.ts': WORLD, 'main.ts': MAIN });
  });
  after(async () => {
    await run?.stop();
  });

  it('runs inputs through pipes: values, multi-line declarations, commands, errors, history', async () => {
    const repl = new Session(run.project.dir, process.execPath, [CLI, 'repl']);
    await repl.until('main.ts> ');
    repl.type('count() + 40\n');
    await repl.until('42');
    repl.type('function double(n: number): number {\n  return n * 2;\n}\n');
    repl.type('double(21) + 0.5\n');
    await repl.until('42.5');
    repl.type('const wrong: string = count();\n');
    await repl.until(/repl:1:7 TS2322: Type 'number' is not assignable to type 'string'\.[\s\S]*\(not run\)/);
    repl.type('.timeout 200\n');
    await repl.until('inputs may run 200 ms');
    repl.type('while (true) {}\n');
    await repl.until(/timed out after 200ms: the input was stopped and the program runs on/);
    repl.type('.module world.ts\n');
    await repl.until('inputs run in world.ts');
    repl.type('critters.length\n');
    await repl.until(/world\.ts> 2\b|\n2\n/);
    repl.type('.describe Critter\n');
    await repl.until(/class Critter {2}\(world\.ts:1:\d+, exported\)\n {2}layout v1 {2}x: number = 0, y: number = 0/);
    repl.type('.deps count\n');
    await repl.until(/world\.ts:count: 2 references in 1 file\n {2}declared at world\.ts:7:\d+/);
    repl.type('.nope\n');
    await repl.until("unknown command '.nope': .help lists them");
    repl.type('.exit\n');
    assert.equal(await repl.exited(), 0);
    const history = fs.readFileSync(run.project.path('.imago/repl_history'), 'utf8');
    assert.match(history, /^count\(\) \+ 40$/m);
    assert.match(history, /^function double\(n: number\): number \{\n {2}return n \* 2;\n\}$/m, 'multi-line inputs as typed, line by line');
  });

  it('completes names and members in a real terminal, and reads multi-line input there', async () => {
    const repl = new Session(run.project.dir, 'script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} repl`, '/dev/null']);
    await repl.until('main.ts> ');
    repl.type('crit\t');
    await repl.until(/main\.ts> \S*critters/);
    repl.type('\x15critters[0]!.\t\t');
    await repl.until(/move\W+x\W+y/);
    repl.type('\x15class Box {\r');
    await repl.until('... ');
    repl.type('  v = 41;\r}\r');
    repl.type('new Box().v + 1\r');
    await repl.until('42');
    repl.type('\x04');
    assert.equal(await repl.exited(), 0);
  });

  it('describes a function, a class and a binding after edits, with --json too', async () => {
    run.project.write({
      'world.ts': WORLD.replace('  y = 0;\n', '  y = 0;\n  name = "c";\n').replace('return critters.length;', 'return critters.length + 0;'),
      'main.ts': MAIN.replace('{ x: 1, y: 2, move() {} }', "{ x: 1, y: 2, name: 's', move() {} }"),
    });
    await waitFor('the edit to apply', () => run.cli.reloads().some((e) => e.ok === true), 20000);
    const fn = imago(run.project.dir, ['describe', 'world.ts:count']);
    assert.equal(fn.code, 0, fn.stderr);
    assert.match(fn.stdout, /^function count {2}\(world\.ts:8:\d+, exported\)$/m);
    assert.match(fn.stdout, /type {7}\(\) => number/);
    assert.match(fn.stdout, /versions {3}2 \(v1 [\d:]+, v2 [\d:]+\)/);
    const cls = imago(run.project.dir, ['describe', '--instances', 'world.ts:Critter']);
    assert.match(cls.stdout, /layout v2 {2}x: number = 0, y: number = 0, name: string = "c"/);
    assert.match(cls.stdout, /was v1 +x, y {2}\(module v1/);
    assert.match(cls.stdout, /instances {2}\d+ live \(a heap walk: \d+ ms\)/);
    const binding = JSON.parse(imago(run.project.dir, ['describe', '--json', 'world.ts:critters']).stdout) as {
      what: { kind: string; scope: string };
      type: string;
      value: string;
    };
    assert.equal(binding.what.kind, 'binding');
    assert.equal(binding.type, 'Critter[]');
    assert.match(binding.value, /Critter \{ x: \d+, y: 0, name: 'c' \}/);
    const missing = imago(run.project.dir, ['describe', 'world.ts:nothing']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /world\.ts has no top-level 'nothing' \(it has: Critter, count, critters\)/);
  });

  it('lists the dependents of a class and of a field, live and from the files', async () => {
    const live = imago(run.project.dir, ['deps', 'world.ts:Critter.x']);
    assert.equal(live.code, 0, live.stderr);
    assert.match(live.stdout, /world\.ts:Critter\.x: 3 references in 2 files\n {2}declared at world\.ts:2:3 {2}x = 0;/);
    assert.match(
      live.stdout,
      / {2}main\.ts\n {4}spare\n {6}3:26 {2}const spare: Critter = \{ x: 1, y: 2, (?:name: 's', )?move\(\) \{\} \};/,
      'an object literal typed by the class',
    );
    assert.match(live.stdout, / {4}function report\n {6}8:\d+ {2}export function report/);
    assert.match(live.stdout, / {4}Critter\.move\n {6}[45]:27 {2}move\(dx: number\) \{ this\.x \+= dx; \}/, 'placed in the text as edited');
    const json = JSON.parse(imago(run.project.dir, ['deps', '--json', 'world.ts:Critter']).stdout) as {
      offline: boolean;
      groups: Array<{ file: string; container: string }>;
    };
    assert.equal(json.offline, false);
    assert.ok(json.groups.some((g) => g.file === 'main.ts' && g.container === 'spare'));
    const status = imago(run.project.dir, ['status']);
    assert.match(status.stdout, /^imago: .*main\.ts \(pid \d+\), up \d+/);
    assert.match(status.stdout, /world\.ts {2}v2 {2}applied/);
    assert.match(status.stdout, /applied +world\.ts, main\.ts +\d+ ms/);
    assert.equal((JSON.parse(imago(run.project.dir, ['status', '--json']).stdout) as { kind: string }).kind, 'status');
  });
});

describe('without a running image', () => {
  it('answers deps from the files, and says how to start one for the rest', () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'imago-offline-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
      fs.writeFileSync(path.join(dir, 'world.ts'), WORLD);
      fs.writeFileSync(path.join(dir, 'main.ts'), MAIN);
      const deps = imago(dir, ['deps', 'world.ts:Critter.x']);
      assert.equal(deps.code, 0, deps.stderr);
      assert.match(deps.stdout, /world\.ts:Critter\.x: 3 references in 2 files \(no image is running: from the files\)/);
      assert.match(deps.stdout, / {4}Critter\.move\n {6}4:27 {2}move\(dx: number\)/);
      for (const command of [['repl'], ['status'], ['describe', 'world.ts:count']]) {
        const r = imago(dir, command);
        assert.equal(r.code, 1, command.join(' '));
        assert.match(
          r.stderr,
          /imago: no imago is running there \(no socket at .*\.imago\/control\.sock\): start one with 'imago run <entry\.ts>', or pass --control <path>/,
        );
      }
      const bad = imago(dir, ['deps', 'world.ts:Critter.x.y']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /'world\.ts:Critter\.x\.y' is not <module>:<name>\[\.<member>\]/);
      assert.match(imago(dir, ['deps', 'world.ts:Nothing']).stderr, /world\.ts declares no top-level 'Nothing'/);
      assert.match(imago(dir, ['status', '--bogus']).stderr, /unknown option '--bogus' for 'imago status'/);
      assert.match(imago(dir, ['repl', '--typecheck', 'warn']).stderr, /--typecheck takes gate or off for the REPL, got 'warn'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows re-exports, type aliases and import types, offline', () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'imago-reexport-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
      fs.writeFileSync(path.join(dir, 'world.ts'), 'export class Critter { hp = 1; }\n');
      fs.writeFileSync(path.join(dir, 'index.ts'), "export { Critter } from './world.js';\nexport type Beast = import('./world.js').Critter;\n");
      fs.writeFileSync(
        path.join(dir, 'main.ts'),
        "import { Critter, type Beast } from './index.js';\ntype C = Critter;\nconst a: C = new Critter();\nconst b: Beast = { hp: 2 };\nexport const total = a.hp + b.hp;\n",
      );
      const cls = imago(dir, ['deps', 'world.ts:Critter']);
      assert.match(cls.stdout, /world\.ts:Critter: 5 references in 2 files/);
      assert.match(cls.stdout, / {2}index\.ts\n {4}top level\n {6}1:10 {2}export \{ Critter \} from '\.\/world\.js';\n {4}type Beast\n/);
      assert.match(cls.stdout, / {4}type C\n {6}2:10 {2}type C = Critter;/);
      const field = imago(dir, ['deps', 'world.ts:Critter.hp']);
      assert.match(field.stdout, /world\.ts:Critter\.hp: 3 references in 1 file[\s\S]* {4}b\n {6}4:20 {2}const b: Beast = \{ hp: 2 \};/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
