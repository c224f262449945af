// How editors and tools save, through the real CLI: each save below must reach the running program as
// exactly one change, applied once, with the text the save wrote, for a file beside the entry and for
// one in a nested folder. The steps of each save run back to back, as the editor's system calls do.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { GIT_SETTLE_MS, gitBusy, gitIndexLock, watchGit } from '../src/host/git-lock.js';
import { CliRun, type Event } from './helpers/cli.js';
import { sleep, type TempProject, tempProject, waitFor } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

const value = (name: string, v: number): string => `export const ${name} = ${v};\n`;

/** An editor's save of `file` with `text`, step by step. */
type Save = (file: string, text: string) => void;

const saves: Record<string, Save> = {
  // In place: the file truncated and written.
  'VS Code (in place)': (file, text) => fs.writeFileSync(file, text),
  // vim, backupcopy=no: a test file for the folder's permissions, the original renamed to a backup, a
  // new file written, the backup deleted.
  'vim (backupcopy=no)': (file, text) => {
    const probe = path.join(path.dirname(file), '4913');
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    fs.renameSync(file, `${file}~`);
    fs.writeFileSync(file, text);
    fs.rmSync(`${file}~`);
  },
  // JetBrains safe write: a temp file written, the original renamed away, the temp renamed in, the
  // original deleted.
  'JetBrains (safe write)': (file, text) => {
    fs.writeFileSync(`${file}___jb_tmp___`, text);
    fs.renameSync(file, `${file}___jb_old___`);
    fs.renameSync(`${file}___jb_tmp___`, file);
    fs.rmSync(`${file}___jb_old___`);
  },
  // Emacs: a lock symlink, the original renamed to its backup (kept), a new file written, the lock gone.
  'Emacs (backup by rename)': (file, text) => {
    const lock = path.join(path.dirname(file), `.#${path.basename(file)}`);
    fs.symlinkSync('user@host.1234:1', lock);
    fs.renameSync(file, `${file}~`);
    fs.writeFileSync(file, text);
    fs.rmSync(lock);
  },
  // sed -i: a temp file in the same folder, renamed over the file.
  'sed -i': (file, text) => {
    const tmp = path.join(path.dirname(file), 'sedAbC123');
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  },
};

const reloadsSince = (cli: CliRun, from: number): Event[] => cli.reloads().slice(from);

describe('editors save: one change each, applied once', () => {
  const p = tempProject({
    'main.ts': "import { a } from './a.ts';\nimport { b } from './src/deep/b.ts';\nsetInterval(() => console.log(`${a}:${b}`), 10);\n",
    'a.ts': value('a', 0),
    'src/deep/b.ts': value('b', 0),
  });
  const cli = CliRun.run(p.dir, ['main.ts']);
  cleanup.push(() => {
    cli.kill();
    p.remove();
  });
  let n = 0;
  for (const [editor, save] of Object.entries(saves)) {
    for (const [rel, name] of [
      ['a.ts', 'a'],
      ['src/deep/b.ts', 'b'],
    ] as const) {
      it(`${editor}: ${rel}`, async () => {
        await cli.until('the program running', () => cli.lines.length > 0, 20000);
        const from = cli.reloads().length;
        const v = ++n;
        save(p.path(rel), value(name, v));
        await cli.until(`${rel} at ${v}`, () => reloadsSince(cli, from).length > 0 && cli.lines.at(-1)?.includes(name === 'a' ? `${v}:` : `:${v}`));
        // Quiet a while: a second batch of the same save would come now.
        await sleep(400);
        const changes = reloadsSince(cli, from);
        assert.equal(changes.length, 1, `one change: ${JSON.stringify(changes)}\n${cli.stderr.slice(-800)}`);
        assert.equal(changes[0]!.ok, true);
        assert.deepEqual(changes[0]!['files'], [rel]);
        assert.equal(fs.readFileSync(p.path(rel), 'utf8'), value(name, v));
      });
    }
  }
});

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });

/** A project of 30 modules in a git repository: main.ts prints their sum. */
function repository(): TempProject {
  const files: Record<string, string> = { '.gitignore': '.events.ndjson\n.imago/\n' };
  const names = Array.from({ length: 30 }, (_, i) => `m${i}`);
  names.forEach((m, i) => {
    files[`${i % 2 ? 'src/' : ''}${m}.ts`] = value(m, 0);
  });
  files['main.ts'] =
    `${names.map((m, i) => `import { ${m} } from './${i % 2 ? 'src/' : ''}${m}.ts';`).join('\n')}\nsetInterval(() => console.log('sum ' + (${names.join(' + ')})), 10);\n`;
  const p = tempProject(files);
  git(p.dir, 'init', '-q');
  git(p.dir, 'add', '.');
  git(p.dir, 'commit', '-qm', 'zero');
  return p;
}

describe('git changes many files at once: one change each, applied once', () => {
  it('git checkout of a branch changing 30 files, and back; git stash and git stash pop', async () => {
    const p = repository();
    const modules = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${i % 2 ? 'src/' : ''}m${i}.ts`, i]));
    git(p.dir, 'checkout', '-qb', 'ones');
    p.write(Object.fromEntries(Object.entries(modules).map(([f, i]) => [f, value(`m${i}`, 1)])));
    git(p.dir, 'commit', '-qam', 'ones');
    git(p.dir, 'checkout', '-q', 'main');
    const cli = CliRun.run(p.dir, ['main.ts']);
    cleanup.push(() => {
      cli.kill();
      p.remove();
    });
    await cli.until('the program running', () => cli.lines.includes('sum 0'), 20000);
    const step = async (what: string, act: () => void, sum: number, files: number): Promise<void> => {
      const from = cli.reloads().length;
      act();
      await cli.until(`${what}: sum ${sum}`, () => cli.lines.at(-1) === `sum ${sum}`);
      await sleep(400);
      const changes = reloadsSince(cli, from);
      assert.equal(changes.length, 1, `${what}: one change: ${JSON.stringify(changes.map((c) => ({ ok: c.ok, files: c['files'] })))}`);
      assert.equal(changes[0]!.ok, true, what);
      assert.equal((changes[0]!['files'] as string[]).length, files, what);
    };
    await step('git checkout ones', () => git(p.dir, 'checkout', '-q', 'ones'), 30, 30);
    await step('git checkout main', () => git(p.dir, 'checkout', '-q', 'main'), 0, 30);
    p.write({ 'm0.ts': value('m0', 5), 'src/m1.ts': value('m1', 7) });
    await cli.until('the edits', () => cli.lines.at(-1) === 'sum 12');
    await step('git stash', () => git(p.dir, 'stash', '-q'), 0, 2);
    await step('git stash pop', () => git(p.dir, 'stash', 'pop', '-q'), 12, 2);
    assert.equal(fs.readFileSync(p.path('src/m1.ts'), 'utf8'), value('m1', 7));
  });
});

describe("git's index lock, found from the project's root", () => {
  it('in the repository holding the root, in a worktree or submodule a .git file names, and none outside', () => {
    const p = tempProject({ 'pkg/main.ts': '', 'wt/main.ts': '' });
    cleanup.push(() => p.remove());
    fs.mkdirSync(p.path('.git'));
    assert.equal(gitIndexLock(p.dir), p.path('.git/index.lock'));
    assert.equal(gitIndexLock(p.path('pkg')), p.path('.git/index.lock'), 'a package inside the repository');
    fs.writeFileSync(p.path('wt/.git'), 'gitdir: ../.git/worktrees/wt\n');
    assert.equal(gitIndexLock(p.path('wt')), p.path('.git/worktrees/wt/index.lock'));
    fs.rmSync(p.path('.git'), { recursive: true });
    fs.rmSync(p.path('wt/.git'));
    assert.equal(gitIndexLock(p.path('pkg')), null);
  });
});

describe("git's index lock, and when it holds edits", () => {
  it('holds while it was made a moment ago; a lock left behind, or held for minutes by a commit, holds nothing', () => {
    const p = tempProject({});
    cleanup.push(() => p.remove());
    const lock = p.path('index.lock');
    assert.equal(gitBusy(lock, 5000), false, 'no lock');
    fs.writeFileSync(lock, '');
    assert.equal(gitBusy(lock, 5000), true, 'a lock just made');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    assert.equal(gitBusy(lock, 5000), false, 'a lock a minute old');
  });

  it('sees a lock held for a moment, and keeps edits waiting a moment after it goes', async () => {
    const p = tempProject({});
    cleanup.push(() => p.remove());
    const lock = p.path('index.lock');
    let now = Date.now();
    const git = watchGit(lock, 5000, () => now);
    cleanup.push(() => git.close());
    assert.equal(git.busy(), false);
    fs.writeFileSync(lock, '');
    assert.equal(git.busy(), true);
    fs.rmSync(lock);
    now += GIT_SETTLE_MS - 10;
    assert.equal(git.busy(), true, 'settling');
    now += 20;
    assert.equal(git.busy(), false, 'settled');
    // A lock made and let go between two looks is seen by its events.
    fs.writeFileSync(lock, '');
    fs.rmSync(lock);
    await waitFor('the lock seen', () => git.busy(), 2000);
  });
});

describe('a slow save in place (truncate, a pause, then write)', () => {
  it("keeps a module's state: the empty file is waited for, not applied", async () => {
    const side = 'export let hits = 0;\nsetInterval(() => {\n  hits++;\n}, 5);\n';
    const p = tempProject({ 'main.ts': "import { hits } from './side.ts';\nsetInterval(() => console.log(`hits ${hits}`), 10);\n", 'side.ts': side });
    const cli = CliRun.run(p.dir, ['main.ts']);
    cleanup.push(() => {
      cli.kill();
      p.remove();
    });
    const hits = (): number => Number(/^hits (\d+)$/.exec(cli.lines.at(-1) ?? '')?.[1] ?? -1);
    await cli.until('hits counting', () => hits() >= 20, 20000);
    fs.writeFileSync(p.path('side.ts'), '');
    await sleep(100);
    fs.writeFileSync(p.path('side.ts'), side);
    const before = hits();
    await sleep(600);
    assert.ok(hits() > before, `hits went from ${before} to ${hits()}: the module's state was lost`);
    assert.deepEqual(
      cli.reloads().map((r) => r.ok),
      [],
      'the file came back as it was: nothing to apply',
    );
  });
});
