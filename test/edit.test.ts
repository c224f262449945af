// `imago edit` through the real CLI: the files' exact new text, the running image's values after the
// change, --dry-run, and each way an edit can fail leaving files (byte for byte) and image as they were.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { printed, RawClient, runWithControl } from './helpers/control.js';
import { imago, withProject } from './helpers/image-cli.js';
import { waitFor } from './helpers/project.js';

const WORLD = `export class Critter {
  x = 0;
  y = 0;
  label: string | number = 0;
  move(dx: number) { this.x += dx; }
}
export let critters: Critter[] = [new Critter(), new Critter()];
`;
const INDEX = `export { Critter, critters } from './world.js';\n`;
const MAIN = `import { Critter, critters } from './index.js';
type Beast = Critter;
const x = 5;
const spare: Beast = { x, y: 2, label: 1, move() {} };
const { x: sx, y } = spare;
const { x: renamedAlready } = spare;
const maybe: Critter | undefined = critters[0];
const pick = (c: Critter, k: keyof Critter) => c[k];
type Key = keyof Beast;
const key: Key = 'x';
const notAKey: string = 'x';
export function tick() { for (const c of critters) c.move(1); }
export function report(): string { return \`\${spare.x} \${sx} \${y} \${maybe?.x} \${spare['x']} \${renamedAlready} \${String(pick(spare, 'x'))} \${key} \${notAKey}\`; }
`;
const FILES = { 'package.json': '{"type":"module","main":"main.ts"}', 'world.ts': WORLD, 'index.ts': INDEX, 'main.ts': MAIN };

const read = (dir: string, f: string): string => fs.readFileSync(`${dir}/${f}`, 'utf8');
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(['world.ts', 'index.ts', 'main.ts'].map((f) => [f, read(dir, f)]));

describe('imago edit on the files (no program running)', () => {
  it('renames a field everywhere the checker sees it: literals, shorthands, destructuring, ?., element access, through a re-export and a type alias', () =>
    withProject(FILES, (p) => {
      const r = imago(p.dir, ['edit', 'rename-field', 'Critter.x', 'px']);
      assert.equal(r.code, 0, r.stderr);
      // No image takes the intent: the marker keeps the values when the program next starts (or resumes).
      assert.equal(read(p.dir, 'world.ts'), WORLD.replace('  x = 0;', '  /** @renamed x */ px = 0;').replace('this.x += dx', 'this.px += dx'));
      assert.equal(
        read(p.dir, 'main.ts'),
        MAIN.replace('{ x, y: 2,', '{ px: x, y: 2,')
          .replace('const { x: sx, y }', 'const { px: sx, y }')
          .replace('const { x: renamedAlready }', 'const { px: renamedAlready }')
          .replace('${spare.x}', '${spare.px}')
          .replace('${maybe?.x}', '${maybe?.px}')
          .replace("${spare['x']}", "${spare['px']}")
          .replace("pick(spare, 'x')", "pick(spare, 'px')")
          .replace("const key: Key = 'x';", "const key: Key = 'px';"),
      );
      assert.equal(read(p.dir, 'index.ts'), INDEX, 'the re-export names the class, not the field');
      assert.match(r.stdout, /changed the files \(no program is running\):\n {2}world\.ts: lines 2, 5\n {2}main\.ts: lines 4, 5, 6, 10, 13/);
      assert.match(read(p.dir, 'main.ts'), /const notAKey: string = 'x';/, 'a string that is not a key of the class stays');
      assert.match(r.stdout, /Critter: field 'x' renamed to 'px' in every live instance and store row \(values kept\) \(when the program next runs\)/);
      assert.equal(imago(p.dir, ['check']).code, 0, 'the project type-checks after the rename');
      const back = imago(p.dir, ['edit', 'rename-field', 'Critter.px', 'x']);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(read(p.dir, 'main.ts'), MAIN, 'renamed back, shorthands are shorthands again');
    }));

  it('prints the diff and the plan with --dry-run and changes nothing', () =>
    withProject(FILES, (p) => {
      const before = snapshot(p.dir);
      const refused = imago(p.dir, ['edit', 'add-field', 'Critter', 'mood: string', '--after', 'y', '--dry-run']);
      assert.equal(refused.code, 1, 'a required field the object literals lack: the dry run says the edit would be refused');
      assert.match(refused.stdout, /\+ {2}mood: string;/);
      assert.match(refused.stderr, /the edit does not type-check; the edit would be refused:\n[\s\S]*main\.ts:4:7 TS2741/);
      const r = imago(p.dir, ['edit', 'add-field', 'Critter', 'mood?:', 'string', '=', "'calm'", '--after', 'y', '--dry-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /dry run: nothing changed\. This edit would change the files \(no program is running\):\n--- a\/world\.ts\n\+\+\+ b\/world\.ts\n@@ -2,4 \+2,5 @@/,
      );
      assert.match(r.stdout, /\n {3}y = 0;\n\+ {2}mood\?: string = 'calm';\n/);
      assert.match(r.stdout, /migration plan:\n {2}Critter: field 'mood' added; every live instance and store row gets its initializer \('calm'\)/);
      assert.deepEqual(snapshot(p.dir), before);
    }));

  it('adds a field in the style around it, and removes one nothing uses', () =>
    withProject(
      {
        ...FILES,
        'world.ts': 'export class Critter {\n\tx = 0\n\ty = 0\n}\nexport let critters: Critter[] = []\n',
        'main.ts': "import { critters } from './world.js';\nexport function tick() { void critters; }\n",
      },
      (p) => {
        const added = imago(p.dir, ['edit', 'add-field', 'Critter', 'hp: number = 100']);
        assert.equal(added.code, 0, added.stderr);
        assert.equal(read(p.dir, 'world.ts'), 'export class Critter {\n\tx = 0\n\ty = 0\n\thp: number = 100\n}\nexport let critters: Critter[] = []\n');
        const removed = imago(p.dir, ['edit', 'remove-field', 'Critter.y']);
        assert.equal(removed.code, 0, removed.stderr);
        assert.equal(read(p.dir, 'world.ts'), 'export class Critter {\n\tx = 0\n\thp: number = 100\n}\nexport let critters: Critter[] = []\n');
        const retyped = imago(p.dir, ['edit', 'retype-field', 'Critter.x', 'number', '|', 'bigint']);
        assert.equal(retyped.code, 0, retyped.stderr);
        assert.match(read(p.dir, 'world.ts'), /\tx: number \| bigint = 0\n/);
      },
    ));

  it('renames and retypes a constructor parameter property', () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"main.ts"}',
        'main.ts':
          'export class Unit {\n  constructor(public hp: number, readonly name = "u") {}\n  hurt() { this.hp -= 1; }\n}\nexport const u = new Unit(3);\nexport const left = u.hp;\n',
      },
      (p) => {
        assert.equal(imago(p.dir, ['edit', 'rename-field', 'Unit.hp', 'health']).code, 0);
        assert.equal(
          read(p.dir, 'main.ts'),
          'export class Unit {\n  constructor(/** @renamed hp */ public health: number, readonly name = "u") {}\n  hurt() { this.health -= 1; }\n}\nexport const u = new Unit(3);\nexport const left = u.health;\n',
        );
        const r = imago(p.dir, ['edit', 'retype-field', 'Unit.health', 'number | bigint']);
        assert.equal(r.code, 1, 'hurt() subtracts a number: the type check refuses');
        assert.match(r.stderr, /TS2365|TS2362|TS2322/);
        assert.match(read(p.dir, 'main.ts'), /\/\*\* @renamed hp \*\/ public health: number,/);
      },
    ));

  it('refuses, changing no byte: a missing class or field, a taken name, a used field, an edit that does not type-check', () =>
    withProject(FILES, (p) => {
      const before = snapshot(p.dir);
      const cases: Array<[string[], RegExp]> = [
        [['rename-field', 'Nope.x', 'y'], /no project file declares a top-level class 'Nope' \(give its file with --module <file>\)/],
        [['rename-field', 'Critter.z', 'w'], /class Critter \(world\.ts\) has no field 'z' \(its fields: x, y, label\)/],
        [['rename-field', 'Critter.x', 'y'], /class Critter \(world\.ts\) has a member 'y' already: pick another name/],
        [['rename-field', 'Critter.x', 'move'], /has a member 'move' already/],
        [['remove-field', 'Critter.y'], /Critter\.y is used in 2 places; change them first, or give --force[\s\S]*main\.ts:4:/],
        [
          ['remove-field', 'Critter.y', '--force'],
          /the edit does not type-check \(the errors are in files the edit does not change[^\n]*; no file was changed:\nmain\.ts:4:\d+ TS2353/,
        ],
        [
          ['retype-field', 'Critter.y', 'string'],
          /the edit does not type-check; no file was changed:\n[\s\S]*world\.ts:3:3 TS2322: Type 'number' is not assignable to type 'string'\.\n[\s\S]*> 3 \| {3}y: string = 0;/,
        ],
        [['add-field', 'Critter', 'x: number'], /class Critter \(world\.ts\) has a field 'x' already/],
        [['add-field', 'Critter', 'not a field ('], /'not a field \(' is not one field: write <name>: <type> \[= <initializer>\]/],
        [['add-field', 'Critter', 'hp: number'], /the edit does not type-check[\s\S]*TS2564: Property 'hp' has no initializer/],
        [['rename-field', 'Critter'], /rename-field takes <Class>\.<field>, e\.g\. Critter\.hp; got 'Critter'/],
        [['swap-field', 'Critter.x'], /unknown edit 'swap-field'; the edits are add-field, remove-field, rename-field, retype-field/],
      ];
      for (const [args, expected] of cases) {
        const r = imago(p.dir, ['edit', ...args]);
        assert.notEqual(r.code, 0, args.join(' '));
        assert.match(r.stderr, expected, args.join(' '));
        assert.deepEqual(snapshot(p.dir), before, args.join(' '));
      }
    }));
});

describe('imago edit on a running image', () => {
  it('renames a field in the files and in every live instance at once, values kept, one change', async () => {
    const run = await runWithControl({ 'world.ts': WORLD, 'index.ts': INDEX, 'main.ts': MAIN });
    const c = await RawClient.connect(run.socket);
    try {
      await c.eval('critters[0]!.x = 41; critters[1]!.label = "kept"', { module: 'world.ts' });
      const reloads = run.cli.reloads().length;
      const r = imago(run.project.dir, ['edit', 'rename-field', 'Critter.x', 'px']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /changed the files and the running image:[\s\S]*Critter \(world\.ts\): 2 live instances and 0 store rows migrated; renamed x -> px/,
      );
      const values = printed(await c.eval('critters.map((c) => [c.px, c.label])', { module: 'world.ts' }));
      const moved = /^\[ \[ (\d+), 0 \], \[ \d+, 'kept' \] \]$/.exec(values);
      assert.ok(moved && Number(moved[1]) >= 41, `the value set before the rename, moved on since: ${values}`);
      assert.equal(printed(await c.eval("'x' in critters[0]!", { module: 'world.ts' })), 'false');
      assert.match(read(run.project.dir, 'world.ts'), /^ {2}px = 0;$/m);
      // The files' write is seen by the watcher as the text that runs: nothing applies twice.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(run.cli.reloads().length, reloads + 1, JSON.stringify(run.cli.reloads().slice(reloads)));
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('takes the same commands from the REPL', async () => {
    const run = await runWithControl({ 'world.ts': WORLD, 'index.ts': INDEX, 'main.ts': MAIN });
    try {
      const out = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'repl'], { cwd: run.project.dir, env: { ...process.env, NO_COLOR: '1' } });
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
        });
        child.on('close', () => resolve(text));
        child.stdin.end(
          `.edit add-field Critter "mood?: string = 'calm'"\n.module world.ts\ncritters.map((c) => c.mood)\n.edit rename-field Critter.nope z\n.exit\n`,
        );
      });
      assert.match(
        out,
        /changed the files and the running image:\n {2}world\.ts: line 5\n {2}Critter \(world\.ts\): 2 live instances and 0 store rows migrated; added mood/,
      );
      assert.match(out, /\[ 'calm', 'calm' \]/);
      assert.match(out, /refused: class Critter \(world\.ts\) has no field 'nope'/);
    } finally {
      await run.stop();
    }
  });

  it('adds a field to live instances and store rows, and refuses a retype a live value does not fit, changing nothing', async () => {
    const store = `import { createStore } from 'imago/store';
export class Cell { heat = 1; }
export const cells = createStore(Cell, { capacity: 16 });
for (let i = 0; i < 3; i++) cells.add({ heat: i });
`;
    const run = await runWithControl({ 'world.ts': WORLD, 'index.ts': INDEX, 'main.ts': MAIN, 'cells.ts': store, 'app.ts': '' }, []);
    const c = await RawClient.connect(run.socket);
    try {
      // Load the store module through the REPL's import of a file the program does not import yet: instead, edit main to import it.
      const reloads = run.cli.reloads().length;
      run.project.write({ 'main.ts': `import './cells.js';\n${MAIN}` });
      await waitFor('cells to load', () => run.cli.reloads().length > reloads, 15000);
      const added = imago(run.project.dir, ['edit', 'add-field', 'Cell', 'cold: number = 7']);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /Cell \(cells\.ts\): 0 live instances and 3 store rows migrated; added cold/);
      assert.match(
        printed(await c.eval('Array.from({ length: cells.size }, (_, k) => cells.get(cells.handleAt(cells.rowAt(k)), "cold"))', { module: 'cells.ts' })),
        /\[ 7, 7, 7 \]/,
      );
      await c.eval('critters[1]!.label = "text"', { module: 'world.ts' });
      const before = snapshot(run.project.dir);
      const retype = imago(run.project.dir, ['edit', 'retype-field', 'Critter.label', 'number']);
      assert.equal(retype.code, 1);
      assert.match(retype.stderr, /the running image refused the edit \(migrate\), and runs as before; no file was changed/);
      assert.match(retype.stderr, /label/);
      assert.deepEqual(snapshot(run.project.dir), before);
      assert.equal(printed(await c.eval('critters[1]!.label', { module: 'world.ts' })), "'text'");
    } finally {
      c.close();
      await run.stop();
    }
  });
});

describe('imago edit, after review', () => {
  it('keeps comments with their field, follows the line ends and the byte-order mark of the file, and refuses a name a base class has', () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"main.ts"}',
        'main.ts':
          '\uFEFFexport class Base { px = 1; }\r\nexport class Kid$ extends Base {\r\n  /** @transient */\r\n  cache = 0;\r\n  x = 0; // where\r\n  score = 0;\r\n}\r\nexport const k = new Kid$();\r\nexport const v = k.x + k.score;\r\n',
      },
      (p) => {
        const refused = imago(p.dir, ['edit', 'rename-field', 'Kid$.x', 'px']);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /an instance of Kid\$ has a member 'px' already \(from a class it extends\)/);
        assert.equal(imago(p.dir, ['edit', 'add-field', 'Kid$', 'hp: number = 3', '--after', 'x']).code, 0);
        assert.equal(imago(p.dir, ['edit', 'remove-field', 'Kid$.cache']).code, 0);
        assert.equal(imago(p.dir, ['edit', 'rename-field', 'Kid$.score', 'points']).code, 0);
        assert.equal(
          read(p.dir, 'main.ts'),
          '\uFEFFexport class Base { px = 1; }\r\nexport class Kid$ extends Base {\r\n  x = 0; // where\r\n  hp: number = 3;\r\n  /** @renamed score */ points = 0;\r\n}\r\nexport const k = new Kid$();\r\nexport const v = k.x + k.points;\r\n',
        );
        const same = imago(p.dir, ['edit', 'retype-field', 'Kid$.hp', 'number']);
        assert.equal(same.code, 1);
        assert.match(same.stderr, /the edit changes nothing: the files already say it/);
      },
    ));

  it('refuses a malformed edit request, and an old marker does not defeat a live rename', async () => {
    const run = await runWithControl({
      'main.ts': 'export class P {\n  /** @renamed q */ hp = 0;\n}\nexport const ps = [new P(), new P()];\nexport function tick() {}\n',
    });
    const c = await RawClient.connect(run.socket);
    try {
      const bad = await c.ask({ kind: 'edit', command: { kind: 'constructor' } });
      assert.equal(bad.kind, 'error');
      assert.match(String(bad['message']), /'command' of 'edit' must be an edit command/);
      await c.eval('ps[0]!.hp = 41; ps[1]!.hp = 7');
      const r = imago(run.project.dir, ['edit', 'rename-field', 'P.hp', 'health']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(printed(await c.eval('ps.map((p) => p.health)')), '[ 41, 7 ]');
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('plans from the files after a refused edit, and refuses what does not type-check under --typecheck=warn', async () => {
    const run = await runWithControl({ 'world.ts': WORLD, 'index.ts': INDEX, 'main.ts': MAIN }, ['--typecheck', 'warn']);
    try {
      const before = snapshot(run.project.dir);
      const refused = imago(run.project.dir, ['edit', 'remove-field', 'Critter.x', '--force']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the edit does not type-check; no file was changed/);
      assert.deepEqual(snapshot(run.project.dir), before);
      const plan = imago(run.project.dir, ['edit', 'rename-field', 'Critter.x', 'px', '--dry-run']);
      assert.match(plan.stdout, /- {2}move\(dx: number\) \{ this\.x \+= dx; \}\n\+ {2}move\(dx: number\) \{ this\.px \+= dx; \}/);
    } finally {
      await run.stop();
    }
  });
});

describe('imago edit, after a new user', () => {
  it('renames the field in every class tied to it (an override, another implementer), keeping all their live values', async () => {
    const run = await runWithControl({
      'main.ts': `interface HasHp { hp: number }
export class Critter implements HasHp { hp = 100; rage = 0; }
export class Monster implements HasHp { hp = 5; }
export class Boss extends Critter { override rage = 1; }
export const all = [new Critter(), new Monster(), new Boss()];
export function tick() {}
`,
    });
    const c = await RawClient.connect(run.socket);
    try {
      const set = await c.eval('all[0]!.hp = 11; all[1]!.hp = 22; (all[2] as Boss).rage = 33; (all[0] as Critter).rage = 44');
      assert.equal(set.kind, 'value', JSON.stringify(set));
      const hp = imago(run.project.dir, ['edit', 'rename-field', 'Critter.hp', 'health']);
      assert.equal(hp.code, 0, hp.stderr);
      const rage = imago(run.project.dir, ['edit', 'rename-field', 'Boss.rage', 'fury']);
      assert.equal(rage.code, 0, rage.stderr);
      assert.equal(
        printed(await c.eval('all.map((x) => [(x as { health?: number }).health, (x as { fury?: number }).fury])')),
        '[ [ 11, 44 ], [ 22, undefined ], [ 100, 33 ] ]',
      );
      assert.match(
        read(run.project.dir, 'main.ts'),
        /interface HasHp \{ health: number \}\nexport class Critter implements HasHp \{ health = 100; fury = 0; \}\nexport class Monster implements HasHp \{ health = 5; \}\nexport class Boss extends Critter \{ override fury = 1; \}/,
      );
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('keeps a symbolic link a link, and refuses a class the checked program does not reach', () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"main.ts"}',
        'real/unit.ts': 'export class Unit { hp = 1; }\n',
        'main.ts': "import { Unit } from './unit.js';\nexport const u = new Unit();\n",
        'tools/loose.ts': 'export class Loose { a = 1; }\n',
      },
      (p) => {
        fs.symlinkSync(p.path('real/unit.ts'), p.path('unit.ts'));
        const r = imago(p.dir, ['edit', 'add-field', 'Unit', 'mp: number = 2', '--module', 'unit.ts']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(fs.lstatSync(p.path('unit.ts')).isSymbolicLink());
        assert.equal(read(p.dir, 'real/unit.ts'), 'export class Unit { hp = 1; mp: number = 2; }\n');
        const loose = imago(p.dir, ['edit', 'add-field', 'Loose', 'b: strin = 2']);
        assert.equal(loose.code, 1);
        assert.match(loose.stderr, /tools\/loose\.ts is not part of the program imago type-checks \(the entry does not import it\)/);
      },
    ));
});

describe('imago edit on one line', () => {
  it('adds and removes fields of a class written on one line, and says statics are not its', () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"main.ts"}',
        'main.ts': 'export class One { a = 1; b = 2; static count = 0; }\nexport const o = new One();\n',
      },
      (p) => {
        assert.equal(imago(p.dir, ['edit', 'add-field', 'One', 'z: number = 9', '--after', 'a']).code, 0);
        assert.equal(imago(p.dir, ['edit', 'remove-field', 'One.b']).code, 0);
        assert.equal(read(p.dir, 'main.ts'), 'export class One { a = 1; z: number = 9; static count = 0; }\nexport const o = new One();\n');
        const r = imago(p.dir, ['edit', 'remove-field', 'One.count']);
        assert.match(r.stderr, /'count' is a static field of One \(main\.ts\): imago edit changes instance fields/);
      },
    ));
});

describe('imago edit and handle stores', () => {
  it("renames a store's field names: the rows it adds and the keys its get, set and column take", () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"main.ts"}',
        'main.ts': `import { createStore, type f64 } from 'imago/store';
export class Particle { x: f64 = 0; y: f64 = 0; }
export const ps = createStore(Particle, { capacity: 8 });
const h = ps.add({ x: 1, y: 2 });
export const a = ps.get(h, 'x');
ps.set(h, 'x', 3);
export const col = ps.column('x');
export const other = { x: 1 };
`,
      },
      (p) => {
        const r = imago(p.dir, ['edit', 'rename-field', 'Particle.x', 'px']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          read(p.dir, 'main.ts'),
          `import { createStore, type f64 } from 'imago/store';
export class Particle { /** @renamed x */ px: f64 = 0; y: f64 = 0; }
export const ps = createStore(Particle, { capacity: 8 });
const h = ps.add({ px: 1, y: 2 });
export const a = ps.get(h, 'px');
ps.set(h, 'px', 3);
export const col = ps.column('px');
export const other = { x: 1 };
`,
        );
      },
    ));
});

describe('imago edit rename', () => {
  it('renames a top-level function everywhere, and references taken before reach it under its new name', async () => {
    const run = await runWithControl({
      'rules.ts': 'export let count = 0;\nexport function beat(): number { count += 1; return count; }\nexport const handlers = { beat };\n',
      'main.ts': "import { beat } from './rules.js';\nexport const saved = beat;\nexport function tick() {}\n",
    });
    const c = await RawClient.connect(run.socket);
    try {
      await c.eval('(globalThis as { kept?: () => number }).kept = beat');
      const r = imago(run.project.dir, ['edit', 'rename', 'rules.ts:beat', 'pulse']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        read(run.project.dir, 'rules.ts'),
        'export let count = 0;\nexport function pulse(): number { count += 1; return count; }\nexport const handlers = { beat: pulse };\n',
      );
      assert.equal(read(run.project.dir, 'main.ts'), "import { pulse } from './rules.js';\nexport const saved = pulse;\nexport function tick() {}\n");
      assert.equal(printed(await c.eval('(globalThis as { kept?: () => number }).kept === pulse && saved === pulse')), 'true');
      const reloads = run.cli.reloads().length;
      run.project.write({
        'rules.ts': 'export let count = 0;\nexport function pulse(): number { count += 100; return count; }\nexport const handlers = { beat: pulse };\n',
      });
      await waitFor('the body edit', () => run.cli.reloads().length > reloads, 15000);
      const before = Number(printed(await c.eval('count', { module: 'rules.ts' })));
      assert.equal(
        printed(await c.eval('(globalThis as { kept?: () => number }).kept!()')),
        String(before + 100),
        'the reference taken before the rename runs the newest body',
      );
      // Renamed again, and back: the reference follows each time.
      assert.equal(imago(run.project.dir, ['edit', 'rename', 'rules.ts:pulse', 'throb']).code, 0);
      assert.equal(printed(await c.eval('(globalThis as { kept?: () => number }).kept === throb')), 'true');
      assert.equal(imago(run.project.dir, ['edit', 'rename', 'rules.ts:throb', 'beat']).code, 0);
      assert.equal(
        printed(await c.eval('(globalThis as { kept?: () => number }).kept === beat && typeof (globalThis as { kept?: () => number }).kept!() === "number"')),
        'true',
      );
      assert.equal(printed(await c.eval('beat.name')), "'beat'", 'renamed back, it has its name back');
      // A new name that already means something where the function is used would capture it.
      run.project.write({
        'main.ts':
          "import { beat } from './rules.js';\nexport const saved = beat;\nexport function both(saved2: () => number) { return beat() + saved2(); }\nexport function tick() {}\n",
      });
      await waitFor('main.ts to apply', () => run.cli.reloads().at(-1)?.files?.toString().includes('main.ts'), 15000);
      const capture = imago(run.project.dir, ['edit', 'rename', 'rules.ts:beat', 'saved2']);
      assert.equal(capture.code, 1);
      assert.match(capture.stderr, /'saved2' already means something where beat is used[\s\S]*main\.ts:3/);
      // The old name declared again while the renamed function lives: refused, the references stay with it.
      const reloads2 = run.cli.reloads().length;
      run.project.write({
        'rules.ts':
          'export let count = 0;\nexport function beat(): number { count += 1; return count; }\nexport function pulse(): number { return -1; }\nexport const handlers = { beat };\n',
      });
      await waitFor('the rejection', () => run.cli.reloads().length > reloads2, 15000);
      assert.equal(run.cli.reloads().at(-1)?.ok, false);
      assert.match(JSON.stringify(run.cli.reloads().at(-1)), /IMAGO_RENAMED.*pulse\(\) was renamed to beat\(\)/);
      const refused = imago(run.project.dir, ['edit', 'rename', 'main.ts:beat', 'other']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /'beat' is imported by main\.ts: rename it in the module that declares it/);
    } finally {
      c.close();
      await run.stop();
    }
  });
});

const RULES = `export enum Mood { Calm, Angry }
export class Critter {
  hp = 10;
  mood: Mood = Mood.Calm;
  hit(n: number): number { this.hp -= n; return this.hp; }
}
export let score = 0;
export const label = \`score starts at \${score}\`;
export let herd: Critter[] = [new Critter(), new Critter()];
export let mood: Mood = Mood.Angry;
console.log('effect ran', score, herd[0]!.hit(0), Mood.Angry);
setInterval(() => { score += 1; }, 10);
`;
const STATUS = `import { Critter, herd, Mood, score } from './rules.js';
export function tick() {}
export function status(): string { return \`\${score > 0} \${herd[0] instanceof Critter} \${Mood.Angry}\`; }
`;

describe('imago edit rename: classes, bindings, enums, methods, enum members', () => {
  it('keeps a binding value, a class identity and its instances, an enum object, and runs no statement again', async () => {
    const run = await runWithControl({ 'rules.ts': RULES, 'main.ts': STATUS });
    const c = await RawClient.connect(run.socket);
    const g = '(globalThis as unknown as Record<string, unknown>)';
    try {
      await waitFor('the counter', async () => Number(printed(await c.eval('score', { module: 'rules.ts' }))) > 3, 15000);
      await c.eval(`${g}.K = Critter; ${g}.first = herd[0]; ${g}.M = Mood; ${g}.H = herd; mood = Mood.Calm`, { module: 'rules.ts' });
      const ran = (): number => run.cli.lines.filter((l) => l.includes('effect ran')).length;
      assert.equal(ran(), 1);

      // A binding: the value moves, the initializer does not run again, the timer's closure takes the new body.
      const r1 = imago(run.project.dir, ['edit', 'rename', 'rules.ts:score', 'points']);
      assert.equal(r1.code, 0, r1.stderr);
      assert.match(r1.stdout, /score of rules\.ts renamed to points: its value is kept/);
      assert.equal(read(run.project.dir, 'rules.ts'), RULES.replaceAll('score', 'points').replace('`points starts at', '`score starts at'));
      assert.equal(read(run.project.dir, 'main.ts'), STATUS.replaceAll('score', 'points'));
      const after = Number(printed(await c.eval('points', { module: 'rules.ts' })));
      assert.ok(after > 3, `the value was kept (${after})`);
      await waitFor('the counter to go on under the new name', async () => Number(printed(await c.eval('points', { module: 'rules.ts' }))) > after, 15000);
      assert.equal(printed(await c.eval('label', { module: 'rules.ts' })), "'score starts at 0'");
      assert.equal(ran(), 1, 'no statement ran again');

      // A class: instances keep their class, the constructor taken before is the class under its new name.
      const r2 = imago(run.project.dir, ['edit', 'rename', 'rules.ts:Critter', 'Beast']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(read(run.project.dir, 'rules.ts'), /export class Beast \{[\s\S]*export let herd: Beast\[\] = \[new Beast\(\), new Beast\(\)\]/);
      assert.match(read(run.project.dir, 'main.ts'), /import \{ Beast, herd, Mood, points \}[\s\S]*herd\[0\] instanceof Beast/);
      assert.equal(
        printed(
          await c.eval(`${g}.K === Beast && ${g}.first instanceof Beast && herd === ${g}.H && herd[0] === ${g}.first && Beast.name`, { module: 'rules.ts' }),
        ),
        "'Beast'",
      );
      assert.equal(printed(await c.eval('new Beast() instanceof Beast && herd[0]!.hp', { module: 'rules.ts' })), '10');

      // A method: instances made before call it under the new name.
      const r3 = imago(run.project.dir, ['edit', 'rename', 'rules.ts:Beast.hit', 'strike']);
      assert.equal(r3.code, 0, r3.stderr);
      assert.match(read(run.project.dir, 'rules.ts'), /strike\(n: number\): number \{ this\.hp -= n;/);
      assert.equal(printed(await c.eval(`(${g}.first as Beast).strike(3) + ':' + ('hit' in (${g}.first as object))`, { module: 'rules.ts' })), "'7:false'");

      // An enum member, then the enum: values unchanged, the enum object kept.
      const r4 = imago(run.project.dir, ['edit', 'rename', 'rules.ts:Mood.Angry', 'Furious']);
      assert.equal(r4.code, 0, r4.stderr);
      assert.match(read(run.project.dir, 'rules.ts'), /export enum Mood \{ Calm, Furious \}/);
      assert.match(read(run.project.dir, 'main.ts'), /\$\{Mood\.Furious\}/);
      const r5 = imago(run.project.dir, ['edit', 'rename', 'rules.ts:Mood', 'Temper']);
      assert.equal(r5.code, 0, r5.stderr);
      assert.equal(printed(await c.eval(`${g}.M === Temper && Temper.Furious === 1 && Temper[1]`, { module: 'rules.ts' })), "'Furious'");
      assert.equal(printed(await c.eval('status()', { module: 'main.ts' })), "'true true 1'");
      assert.equal(printed(await c.eval('mood', { module: 'rules.ts' })), '0', 'a binding the program set keeps its value through a member rename');
      assert.equal(ran(), 1, 'no statement ran again');

      // Refused, files untouched: a name the module has, a field, a member that exists, an unknown member.
      const before = snapshot2(run.project.dir);
      const refusals: Array<[string[], RegExp]> = [
        [['rules.ts:points', 'herd'], /rules\.ts has a top-level 'herd' already/],
        [['rules.ts:Beast.hp', 'health'], /Beast\.hp is a field: rename it with 'imago edit rename-field Beast\.hp <new>'/],
        [['rules.ts:Beast.strike', 'mood'], /Beast has a member 'mood' already/],
        [['rules.ts:Temper.Nope', 'X'], /enum Temper has no member 'Nope' \(it has: Calm, Furious\)/],
        [['rules.ts:Temper.Calm', 'Furious'], /Temper has a member 'Furious' already/],
        [['rules.ts:points', 'default'], /'default' is not a name imago can give a binding/],
      ];
      for (const [args, message] of refusals) {
        const r = imago(run.project.dir, ['edit', 'rename', ...args]);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, message);
      }
      assert.deepEqual(snapshot2(run.project.dir), before);
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('with no program running, a renamed binding carries a @renamed marker for the next resume of an image', async () => {
    await withProject({ 'package.json': '{"type":"module","main":"main.ts"}', 'rules.ts': RULES, 'main.ts': STATUS }, async (p) => {
      const dir = p.dir;
      const r = imago(dir, ['edit', 'rename', 'rules.ts:score', 'points']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(read(dir, 'rules.ts'), /\n\/\*\* @renamed score \*\/ export let points = 0;\n/);
      assert.match(r.stdout, /score of rules\.ts renamed to points; a resume of an image file saved before gives it the value saved as score/);
      assert.doesNotMatch(r.stdout, /next runs/);
      // Renamed again: the marker keeps the name an image saved before holds.
      const again = imago(dir, ['edit', 'rename', 'rules.ts:points', 'total']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(read(dir, 'rules.ts'), /\n\/\*\* @renamed score \*\/ export let total = 0;\n/);
      const type = imago(dir, ['edit', 'rename', 'rules.ts:Critter', 'Beast', '--dry-run']);
      assert.equal(type.code, 0, type.stderr);
      assert.match(type.stdout, /class Critter of rules\.ts renamed to Beast/);
      assert.match(read(dir, 'rules.ts'), /class Critter/, 'a dry run writes nothing');
    });
  });
});

const snapshot2 = (dir: string): Record<string, string> => Object.fromEntries(['rules.ts', 'main.ts'].map((f) => [f, read(dir, f)]));

describe('imago edit rename, after a new user', () => {
  it('keeps aliases, tags an existing doc comment, and refuses what would change behaviour or cannot parse', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'lib.ts':
        'export function greet(): string { return "hi"; }\n/** How many. */\nexport let amount = 3;\n/**\n * The limit.\n */\nexport const LIMIT = 3;\n',
      're.ts': "export { greet as salute, LIMIT } from './lib.js';\n",
      'animals.ts':
        'export class Animal { woof(): string { return "woof"; } #wag(): void {} }\nexport class Cat extends Animal { purr(): string { return "purr"; } }\n',
      'misc.ts': 'declare const APP: string;\nconst cfg = { a: 1, b: 2 };\nexport const { a, b } = cfg;\nexport const app = () => APP;\n',
      'main.ts':
        "import { greet as hello, LIMIT as MAX, amount } from './lib.js';\nimport { salute } from './re.js';\nimport { Cat } from './animals.js';\nimport { a } from './misc.js';\nexport const all = [hello(), salute(), MAX, amount, new Cat().woof(), a];\n",
    };
    await withProject(files, async (p) => {
      const dir = p.dir;
      const r = imago(dir, ['edit', 'rename', 'lib.ts:greet', 'welcome']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(read(dir, 're.ts'), "export { welcome as salute, LIMIT } from './lib.js';\n");
      assert.match(read(dir, 'main.ts'), /^import \{ welcome as hello, LIMIT as MAX, amount \}[\s\S]*all = \[hello\(\), salute\(\), MAX/);
      assert.equal(imago(dir, ['edit', 'rename', 'lib.ts:LIMIT', 'CAP']).code, 0);
      assert.match(read(dir, 'main.ts'), /^import \{ welcome as hello, CAP as MAX, amount \}/);
      assert.match(read(dir, 'lib.ts'), /\/\*\*\n \* The limit\.\n \* @renamed LIMIT\n \*\/\nexport const CAP = 3;/);
      assert.equal(imago(dir, ['edit', 'rename', 'lib.ts:amount', 'qty']).code, 0);
      assert.match(read(dir, 'lib.ts'), /\/\*\* How many\. @renamed amount \*\/\nexport let qty = 3;/);
      const before = Object.fromEntries(['lib.ts', 're.ts', 'animals.ts', 'main.ts'].map((f) => [f, read(dir, f)]));
      const refusals: Array<[string[], RegExp]> = [
        [['animals.ts:Animal.woof', 'purr'], /Cat \(animals\.ts\) extends Animal and has a member 'purr'/],
        [['animals.ts:Animal.#wag', 'shake'], /Animal\.#wag is #private: imago edit cannot rename it/],
        [['lib.ts:qty', 'class'], /'class' is not a name imago can give a binding/],
        [['lib.ts:qty', 'await'], /'await' is not a name/],
        [['misc.ts:APP', 'TITLE'], /'APP' of misc\.ts is declared with 'declare': it is a global/],
        [['misc.ts:b', 'c'], /'b' of misc\.ts is declared in a destructuring/],
      ];
      for (const [args, message] of refusals) {
        const x = imago(dir, ['edit', 'rename', ...args]);
        assert.equal(x.code, 1, args.join(' '));
        assert.match(x.stderr, message);
      }
      assert.deepEqual(Object.fromEntries(['lib.ts', 're.ts', 'animals.ts', 'main.ts'].map((f) => [f, read(dir, f)])), before);
      assert.equal(read(dir, 'misc.ts'), files['misc.ts']);
      // A type check that fails after the rewrite: refused, nothing written.
      fs.writeFileSync(`${dir}/oops.ts`, "import { qty } from './lib.js';\nexport const bad: string = qty;\n");
      fs.appendFileSync(`${dir}/main.ts`, "import './oops.js';\n");
      const typed = { lib: read(dir, 'lib.ts'), oops: read(dir, 'oops.ts'), main: read(dir, 'main.ts') };
      const failed = imago(dir, ['edit', 'rename', 'lib.ts:qty', 'count']);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /the edit does not type-check; no file was changed:\noops\.ts:2:14 TS2322/);
      assert.deepEqual({ lib: read(dir, 'lib.ts'), oops: read(dir, 'oops.ts'), main: read(dir, 'main.ts') }, typed);
      fs.appendFileSync(`${dir}/lib.ts`, 'export function broken( {\n');
      const broken = imago(dir, ['edit', 'rename', 'lib.ts:qty', 'count']);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /lib\.ts does not parse \(line 10: .*\): fix it first/);
    });
  });
});

describe('imago edit rename, after review', () => {
  it('restarts what a refused rename stopped, beats a leftover of the new name, and runs no unrelated statement again', async () => {
    const A = `const g = globalThis as unknown as Record<string, unknown>;
export let points = 5;
export let score = 0;
export let stats = { score: 0, runs: 0 };
export const Maker = class { hp = 10; };
export class Beast { hp = 1; }
export interface Beast { tag?: string }
export let herd = [new Maker()];
export let beasts = [new Beast()];
export const all: unknown[] = [...herd];
setInterval(() => { score++; stats.runs++; }, 10);
void [setInterval(() => { g.ticks = Number(g.ticks ?? 0) + 1; }, 10), { score }];
`;
    const B = `import { score as s } from './a.js';
export let score = 100;
setInterval(() => { score++; }, 10);
console.log('b effect ran');
export const view = () => s;
`;
    const run = await runWithControl({ 'a.ts': A, 'b.ts': B, 'main.ts': "import './b.js';\nexport function tick() {}\n" });
    const c = await RawClient.connect(run.socket);
    const g = '(globalThis as unknown as Record<string, unknown>)';
    const num = async (code: string, module: string): Promise<number> => Number(printed(await c.eval(code, { module })));
    try {
      // A leftover state slot under the new name: `points` removed from the source.
      const reloads = run.cli.reloads().length;
      run.project.write({ 'a.ts': A.replace('export let points = 5;\n', '') });
      await waitFor('points removed', () => run.cli.reloads().length > reloads, 15000);
      await c.eval('stats.runs = 1000; all.push("mine")', { module: 'a.ts' });
      await c.eval('score = 5000', { module: 'b.ts' });
      const before = await num('score', 'a.ts');
      const r = imago(run.project.dir, ['edit', 'rename', 'a.ts:score', 'points']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(read(run.project.dir, 'b.ts'), B.replace('{ score as s }', '{ points as s }'));
      assert.ok((await num('points', 'a.ts')) >= before, 'the value moved, not the leftover 5');
      assert.ok((await num('stats.runs', 'a.ts')) >= 1000, 'a statement with a key of the old name is the same statement');
      assert.equal(printed(await c.eval('all.at(-1)', { module: 'a.ts' })), "'mine'", 'a spread of another name is the same statement');
      assert.ok((await num('score', 'b.ts')) >= 5000, "an importer's own binding of the old name is its own");
      assert.equal(run.cli.lines.filter((l) => l.includes('b effect ran')).length, 1);
      assert.equal(printed(await c.eval('typeof view()', { module: 'b.ts' })), "'number'", 'the importer reads the value under its alias');
      // A class expression and a class merged with an interface keep their identity.
      await c.eval(`${g}.M = Maker; ${g}.B = Beast`, { module: 'a.ts' });
      assert.equal(imago(run.project.dir, ['edit', 'rename', 'a.ts:Maker', 'Factory']).code, 0);
      assert.equal(imago(run.project.dir, ['edit', 'rename', 'a.ts:Beast', 'Brute']).code, 0);
      assert.equal(
        printed(await c.eval(`[herd[0] instanceof Factory, ${g}.M === Factory, beasts[0] instanceof Brute, ${g}.B === Brute].join(' ')`, { module: 'a.ts' })),
        "'true true true true'",
      );
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('restarts the statements a refused rename stopped', async () => {
    const A = `const g = globalThis as unknown as Record<string, unknown>;
export let score = 0;
void [setInterval(() => { g.ticks = Number(g.ticks ?? 0) + 1; }, 10), { score }];
if (g.FAIL) throw new Error('boom ' + JSON.stringify({ score }));
`;
    const run = await runWithControl({
      'a.ts': A,
      'b.ts': "import { score as s } from './a.js';\nexport const view = () => s;\n",
      'main.ts': "import './b.js';\nexport function tick() {}\n",
    });
    const c = await RawClient.connect(run.socket);
    const ticks = async (): Promise<number> =>
      Number(printed(await c.eval('Number((globalThis as unknown as Record<string, unknown>).ticks)', { module: 'a.ts' })));
    try {
      await c.eval('(globalThis as unknown as Record<string, unknown>).FAIL = true', { module: 'a.ts' });
      const refused = imago(run.project.dir, ['edit', 'rename', 'a.ts:score', 'points']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /refused the edit \(evaluate\)[\s\S]*boom/);
      assert.equal(read(run.project.dir, 'a.ts'), A);
      // Right away, not after some later change: the refused change's rollback restarts it.
      const before = await ticks();
      await new Promise((r) => setTimeout(r, 800));
      assert.ok((await ticks()) > before + 3, 'the timer runs again after the refusal');
    } finally {
      c.close();
      await run.stop();
    }
  });
});

describe('imago edit and deps, after a second new user', () => {
  it('takes file paths from the current folder, renames a shorthand in a store row, and deps finds what the edit will touch', () =>
    withProject(
      {
        'package.json': '{"type":"module","main":"src/main.ts"}',
        'src/unit.ts': `import { createStore, type f64 } from 'imago/store';
export class Unit { x: f64 = 0; hp: f64 = 1; }
export const units = createStore(Unit, { capacity: 8 });
export function heal(x: number): number { units.add({ x, hp: 2 }); units.add({ x: 0, hp: x }); return units.column('hp').length; }
`,
        'src/world.ts': "import { Unit, heal } from './unit.js';\nexport const healed = heal(1);\nexport const u = new Unit();\n",
        'src/main.ts': "import { healed, u } from './world.js';\nexport const all = [healed, u];\n",
      },
      (p) => {
        const src = `${p.dir}/src`;
        const deps = imago(src, ['deps', 'Unit.hp']);
        assert.equal(deps.code, 0, deps.stderr);
        assert.match(deps.stdout, /src\/unit\.ts[\s\S]*units\.column\('hp'\)/, 'a store column of the field is a reference');
        const through = imago(src, ['deps', 'world.ts:Unit.x']);
        assert.equal(through.code, 0, through.stderr);
        assert.match(through.stdout, /src\/unit\.ts:Unit\.x/, 'a class a module imports is looked up where it is declared');
        const r = imago(src, ['edit', 'rename-field', 'Unit.x', 'px']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          read(p.dir, 'src/unit.ts'),
          /units\.add\(\{ px: x, hp: 2 \}\); units\.add\(\{ px: 0, hp: x \}\);/,
          'a value named like the field is no field name',
        );
        const rn = imago(src, ['edit', 'rename', 'unit.ts:heal', 'cure']);
        assert.equal(rn.code, 0, rn.stderr);
        assert.match(read(p.dir, 'src/world.ts'), /import \{ Unit, cure \} from '\.\/unit\.js';/);
        const mv = imago(src, ['edit', 'move', 'unit.ts:cure', 'medic.ts']);
        assert.equal(mv.code, 0, mv.stderr);
        assert.ok(fs.existsSync(`${p.dir}/src/medic.ts`), 'the new file is where the path says, from the current folder');
        const missing = imago(src, ['edit', 'rename', 'unit.ts:nothing', 'x']);
        assert.match(missing.stderr, /src\/unit\.ts declares no top-level 'nothing' \(it declares: Unit, units\)/);
      },
    ));

  it('deps follows re-exports and default imports, and reads paths from the current folder, with and without a program running', async () => {
    const files = {
      'world.ts': 'export default class Critter { hp = 1; }\nexport class Beast { hp = 2; }\n',
      'lib/index.ts': "export { Beast } from '../world.js';\n",
      'src/sub/use.ts':
        "import Critter from '../../world.js';\nimport { Beast } from '../../lib/index.js';\nexport const all = [new Critter().hp, new Beast().hp];\n",
      'main.ts': "import { all } from './src/sub/use.js';\nexport const n = all.length;\nexport function tick() {}\n",
    };
    const check = (dir: string): void => {
      const sub = `${dir}/src/sub`;
      const viaDefault = imago(sub, ['deps', 'use.ts:Critter.hp']);
      assert.equal(viaDefault.code, 0, viaDefault.stderr);
      assert.match(viaDefault.stdout, /world\.ts:Critter\.hp[\s\S]*src\/sub\/use\.ts/);
      const viaReexport = imago(sub, ['deps', '../../lib/index.ts:Beast.hp']);
      assert.equal(viaReexport.code, 0, viaReexport.stderr);
      assert.match(viaReexport.stdout, /world\.ts:Beast\.hp/);
    };
    await withProject({ 'package.json': '{"type":"module","main":"main.ts"}', ...files }, (p) => check(p.dir));
    const run = await runWithControl(files);
    try {
      check(run.project.dir);
    } finally {
      await run.stop();
    }
  });

  it('keeps the statements a method rename does not touch, and a store class renamed live resumes from its image', async () => {
    const run = await runWithControl(
      {
        'main.ts': `import { createStore, type f64 } from 'imago/store';
export class Player { n = 0; hit(): number { return ++this.n; } }
export class Door { n = 0; hit(): number { return ++this.n; } }
export class Cell { v: f64 = 0; }
export const cells = createStore(Cell, { capacity: 4, name: 'cells' });
export const log: string[] = [];
const door = new Door();
const p = new Player();
log.push(\`door \${door.hit()}\`);
log.push(\`player \${p.hit()}\`);
log.push(\`both \${p.hit()} \${door.hit()}\`);
if (cells.size === 0) cells.add({ v: 7 });
export function tick() {}
`,
      },
      ['--image', 'state.img'],
    );
    const c = await RawClient.connect(run.socket);
    try {
      const r = imago(run.project.dir, ['edit', 'rename', 'main.ts:Player.hit', 'strike']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(printed(await c.eval('log.join()', { module: 'main.ts' })), "'door 1,player 1,both 2 2'", 'no statement ran again');
      const s = imago(run.project.dir, ['edit', 'rename', 'main.ts:Cell', 'Tile']);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(printed(await c.eval('cells.name', { module: 'main.ts' })), "'cells (Store<Tile>)'");
    } finally {
      c.close();
      await run.cli.stop();
    }
    // The image saved on the way out names the store's class by its new name: the same program resumes from it.
    fs.rmSync(`${run.project.dir}/.events.ndjson`);
    const again = CliRun.run(run.project.dir, ['--image', 'state.img', 'main.ts']);
    try {
      await again.until('ready', () => again.events().some((e) => e.kind === 'ready'), 30000);
      const c2 = await RawClient.connect(run.socket);
      try {
        assert.equal(printed(await c2.eval('`${cells.size} ${cells.name} ${cells.column("v")[0]}`', { module: 'main.ts' })), "'1 cells (Store<Tile>) 7'");
      } finally {
        c2.close();
      }
    } finally {
      await again.stop();
      run.project.remove();
    }
  });
});
