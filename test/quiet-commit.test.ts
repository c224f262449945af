// A member of a cohort says, when it prepared a change, whether its commit runs any of the program's code
// (runtime/quiet-commit.ts); a quiet member commits on the decision, with no commit step and no wait. The
// prediction is checked here against what the commit then did, for each kind of edit; and the modules a
// coordinator compiles for its members (host/cohort/shipped.ts) come back as compiled.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModule } from '../src/compile/compile-module.js';
import { ShippedModules, shipModules } from '../src/host/cohort/shipped.js';
import type { Coordinated } from '../src/runtime/cohort.js';
import type { ChangeSummary } from '../src/runtime/events.js';
import { startImage } from './helpers/image.js';

/** A coordinator's word as a member hears it: commit, keep; `quiet` is what the member said it prepared. */
function coordinated(): Coordinated & { quiet: boolean | null } {
  return {
    quiet: null,
    prepared(_files, quiet) {
      this.quiet = quiet;
      return Promise.resolve(true);
    },
    ready: () => Promise.resolve(true),
  };
}

/** What ran of the program's code as the change committed. */
function ran(s: ChangeSummary): number {
  return s.bindings.added + s.bindings.reevaluated + s.effects.run + s.classes.added + s.classes.changed + s.modules.added;
}

async function predicted(files: Record<string, string>, edit: Record<string, string>): Promise<{ quiet: boolean | null; ran: number }> {
  const live = await startImage({ 'main.ts': "import { label } from './lib.ts';\nexport const shown = (): string => label('x');\n", ...files });
  for (const [rel, text] of Object.entries(edit)) live.project.write({ [rel]: text });
  const c = coordinated();
  const paths = Object.keys(edit).map((rel) => live.project.path(rel));
  const r = await live.image.change(paths, { sources: await live.image.snapshot(paths), coordinated: c });
  assert.equal(r.kind, 'applied', JSON.stringify(r));
  return { quiet: c.quiet, ran: r.kind === 'applied' ? ran(r.summary) : -1 };
}

const LIB = 'export function label(s: string): string { return `<${s}>`; }\n';

describe('a quiet commit', () => {
  it('is said for a change of function bodies, and such a commit runs none of the program', async () => {
    const p = await predicted({ 'lib.ts': LIB }, { 'lib.ts': 'export function label(s: string): string { return `[${s}]`; }\n' });
    assert.deepEqual(p, { quiet: true, ran: 0 });
  });

  it('is said for functions added or removed and for types, which run nothing either', async () => {
    const added = await predicted(
      { 'lib.ts': LIB },
      { 'lib.ts': `${LIB}export function more(): number { return 1; }\ninterface Shape { readonly w: number }\n` },
    );
    assert.deepEqual(added, { quiet: true, ran: 0 });
  });

  it('is said for an edit inside a closure a statement passes (a listener): it takes the new body, nothing runs again', async () => {
    const listener = (n: number): string =>
      `${LIB}let seen = 0;\nexport const count = (): number => seen;\nprocess.on('imago-test-quiet', () => {\n  seen += ${n};\n});\n`;
    const p = await predicted({ 'lib.ts': listener(1) }, { 'lib.ts': listener(2) });
    assert.deepEqual(p, { quiet: true, ran: 0 });
  });

  it('is not said for such an edit when the closure cannot take its new body (it reads a name it did not have)', async () => {
    const listener = (body: string): string =>
      `${LIB}let seen = 0;\nexport const count = (): number => seen;\n{\n  const a = 1;\n  const b = 2;\n  process.on('imago-test-loud', () => {\n    ${body}\n  });\n}\n`;
    const p = await predicted({ 'lib.ts': listener('seen += a;') }, { 'lib.ts': listener('seen += a + b;') });
    assert.equal(p.quiet, false);
    assert.ok(p.ran > 0, 'the statement ran again');
  });

  it('is not said for an edit inside a statement of a module with a top-level await (its statements may still be running)', async () => {
    const listener = (n: number): string =>
      `${LIB}let seen = 0;\nexport const count = (): number => seen;\nawait Promise.resolve();\nprocess.on('imago-test-tla', () => {\n  seen += ${n};\n});\n`;
    const p = await predicted({ 'lib.ts': listener(1) }, { 'lib.ts': listener(2) });
    assert.equal(p.quiet, false);
  });

  it('is not said when a statement runs again: a constant, an effect, a closure a statement called', async () => {
    const constant = await predicted({ 'lib.ts': `${LIB}export const limit = 5;\n` }, { 'lib.ts': `${LIB}export const limit = 6;\n` });
    assert.equal(constant.quiet, false);
    assert.ok(constant.ran > 0, 'the constant ran again');
    const effect = await predicted({ 'lib.ts': LIB }, { 'lib.ts': `${LIB}(globalThis as Record<string, unknown>)['seen'] = 1;\n` });
    assert.equal(effect.quiet, false);
    const called = await predicted(
      { 'lib.ts': `${LIB}export const doubled = [1, 2].map((x) => x * 2);\n` },
      { 'lib.ts': `${LIB}export const doubled = [1, 2].map((x) => x * 3);\n` },
    );
    assert.equal(called.quiet, false);
    assert.ok(called.ran > 0, 'the statement whose closure it called changed ran again');
  });

  it('is not said for a module with a class (its definition runs for every version) or a new module', async () => {
    const withClass = await predicted(
      { 'lib.ts': `${LIB}export class Box { get(): number { return 1; } }\n` },
      { 'lib.ts': `${LIB}export class Box { get(): number { return 2; } }\n` },
    );
    assert.equal(withClass.quiet, false);
    const fresh = await predicted(
      { 'lib.ts': LIB },
      { 'lib.ts': `import { extra } from './extra.ts';\n${LIB}export const e = extra;\n`, 'extra.ts': 'export const extra = 1;\n' },
    );
    assert.equal(fresh.quiet, false);
  });
});

describe('what a commit could still refuse is refused at prepare, or the commit is not quiet', () => {
  it('code the engine refuses (a regular expression newer than this V8) is rejected at prepare, in the source', async () => {
    const live = await startImage({
      'main.ts': "import { ok } from './lib.ts';\nexport const shown = (): boolean => ok('a');\n",
      'lib.ts': 'export function ok(s: string): boolean {\n  return /a/.test(s);\n}\n',
    });
    const lib = live.project.path('lib.ts');
    for (const regex of ['/[b-a]/', '/(?<a>x)|(?<a>y)/']) {
      live.project.write({ 'lib.ts': `export function ok(s: string): boolean {\n  return ${regex}.test(s);\n}\n` });
      const c = coordinated();
      const r = await live.image.change([lib], { sources: await live.image.snapshot([lib]), coordinated: c });
      assert.equal(c.quiet, null, 'never voted: refused before');
      assert.equal(r.kind, 'rejected');
      if (r.kind !== 'rejected') return;
      assert.equal(r.phase, 'parse');
      assert.equal(r.errors[0]?.code, 'IMAGO_PARSE');
      assert.equal(r.errors[0]?.file, 'lib.ts');
      assert.equal(r.errors[0]?.line, 2, `placed on the regular expression's line: ${JSON.stringify(r.errors[0])}`);
      assert.match(r.errors[0]!.message, /Invalid regular expression[\s\S]*this JavaScript engine refuses what lib\.ts compiles to/);
    }
    assert.equal((live.api()['shown'] as () => boolean)(), true, 'the old code runs on');
  });

  it('a function declared under a name an explicit rename gave away is not quiet (installing it may be refused)', async () => {
    const live = await startImage({
      'main.ts': "import { pulse } from './lib.ts';\nexport const shown = (): number => pulse();\n",
      'lib.ts': 'export let count = 0;\nexport function pulse(): number { count += 1; return count; }\n',
    });
    const lib = live.project.path('lib.ts');
    const main = live.project.path('main.ts');
    live.project.write({
      'lib.ts': 'export let count = 0;\nexport function beat(): number { count += 1; return count; }\n',
      'main.ts': "import { beat } from './lib.ts';\nexport const shown = (): number => beat();\n",
    });
    const renamed = await live.image.change([lib, main], {
      sources: await live.image.snapshot([lib, main]),
      intent: { fieldRenames: [], functionRenames: [{ file: lib, from: 'pulse', to: 'beat' }] },
    });
    assert.equal(renamed.kind, 'applied', JSON.stringify(renamed));
    live.project.write({
      'lib.ts': 'export let count = 0;\nexport function beat(): number { count += 1; return count; }\nexport function pulse(): number { return -1; }\n',
    });
    const c = coordinated();
    const r = await live.image.change([lib], { sources: await live.image.snapshot([lib]), coordinated: c });
    assert.equal(c.quiet, false);
    assert.equal(r.kind, 'rejected', 'refused as it commits, in the step every member waits in');
  });
});

describe('modules shipped to members', () => {
  it('come back as compiled for the same file, text and options, and not for another text', () => {
    const source = 'export function f(): number { return 1; }\nexport const v = f();\n';
    const compiled = compileModule('lib.ts', source);
    assert.ok(compiled.ok);
    const shipped = new ShippedModules();
    shipped.take(1, shipModules([{ file: 'lib.ts', source, options: 'o', module: compiled.module }]));
    const back = shipped.get('lib.ts', source, 'o');
    assert.ok(back, 'taken');
    assert.equal(back.code, compiled.module.code);
    assert.deepEqual([...back.exports.keys()], [...compiled.module.exports.keys()], 'maps come back as maps');
    assert.deepEqual(
      back.items.map((i) => i.key),
      compiled.module.items.map((i) => i.key),
    );
    assert.equal(back.positions.sourceOfJs(0).line, compiled.module.positions.sourceOfJs(0).line);
    assert.equal(shipped.get('lib.ts', `${source}// edited\n`, 'o'), null, 'another text is compiled by the member');
    assert.equal(shipped.get('lib.ts', source, 'other options'), null);
    shipped.clear(0);
    assert.ok(shipped.get('lib.ts', source, 'o'), 'an earlier round that ends late does not let go of this one');
    shipped.clear(1);
    assert.equal(shipped.get('lib.ts', source, 'o'), null, 'nothing is kept past its change');
  });
});
