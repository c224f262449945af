// The compile cache through the real CLI: a second start takes the modules an earlier run compiled, and
// behaves exactly as a cold start (output, swaps, stack traces); a changed file, changed compile options
// or a corrupt cache file never give a stale module; IMAGO_CACHE=off keeps nothing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import v8 from 'node:v8';
import { compileModule } from '../src/compile/compile-module.js';
import { restoreModule, type StoredModule, storeModule } from '../src/compile/stored-module.js';
import { openCompileCache } from '../src/host/compile-cache.js';
import { CLI, CliRun } from './helpers/cli.js';
import { type TempProject, tempProject } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

/** A project and a cache folder of its own (IMAGO_CACHE_DIR), removed after the tests. */
function project(files: Record<string, string>): { p: TempProject; cache: string } {
  const p = tempProject({ 'package.json': '{"type":"module"}\n', ...files });
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-cache-test-'));
  cleanup.push(() => {
    p.remove();
    fs.rmSync(cache, { recursive: true, force: true });
  });
  return { p, cache };
}

/** `imago run --no-watch main.ts` to its end, with the cache in `cache` (or `env` as given). */
function runOnce(p: TempProject, cache: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--no-watch', '--no-control', 'main.ts'], {
    cwd: p.dir,
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, NO_COLOR: '1', IMAGO_CACHE_DIR: cache, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cachedCount = (stderr: string): number => Number(/(\d+) compiled by an earlier run/.exec(stderr)?.[1] ?? 0);

const lib = [
  'export class Counter {',
  '  count = 0;',
  '  label: string;',
  '  constructor(label: string) { this.label = label; }',
  '  hit(): number { return ++this.count; }',
  '}',
  'export function explode(): never {',
  "  throw new Error('boom from lib');",
  '}',
  '',
].join('\n');
const main = [
  "import { Counter, explode } from './lib.ts';",
  "const c = new Counter('c');",
  'c.hit();',
  'console.log(`${c.label} ${c.hit()} ${Object.keys(c).join(",")}`);',
  'if (process.env.EXPLODE) setTimeout(() => explode(), 5);',
  '',
].join('\n');

describe('a compiled module kept as data', () => {
  it('comes back the same: every field, late bodies, and the places its position maps give', () => {
    const source = [
      'export enum Mood { Calm, Angry }',
      'export class Critter {',
      '  hp = 10;',
      '  /** @transient */ seen: string[] = [];',
      '  #secret = 1;',
      '  constructor(readonly name: string) {}',
      '  hit(n: number): number { return (this.hp -= n) + this.#secret; }',
      '}',
      'export const critters: Critter[] = [new Critter("a")];',
      'export function every(ms: number, f: () => void): () => void {',
      '  const t = setInterval(() => f(), ms);',
      '  return () => clearInterval(t);',
      '}',
      'let ticks = 0;',
      'export const stop = every(10, () => { ticks++; });',
      'export default function main(): number { return ticks + critters.length; }',
      '',
    ].join('\n');
    const r = compileModule('src/critter.ts', source);
    assert.ok(r.ok);
    const back = restoreModule(v8.deserialize(v8.serialize(storeModule(r.module))) as StoredModule);
    assert.deepStrictEqual(back, r.module);
    assert.ok(r.module.late, 'the module has late bodies (closures that follow edits)');
    for (let at = 0; at < r.module.code.length; at += 97)
      assert.deepEqual(back.positions.sourceOfJs(back.positions.jsOffset(at)), r.module.positions.sourceOfJs(r.module.positions.jsOffset(at)));
  });
});

describe('the compile cache', () => {
  it('starts a second time from the modules the first run compiled, with the same output and the same error places', () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    const cold = runOnce(p, cache, { EXPLODE: '1' });
    assert.equal(cachedCount(cold.stderr), 0, cold.stderr);
    assert.deepEqual(fs.readdirSync(cache).filter((f) => f.endsWith('.pack')).length, 1, 'one cache file for the program');
    const warm = runOnce(p, cache, { EXPLODE: '1' });
    assert.equal(cachedCount(warm.stderr), 2, warm.stderr);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.stdout, 'c 2 count,label\n');
    // The uncaught error's place is read through the cached module's position map: the same as cold.
    const place = (s: string): string[] => s.split('\n').filter((l) => /lib\.ts:\d+/.test(l));
    assert.ok(
      place(cold.stderr).some((l) => /lib\.ts:8/.test(l)),
      cold.stderr,
    );
    assert.deepEqual(place(warm.stderr), place(cold.stderr));
    assert.equal(warm.code, cold.code);
  });

  it('compiles again only the file that changed, and runs its new text', () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    runOnce(p, cache);
    p.write({ 'main.ts': main.replace('c.hit();\n', 'c.hit();\nc.hit();\n') });
    const r = runOnce(p, cache);
    assert.equal(cachedCount(r.stderr), 1, r.stderr);
    assert.equal(r.stdout, 'c 3 count,label\n');
  });

  it('never gives a module compiled under other options: a tsconfig without define semantics changes the fields', () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    assert.equal(runOnce(p, cache).stdout, 'c 2 count,label\n');
    // useDefineForClassFields false: `label: string` without an initializer is no own field until assigned.
    p.write({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'preserve', useDefineForClassFields: false, allowImportingTsExtensions: true, noEmit: true },
      }),
      'lib.ts': lib
        .replace('  label: string;', '  label!: string;')
        .replace('  constructor(label: string) { this.label = label; }\n', '  constructor(label: string) { if (label) this.label = label; }\n'),
    });
    const r = runOnce(p, cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cachedCount(r.stderr), 0, 'other options: nothing from the cache');
    assert.equal(r.stdout, 'c 2 count,label\n');
    p.write({ 'main.ts': main.replace("new Counter('c')", "new Counter('')") });
    const empty = runOnce(p, cache);
    assert.equal(empty.stdout, 'undefined 2 count\n', 'the field is not defined: the module was compiled with the options in force');
  });

  it('says so and compiles everything when its file is corrupt, then keeps the modules again', () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    runOnce(p, cache);
    const [pack] = fs.readdirSync(cache).filter((f) => f.endsWith('.pack'));
    assert.ok(pack);
    fs.writeFileSync(path.join(cache, pack), 'not a cache file');
    const r = runOnce(p, cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'c 2 count,label\n');
    assert.match(r.stderr, /the compile cache .* could not be read .*; it is made again/);
    assert.equal(cachedCount(r.stderr), 0);
    assert.equal(cachedCount(runOnce(p, cache).stderr), 2, 'made again');
  });

  it('keeps nothing with IMAGO_CACHE=off, and refuses a folder another user owns', () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    runOnce(p, cache, { IMAGO_CACHE: 'off' });
    const r = runOnce(p, cache, { IMAGO_CACHE: 'off' });
    assert.equal(cachedCount(r.stderr), 0);
    assert.deepEqual(fs.readdirSync(cache), []);
    const file = path.join(cache, 'not-a-folder');
    fs.writeFileSync(file, '');
    const refused = runOnce(p, file);
    assert.equal(refused.stdout, 'c 2 count,label\n');
    assert.match(refused.stderr, /the compile cache is not used \(.*\); every start compiles every module/);
  });

  it('counts each module once, though a first load was rejected and tried again', async () => {
    const { p, cache } = project({ 'lib.ts': lib, 'main.ts': main });
    runOnce(p, cache);
    p.write({ 'main.ts': `${main}export const wrong: number = 'x';\n` });
    const run = new CliRun(p.dir, ['run', '--no-control', 'main.ts'], undefined, [], { env: { IMAGO_CACHE_DIR: cache } });
    try {
      await run.until('the rejected first load', () => /cannot start main\.ts \(typecheck\)/.test(run.stderr), 20000);
      p.write({ 'main.ts': main });
      await run.until('the program runs', () => /running main\.ts/.test(run.stderr), 20000);
      assert.match(run.stderr, /running main\.ts \(2 modules, 2 compiled by an earlier run\)/);
    } finally {
      await run.stop();
    }
  });

  it('swaps live edits of modules that came from the cache', async () => {
    const { p, cache } = project({
      'lib.ts': 'export function version(): string { return "v1"; }\n',
      'main.ts':
        "import { version } from './lib.ts';\nlet last = '';\nsetInterval(() => { const v = version(); if (v !== last) { last = v; console.log(v); } }, 5);\n",
    });
    const start = async (): Promise<CliRun> => {
      fs.rmSync(path.join(p.dir, '.events.ndjson'), { force: true });
      const run = new CliRun(p.dir, ['run', '--no-control', '--events', '.events.ndjson', 'main.ts'], undefined, [], { env: { IMAGO_CACHE_DIR: cache } });
      await run.until('the program prints', () => run.lines.includes('v1'));
      return run;
    };
    const first = await start();
    await first.stop();
    const second = await start();
    try {
      assert.equal(cachedCount(second.stderr), 2, second.stderr);
      p.write({ 'lib.ts': 'export function version(): string { return "v2"; }\n' });
      await second.until('the edit shows', () => second.lines.includes('v2'));
      assert.equal(second.reloads().at(-1)?.ok, true);
    } finally {
      await second.stop();
    }
  });
});

describe('the compile cache folder', () => {
  const compiled = ((): ReturnType<typeof compileModule> & { ok: true } => {
    const r = compileModule('a.ts', 'export const a = 1;\n');
    assert.ok(r.ok);
    return r;
  })().module;
  const folder = (): string => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'imago-cache-folder-')));
    cleanup.push(() => fs.rmSync(d, { recursive: true, force: true }));
    return d;
  };
  /** Runs `f` with IMAGO_CACHE_DIR set to `dir` (or unset), then puts it back. */
  const withCacheDir = <T>(dir: string | undefined, f: () => T): T => {
    const saved = process.env['IMAGO_CACHE_DIR'];
    if (dir === undefined) delete process.env['IMAGO_CACHE_DIR'];
    else process.env['IMAGO_CACHE_DIR'] = dir;
    try {
      return f();
    } finally {
      if (saved === undefined) delete process.env['IMAGO_CACHE_DIR'];
      else process.env['IMAGO_CACHE_DIR'] = saved;
    }
  };

  it('opens for a user without a name (a container run as -u 1234, where os.userInfo() throws)', () => {
    const real = os.userInfo;
    (os as { userInfo: unknown }).userInfo = () => {
      throw Object.assign(new Error('A system error occurred: uv_os_get_passwd returned ENOENT'), { code: 'ERR_SYSTEM_ERROR' });
    };
    try {
      const warnings: string[] = [];
      const cache = withCacheDir(undefined, () => openCompileCache('/nowhere', '/nowhere/main.ts', (m) => warnings.push(m)));
      assert.ok(cache, warnings.join('\n'));
      assert.deepEqual(warnings, []);
    } finally {
      (os as { userInfo: unknown }).userInfo = real;
    }
  });

  it('says once that it cannot write, not at every change', () => {
    const dir = folder();
    const warnings: string[] = [];
    const cache = withCacheDir(dir, () => openCompileCache(dir, path.join(dir, 'main.ts'), (m) => warnings.push(m)));
    assert.ok(cache);
    // Every write fails: the cache file's name is taken by a folder that is not empty.
    fs.mkdirSync(cache.where);
    fs.writeFileSync(path.join(cache.where, 'x'), '');
    for (let i = 0; i < 5; i++) {
      cache.put('a.ts', `export const a = ${i};\n`, '{}', compiled);
      cache.flush();
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /could not be written .*; imago stops writing it until the next start/);
    cache.close();
  });

  it('takes a folder the user names through a symbolic link; refuses a link in place of its own default folder', () => {
    const real = folder();
    const link = path.join(folder(), 'link');
    fs.symlinkSync(real, link);
    const warnings: string[] = [];
    assert.ok(withCacheDir(link, () => openCompileCache(real, path.join(real, 'main.ts'), (m) => warnings.push(m))));
    assert.deepEqual(warnings, []);
  });

  it('refuses a folder others can write to, and takes IMAGO_CACHE=0 or false as off', () => {
    const dir = folder();
    fs.chmodSync(dir, 0o777);
    const warnings: string[] = [];
    assert.equal(
      withCacheDir(dir, () => openCompileCache(dir, path.join(dir, 'main.ts'), (m) => warnings.push(m))),
      null,
    );
    assert.match(warnings[0] ?? '', /can be written by other users \(mode 777\); make it 700/);
    fs.chmodSync(dir, 0o700);
    for (const off of ['0', 'false', 'OFF']) {
      process.env['IMAGO_CACHE'] = off;
      try {
        assert.equal(
          withCacheDir(dir, () => openCompileCache(dir, path.join(dir, 'main.ts'), () => undefined)),
          null,
          off,
        );
      } finally {
        delete process.env['IMAGO_CACHE'];
      }
    }
  });

  it('leaves files in its folder that are not its own', () => {
    const dir = folder();
    fs.writeFileSync(path.join(dir, 'other-tool.pack'), 'theirs');
    for (let i = 0; i < 70; i++) {
      const cache = withCacheDir(dir, () => openCompileCache(dir, path.join(dir, `main${i}.ts`), () => undefined))!;
      cache.put('a.ts', 'export const a = 1;\n', '{}', compiled);
      cache.close();
    }
    const packs = fs.readdirSync(dir).filter((n) => /^[0-9a-f]{24}\.pack$/.test(n));
    assert.equal(packs.length, 64, 'its own: the 64 most recent');
    assert.ok(fs.existsSync(path.join(dir, 'other-tool.pack')), "another tool's file stays");
  });
});
