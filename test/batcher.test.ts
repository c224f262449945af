// The batcher alone, on the memory host with a clock driven by hand: events become changes, the batch is
// read once as it begins and its check starts then, a save after that read is not lost, and a disposed
// batcher applies nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher, BUSY_MAX_MS, REAPPEAR_MS } from '../src/host/batcher.js';
import { createImage, type ImageEvent } from '../src/index.js';
import type { CheckedTexts } from '../src/runtime/sources.js';
import type { TypeGate } from '../src/runtime/type-gate.js';
import { memoryProject } from './helpers/image.js';

/** Lets promises settle (reads, changes) without moving the clock. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
};

interface SetupOptions {
  readonly files?: Record<string, string>;
  /** Runs before each type check answers (to hold a check, say). */
  readonly beforeAnswer?: () => Promise<void>;
  /** Whether a tool is writing the project's files. */
  readonly busy?: () => boolean;
}

async function setup(options: SetupOptions = {}): Promise<{
  batcher: Batcher;
  write: (text: string) => void;
  file: string;
  advance: (ms: number) => Promise<void>;
  api: () => Record<string, unknown>;
  reloads: ImageEvent[];
  checked: CheckedTexts[];
  ahead: CheckedTexts[];
  path: (rel: string) => string;
  writeFiles: (files: Record<string, string | null>) => void;
  applied: unknown[];
}> {
  const { project, host } = memoryProject(options.files ?? { 'main.ts': 'export const v = 0;\n' }, { manualClock: true });
  const checked: CheckedTexts[] = [];
  const gate: TypeGate = {
    check: async (texts) => {
      checked.push(texts);
      await options.beforeAnswer?.();
      return { errors: [], notices: [], checked: texts.size, ms: 0 };
    },
    knows: () => false,
    close: () => undefined,
  };
  const image = createImage({ entry: project.path('main.ts'), root: project.dir, host, typeGate: gate });
  assert.equal((await image.load()).kind, 'applied');
  const reloads: ImageEvent[] = [];
  const applied: unknown[] = [];
  image.subscribe((e) => {
    if (e.kind === 'reload') reloads.push(e);
    if (e.kind === 'reload' && e.ok) applied.push(image.entry!['v']);
  });
  const ahead: CheckedTexts[] = [];
  const batcher = new Batcher({
    image,
    debounceMs: 3,
    timers: host.timers,
    checkAhead: (t) => ahead.push(t),
    onInternalError: (m) => assert.fail(m),
    exists: (f) => host.isFile(f),
    now: () => host.now(),
    ...(options.busy ? { busy: options.busy } : {}),
  });
  const file = project.path('main.ts');
  return {
    batcher,
    file,
    write: (text) => host.write({ [file]: text }),
    advance: async (ms) => {
      host.clock!.advance(ms);
      await settle();
    },
    api: () => image.entry!,
    reloads,
    checked,
    ahead,
    path: (rel) => project.path(rel),
    writeFiles: (files) => project.write(files),
    applied,
  };
}

describe('the batcher', () => {
  it('applies the events of one quiet period as one change, its texts read once and checked as they were read', async () => {
    const s = await setup();
    s.write('export const v = 1;\n');
    s.batcher.add(s.file);
    s.batcher.add(s.file);
    await s.advance(0);
    assert.equal(s.ahead.length, 1, 'the check began as the batch was read');
    await s.advance(3);
    assert.equal(s.reloads.length, 1, 'one change');
    assert.equal(s.api()['v'], 1);
    assert.equal(s.checked.at(-1), s.ahead[0], 'the change was checked with the snapshot read early: the same bytes');
  });

  it('reads again when a save came after its early read, and applies the newer text', async () => {
    const s = await setup();
    s.write('export const v = 1;\n');
    s.batcher.add(s.file);
    await s.advance(0);
    s.write('export const v = 2;\n');
    s.batcher.add(s.file);
    await s.advance(3);
    assert.equal(s.api()['v'], 2, 'the later save is what runs');
    assert.equal(s.checked.at(-1)?.get(s.file), 'export const v = 2;\n', 'and what was checked');
  });

  it('keeps the early snapshot when the text read again is the same', async () => {
    const s = await setup();
    s.write('export const v = 3;\n');
    s.batcher.add(s.file);
    await s.advance(0);
    s.batcher.add(s.file);
    await s.advance(3);
    assert.equal(s.api()['v'], 3);
    assert.equal(s.checked.at(-1), s.ahead[0], 'the early check answered');
  });

  it('waits for a gone file until REAPPEAR_MS after it went, whatever other files do meanwhile (save all through renames)', async () => {
    const s = await setup({
      files: { 'main.ts': "export { v } from './a.ts';\nexport { w } from './b.ts';\n", 'a.ts': 'export const v = 0;\n', 'b.ts': 'export const w = 0;\n' },
    });
    s.writeFiles({ 'a.ts': null });
    s.batcher.add(s.path('a.ts'));
    await s.advance(20);
    s.writeFiles({ 'b.ts': 'export const w = 1;\n' });
    s.batcher.add(s.path('b.ts'));
    await s.advance(REAPPEAR_MS - 40);
    assert.equal(s.reloads.length, 0, 'still waiting for a.ts');
    s.writeFiles({ 'a.ts': 'export const v = 1;\n' });
    s.batcher.add(s.path('a.ts'));
    await s.advance(5);
    assert.deepEqual(
      s.reloads.map((r) => (r as { ok: boolean }).ok),
      [true],
      'one change, no rejection',
    );
    assert.deepEqual([s.api()['v'], s.api()['w']], [1, 1]);
  });

  it('reads again a file its early read found gone when it is back by the time the batch applies, though no event said so yet', async () => {
    const s = await setup({ files: { 'main.ts': "export { v } from './a.ts';\n", 'a.ts': 'export const v = 0;\n' } });
    s.writeFiles({ 'a.ts': null });
    s.batcher.add(s.path('a.ts'));
    await s.advance(0); // the early read: a.ts is gone
    assert.equal(s.ahead.at(-1)?.get(s.path('a.ts')), null);
    s.writeFiles({ 'a.ts': 'export const v = 1;\n' }); // back, its event late
    await s.advance(5);
    assert.deepEqual(
      s.reloads.map((r) => (r as { ok: boolean }).ok),
      [true],
      'applied, not rejected as a deletion',
    );
    assert.equal(s.api()['v'], 1);
  });

  it('applies a deletion once the file stayed gone REAPPEAR_MS', async () => {
    const s = await setup({ files: { 'main.ts': "export { v } from './a.ts';\n", 'a.ts': 'export const v = 0;\n' } });
    s.writeFiles({ 'a.ts': null });
    s.batcher.add(s.path('a.ts'));
    await s.advance(REAPPEAR_MS - 10);
    assert.equal(s.reloads.length, 0);
    await s.advance(20);
    assert.deepEqual(
      s.reloads.map((r) => (r as { ok: boolean }).ok),
      [false],
      'rejected: main.ts still imports it',
    );
  });

  it('applies nothing once disposed', async () => {
    const s = await setup();
    s.write('export const v = 4;\n');
    s.batcher.add(s.file);
    s.batcher.dispose();
    await s.advance(10);
    assert.equal(s.reloads.length, 0);
    assert.equal(s.api()['v'], 0);
  });

  it('never applies older text than the change before it, whatever order reads and checks finish in', async () => {
    const box: { hold: (() => void) | null; blocking: boolean } = { hold: null, blocking: false };
    const s = await setup({
      files: { 'main.ts': "import { w } from './b.ts';\nexport const v = 0; export const ww = w;\n", 'b.ts': 'export const w = 0;\n' },
      beforeAnswer: () =>
        box.blocking
          ? new Promise<void>((r) => {
              box.hold = r;
            })
          : Promise.resolve(),
    });
    const [main, b] = [s.path('main.ts'), s.path('b.ts')];
    const src = (v: number): string => `import { w } from './b.ts';\nexport const v = ${v}; export const ww = w;\n`;
    // change 0: slow (its type check takes a while)
    box.blocking = true;
    s.write(src(1));
    s.batcher.add(main);
    await s.advance(0);
    await s.advance(3);
    assert.ok(box.hold, 'change 0 is being checked');
    const release0 = box.hold!;
    box.blocking = false;
    // batch 1: main saved, early read of {main}; then b saved too (not in the early read)
    s.write(src(2));
    s.batcher.add(main);
    await s.advance(0);
    s.writeFiles({ 'b.ts': 'export const w = 1;\n' });
    s.batcher.add(b);
    await s.advance(3); // flush 1: the change will read when it begins (after change 0)
    // batch 2: main saved again, read early, flushed
    s.write(src(3));
    s.batcher.add(main);
    await s.advance(0);
    await s.advance(3); // flush 2: hands the early snapshot (v = 3)
    // a later save (its batch comes later)
    s.write(src(4));
    release0();
    await s.advance(0);
    await settle();
    await settle();
    const { applied } = s;
    assert.ok(applied.length >= 2, `changes applied: ${JSON.stringify(applied)}`);
    for (let i = 1; i < applied.length; i++) assert.ok((applied[i] as number) >= (applied[i - 1] as number), `applied ${JSON.stringify(applied)}`);
  });
});

describe('the batcher while a tool writes the project (git holds its index lock)', () => {
  const files = { 'main.ts': "export { v } from './a.ts';\nexport { w } from './b.ts';\n", 'a.ts': 'export const v = 0;\n', 'b.ts': 'export const w = 0;\n' };

  it('waits until the tool is done, however long its pauses, and applies its files as one change', async () => {
    let busy = true;
    const s = await setup({ files, busy: () => busy });
    s.writeFiles({ 'a.ts': 'export const v = 1;\n' });
    s.batcher.add(s.path('a.ts'));
    await s.advance(200);
    assert.equal(s.reloads.length, 0, 'held while the tool writes');
    s.writeFiles({ 'b.ts': 'export const w = 1;\n' });
    s.batcher.add(s.path('b.ts'));
    await s.advance(200);
    busy = false;
    await s.advance(20);
    assert.deepEqual(
      s.reloads.map((r) => [(r as { ok: boolean }).ok, (r as unknown as { files: string[] }).files]),
      [[true, ['a.ts', 'b.ts']]],
    );
    assert.deepEqual([s.api()['v'], s.api()['w']], [1, 1]);
  });

  it('applies after BUSY_MAX_MS when the lock stays (a git that was killed left it)', async () => {
    const s = await setup({ files, busy: () => true });
    s.writeFiles({ 'a.ts': 'export const v = 2;\n' });
    s.batcher.add(s.path('a.ts'));
    await s.advance(BUSY_MAX_MS - 20);
    assert.equal(s.reloads.length, 0);
    await s.advance(40);
    assert.equal(s.api()['v'], 2);
  });
});
