// Parts of the session, each started on an image of its own and disposed alone: the reporter (what each
// event means on stderr) and the events file (one JSON line per event; a file that cannot be written is
// reported once and left alone).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { printEvents } from '../src/host/event-lines.js';
import { writeEvents } from '../src/host/events-file.js';
import { Reporter } from '../src/host/report.js';
import { createImage, type LiveImage } from '../src/index.js';
import { memoryProject } from './helpers/image.js';
import { tempProject } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

async function image(): Promise<{ image: LiveImage; write: (text: string) => Promise<unknown> }> {
  const { project, host } = memoryProject({ 'main.ts': 'export const v = 1;\n' });
  const img = createImage({ entry: project.path('main.ts'), root: project.dir, host });
  cleanup.push(() => img.dispose());
  assert.equal((await img.load()).kind, 'applied');
  return {
    image: img,
    write: (text) => {
      project.write({ 'main.ts': text });
      return img.change([project.path('main.ts')]);
    },
  };
}

describe('the reporter', () => {
  it('says what each event means, and stops when disposed', async () => {
    const { image: img, write } = await image();
    let text = '';
    const stop = printEvents(img, new Reporter((t) => (text += t)), { typecheck: 'gate', watch: true, entry: 'main.ts' });
    img.publish({ kind: 'ready', ms: 12, files: ['main.ts'] });
    await write('export const v = 2;\n');
    await write('export const v = ;\n');
    img.publish({ kind: 'warning', message: 'careful', errors: [] });
    img.publish({ kind: 'typecheck', ok: true, ms: 3, files: 1, errors: [] });
    const lines = text.trim().split('\n');
    assert.match(lines[0]!, /^\[imago\] running main\.ts \(1 module\) in 12 ms; watching for changes$/);
    assert.match(lines[1]!, /^\[imago\] reloaded main\.ts in [\d.]+ ms \(1 binding re-evaluated\)$/);
    assert.match(lines[2]!, /^\[imago\] rejected change to main\.ts \(parse\); the previous version keeps running$/);
    assert.match(text, /main\.ts:1:\d+ IMAGO_PARSE/);
    assert.match(text, /\[imago\] careful\n/);
    assert.match(text, /\[imago\] the whole program type-checks again\n/);
    stop();
    const before = text;
    await write('export const v = 3;\n');
    assert.equal(text, before, 'nothing printed after it was disposed');
  });
});

describe('the events file', () => {
  it('appends one JSON line per event', async () => {
    const { image: img, write } = await image();
    const p = tempProject({});
    cleanup.push(() => p.remove());
    const file = path.join(p.dir, 'events.ndjson');
    const stop = writeEvents(img, file, (m) => assert.fail(m));
    await write('export const v = 2;\n');
    img.publish({ kind: 'warning', message: 'w', errors: [] });
    stop();
    await write('export const v = 3;\n');
    const events = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; ok?: boolean });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['reload', 'warning'],
    );
    assert.equal(events[0]!.ok, true);
  });

  it('reports a file it cannot write once, stops writing, and the program goes on', async () => {
    const { image: img, write } = await image();
    const p = tempProject({});
    cleanup.push(() => p.remove());
    const file = path.join(p.dir, 'gone', 'events.ndjson');
    const failures: string[] = [];
    writeEvents(img, file, (m) => failures.push(m));
    assert.equal(((await write('export const v = 2;\n')) as { kind: string }).kind, 'applied');
    assert.equal(((await write('export const v = 3;\n')) as { kind: string }).kind, 'applied');
    assert.equal(failures.length, 1, 'said once');
    assert.match(failures[0]!, /^cannot write the events file .*gone\/events\.ndjson \(ENOENT.*\); events are no longer written there$/);
    assert.equal(img.entry!['v'], 3);
  });
});
