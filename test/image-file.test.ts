// The image file container: a round trip, every kind of bad file refused with what is wrong, and a
// save killed (kill -9) at random moments leaving the previous image whole every time.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { decodeImageFile, encodeImageFile, IMAGE_FORMAT, type ImageHeader, readImageFile, writeImageFile } from '../src/host/image-file.js';
import { sleep } from './helpers/project.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-image-'));
  dirs.push(d);
  return d;
};

const header: ImageHeader = { entry: 'main.ts', savedAt: '2026-11-29T09:00:00.000Z', imago: '0.1.0' };
const payload = new Uint8Array(Array.from({ length: 300 }, (_, i) => i % 251));

describe('the image file', () => {
  it('gives back what was written', async () => {
    const file = path.join(tempDir(), 'app.image');
    const { bytes } = await writeImageFile(file, header, payload);
    const r = await readImageFile(file);
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.deepEqual(r.header, header);
    assert.deepEqual([...r.payload], [...payload]);
    assert.equal(r.bytes, bytes);
  });

  it('writes a payload given in chunks, empty ones too, as one payload with the right checksum', async () => {
    const file = path.join(tempDir(), 'app.image');
    // An empty view over a 0-byte buffer (TextEncoder's empty string): zlib.crc32 of it returns 0 in Node 20.
    const chunks = [
      new Uint8Array([1, 2]),
      new TextEncoder().encode(''),
      new Uint8Array(new Float64Array([1.5]).buffer),
      new Uint8Array(0),
      Buffer.from('xyz'),
    ];
    await writeImageFile(file, header, chunks);
    const r = await readImageFile(file);
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.deepEqual([...r.payload], [1, 2, ...new Uint8Array(new Float64Array([1.5]).buffer), 120, 121, 122]);
    assert.ok(fs.readFileSync(file).equals(encodeImageFile(header, chunks)));
  });

  it('refuses a file cut short at any offset, and any flipped byte, saying what is wrong', () => {
    const good = encodeImageFile(header, payload);
    for (const length of [1, 7, 8, 12, 20, 40, good.length - 300, good.length - 5, good.length - 1]) {
      const r = decodeImageFile(good.subarray(0, length), 'app.image');
      assert.ok(!r.ok && /^app\.image (is truncated|is not an imago image)/.test(r.problem), `${length}: ${r.ok ? 'read' : r.problem}`);
    }
    for (const at of [8, 12, 20, 50, good.length - 100, good.length - 2]) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x40;
      const r = decodeImageFile(bad, 'app.image');
      assert.ok(!r.ok, `a flipped byte at ${at} is refused`);
    }
    const flipped = Buffer.from(good);
    flipped[good.length - 100] = flipped[good.length - 100]! ^ 1;
    const r = decodeImageFile(flipped, 'app.image');
    assert.ok(!r.ok && /is corrupt: its checksum does not match/.test(r.problem));
  });

  it('refuses an empty file, a file of something else, extra bytes and a newer format', () => {
    const empty = decodeImageFile(new Uint8Array(0), 'app.image');
    assert.ok(!empty.ok && /app\.image is empty \(0 bytes\)/.test(empty.problem));
    const foreign = decodeImageFile(Buffer.from('{"name": "not an image"}'), 'app.image');
    assert.ok(!foreign.ok && /is not an imago image/.test(foreign.problem));
    const longer = decodeImageFile(Buffer.concat([encodeImageFile(header, payload), Buffer.from([1, 2])]), 'app.image');
    assert.ok(!longer.ok && /has 2 bytes after its end/.test(longer.problem));
    const newer = encodeImageFile(header, payload);
    newer.writeUInt32LE(IMAGE_FORMAT + 1, 8);
    const n = decodeImageFile(newer, 'app.image');
    assert.ok(!n.ok && new RegExp(`written by a newer imago \\(image format ${IMAGE_FORMAT + 1}; this imago reads format ${IMAGE_FORMAT}\\)`).test(n.problem));
  });

  it('says a missing file is missing, and leaves nothing behind when a save cannot finish', async () => {
    const dir = tempDir();
    const missing = await readImageFile(path.join(dir, 'none.image'));
    assert.ok(!missing.ok && missing.missing);
    fs.mkdirSync(path.join(dir, 'taken'));
    await assert.rejects(writeImageFile(path.join(dir, 'taken'), header, payload));
    assert.deepEqual(fs.readdirSync(dir), ['taken'], 'the temporary file was removed');
  });

  it('lets saves overlap: each one whole, the last to finish is the file', async () => {
    const file = path.join(tempDir(), 'app.image');
    const saves = Array.from({ length: 20 }, (_, i) => writeImageFile(file, header, new Uint8Array(1 << 16).fill(i)));
    await Promise.all(saves);
    const r = await readImageFile(file);
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.ok(r.payload.every((b) => b === r.payload[0]));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['app.image']);
  });

  it('keeps the previous image whole when a save is killed (kill -9) at random moments', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.image');
    const module = pathToFileURL(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src/host/image-file.js')).href;
    await writeImageFile(file, header, new Uint8Array(1 << 20).fill(65));
    const script = path.join(dir, 'saver.mjs');
    fs.writeFileSync(
      script,
      `import { writeImageFile } from ${JSON.stringify(module)};\nconst h = ${JSON.stringify(header)};\nfor (let i = 0; ; i++) await writeImageFile(${JSON.stringify(file)}, h, new Uint8Array(8 << 20).fill(i % 2 ? 65 : 66));\n`,
    );
    for (let round = 0; round < 10; round++) {
      const child = spawn(process.execPath, [script], { stdio: 'ignore' });
      await sleep(40 + Math.floor(Math.random() * 160));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const r = await readImageFile(file);
      assert.ok(r.ok, `round ${round}: ${r.ok ? '' : r.problem}`);
      assert.ok(r.payload[0] === 65 || r.payload[0] === 66);
      assert.ok(
        r.payload.every((b) => b === r.payload[0]),
        'one image, whole',
      );
    }
    await writeImageFile(file, header, payload);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['app.image', 'saver.mjs'], 'the next save removes what killed saves left');
  });
});
