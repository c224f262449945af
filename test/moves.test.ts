// A file renamed or moved while the program runs is the same module at a new path: its state, its
// functions (and the references saved to them) and its classes carry over.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeResult } from '../src/index.js';
import { CliRun } from './helpers/cli.js';
import { call, startImage } from './helpers/image.js';
import { tempProject } from './helpers/project.js';

const applied = (r: ChangeResult): NonNullable<Extract<ChangeResult, { kind: 'applied' }>['summary']> => {
  assert.equal(r.kind, 'applied', JSON.stringify(r));
  return (r as Extract<ChangeResult, { kind: 'applied' }>).summary;
};

const handlers = (word: string): string => `let served = 0;
export class Store { users = ['ada']; }
export const store = new Store();
export function listUsers(): string { served++; return '${word} ' + store.users.join(',') + ' #' + served; }
`;
const main = (from: string): string => `import { listUsers, store } from './${from}';
export const saved = listUsers;
export function probe(): string { return saved(); }
export { store };
`;

describe('a moved file', () => {
  it('renamed with its importer updated in the same change keeps its state, its classes and the references saved to its functions', async () => {
    const { api, edit } = await startImage({ 'main.ts': main('handlers.ts'), 'handlers.ts': handlers('v1') });
    const store = api()['store'];
    assert.equal(call(api(), 'probe'), 'v1 ada #1');
    const summary = applied(await edit({ 'handlers.ts': null, 'routes.ts': handlers('v1'), 'main.ts': main('routes.ts') }));
    assert.deepEqual(summary.moved, [{ from: 'handlers.ts', to: 'routes.ts' }]);
    assert.deepEqual([summary.modules.added, summary.modules.removed], [0, 0]);
    assert.equal(call(api(), 'probe'), 'v1 ada #2', 'the saved reference still works, and served kept counting');
    assert.equal(api()['store'], store);
  });

  it('moved and edited at once, or in two saves (the delete first), is still a move', async () => {
    const { api, edit } = await startImage({ 'main.ts': main('handlers.ts'), 'handlers.ts': handlers('v1') });
    call(api(), 'probe');
    const first = await edit({ 'handlers.ts': null });
    assert.equal(first.kind, 'rejected', 'main.ts still imports it');
    const summary = applied(await edit({ 'lib/routes.ts': handlers('v2'), 'main.ts': main('lib/routes.ts') }));
    assert.deepEqual(summary.moved, [{ from: 'handlers.ts', to: 'lib/routes.ts' }]);
    assert.equal(call(api(), 'probe'), 'v2 ada #2');
  });

  it('a moved module reads its new path (import.meta.url, filename, dirname); a file that changes kind is not a move', async () => {
    const where = "export function where(): string { return import.meta.filename + ' ' + import.meta.dirname + ' ' + import.meta.url; }\n";
    const { api, edit } = await startImage({ 'main.ts': "export { where } from './a.ts';\n", 'a.ts': where });
    const before = String(call(api(), 'where'));
    assert.match(before, /\/a\.ts \/\S+ file:\/\/\S+\/a\.ts$/);
    const summary = applied(await edit({ 'a.ts': null, 'sub/b.ts': where, 'main.ts': "export { where } from './sub/b.ts';\n" }));
    assert.deepEqual(summary.moved, [{ from: 'a.ts', to: 'sub/b.ts' }]);
    assert.match(String(call(api(), 'where')), /\/sub\/b\.ts \/\S+\/sub file:\/\/\S+\/sub\/b\.ts$/);
    const cjs = applied(
      await edit({
        'sub/b.ts': null,
        'sub/b.cts': where.replace(/import\.meta\.(filename|dirname|url)/g, '__filename'),
        'main.ts': "export { where } from './sub/b.cts';\n",
      }),
    );
    assert.equal(cjs.moved, undefined, 'an ES module does not become a CommonJS module in place');
    assert.match(String(call(api(), 'where')), /\/sub\/b\.cts \/\S+\/sub\/b\.cts \/\S+\/sub\/b\.cts$/);
  });

  it('a move in a change that is rejected is undone with it', async () => {
    const { api, edit, image } = await startImage({ 'main.ts': main('handlers.ts'), 'handlers.ts': handlers('v1') });
    call(api(), 'probe');
    const r = await edit({ 'handlers.ts': null, 'routes.ts': handlers('v1'), 'main.ts': `${main('routes.ts')}throw new Error('no');\n` });
    assert.equal(r.kind, 'rejected');
    assert.deepEqual(image.files.sort(), ['handlers.ts', 'main.ts']);
    assert.equal(call(api(), 'probe'), 'v1 ada #2');
    const summary = applied(await edit({ 'main.ts': main('routes.ts') }));
    assert.deepEqual(summary.moved, [{ from: 'handlers.ts', to: 'routes.ts' }]);
    assert.deepEqual(image.files.sort(), ['main.ts', 'routes.ts']);
  });

  it('a different file at the new path is a new module, and the old one leaves', async () => {
    const { api, edit } = await startImage({ 'main.ts': main('handlers.ts'), 'handlers.ts': handlers('v1') });
    call(api(), 'probe');
    const other = "export class Store { users: string[] = []; }\nexport const store = new Store();\nexport function listUsers(): string { return 'other'; }\n";
    const summary = applied(await edit({ 'handlers.ts': null, 'other.ts': other, 'main.ts': main('other.ts') }));
    assert.equal(summary.moved, undefined);
    assert.deepEqual([summary.modules.added, summary.modules.removed], [1, 1]);
    assert.throws(() => call(api(), 'probe'), /listUsers\(\) was removed from handlers\.ts/, 'a reference saved from the old module says it is gone');
  });

  it('git mv under the CLI: one reload that says so, and the server keeps answering', async () => {
    const p = tempProject({ 'main.ts': `${main('handlers.ts')}setInterval(() => console.log(probe()), 20);\n`, 'handlers.ts': handlers('v1') });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.some((l) => l.startsWith('v1 ada')), 20000);
      p.write({ 'handlers.ts': null, 'routes.ts': handlers('v1'), 'main.ts': `${main('routes.ts')}setInterval(() => console.log(probe()), 20);\n` });
      // On a loaded machine the delete may reach imago apart from the rest (then rejected: main.ts still
      // imports the file); the move is made when the rest arrives.
      await cli.until('the move', () => cli.reloads().find((r) => r.ok), 15000);
      assert.ok(cli.reloads().length <= 2, JSON.stringify(cli.reloads()));
      // The event file is written before imago's line reaches the pipe: wait for the line.
      await cli.until('the line on stderr', () => /handlers\.ts moved to routes\.ts \(state and functions kept\)/.test(cli.stderr));
      const count = cli.lines.length;
      await cli.until('more answers', () => cli.lines.length > count + 2);
      assert.ok(
        cli.lines.slice(count).every((l) => l.startsWith('v1 ada')),
        cli.lines.slice(count).join('\n'),
      );
    } finally {
      cli.kill();
      p.remove();
    }
  });
});
