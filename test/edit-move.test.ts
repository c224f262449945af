// `imago edit move <module>:<name> <other module>` through the real CLI: the files' exact new texts, the
// running image keeping the identity of what moved (a function's saved references, a class's instances),
// and refusals that leave files and image as they were.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { printed, RawClient, runWithControl } from './helpers/control.js';
import { imago, withProject } from './helpers/image-cli.js';
import { waitFor } from './helpers/project.js';

const WORLD = `import { clamp } from './util.js';

export const LIMIT = 100;
interface Sized { size: number }

/** A living thing. */
export class Critter implements Sized {
  #secret = 7;
  size = 1;
  grow(): number { this.size = clamp(this.size + 1, LIMIT); return this.size + this.#secret; }
}

export function spawn(n: number): Critter[] {
  return Array.from({ length: n }, () => new Critter());
}

export const herd = spawn(3);
`;
const UTIL = `export function clamp(v: number, max: number): number { return Math.min(v, max); }
`;
const MAIN = `import { Critter, herd, spawn } from './world.js';
import * as w from './world.js';
export function tick() {}
export function status(): string { return \`\${herd[0] instanceof Critter} \${spawn(1).length} \${w.herd.length}\`; }
`;
const FILES = { 'package.json': '{"type":"module","main":"main.ts"}', 'world.ts': WORLD, 'util.ts': UTIL, 'main.ts': MAIN };

const read = (dir: string, f: string): string => fs.readFileSync(`${dir}/${f}`, 'utf8');
const all = (dir: string): Record<string, string> =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, read(dir, f)]),
  );

describe('imago edit move', () => {
  it('moves a class to a new file with what it uses, and fixes every import (no program running)', async () => {
    await withProject(FILES, (p) => {
      const r = imago(p.dir, ['edit', 'move', 'world.ts:Critter', 'critter.ts']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /class Critter moved from world\.ts to critter\.ts \(a new file\)/);
      assert.equal(
        read(p.dir, 'critter.ts'),
        `import { clamp } from './util.js';
import { LIMIT } from './world.js';
import type { Sized } from './world.js';

/** A living thing. */
export class Critter implements Sized {
  #secret = 7;
  size = 1;
  grow(): number { this.size = clamp(this.size + 1, LIMIT); return this.size + this.#secret; }
}
`,
      );
      assert.equal(
        read(p.dir, 'world.ts'),
        `import { Critter } from './critter.js';
export { Critter } from './critter.js';

export const LIMIT = 100;
export interface Sized { size: number }

export function spawn(n: number): Critter[] {
  return Array.from({ length: n }, () => new Critter());
}

export const herd = spawn(3);
`,
      );
      assert.equal(
        read(p.dir, 'main.ts'),
        MAIN.replace("import { Critter, herd, spawn } from './world.js';", "import { herd, spawn } from './world.js';").replace(
          "import * as w from './world.js';\n",
          "import * as w from './world.js';\nimport { Critter } from './critter.js';\n",
        ),
      );
      // Then a function into a file that exists, which takes the import it needs; the old module drops the one it no longer uses.
      const f = imago(p.dir, ['edit', 'move', 'world.ts:spawn', 'util.ts']);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(
        read(p.dir, 'util.ts'),
        `import { Critter } from './critter.js';

export function clamp(v: number, max: number): number { return Math.min(v, max); }

export function spawn(n: number): Critter[] {
  return Array.from({ length: n }, () => new Critter());
}
`,
      );
      assert.match(
        read(p.dir, 'world.ts'),
        /^import \{ spawn \} from '\.\/util\.js';\nexport \{ spawn \} from '\.\/util\.js';\nexport \{ Critter \} from '\.\/critter\.js';\n/,
      );
      assert.equal(
        read(p.dir, 'main.ts').split('\nexport')[0],
        "import { herd } from './world.js';\nimport * as w from './world.js';\nimport { Critter } from './critter.js';\nimport { spawn } from './util.js';",
      );
    });
  });

  it('keeps a moved class its instances and a moved function its identity in the running image', async () => {
    const run = await runWithControl(FILES);
    const c = await RawClient.connect(run.socket);
    const g = '(globalThis as unknown as Record<string, unknown>)';
    try {
      await c.eval(`${g}.C = Critter; ${g}.first = herd[0]; ${g}.S = spawn; herd[0]!.grow()`, { module: 'world.ts' });
      const r = imago(run.project.dir, ['edit', 'move', 'world.ts:Critter', 'critter.ts']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        printed(
          await c.eval(`[${g}.C === Critter, ${g}.first instanceof Critter, (${g}.first as Critter).grow(), new Critter().grow()].join(' ')`, {
            module: 'critter.ts',
          }),
        ),
        "'true true 10 9'",
        'instances keep their class and their #private values',
      );
      const f = imago(run.project.dir, ['edit', 'move', 'world.ts:spawn', 'util.ts']);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(
        printed(await c.eval(`[${g}.S === spawn, spawn.name, (${g}.S as typeof spawn)(4).length].join(' ')`, { module: 'util.ts' })),
        "'true spawn 4'",
      );
      assert.equal(printed(await c.eval('status()', { module: 'main.ts' })), "'true 1 3'");
      // The reference taken before runs the body edited in its new file.
      const reloads = run.cli.reloads().length;
      run.project.write({ 'util.ts': read(run.project.dir, 'util.ts').replace('length: n }', 'length: n + 1 }') });
      await waitFor('the body edit', () => run.cli.reloads().length > reloads, 15000);
      assert.equal(printed(await c.eval(`(${g}.S as typeof spawn)(4).length`, { module: 'util.ts' })), '5');
      // Moved back: still the same function.
      const back = imago(run.project.dir, ['edit', 'move', 'util.ts:spawn', 'world.ts']);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(printed(await c.eval(`[${g}.S === spawn, spawn(1).length].join(' ')`, { module: 'world.ts' })), "'true 2'");
      // A new function cannot take the name in the module it left while it lives elsewhere.
      const f2 = imago(run.project.dir, ['edit', 'move', 'world.ts:spawn', 'util.ts']);
      assert.equal(f2.code, 0, f2.stderr);
      const reloads2 = run.cli.reloads().length;
      const world = read(run.project.dir, 'world.ts').replace(/^(?:import|export) \{ spawn \} from '\.\/util\.js';\n/gm, '');
      run.project.write({ 'world.ts': `${world}function spawn(n: number): unknown[] { return [n]; }\n` });
      await waitFor('the change', () => run.cli.reloads().length > reloads2, 15000);
      assert.equal(run.cli.reloads().at(-1)?.ok, false);
      assert.match(JSON.stringify(run.cli.reloads().at(-1)), /IMAGO_MOVED.*spawn\(\) was moved to util\.ts/);
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('refuses, changing no byte: a missing name, a binding, a name the other file has, a statement that throws in the new file', async () => {
    const run = await runWithControl({
      ...FILES,
      'bad.ts': "export const ready = 1;\nif (Date.now() > 0) throw new Error('bad.ts cannot load');\n",
      'typo.ts': "export const wrong: number = 'one';\n",
    });
    try {
      const before = all(run.project.dir);
      const refusals: Array<[string[], RegExp]> = [
        [['world.ts:Nobody', 'x.ts'], /world\.ts declares no top-level 'Nobody'/],
        [['world.ts:herd', 'x.ts'], /'herd' of world\.ts is a binding: move moves top-level functions and classes/],
        [['main.ts:spawn', 'x.ts'], /'spawn' is imported by main\.ts: move it from the module that declares it/],
        [['world.ts:spawn', 'world.ts'], /world\.ts is where spawn is already/],
        [['world.ts:spawn', 'x.js'], /'x\.js' is not a TypeScript module/],
        [['world.ts:spawn', 'nowhere/x.ts'], /the folder of nowhere\/x\.ts does not exist/],
        [['world.ts:clamp', 'x.ts'], /'clamp' is imported by world\.ts/],
        [['world.ts:spawn', 'bad.ts'], /the running image refused the edit \(evaluate\)[\s\S]*bad\.ts cannot load/],
        [['world.ts:spawn', 'typo.ts'], /refused the edit \(typecheck\)[\s\S]*typo\.ts:3:14 TS2322/],
      ];
      for (const [args, message] of refusals) {
        const r = imago(run.project.dir, ['edit', 'move', ...args]);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
        assert.match(r.stderr, message);
      }
      assert.deepEqual(all(run.project.dir), before);
      assert.equal(fs.existsSync(`${run.project.dir}/x.ts`), false);
      const c = await RawClient.connect(run.socket);
      try {
        assert.equal(printed(await c.eval('status()', { module: 'main.ts' })), "'true 1 3'");
      } finally {
        c.close();
      }
    } finally {
      await run.stop();
    }
  });
});

describe('imago edit move, after review', () => {
  it('moves overloads together, leaves the statement before alone, merges imports and drops the ones only it used', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'd.ts': 'export default function def(): number { return 1; }\nexport const x = 1;\nexport const y = 2;\nexport function item(): number { return 3; }\n',
      'a.ts': `import def, { x, y } from './d.js';
import { item } from './d.js';
console.log('a.ts loaded'); // startup
/** Adds. */
export function f(a: string): string;
export function f(a: number): number;
export function f(a: string | number): string | number {
  const item = 1;
  return typeof a === 'string' ? a + def() + x + y + item : a;
}

export const uses = item();
export default function ad(): number { return 0; }
`,
      'b.ts': "import { x } from './d.js';\nexport const bx = x;\n",
      'main.ts': "import def, { f } from './a.js';\nimport { bx } from './b.js';\nexport const all = [def(), f(1), bx];\n",
    };
    await withProject(files, (p) => {
      const r = imago(p.dir, ['edit', 'move', 'a.ts:f', 'b.ts']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        read(p.dir, 'a.ts'),
        "import { item } from './d.js';\nconsole.log('a.ts loaded'); // startup\n\nexport const uses = item();\nexport default function ad(): number { return 0; }\n",
      );
      assert.equal(
        read(p.dir, 'b.ts'),
        `import { x, y } from './d.js';
import def from './d.js';
export const bx = x;

/** Adds. */
export function f(a: string): string;
export function f(a: number): number;
export function f(a: string | number): string | number {
  const item = 1;
  return typeof a === 'string' ? a + def() + x + y + item : a;
}
`,
      );
      assert.equal(read(p.dir, 'main.ts'), "import def from './a.js';\nimport { bx, f } from './b.js';\nexport const all = [def(), f(1), bx];\n");
    });
  });

  it('refuses a class whose base stays behind in a module that uses it, and an alias the other file gives it', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'a.ts': 'export class Base { x = 1; }\nexport class K extends Base { y = 2; }\nexport const k = new K();\nexport function f() { return 1; }\n',
      'b.ts': "import { f as ff } from './a.js';\nexport const bf = ff();\n",
      'main.ts': "import { k } from './a.js';\nimport { bf } from './b.js';\nexport const all = [k, bf];\n",
    };
    await withProject(files, (p) => {
      const k = imago(p.dir, ['edit', 'move', 'a.ts:K', 'b.ts']);
      assert.equal(k.code, 1);
      assert.match(
        k.stderr,
        /K reads Base of a\.ts as it is defined, and a\.ts uses K: the two modules would import each other[\s\S]*move Base first, or together/,
      );
      const f = imago(p.dir, ['edit', 'move', 'a.ts:f', 'b.ts']);
      assert.equal(f.code, 1);
      assert.match(f.stderr, /b\.ts imports f as ff: call it f there first/);
      assert.equal(read(p.dir, 'a.ts'), files['a.ts']);
      assert.equal(read(p.dir, 'b.ts'), files['b.ts']);
    });
  });

  it('keeps the identity of a function moved out of a module nothing imports any more, renamed first, and moved around back home', async () => {
    const run = await runWithControl({
      'a.ts': 'export function f(n: number): number { return n + 1; }\nexport function other(): number { return 0; }\n',
      'b.ts': 'export const b = 1;\n',
      'c.ts': 'export const c = 1;\n',
      'main.ts':
        "import { f, other } from './a.js';\nimport { b } from './b.js';\nimport { c } from './c.js';\nexport const saved = f;\nexport function check(): string { return `${saved(1)} ${other() + b + c}`; }\nexport function tick() {}\n",
    });
    const c = await RawClient.connect(run.socket);
    const check = async (): Promise<string> => printed(await c.eval('check()', { module: 'main.ts' }));
    try {
      assert.equal(imago(run.project.dir, ['edit', 'rename', 'a.ts:f', 'g']).code, 0);
      const moved = imago(run.project.dir, ['edit', 'move', 'a.ts:g', 'b.ts']);
      assert.equal(moved.code, 0, moved.stderr);
      assert.equal(await check(), "'2 2'", 'renamed, then moved: the saved reference runs it');
      assert.equal(imago(run.project.dir, ['edit', 'move', 'b.ts:g', 'c.ts']).code, 0);
      assert.equal(await check(), "'2 2'");
      const home = imago(run.project.dir, ['edit', 'move', 'c.ts:g', 'a.ts']);
      assert.equal(home.code, 0, home.stderr);
      assert.equal(printed(await c.eval('saved === g', { module: 'main.ts' })), 'true');
      assert.equal(await check(), "'2 2'");
      // Out of a module nothing imports afterwards: the module leaves the image, the function lives on.
      run.project.write({ 'main.ts': read(run.project.dir, 'main.ts').replace(', other }', ' }').replace('other() + ', '') });
      await waitFor('main.ts without other', () => run.cli.reloads().at(-1)?.files?.toString().includes('main.ts'), 15000);
      const last = imago(run.project.dir, ['edit', 'move', 'a.ts:g', 'b.ts']);
      assert.equal(last.code, 0, last.stderr);
      assert.equal(await check(), "'2 2'");
    } finally {
      c.close();
      await run.stop();
    }
  });

  it('forgets the text of a refused move into a new file', async () => {
    const run = await runWithControl({
      'a.ts':
        "export class K { static v = import.meta.url.endsWith('a.ts') ? 1 : (() => { throw new Error('boom'); })(); }\nexport function f(): number { return 1; }\n",
      'main.ts': "import { K, f } from './a.js';\nexport const all = [K.v, f()];\nexport function tick() {}\n",
    });
    try {
      const refused = imago(run.project.dir, ['edit', 'move', 'a.ts:K', 'b.ts']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /boom/);
      assert.equal(fs.existsSync(`${run.project.dir}/b.ts`), false);
      const r = imago(run.project.dir, ['edit', 'move', 'a.ts:f', 'b.ts']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await run.stop();
    }
  });
});

describe('imago edit move, after a third review', () => {
  it('carries what the declaration needs, as the files write it', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'tsconfig.json':
        '{"compilerOptions":{"module":"nodenext","moduleResolution":"nodenext","strict":true,"resolveJsonModule":true,"noEmit":true,"allowImportingTsExtensions":true}}',
      'cfg.json': '{"n": 3}',
      'a.ts': `#!/usr/bin/env node\r
import cfg from './cfg.json' with { type: 'json' };\r
function g(a: string): string;\r
function g(a: number): number;\r
function g(a: string | number): string | number { return a; }\r
function h(): number { return 1; }\r
export { h as hh };\r
export default function helper(): number { return 2; }\r
\r
export function f(): number { return cfg.n + Number(g(1)) + h() + helper(); }\r
`,
      'index.ts': "export { f, hh } from './a.ts';\n",
      'main.ts': "import { f } from './index.ts';\nexport const all = [f()];\n",
    };
    await withProject(files, (p) => {
      const r = imago(p.dir, ['edit', 'move', 'a.ts:f', 'lib/b.ts']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /the folder of lib\/b\.ts does not exist/);
      fs.mkdirSync(`${p.dir}/lib`);
      const m = imago(p.dir, ['edit', 'move', 'a.ts:f', 'lib/b.ts']);
      assert.equal(m.code, 0, m.stderr);
      assert.equal(
        read(p.dir, 'lib/b.ts'),
        "import cfg from '../cfg.json' with { type: 'json' };\r\nimport { g, h } from '../a.ts';\r\nimport helper from '../a.ts';\r\n\r\nexport function f(): number { return cfg.n + Number(g(1)) + h() + helper(); }\r\n",
      );
      const a = read(p.dir, 'a.ts');
      assert.match(a, /^#!\/usr\/bin\/env node\r\n/);
      assert.match(a, /export function g\(a: string\): string;\r\nexport function g\(a: number\): number;\r\nexport function g\(a: string \| number\)/);
      assert.match(a, /\r\nexport function h\(\): number/);
      assert.doesNotMatch(a, /export function f|\r\n\r\n\r\n/);
      assert.equal(read(p.dir, 'index.ts'), "export { hh } from './a.ts';\nexport { f } from './lib/b.ts';\n");
    });
  });

  it('refuses what would change what the code means or could not start', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'a.ts':
        "import { x as y } from './b.js';\nexport const SCALE = 2;\nexport class Box { static unit = SCALE; }\nexport function make(): Box { return new Box(); }\nexport function f(): number { return y + 1; }\n",
      'b.ts': 'const y = 100;\nexport const x = 1;\nexport const z = y;\n',
      'main.ts': "import { make, f } from './a.js';\nexport const all = [make(), f()];\n",
    };
    await withProject(files, (p) => {
      const alias = imago(p.dir, ['edit', 'move', 'a.ts:f', 'b.ts']);
      assert.equal(alias.code, 1);
      assert.match(alias.stderr, /f uses 'y', which a\.ts imports from b\.ts as x/);
      const cycle = imago(p.dir, ['edit', 'move', 'a.ts:Box', 'c.ts']);
      assert.equal(cycle.code, 1);
      assert.match(cycle.stderr, /Box reads SCALE of a\.ts as it is defined, and a\.ts uses Box/);
      assert.equal(read(p.dir, 'a.ts'), files['a.ts']);
      assert.equal(fs.existsSync(`${p.dir}/c.ts`), false);
    });
  });
});

describe('imago edit move, after a last new user', () => {
  it('changes an import of it where it is, keeps the order of what it takes along, and a move back gives the text back', async () => {
    const files = {
      'package.json': '{"type":"module","main":"main.ts"}',
      'math.ts': 'export const clamp = (v: number): number => v;\nexport const randomPos = (): number => 1;\n',
      'types.ts': 'export enum Team { Red, Blue }\n',
      'player.ts':
        "import { clamp, randomPos } from './math.js';\nimport { Team } from './types.js';\n\nexport class Fighter { team = Team.Red; x = clamp(randomPos()); }\n\nexport const tag = 'player';\n",
      'world.ts':
        "import { Fighter } from './player.js';\nimport { clamp } from './math.js';\nexport const fighters = [new Fighter()];\nexport const c = clamp(1);\n",
      'main.ts': "import { fighters } from './world.js';\nimport { tag } from './player.js';\nexport const all = [fighters, tag];\n",
    };
    await withProject(files, (p) => {
      const m = imago(p.dir, ['edit', 'move', 'player.ts:Fighter', 'fighter.ts']);
      assert.equal(m.code, 0, m.stderr);
      assert.equal(read(p.dir, 'world.ts'), files['world.ts'].replace("'./player.js'", "'./fighter.js'"));
      assert.equal(
        read(p.dir, 'fighter.ts'),
        "import { clamp, randomPos } from './math.js';\nimport { Team } from './types.js';\n\nexport class Fighter { team = Team.Red; x = clamp(randomPos()); }\n",
      );
      const back = imago(p.dir, ['edit', 'move', 'fighter.ts:Fighter', 'player.ts']);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(read(p.dir, 'world.ts'), files['world.ts']);
      assert.match(read(p.dir, 'player.ts'), /^import \{ clamp, randomPos \} from '\.\/math\.js';\nimport \{ Team \} from '\.\/types\.js';\n/);
    });
  });
});
