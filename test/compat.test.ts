// Real projects run unchanged (issue 15): each row of the compatibility list as a small project driven
// through the CLI, as a user would run it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { tempProject } from './helpers/project.js';

/** Runs `imago run --no-watch <args>` to its end in a project of `files`. */
function runOnce(files: Record<string, string>, args: readonly string[] = ['main.ts']): { code: number | null; stdout: string; stderr: string } {
  const p = tempProject(files);
  try {
    const r = spawnSync(process.execPath, [CLI, 'run', '--no-watch', ...args], {
      cwd: p.dir,
      encoding: 'utf8',
      timeout: 30000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    p.remove();
  }
}

describe('compatibility', () => {
  it('a top-level await of import() of a project file runs without a false warning', () => {
    const r = runOnce({ 'main.ts': "const m = await import('./dyn.ts');\nconsole.log('got', m.v);\n", 'dyn.ts': 'export const v = 42;\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got 42\n');
    assert.doesNotMatch(r.stderr, /still pending|reloaded/);
    assert.match(r.stderr, /loaded dyn\.ts for import\(\)/);
  });

  it('"types": ["node"] in a tsconfig is satisfied by the Node types imago brings', () => {
    const r = runOnce({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', allowImportingTsExtensions: true, noEmit: true, types: ['node'] },
      }),
      'main.ts': "import { readFileSync } from 'node:fs';\nconsole.log(typeof readFileSync);\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'function\n');
    assert.doesNotMatch(r.stderr, /TS2688/);
  });
});
