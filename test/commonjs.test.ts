// CommonJS user code, as Node decides the kind of a file: `.cts` files, and `.ts` files in a package
// whose package.json has no "type": "module". Driven through the CLI.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliRun, runOnce } from './helpers/cli.js';
import { tempProject } from './helpers/project.js';

const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, types: ['node'], esModuleInterop: true },
});

const CJS_PACKAGE = { 'package.json': '{ "name": "app", "private": true }\n', 'tsconfig.json': TSCONFIG };

describe('CommonJS user code', () => {
  it('runs: export = and import = require, module.exports, exports, __filename, __dirname, require of packages, and import syntax beside them', () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'c.cts': "function greet(n: string): string { return 'hi ' + n; }\nexport = greet;\n",
      'a.ts': "export function f(): string { return 'f'; }\nexport default 'a-default';\n",
      'legacy.ts': 'const api = { add(a: number, b: number): number { return a + b; } };\nexport = api;\n',
      'main.ts': `import greet = require('./c.cjs');
import aDefault, { f } from './a';
import legacy = require('./legacy');
const path = require('node:path') as typeof import('node:path');
exports.answer = 42;
console.log(greet('ann'), f(), aDefault, legacy.add(1, 2), path.basename(__filename), path.basename(__dirname) === path.basename(path.dirname(__filename)), module.exports.answer);
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi ann f a-default 3 main.ts true 42\n');
  });

  it('a package without "type" whose TypeScript uses import and export (the usual case) runs as before: builtins, top-level await, import.meta', () => {
    const r = runOnce({
      'package.json': '{ "name": "plain" }\n',
      'b.ts': "export const v = 'b';\n",
      'main.ts':
        "import { readFileSync, constants } from 'node:fs';\nimport path from 'node:path';\nimport { EventEmitter } from 'node:events';\nimport { v } from './b';\nconst x = await Promise.resolve(1);\nconsole.log(v, x, typeof readFileSync, typeof constants.F_OK, path.basename(import.meta.filename), typeof EventEmitter);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'b 1 function number main.ts function\n');
  });

  it("without a tsconfig.json, export = and import = require pass imago's default type check (module: preserve)", () => {
    const r = runOnce({
      'package.json': '{ "type": "module", "private": true }\n',
      'lib.cts': 'function add(a: number, b: number): number { return a + b; }\nexport = add;\n',
      'user.cts': "import add = require('./lib.cjs');\nexport const three: number = add(1, 2);\n",
      'main.ts':
        "import add from './lib.cts';\nimport { three } from './user.cts';\nconst n: number = await Promise.resolve(add(2, 3));\nconsole.log(n, three);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /imago defaults \(no tsconfig\.json\)/);
    assert.equal(r.stdout, '5 3\n');
  });

  it("an ES module's default import of a CommonJS module with exports is its module.exports, as in Node (and as module nodenext types it)", () => {
    const r = runOnce({
      'package.json': '{ "type": "module", "private": true }\n',
      'tsconfig.json': TSCONFIG,
      'user.cts': "export const three = 3;\nexport default 'own default';\n",
      'main.ts': "import user from './user.cjs';\nconst t: number = user.three;\nconst d: string = user.default;\nconsole.log(t, d);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '3 own default\n');
  });

  it("require runs a project file when it is called, as in Node; a package or file only required that is missing is require's to throw for", () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'config.ts': "console.log('config runs');\nmodule.exports = { mode: process.env['MODE'] ?? 'unset' };\n",
      'main.ts': `console.log('main starts');
process.env['MODE'] = 'test';
const cfg = require('./config') as { mode: string };
console.log('mode', cfg.mode);
let optional = 'none';
try { optional = require('not-installed-pkg') as string; } catch (e) { optional = 'fallback ' + (e as { code?: string }).code; }
try { require('./missing-file'); } catch (e) { optional += ' ' + (e as { code?: string }).code; }
console.log(optional);
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'main starts\nconfig runs\nmode test\nfallback MODULE_NOT_FOUND MODULE_NOT_FOUND\n');
    assert.match(r.stderr, /config\.ts is not type-checked: TypeScript does not follow the require\(\) that loads it/);
  });

  it('a require in the part of a change that runs after a top-level await has settled still runs its file', () => {
    const r = runOnce({
      'package.json': '{ "type": "module", "private": true }\n',
      'tsconfig.json': TSCONFIG,
      'slow.ts': 'await new Promise((r) => setTimeout(r, 800));\nexport const slow = 1;\n',
      'b.cts': "console.log('b runs');\nexport = { n: 7 };\n",
      'a.cts': "const b = require('./b.cjs') as { n: number };\nconsole.log('a sees b.n =', b.n);\nexport = {};\n",
      'main.ts': "import './slow.ts';\nimport './a.cjs';\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'b runs\na sees b.n = 7\n');
  });

  it('CommonJS idioms: exports = module.exports = fn, require of JSON, module.exports of a file with export, require.main, require.resolve', () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'lib.ts': "function create(): string { return 'app'; }\nexports = module.exports = create;\n",
      'data.json': '{ "port": 8080 }\n',
      'esm.ts': "export const a = 1;\nconsole.log('module.exports.a', (module.exports as { a: number }).a);\n",
      'main.ts': `import { a } from './esm';
const create = require('./lib') as () => string;
const data = require('./data.json') as { port: number };
console.log(create(), data.port, a, require.main === module, require.resolve('./lib').endsWith('/lib.ts'), require.resolve('node:path'));
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'module.exports.a 1\napp 8080 1 true true node:path\n');
  });

  it('import() of a CommonJS project file gives what Node gives: default is module.exports, names beside it', () => {
    const r = runOnce({
      'package.json': '{ "type": "module", "private": true }\n',
      'tsconfig.json': TSCONFIG,
      'lib.cts': "export = { hello: 'hi' };\n",
      'esm.cts': 'export const x = 2;\n',
      'main.ts':
        "const m = await import('./lib.cjs');\nconst n = await import('./esm.cjs');\nconsole.log(m.default.hello, Object.keys(m).join(','), n.default.x, n.x);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi default,hello 2 2\n');
  });

  it('a CommonJS module importing the default of a package compiled from ES modules (__esModule) gets its exports.default', () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'node_modules/tsdflt/package.json': '{ "name": "tsdflt", "main": "index.js", "types": "index.d.ts" }',
      'node_modules/tsdflt/index.js': "Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = function (n) { return 'hi ' + n; };\n",
      'node_modules/tsdflt/index.d.ts': 'export default function greet(n: string): string;\n',
      'main.ts': "import greet from 'tsdflt';\nconsole.log(greet('x'));\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi x\n');
  });

  it('a CommonJS program starts a worker on a .ts file through require, and the worker reads its workerData', () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'w.ts':
        "const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');\nparentPort!.postMessage((workerData as { n: number }).n * 2);\n",
      'main.ts': `const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
const path = require('node:path') as typeof import('node:path');
const w = new Worker(path.join(__dirname, 'w.ts'), { workerData: { n: 3 } });
w.on('message', (m: unknown) => { console.log('got', m); void w.terminate(); });
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got 6\n');
  });

  it('a CommonJS module reads the names of a CommonJS package as require() gives them', () => {
    const r = runOnce({
      ...CJS_PACKAGE,
      'node_modules/cjspkg/package.json': '{ "name": "cjspkg", "main": "index.js" }',
      'node_modules/cjspkg/index.js': 'const api = {};\napi.chunk = function () { return 1; };\nmodule.exports = api;\n',
      'node_modules/cjspkg/index.d.ts': 'export declare function chunk(): number;\n',
      'main.ts': "import { chunk } from 'cjspkg';\nconsole.log(chunk());\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1\n');
  });

  it('in an ES module require is not defined, as in Node; a .cts file there is CommonJS', () => {
    const r = runOnce({
      'package.json': '{ "type": "module", "private": true }\n',
      'tsconfig.json': TSCONFIG,
      'c.cts': 'export = { kind: typeof require };\n',
      'main.ts': "import c from './c.cjs';\nconsole.log(c.kind);\nconsole.log(typeof require);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'function\nundefined\n');
  });

  it('hot-swaps: a function behind export = follows edits, state is kept, module.exports reassigned is read live by importers', async () => {
    const c = (word: string): string =>
      `let calls = 0;\nfunction greet(n: string): string { calls++; return '${word} ' + n + ' #' + calls; }\nexport = greet;\n`;
    const legacy = (k: number): string => `module.exports = { k: ${k} };\n`;
    const p = tempProject({
      ...CJS_PACKAGE,
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, types: ['node'] } }),
      'c.cts': c('hi'),
      'legacy.cts': legacy(1),
      'main.ts': `import greet = require('./c.cjs');\nconst legacy = require('./legacy.cjs') as { k: number };\nimport * as live from './legacy.cjs';\nsetInterval(() => console.log(greet('ann'), (live as unknown as { default: { k: number } }).default.k, legacy.k), 20);\n`,
    });
    const cli = CliRun.run(p.dir, ['--typecheck', 'off', 'main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.some((l) => /^hi ann #\d+ 1 1$/.test(l)), 20000);
      p.write({ 'c.cts': c('hello'), 'legacy.cts': legacy(2) });
      await cli.until('the edits', () => cli.lines.some((l) => /^hello ann #\d+ 2 1$/.test(l)), 15000);
      const before = cli.lines.filter((l) => l.startsWith('hi ann')).length;
      const first = cli.lines.find((l) => l.startsWith('hello ann'))!;
      assert.equal(Number(/#(\d+)/.exec(first)![1]), before + 1, 'calls kept counting across the edit');
    } finally {
      cli.kill();
      p.remove();
    }
  });
});
