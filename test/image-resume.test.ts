// Image files through the real CLI: a program saves its state (on Ctrl-C, on its end, every --autosave
// seconds, when it calls saveImage()) and a later run resumes from it, migrated to the code of the day.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI, CliRun } from './helpers/cli.js';
import { imago, line, runImage, withProject } from './helpers/image-cli.js';
import { type TempProject, tempProject } from './helpers/project.js';

const STATE = `
import { inspect } from 'node:util';
import { resumed } from 'imago/image';

class Base { id = 0; }
export class Critter extends Base {
  name = '';
  #secret = 0;
  pos = { x: 0, y: 0 };
  constructor(name: string, secret: number) { super(); this.name = name; this.#secret = secret; }
  secret() { return this.#secret; }
}
function onTick() { return 'tick'; }

let counter = 0;
const world = {
  critters: [] as Critter[],
  byName: new Map<string, Critter>(),
  tags: new Set<unknown>(),
  when: new Date(0),
  pattern: /a+b/gu,
  big: 0n,
  bytes: new Uint8Array(0),
  shared: null as null | Float64Array,
  view: null as null | DataView,
  boxed: [Object(1), Object('s'), Object(true)] as unknown[],
  odd: [] as unknown[],
  bare: Object.create(null) as Record<string, unknown>,
  handlers: [onTick] as unknown[],
  kinds: [Critter] as unknown[],
  self: null as unknown,
  sym: Symbol.for('imago.test'),
};

if (!resumed()) {
  for (let i = 0; i < 3; i++) {
    const c = new Critter('c' + i, i * 10);
    c.id = i;
    world.critters.push(c);
    world.byName.set(c.name, c);
  }
  world.tags.add('x').add(world.critters[0]).add(42);
  world.when = new Date(1700000000000);
  world.pattern.lastIndex = 2;
  world.big = 2n ** 80n;
  const buffer = new ArrayBuffer(16);
  world.bytes = new Uint8Array(buffer, 0, 8).fill(7);
  world.shared = new Float64Array(buffer, 8, 1);
  world.shared[0] = Math.PI;
  world.view = new DataView(buffer);
  world.odd = [-0, NaN, Infinity, -Infinity, 2 ** 53, 1e-300, 'é\\ud800', undefined, null, , 5];
  world.bare.deep = { deeper: { deepest: [1, [2, [3]]] } };
  world.self = world;
  counter = 41;
}
counter++;
console.log('RESUMED ' + resumed());
console.log('STATE ' + JSON.stringify(inspect(world, { depth: 12, showHidden: false, sorted: true })));
console.log('CHECKS ' + JSON.stringify({
  counter,
  instance: world.critters[1] instanceof Critter && world.critters[1] instanceof Base,
  secret: world.critters[2]!.secret(),
  sharedRef: world.byName.get('c1') === world.critters[1] && [...world.tags][1] === world.critters[0],
  cycle: world.self === world,
  buffer: world.shared!.buffer === world.bytes.buffer && world.view!.buffer === world.bytes.buffer,
  fn: world.handlers[0] === onTick,
  cls: world.kinds[0] === Critter,
  sym: world.sym === Symbol.for('imago.test'),
  negZero: Object.is(world.odd[0], -0),
  hole: !(9 in world.odd) && world.odd.length === 11,
}));
`;

describe('image files through the CLI', () => {
  it('saves on Ctrl-C and resumes with the state equal to what was saved', async () => {
    await withProject({ 'main.ts': STATE }, async (p) => {
      const first = CliRun.run(p.dir, ['--image', 'app.img', 'main.ts']);
      try {
        await first.until('the first run', () => first.lines.some((l) => l.startsWith('CHECKS')), 20000);
        await first.until('it is ready', () => first.events().some((e) => e.kind === 'ready'));
        await first.stop('SIGINT');
      } finally {
        first.kill();
      }
      assert.match(first.stderr, /saved app\.img \(/);
      const saved = first.events().find((e) => e.kind === 'image' && e.action === 'saved');
      assert.ok(saved, 'a saved event');
      const before = first.lines.join('\n');
      const again = runImage(p, [], true);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(line(again.stdout, 'RESUMED'), 'true');
      assert.equal(line(again.stdout, 'STATE'), line(before, 'STATE'), 'the state is equal, deep, to what was saved');
      const checks = JSON.parse(line(again.stdout, 'CHECKS')) as Record<string, unknown>;
      assert.deepEqual(checks, {
        counter: 43,
        instance: true,
        secret: 20,
        sharedRef: true,
        cycle: true,
        buffer: true,
        fn: true,
        cls: true,
        sym: true,
        negZero: true,
        hole: true,
      });
      assert.match(again.stderr, /resumed from app\.img: 2 bindings restored/);
    });
  });

  it('resumes instances with their class prototype and fast properties', async () => {
    await withProject(
      {
        'main.ts': `import { resumed } from 'imago/image';
class P { x = 0; y = 0; name = ''; move() { this.x++; } }
const ps: P[] = [];
if (!resumed()) for (let i = 0; i < 1000; i++) { const p = new P(); p.x = i; p.name = 'p' + i; ps.push(p); }
for (const p of ps) p.move();
const fast = (globalThis as any).eval('(o) => %HasFastProperties(o)');
console.log('OUT', ps.length, ps[999]!.x, ps.every((p) => Object.getPrototypeOf(p) === P.prototype), ps.every(fast));
`,
      },
      (p) => {
        const args = ['run', '--no-watch', '--typecheck=off', '--image', 'app.img', 'main.ts'];
        const first = spawnSync(process.execPath, ['--allow-natives-syntax', CLI, ...args], { cwd: p.dir, encoding: 'utf8' });
        assert.match(first.stdout, /OUT 1000 1000 true true/, first.stderr);
        const second = spawnSync(process.execPath, ['--allow-natives-syntax', CLI, ...args], { cwd: p.dir, encoding: 'utf8' });
        assert.match(second.stdout, /OUT 1000 1001 true true/, second.stderr);
      },
    );
  });

  it('autosaves every --autosave seconds, so a killed process resumes from the last save', async () => {
    await withProject(
      {
        'main.ts': `import { resumed } from 'imago/image';
let n = 0;
console.log('START ' + resumed() + ' ' + n);
setInterval(() => { n++; }, 20);
`,
      },
      async (p) => {
        const first = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', '--autosave', '0.2', 'main.ts']);
        try {
          await first.until('two autosaves', () => first.events().filter((e) => e.kind === 'image' && e.action === 'saved').length >= 2, 15000);
        } finally {
          first.kill();
        }
        assert.match(first.lines.join('\n'), /START false 0/);
        const second = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', 'main.ts']);
        try {
          await second.until('the resumed run', () => second.lines.find((l) => l.startsWith('START')));
          const [, resumed, n] = second.lines.find((l) => l.startsWith('START'))!.split(' ');
          assert.equal(resumed, 'true');
          assert.ok(Number(n) > 0, `the counter comes back from the last autosave (got ${n})`);
        } finally {
          second.kill();
        }
      },
    );
  });

  it('saveImage() saves and says what it wrote; start({ resumed }) tells a resume from a first run', async () => {
    await withProject(
      {
        'main.ts': `import { saveImage } from 'imago/image';
let runs = 0;
export async function start({ resumed }: { resumed: boolean }) {
  runs++;
  const saved = await saveImage();
  console.log('START', resumed, runs, saved.bindings, saved.objects, saved.bytes > 0, saved.file.endsWith('app.img'));
}
export function tick() {}
`,
      },
      async (p) => {
        for (const expected of ['START false 1 1 0 true true', 'START true 2 1 0 true true']) {
          const r = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', 'main.ts']);
          try {
            await r.until('start', () => r.lines.find((l) => l.startsWith('START')));
            assert.equal(
              r.lines.find((l) => l.startsWith('START')),
              expected,
            );
            await r.stop('SIGTERM');
          } finally {
            r.kill();
          }
        }
      },
    );
  });

  it('says saveImage() needs --image when the program runs without one', () => {
    const r = imago(tempDir({ 'main.ts': `import { saveImage } from 'imago/image';\nsaveImage().catch((e: Error) => console.log('ERR ' + e.message));\n` }), [
      'run',
      '--no-watch',
      '--typecheck=off',
      'main.ts',
    ]);
    assert.match(r.stdout, /ERR saveImage\(\): this program runs without an image file; run it with imago run --image <file> <entry\.ts>/);
  });
});

const made: TempProject[] = [];
/** A project directory removed when the process exits (for one-shot tests). */
function tempDir(files: Record<string, string>): string {
  const p = tempProject(files);
  made.push(p);
  return p.dir;
}
process.on('exit', () => {
  for (const p of made) p.remove();
});
