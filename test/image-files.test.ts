// Bad image files through the real CLI: every kind is refused with a message that names the file and
// what is wrong, the file is left exactly as it was, and `imago image info` says the same; a process
// killed (kill -9) while it autosaves leaves an image that loads, every time.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { encodeImageFile, type ImageHeader } from '../src/host/image-file.js';
import { CliRun } from './helpers/cli.js';
import { imago, line, runImage, withProject } from './helpers/image-cli.js';
import { sleep } from './helpers/project.js';

const PROGRAM = `import { resumed } from 'imago/image';
class Cell { value = 0; }
let cells: Cell[] = [];
let runs = 0;
if (!resumed()) cells = Array.from({ length: 50 }, (_, i) => Object.assign(new Cell(), { value: i }));
runs++;
console.log('OUT ' + JSON.stringify({ resumed: resumed(), runs, sum: cells.reduce((s, c) => s + c.value, 0) }));
`;

/** Splits a good image file into its header and payload (the frame of image-file.ts). */
function parts(bytes: Buffer): { header: ImageHeader; payload: Buffer } {
  const headLength = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.subarray(16, 16 + headLength).toString('utf8')) as ImageHeader;
  const at = 16 + headLength;
  return { header, payload: bytes.subarray(at + 8, bytes.length - 4) };
}

describe('bad image files', () => {
  it('refuses each kind of bad file with what is wrong, and leaves it as it was', async () => {
    await withProject({ 'main.ts': PROGRAM, 'other.ts': `let other = 1;\nother++;\n` }, (p) => {
      assert.equal(runImage(p).code, 0);
      const good = fs.readFileSync(p.path('app.img'));
      const { header, payload } = parts(good);
      const flipped = Buffer.from(good);
      flipped[Math.floor(good.length / 2)]! ^= 0x40;
      const newerFile = Buffer.from(good);
      newerFile.writeUInt32LE(2, 8);
      const cases: Array<[string, Buffer, RegExp]> = [
        ['empty', Buffer.alloc(0), /app\.img is empty \(0 bytes\)/],
        ['truncated in the magic', good.subarray(0, 5), /app\.img is not an imago image/],
        ['truncated in the header', good.subarray(0, 40), /app\.img is truncated/],
        ['truncated in the payload', good.subarray(0, Math.floor(good.length * 0.7)), /app\.img is truncated/],
        ['truncated by one byte', good.subarray(0, good.length - 1), /app\.img is truncated/],
        ['a flipped byte', flipped, /app\.img is corrupt: its checksum does not match/],
        ['foreign bytes', Buffer.from('{"not":"an image"}'), /app\.img is not an imago image/],
        ['a newer file format', newerFile, /app\.img was written by a newer imago \(image format 2/],
        [
          'a newer state format',
          encodeImageFile({ ...header, imago: '9.0.0', state: { ...(header['state'] as object), format: 2 } }, payload),
          /app\.img was written by a newer imago \(9\.0\.0, state format 2/,
        ],
        [
          'no state in it',
          encodeImageFile({ entry: 'main.ts', savedAt: header.savedAt, imago: header.imago }, payload),
          /app\.img holds no saved program state/,
        ],
        [
          'the image of another program',
          encodeImageFile({ ...header, entry: 'other.ts' }, payload),
          /app\.img is the image of another program \(saved from other\.ts, this is main\.ts\)/,
        ],
        [
          'a payload that does not decode',
          encodeImageFile(header, Buffer.from(payload.subarray(0, payload.length - 3))),
          /cannot resume from app\.img: the image app\.img/,
        ],
      ];
      for (const [what, bytes, message] of cases) {
        fs.writeFileSync(p.path('app.img'), bytes);
        const r = runImage(p);
        assert.equal(r.code, 1, `${what}: exit 1\n${r.stderr}`);
        assert.match(r.stderr, message, what);
        assert.ok(fs.readFileSync(p.path('app.img')).equals(bytes), `${what}: the file is left as it was`);
        assert.doesNotMatch(r.stdout, /OUT/, `${what}: the program did not run`);
        const info = imago(p.dir, ['image', 'info', 'app.img']);
        if (what !== 'a payload that does not decode' && what !== 'the image of another program') {
          assert.equal(info.code, 1, `${what}: image info exits 1`);
          assert.match(info.stderr, message, `${what}: image info says why`);
        }
      }
      fs.writeFileSync(p.path('app.img'), good);
      assert.deepEqual(JSON.parse(line(runImage(p).stdout, 'OUT')), { resumed: true, runs: 2, sum: 1225 }, 'the good image resumes');
    });
  });

  it('imago image info prints what the file holds', async () => {
    await withProject({ 'main.ts': PROGRAM }, (p) => {
      assert.equal(runImage(p).code, 0);
      const r = imago(p.dir, ['image', 'info', 'app.img']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^app\.img: imago image, file format 1, state format 1, [\d.]+ kB\n/);
      assert.match(r.stdout, /saved \d{4}-\d\d-\d\dT[\d:.]+Z by imago [\d.]+ from main\.ts/);
      assert.match(r.stdout, /51 objects reachable from the saved bindings/);
      assert.match(r.stdout, /modules \(1\):\n {2}main\.ts: cells, runs\n/);
      assert.match(r.stdout, /classes \(1\):\n {2}Cell \(main\.ts\): 50 instances, layout version 1; fields \{ value: number \}/);
      assert.match(r.stdout, /stores \(0\):/);
      const missing = imago(p.dir, ['image', 'info', 'nope.img']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nope\.img does not exist/);
      const usage = imago(p.dir, ['image', 'info']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /'imago image info' takes one image file/);
    });
  });

  it('says what is wrong with the image options', async () => {
    await withProject({ 'main.ts': PROGRAM }, (p) => {
      const cases: Array<[string[], RegExp]> = [
        [['--autosave', '5', 'main.ts'], /--autosave works with an image file: add --image <file>/],
        [['--fresh', 'main.ts'], /--fresh works with an image file: add --image <file>/],
        [['--image-drop-missing', 'main.ts'], /--image-drop-missing works with an image file/],
        [['--image', 'a.img', '--autosave', 'soon', 'main.ts'], /--autosave takes a number >= 0.1, got 'soon'/],
        [['--image', 'a.img', '--fresh', '--image-drop-missing', 'main.ts'], /--fresh starts without the image/],
        [['--image', 'no/such/dir/a.img', 'main.ts'], /--image: the folder of 'no\/such\/dir\/a\.img' does not exist/],
        [['--image', 'a.img', '--autosave', '3000000', 'main.ts'], /--autosave takes at most 2147483 seconds/],
      ];
      for (const [args, message] of cases) {
        const r = imago(p.dir, ['run', '--no-watch', ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
        assert.match(r.stderr, message);
      }
    });
  });

  it('lets one imago use an image file at a time, takes over the lock of a gone one, and refuses a folder', async () => {
    await withProject({ 'main.ts': `let n = 0;\nn++;\nsetInterval(() => {}, 1000);\n` }, async (p) => {
      const first = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', 'main.ts']);
      try {
        await first.until('the first one runs', () => first.events().some((e) => e.kind === 'ready'), 20000);
        const second = imago(p.dir, ['run', '--no-watch', '--typecheck=off', '--image', 'app.img', 'main.ts']);
        assert.equal(second.code, 1);
        assert.match(
          second.stderr,
          /app\.img is in use by another imago \(pid \d+, as app\.img\.lock says\); give --image another file, or stop that process first/,
        );
        await first.stop('SIGTERM');
      } finally {
        first.kill();
      }
      assert.ok(!fs.existsSync(p.path('app.img.lock')), 'the lock goes with the process');
      fs.writeFileSync(p.path('app.img.lock'), '999999\n');
      const after = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', 'main.ts']);
      try {
        await after.until('a run after a gone one', () => after.events().filter((e) => e.kind === 'ready').length >= 2, 20000);
        await after.stop('SIGTERM');
      } finally {
        after.kill();
      }
      assert.match(after.stderr, /resumed from app\.img/);
      fs.mkdirSync(p.path('folder.img'));
      const folder = imago(p.dir, ['run', '--no-watch', '--typecheck=off', '--image', 'folder.img', 'main.ts']);
      assert.equal(folder.code, 1);
      assert.match(folder.stderr, /--image folder\.img is a folder; give the path of a file/);
    });
  });

  it('leaves an image that loads when the process is killed (kill -9) while it saves, 10 times', async () => {
    const program = `import { resumed } from 'imago/image';
class Body { x = 0; y = 0; vx = 1; vy = 2; name = ''; }
let bodies: Body[] = [];
let generation = 0;
if (!resumed()) bodies = Array.from({ length: 100000 }, (_, i) => Object.assign(new Body(), { x: i, name: 'b' + i }));
console.log('START ' + generation);
setInterval(() => { generation++; for (let i = 0; i < 1000; i++) bodies[i]!.x++; }, 5);
`;
    await withProject({ 'main.ts': program }, async (p) => {
      let last = -1;
      for (let round = 0; round < 10; round++) {
        const r = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', '--autosave', '0.1', 'main.ts']);
        try {
          await r.until('the program runs', () => r.lines.some((l) => l.startsWith('START')), 20000);
          await sleep(150 + Math.floor(Math.random() * 300));
        } finally {
          r.kill();
        }
        await r.until('it is gone', () => r.exit !== null || undefined).catch(() => undefined);
        if (!fs.existsSync(p.path('app.img'))) continue;
        const info = imago(p.dir, ['image', 'info', 'app.img']);
        assert.equal(info.code, 0, `round ${round}: the image loads\n${info.stderr}`);
        const generation = Number(/START (\d+)/.exec(r.lines.join('\n'))?.[1]);
        assert.ok(generation >= last, `round ${round}: it resumed from a save at least as new as the last (${generation} >= ${last})`);
        last = generation;
      }
      const leftovers = fs.readdirSync(p.dir).filter((f) => f.endsWith('.tmp'));
      fs.rmSync(p.path('.events.ndjson'), { force: true });
      const final = CliRun.run(p.dir, ['--typecheck=off', '--image', 'app.img', 'main.ts']);
      try {
        await final.until('the program runs', () => final.events().some((e) => e.kind === 'ready'), 20000);
        await final.stop('SIGTERM');
      } finally {
        final.kill();
      }
      assert.match(final.stderr, /saved app\.img/);
      assert.deepEqual(
        fs.readdirSync(p.dir).filter((f) => f.endsWith('.tmp')),
        [],
        `the next save removes what killed saves left (${leftovers.length} left before it)`,
      );
    });
  });
});
