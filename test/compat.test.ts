// Real projects run unchanged (issue 15): each row of the compatibility list as a small project driven
// through the CLI, as a user would run it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CLI, CliRun, runOnce } from './helpers/cli.js';
import { sleep, tempProject } from './helpers/project.js';

describe('compatibility', () => {
  it('a top-level await of import() of a project file runs without a false warning', () => {
    const r = runOnce({ 'main.ts': "const m = await import('./dyn.ts');\nconsole.log('got', m.v);\n", 'dyn.ts': 'export const v = 42;\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got 42\n');
    assert.doesNotMatch(r.stderr, /still pending|reloaded/);
    assert.match(r.stderr, /loaded dyn\.ts for import\(\)/);
  });

  it("another module's import() does not end a top-level await's wait: the pending await is said", () => {
    const r = runOnce({
      'main.ts': "import './side.ts';\nawait new Promise((r) => setTimeout(r, 900));\nconsole.log('after wait');\n",
      'side.ts': "setTimeout(() => void import('./plugin.ts'), 10);\nexport {};\n",
      'plugin.ts': "console.log('plugin');\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'plugin\nafter wait\n');
    assert.match(r.stderr, /main\.ts: a top-level await is still pending after 500 ms/);
  });

  it('"types": ["node"] in a tsconfig is satisfied by the Node types imago brings', () => {
    const r = runOnce({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', allowImportingTsExtensions: true, noEmit: true, types: ['node'] },
      }),
      'main.ts': "import { readFileSync } from 'node:fs';\nconsole.log(typeof readFileSync);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'function\n');
    assert.doesNotMatch(r.stderr, /TS2688/);
  });

  it("a project's own @types/node is used when its tsconfig names no types (TypeScript 7 takes no @types by itself)", () => {
    const r = runOnce({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, skipLibCheck: true },
      }),
      'package.json': '{ "type": "module" }\n',
      'node_modules/@types/node/package.json': '{ "name": "@types/node", "version": "99.0.0", "types": "index.d.ts" }\n',
      'node_modules/@types/node/index.d.ts':
        "declare var process: { argv: string[]; projectTypes: true };\ndeclare module 'node:fs' { export function readFileSync(p: string): string; }\n",
      'main.ts':
        "import { readFileSync } from 'node:fs';\nconst mine: true = process.projectTypes;\nconsole.log(process.argv.length, typeof readFileSync, mine);\n",
    });
    // process.projectTypes exists in the project's own (fake) types only: the check passed with them.
    assert.match(r.stderr, /running main\.ts/, r.stderr);
    assert.doesNotMatch(r.stderr, /TS2591|TS2339/);
    assert.equal(r.stdout, '2 function undefined\n');
  });

  it("createRequire's require of a project TypeScript file says to import it; of packages and builtins it is Node's", () => {
    const r = runOnce({
      'package.json': '{ "type": "module" }\n',
      'helper.cts': 'export = { v: 1 };\n',
      'main.ts':
        "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nconsole.log(require('node:path').sep, typeof require.resolve, typeof require('module'), typeof (require('module') as { prototype?: unknown }).prototype);\ntry { require('./helper'); } catch (e) { console.log((e as Error).message.slice(0, 36)); }\nrequire('./helper.cts');\n",
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "/ function function object\ncreateRequire(...)('./helper') loads\n");
    assert.match(
      r.stderr,
      /main\.ts:5:1 IMAGO_EVALUATE: Error: createRequire\(\.\.\.\)\('\.\/helper\.cts'\) loads \S+helper\.cts through Node's own require, which cannot run TypeScript; import it instead/,
    );
  });

  it("a name a CommonJS package does not export is refused at load with Node's message", () => {
    const r = runOnce({
      'node_modules/cjspkg/package.json': '{ "name": "cjspkg", "main": "index.js" }',
      'node_modules/cjspkg/index.js': 'const api = {};\napi.chunk = function () { return 1; };\nmodule.exports = api;\n',
      'node_modules/cjspkg/index.d.ts': 'export declare function chunk(): number;\n',
      'main.ts': "import { chunk } from 'cjspkg';\nconsole.log(chunk());\n",
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /main\.ts:1:10 IMAGO_LINK: Named export 'chunk' not found\. The requested module 'cjspkg' is a CommonJS module/);
    assert.match(r.stderr, /import pkg from 'cjspkg'; const \{ chunk \} = pkg;/);
  });

  it('baseUrl, which TypeScript 7 removed, is refused with its way out; the paths it points to work', () => {
    const files = (options: object): Record<string, string> => ({
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, ...options } }),
      'src/lib/base.ts': 'export const z = 7;\n',
      'src/main.ts': "import { z } from 'src/lib/base';\nimport { EventEmitter } from 'node:events';\nconsole.log(z, typeof EventEmitter);\n",
    });
    const refused = runOnce(files({ baseUrl: '.' }), ['src/main.ts']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /TS5102: Option 'baseUrl' has been removed[\s\S]*"paths": \{"\*": \["\.\/\*"\]\}/);
    // The way out keeps the project's own aliases, rebased; the place is the option's in tsconfig.json.
    const aliased = runOnce(
      {
        ...files({}),
        'tsconfig.json': `{\n  "compilerOptions": {\n    "strict": true, "module": "esnext", "moduleResolution": "bundler", "noEmit": true,\n    "baseUrl": "./src",\n    "paths": { "@lib/*": ["lib/*"] }\n  }\n}\n`,
      },
      ['src/main.ts'],
    );
    assert.match(
      aliased.stderr,
      /tsconfig\.json:4:5 TS5102: Option 'baseUrl' has been removed[\s\S]*"paths": \{"\*": \["\.\/src\/\*"\], "@lib\/\*": \["\.\/src\/lib\/\*"\]\}/,
    );
    const r = runOnce(files({ paths: { '*': ['./*'] } }), ['src/main.ts']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '7 function\n');
    // With other patterns beside "*", a name that only "*" matches still falls back to packages.
    const both = runOnce(
      {
        ...files({ paths: { '*': ['./*'], '@app/*': ['./src/*'] } }),
        'node_modules/pkg/package.json': '{ "name": "pkg", "type": "module", "main": "index.js", "types": "index.d.ts" }',
        'node_modules/pkg/index.js': 'export const p = 1;\n',
        'node_modules/pkg/index.d.ts': 'export declare const p: number;\n',
        'src/main.ts': "import { z } from '@app/lib/base';\nimport { p } from 'pkg';\nconsole.log(z, p);\n",
      },
      ['src/main.ts'],
    );
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.stdout, '7 1\n');
  });

  it('without strictNullChecks, a field added without an initializer is undefined on live instances, as TypeScript allows', async () => {
    const v = (field: string): string =>
      `export class User {\n  name = 'ann';\n  ${field}\n}\nexport const users = [new User()];\nsetInterval(() => console.log(JSON.stringify(users.map((u) => Object.keys(u)))), 20);\n`;
    const p = tempProject({
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: false, module: 'esnext', moduleResolution: 'bundler', noEmit: true } }),
      'main.ts': v(''),
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('[["name"]]'), 20000);
      p.write({ 'main.ts': v('nickname: string;') });
      const reload = await cli.until('the edit', () => cli.reloads()[0], 15000);
      assert.equal(reload.ok, true, JSON.stringify(reload));
      await cli.until('the new layout', () => cli.lines.includes('[["name","nickname"]]'));
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it("a save through a rename, the file gone for a few ms between (JetBrains' safe write), is one save", async () => {
    const main = "import { tick } from './lib.ts';\nsetInterval(() => console.log(tick()), 10);\n";
    const lib = (n: number): string => `export function tick(): string { return 'v${n}'; }\n`;
    const p = tempProject({ 'main.ts': main, 'lib.ts': lib(0) });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('v0'), 20000);
      for (const [n, gapMs] of [
        [1, 5],
        [2, 30],
      ] as const) {
        const file = p.path('lib.ts');
        fs.writeFileSync(`${file}___jb_tmp___`, lib(n));
        fs.renameSync(file, `${file}___jb_old___`);
        await sleep(gapMs);
        fs.renameSync(`${file}___jb_tmp___`, file);
        fs.rmSync(`${file}___jb_old___`);
        await cli.until(`save ${n}`, () => cli.lines.includes(`v${n}`), 15000);
      }
      const reloads = cli.reloads();
      assert.deepEqual(
        reloads.map((r) => r.ok),
        [true, true],
        JSON.stringify(reloads),
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a broken file restored to the text that runs is said to match it again, and the rejection is cleared', async () => {
    const good = 'export function f(): number { return 1; }\nsetInterval(() => console.log(f()), 10);\n';
    const p = tempProject({ 'main.ts': good });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('1'), 20000);
      p.write({ 'main.ts': good.replace('return 1;', 'return 1 +;') });
      await cli.until('the rejection', () => cli.reloads().some((r) => !r.ok));
      p.write({ 'main.ts': good });
      const restored = await cli.until('the restore', () => cli.reloads().find((r) => r.ok));
      assert.equal(restored.cause, 'restored');
      await cli.until('the line on stderr', () =>
        /\[imago\] main\.ts matches the running version again: nothing to swap, the rejected change is cleared\n/.test(cli.stderr),
      );
      assert.doesNotMatch(cli.stderr, /reloaded main\.ts/);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a using declaration in a function disposes at its end; a top-level one is refused with the way out', () => {
    const res = "class Res { constructor(readonly name: string) {} [Symbol.dispose](): void { console.log('disposed ' + this.name); } }\n";
    const r = runOnce({ 'main.ts': `${res}export function work(): void {\n  using r = new Res('a');\n  console.log('in ' + r.name);\n}\nwork();\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'in a\ndisposed a\n');
    const top = runOnce({ 'main.ts': `${res}using r = new Res('top');\nconsole.log(r.name);\n` });
    assert.equal(top.code, 1);
    assert.match(
      top.stderr,
      /main\.ts:2:1 IMAGO_COMPILE: a top-level `using` would dispose of its resource as soon as the module has run; declare it inside a function/,
    );
  });

  it('a worker on a project TypeScript file runs through imago; an edit to it while no worker runs it applies when one starts', async () => {
    const main = `import { Worker } from 'node:worker_threads';
export function spawn(n: number): void {
  const w = new Worker(new URL('./w.ts', import.meta.url), { workerData: { n } });
  w.on('message', (m: unknown) => { console.log('from worker ' + String(m)); void w.terminate(); });
  w.on('error', (e: Error) => console.log('worker error: ' + e.message.split('\\n')[0]));
}
spawn(20);
setInterval(() => undefined, 1000);
`;
    const worker = (body: string): string => `import { parentPort, workerData } from 'node:worker_threads';\nimport { fib } from './lib.ts';\n${body}\n`;
    const p = tempProject({
      'main.ts': main,
      'w.ts': worker('parentPort!.postMessage(fib((workerData as { n: number }).n));'),
      'lib.ts': 'export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n',
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the worker to answer', () => cli.lines.includes('from worker 6765'), 20000);
      assert.match(
        cli.stderr,
        /a worker runs w\.ts through imago's loader; edits to its modules apply in every thread that runs them \(it is not type-checked: import its types from the program to have it checked\)/,
      );
      p.write({ 'w.ts': worker('parentPort!.postMessage(-fib((workerData as { n: number }).n));') });
      // Said also when the worker was still leaving as the edit came (it left while the change was prepared).
      await cli.until('the notice', () => /w\.ts changed: no worker runs it now; a worker takes it when it starts/.test(cli.stderr));
      p.write({ 'main.ts': main.replace('spawn(20);', 'spawn(10);') });
      await cli.until('a new worker with the edit', () => cli.lines.includes('from worker -55'), 15000);
      p.write({ 'w.ts': worker('parentPort!.postMessage(fib(;') });
      // Or, when the worker that ran it had not left yet, the change it refused.
      await cli.until(
        'the compile error',
        () =>
          /w\.ts changed, and does not compile: a worker that starts it now fails\n[\s\S]*w\.ts:3:\d+ IMAGO_PARSE/.test(cli.stderr) ||
          cli.reloads().some((r) => !r.ok && JSON.stringify(r.errors).includes('IMAGO_PARSE')),
      );
      p.write({ 'main.ts': main.replace('spawn(20);', 'spawn(11);') });
      await cli.until(
        'the broken worker to be reported',
        () => cli.lines.some((l) => /^worker error: imago could not start the worker w\.ts \(parse\)/.test(l)),
        15000,
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it("a worker, and a worker it starts, compile and resolve with the program's settings: tsconfig paths and legacy decorators", async () => {
    const p = tempProject({
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'esnext',
          moduleResolution: 'bundler',
          allowImportingTsExtensions: true,
          noEmit: true,
          experimentalDecorators: true,
          types: ['node'],
          paths: { '@lib/*': ['./lib/*'] },
        },
      }),
      'lib/twice.ts':
        'export function twice(_t: object, _k: string, d: PropertyDescriptor): void { const f = d.value as () => number; d.value = function (this: unknown) { return f.call(this) * 2; }; }\n',
      'w.ts':
        "import { parentPort, Worker } from 'node:worker_threads';\nimport { twice } from '@lib/twice.ts';\nclass K { @twice n(): number { return 21; } }\nconst inner = new Worker(new URL('./w2.ts', import.meta.url));\ninner.on('message', (m: number) => { parentPort!.postMessage(new K().n() + m); void inner.terminate(); });\n",
      'w2.ts':
        "import { parentPort } from 'node:worker_threads';\nimport { twice } from '@lib/twice.ts';\nclass J { @twice n(): number { return 500; } }\nparentPort!.postMessage(new J().n());\n",
      'main.ts':
        "import { Worker } from 'node:worker_threads';\nconst w = new Worker(new URL('./w.ts', import.meta.url));\nw.on('message', (m: unknown) => { console.log('from worker ' + String(m)); void w.terminate(); });\nw.on('error', (e: Error) => console.log('worker error: ' + e.message.split('\\n')[0]));\n",
    });
    try {
      const r = spawnSync(process.execPath, [CLI, 'run', '--no-watch', 'main.ts'], { cwd: p.dir, encoding: 'utf8', timeout: 30000 });
      assert.equal(r.stdout, 'from worker 1042\n', r.stderr);
    } finally {
      p.remove();
    }
  });
});
