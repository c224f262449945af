// One contract, run against every host: what the runtime may rely on from the platform (runtime/host.ts).
// The Node host runs images on real files; the memory host runs them on files in a Map with a clock
// driven by hand. Both must answer the same way.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { createMemoryHost } from '../src/host/memory-host.js';
import { createNodeHost } from '../src/host/node-host.js';
import type { FileRead, Host } from '../src/runtime/host.js';
import { sleep, tempProject } from './helpers/project.js';

interface Fixture {
  readonly host: Host;
  readonly root: string;
  write(rel: string, text: string): void;
  /** A folder where a file is looked for. */
  folder(rel: string): void;
  /** A path that is a loop of symbolic links. */
  loop(rel: string): void;
  /** Lets `ms` of the host's time pass. */
  wait(ms: number): Promise<void>;
}

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

const fixtures: Record<string, () => Fixture> = {
  node: () => {
    const p = tempProject({});
    cleanup.push(() => p.remove());
    return {
      host: createNodeHost(),
      root: p.dir,
      write: (rel, text) => p.write({ [rel]: text }),
      folder: (rel) => fs.mkdirSync(p.path(rel)),
      loop: (rel) => fs.symlinkSync(rel, p.path(rel)),
      wait: (ms) => sleep(ms + 5),
    };
  },
  memory: () => {
    const host = createMemoryHost({ manualClock: true });
    const root = '/contract';
    return {
      host,
      root,
      write: (rel, text) => host.write({ [`${root}/${rel}`]: text }),
      folder: (rel) => host.breakFile(`${root}/${rel}`, 'EISDIR', 'it is a folder'),
      loop: (rel) => host.breakFile(`${root}/${rel}`, 'ELOOP', 'too many levels of symbolic links'),
      wait: async (ms) => host.clock!.advance(ms),
    };
  },
};

for (const [name, make] of Object.entries(fixtures)) {
  describe(`host contract: ${name} host`, () => {
    it('stamps each read with the write it saw: the same write twice has one stamp, a write again another', async () => {
      const f = make();
      const file = `${f.root}/stamped.ts`;
      f.write('stamped.ts', 'export const a = 1;\n');
      const first = await f.host.readFile(file);
      const again = await f.host.readFile(file);
      assert.equal(first.kind === 'text' && typeof first.stamp, 'string');
      assert.equal(again.kind === 'text' && again.stamp, first.kind === 'text' && first.stamp);
      // A later save of the same text (modification times are only as fine as the kernel's clock tick).
      await f.wait(20);
      f.write('stamped.ts', 'export const a = 1;\n');
      const saved = await f.host.readFile(file);
      assert.equal(saved.kind === 'text' && saved.text, 'export const a = 1;\n');
      assert.notEqual(saved.kind === 'text' && saved.stamp, first.kind === 'text' && first.stamp);
    });

    it('reads a file as text, a missing one as missing, and never throws for one it cannot read', async () => {
      const f = make();
      const at = (rel: string): string => f.host.paths.resolve(f.root, rel);
      f.write('a.ts', 'export const a = 1;\n');
      f.folder('dir.ts');
      f.loop('loop.ts');
      const a = await f.host.readFile(at('a.ts'));
      assert.deepEqual(a.kind === 'text' && a.text, 'export const a = 1;\n');
      assert.deepEqual(await f.host.readFile(at('none.ts')), { kind: 'missing' });
      // Without the stamp (which write was found so), a host's own.
      const unstamped = async (rel: string): Promise<FileRead> => {
        const { stamp: _, ...read } = (await f.host.readFile(at(rel))) as FileRead & { stamp?: string };
        return read as FileRead;
      };
      assert.deepEqual(await unstamped('dir.ts'), { kind: 'unreadable', code: 'EISDIR', message: 'it is a folder' });
      assert.deepEqual(await unstamped('loop.ts'), { kind: 'unreadable', code: 'ELOOP', message: 'too many levels of symbolic links' });
    });

    it('tells files from what is not a file', () => {
      const f = make();
      f.write('a.ts', '');
      assert.equal(f.host.isFile(f.host.paths.resolve(f.root, 'a.ts')), true);
      assert.equal(f.host.isFile(f.host.paths.resolve(f.root, 'none.ts')), false);
    });

    it('compiles a function that runs, under the name its stack frames show', () => {
      const f = make();
      const fn = f.host.compileFunction('if (a > b) throw new Error("big"); return a + b;', ['a', 'b'], '/compiled/name.ts?v7');
      assert.equal(fn(1, 2), 3);
      assert.throws(
        () => fn(3, 1),
        (e: unknown) => e instanceof Error && (e.stack ?? '').includes('/compiled/name.ts?v7:'),
      );
    });

    it('loads builtins, and rejects an unknown package naming it', async () => {
      const f = make();
      const ns = (await f.host.importPlatform('node:path', f.host.paths.resolve(f.root, 'main.ts'))) as { join?: unknown };
      assert.equal(typeof ns.join, 'function');
      await assert.rejects(f.host.importPlatform('no-such-package-anywhere', f.host.paths.resolve(f.root, 'main.ts')), /no-such-package-anywhere/);
    });

    it('works with paths and file URLs', () => {
      const { host } = make();
      assert.equal(host.paths.resolve('/a/b', '../c.ts'), '/a/c.ts');
      assert.equal(host.paths.relative('/a', '/a/b/c.ts'), 'b/c.ts');
      assert.equal(host.paths.dirname('/a/b/c.ts'), '/a/b');
      assert.equal(host.paths.isAbsolute('/a'), true);
      assert.equal(host.paths.isAbsolute('a'), false);
      assert.equal(host.fileUrl('/a/b c.ts'), 'file:///a/b%20c.ts');
    });

    it('runs timers in time, clears them, and its clock moves forward', async () => {
      const f = make();
      const { timers } = f.host;
      const log: string[] = [];
      const t0 = f.host.now();
      timers.setTimeout(() => log.push('timeout'), 10);
      const cleared = timers.setTimeout(() => log.push('cleared'), 10);
      timers.clearTimeout(cleared);
      const every = timers.setInterval(() => log.push('tick'), 4);
      timers.setImmediate(() => log.push('immediate'));
      await f.wait(13);
      timers.clearInterval(every);
      const ticked = log.filter((l) => l === 'tick').length;
      await f.wait(20);
      assert.equal(log[0], 'immediate');
      assert.ok(log.includes('timeout'), 'the timeout ran');
      assert.ok(!log.includes('cleared'), 'the cleared one did not');
      assert.ok(ticked >= 1, 'the interval ran while it was set');
      assert.equal(log.filter((l) => l === 'tick').length, ticked, 'and not after it was cleared');
      assert.ok(f.host.now() - t0 >= 33, 'time moved on');
    });

    it('finds the live instances of a prototype', () => {
      const { host } = make();
      class Probe {}
      const kept = [new Probe(), new Probe()];
      const found = host.findInstances?.(Probe.prototype);
      assert.ok(found, 'both hosts can find instances');
      assert.equal(found.length, 2);
      assert.ok(kept.every((k) => found.includes(k)));
    });
  });
}
