// Image files at their edges, through the real CLI (each found by a review): renames in a class with
// subclasses, saveImage() from an async tick, own `__proto__` keys, inherited @transient fields, gone
// classes with stores or subclasses, huge sparse arrays, lone surrogates in a RegExp, stale locks,
// --fresh over a file that is not an image.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CliRun } from './helpers/cli.js';
import { imago, line, runImage, withProject } from './helpers/image-cli.js';

describe('image files at their edges', () => {
  it('renames a base class field in subclass instances and in instances with extra properties too', async () => {
    const program = `import { resumed } from 'imago/image';
class Base { x = 0; hp = 0; }
class Child extends Base { name = ''; }
let all: Base[] = [];
if (!resumed()) {
  const a = new Base(); a.x = 1;
  const b = new Child(); b.x = 2; b.name = 'kid';
  const c = new Base(); c.x = 3; (c as unknown as { extra: boolean }).extra = true;
  all = [a, b, c];
}
setTimeout(() => console.log('OUT ' + JSON.stringify(all)), 0);
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      p.write({ 'main.ts': program.replace('class Base { x = 0;', 'class Base { /** @renamed x */ px = 0;').replaceAll('.x = ', '.px = ') });
      const r = runImage(p);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(line(r.stdout, 'OUT')), [
        { px: 1, hp: 0 },
        { px: 2, hp: 0, name: 'kid' },
        { px: 3, hp: 0, extra: true },
      ]);
    });
  });

  it('saves when an async tick awaits saveImage(), and keeps ticking', async () => {
    const program = `import { saveImage } from 'imago/image';
let n = 0;
export async function tick() {
  n++;
  if (n === 3) { const s = await saveImage(); console.log('SAVED ' + s.bindings); }
  if (n === 6) console.log('TICKED 6');
}
`;
    await withProject({ 'main.ts': program }, async (p) => {
      const r = CliRun.run(p.dir, ['--typecheck=off', '--tick-ms', '5', '--image', 'app.img', 'main.ts']);
      try {
        await r.until('six ticks', () => r.lines.includes('TICKED 6'), 20000);
        assert.ok(r.lines.includes('SAVED 1'));
        await r.stop('SIGTERM');
      } finally {
        r.kill();
      }
      assert.ok(fs.existsSync(p.path('app.img')));
    });
  });

  it('says saveImage() cannot run while the program is loading, instead of waiting forever', async () => {
    const program = `import { saveImage } from 'imago/image';\nawait saveImage().catch((e: Error) => console.log('ERR ' + e.message));\n`;
    await withProject({ 'main.ts': program }, (p) => {
      const r = runImage(p);
      assert.match(r.stdout, /ERR saveImage\(\) was called while the program is being loaded or changed/);
    });
  });

  it('keeps an own __proto__ key (JSON.parse makes them) as a property, not a prototype', async () => {
    const program = `import { resumed } from 'imago/image';
let o: Record<string, unknown> = {};
if (!resumed()) o = JSON.parse('{"__proto__":{"polluted":1},"a":1}');
console.log('OUT ' + JSON.stringify({ own: Object.hasOwn(o, '__proto__'), plain: Object.getPrototypeOf(o) === Object.prototype, polluted: (o as { polluted?: number }).polluted ?? null, a: o['a'] }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      assert.deepEqual(JSON.parse(line(runImage(p).stdout, 'OUT')), { own: true, plain: true, polluted: null, a: 1 });
    });
  });

  it('leaves out a @transient field a base class declares in subclass instances', async () => {
    const program = `import { resumed } from 'imago/image';
class Base { /** @transient */ conn: (() => number) | null = null; id = 0; }
class Child extends Base { name = 'c'; }
let kids: Child[] = [];
if (!resumed()) { const k = new Child(); k.id = 7; k.conn = () => 1; kids = [k]; }
console.log('OUT ' + JSON.stringify(kids.map((k) => [k.id, k.name, k.conn])));
`;
    await withProject({ 'main.ts': program }, (p) => {
      const first = runImage(p);
      assert.doesNotMatch(first.stderr, /not saved/);
      assert.deepEqual(JSON.parse(line(runImage(p).stdout, 'OUT')), [[7, 'c', null]]);
    });
  });

  it('drops a store whose class is gone with --image-drop-missing, and counts its rows when refusing', async () => {
    const program = `import { resumed } from 'imago/image';
import { createStore, type f32 } from 'imago/store';
class Dot { x: f32 = 0; label = ''; }
const dots = createStore(Dot);
let n = 0;
if (!resumed()) { dots.add({ x: 1, label: 'a' }); dots.add({ x: 2 }); n = 5; }
console.log('OUT ' + n + ' ' + dots.size);
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      p.write({ 'main.ts': `import { resumed } from 'imago/image';\nlet n = 0;\nif (!resumed()) n = 1;\nconsole.log('OUT ' + n);\n` });
      const refused = runImage(p);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /class Dot of main\.ts no longer exists \(0 objects and 2 store rows of it in the image\)/);
      const dropped = runImage(p, ['--image-drop-missing']);
      assert.equal(dropped.code, 0, dropped.stderr);
      assert.equal(line(dropped.stdout, 'OUT'), '5');
    });
  });

  it('treats the subclasses of a gone class as gone', async () => {
    const program = `import { resumed } from 'imago/image';
class Base { hp = 1; }
class Child extends Base { name = 'c'; }
let kids: Child[] = [];
if (!resumed()) kids = [new Child()];
console.log('OUT ' + kids.length);
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      p.write({ 'main.ts': program.replace('class Base { hp = 1; }\n', '').replace('class Child extends Base', 'class Child') });
      const refused = runImage(p);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /class Child of main\.ts extends Base, which no longer exists \(1 object of it in the image\)/);
    });
  });

  it('saves a huge sparse array as the indices it has, and a RegExp with a lone surrogate', async () => {
    const program = `import { resumed } from 'imago/image';
let byId: string[] = [];
let re = /x/;
if (!resumed()) { byId[3_000_000_000] = 'far'; byId[2] = 'near'; re = new RegExp('\\\\ud83d', 'g'); re.lastIndex = 1; }
console.log('OUT ' + JSON.stringify({ length: byId.length, far: byId[3_000_000_000], near: byId[2], keys: Object.keys(byId).length, source: re.source, flags: re.flags, lastIndex: re.lastIndex }));
`;
    await withProject({ 'main.ts': program }, (p) => {
      const first = runImage(p);
      assert.equal(first.code, 0, first.stderr);
      const second = runImage(p);
      assert.deepEqual(JSON.parse(line(second.stdout, 'OUT')), {
        length: 3_000_000_001,
        far: 'far',
        near: 'near',
        keys: 2,
        source: '\\ud83d',
        flags: 'g',
        lastIndex: 1,
      });
    });
  });

  it('saves the other bindings when several cannot be saved', async () => {
    const program = `import { resumed } from 'imago/image';
let good = 0;
const t1 = setTimeout(() => {}, 1);
let good2 = { v: 0 };
const t2 = Promise.resolve();
if (!resumed()) { good = 1; good2.v = 2; }
console.log('OUT ' + good + ' ' + good2.v);
`;
    await withProject({ 'main.ts': program }, (p) => {
      const first = runImage(p);
      assert.match(first.stderr, /not saved: main\.ts: t1, because t1 is a Timeout/);
      assert.match(first.stderr, /not saved: main\.ts: t2, because t2 is a Promise/);
      assert.equal(line(runImage(p).stdout, 'OUT'), '1 2');
    });
  });

  it('renames a field between public and #private, either way', async () => {
    const program = `import { resumed } from 'imago/image';
class C { x = 0; y = 0; get value() { return this.x; } }
let cs: C[] = [];
if (!resumed()) cs = [1, 2, 3].map((v) => Object.assign(new C(), { x: v }));
setTimeout(() => console.log('OUT ' + JSON.stringify(cs.map((c) => [c.value, Object.keys(c)]))), 0);
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      const toPrivate = program
        .replace('class C { x = 0; y = 0; get value() { return this.x; } }', 'class C { /** @renamed x */ #x = 0; y = 0; get value() { return this.#x; } }')
        .replace('Object.assign(new C(), { x: v })', 'new C()');
      p.write({ 'main.ts': toPrivate });
      const r = runImage(p);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(line(r.stdout, 'OUT')), [
        [1, ['y']],
        [2, ['y']],
        [3, ['y']],
      ]);
      p.write({ 'main.ts': toPrivate.replace('/** @renamed x */ #x = 0;', '/** @renamed #x */ x = 0;').replace('this.#x', 'this.x') });
      const back = runImage(p);
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual(JSON.parse(line(back.stdout, 'OUT')), [
        [1, ['x', 'y']],
        [2, ['x', 'y']],
        [3, ['x', 'y']],
      ]);
    });
  });

  it('keeps the indices of a huge sparse array and leaves its other keys out, as for any array', async () => {
    const program = `import { resumed } from 'imago/image';
let byId: string[] = [];
if (!resumed()) { byId[200000] = 'last'; byId[1] = 'one'; (byId as unknown as Record<string, string>)['meta'] = 'M'; (byId as unknown as Record<string, string>)['-1'] = 'neg'; byId[4294967295 as number] = 'x'; }
console.log('OUT ' + JSON.stringify(Object.keys(byId)));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      const r = runImage(p);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(line(r.stdout, 'OUT')), ['1', '200000']);
    });
  });

  it('never takes two different key lists for one shape', async () => {
    const program = `import { resumed } from 'imago/image';
let rows: object[] = [];
if (!resumed()) rows = [{ a: 1, b: 2 }, { ['a' + String.fromCharCode(0) + 'b']: 3 }];
console.log('OUT ' + JSON.stringify(rows));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      assert.deepEqual(JSON.parse(line(runImage(p).stdout, 'OUT')), [{ a: 1, b: 2 }, { 'a\u0000b': 3 }]);
    });
  });

  it('takes a const that is now a primitive literal as code, even when an object was saved', async () => {
    const program = `const LIMIT = { max: 5 };
console.log('OUT ' + JSON.stringify(LIMIT));
`;
    await withProject({ 'main.ts': program }, (p) => {
      assert.equal(runImage(p).code, 0);
      p.write({
        'main.ts': `const LIMIT = 10;
console.log('OUT ' + JSON.stringify(LIMIT + 1));
`,
      });
      assert.equal(line(runImage(p).stdout, 'OUT'), '11');
    });
  });

  it('gives a signal that came while the program started to the handler the program installed', async () => {
    const program = `process.on('SIGINT', () => { console.log('HANDLED'); process.exit(3); });
setInterval(() => {}, 1000);
`;
    await withProject({ 'main.ts': program }, async (p) => {
      const r = new CliRun(p.dir, ['run', '--image', 'app.img', 'main.ts']);
      try {
        await r.until('imago starting', () => r.stderr.includes('does not exist yet'), 20000);
        const exit = await r.stop('SIGINT');
        assert.equal(exit.code, 3, r.stderr);
        assert.ok(r.lines.includes('HANDLED'));
      } finally {
        r.kill();
      }
    });
  });

  it('takes over a lock whose pid now belongs to another program, and refuses --fresh over a file that is not an image', async () => {
    await withProject({ 'main.ts': `let n = 0;\nn++;\nconsole.log('OUT ' + n);\n` }, (p) => {
      fs.writeFileSync(p.path('app.img.lock'), '1\n');
      const r = runImage(p);
      assert.equal(r.code, 0, r.stderr);
      fs.writeFileSync(p.path('notes.txt'), 'my notes');
      const fresh = imago(p.dir, ['run', '--no-watch', '--typecheck=off', '--fresh', '--image', 'notes.txt', 'main.ts']);
      assert.equal(fresh.code, 1);
      assert.match(fresh.stderr, /--fresh would replace notes\.txt, which is not an imago image/);
      assert.equal(fs.readFileSync(p.path('notes.txt'), 'utf8'), 'my notes');
    });
  });
});
