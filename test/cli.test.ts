// The command's contract: help, flags, exit codes, one-line errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { tempProject } from './helpers/project.js';

function imago(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('imago command', () => {
  it('prints help for imago --help and imago run --help', () => {
    const main = imago(['--help']);
    assert.equal(main.code, 0);
    assert.match(main.stdout, /imago run \[options\] <entry\.ts>/);
    const run = imago(['run', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--events <file>/);
    assert.match(run.stdout, /--tick-ms <n>/);
  });

  it('prints the version', () => {
    const r = imago(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^imago \d+\.\d+\.\d+\n$/);
  });

  const oneLineError = (args: string[], pattern: RegExp, cwd?: string): void => {
    const r = imago(args, cwd);
    assert.equal(r.code, 2, `exit code 2 for ${args.join(' ')}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };

  it('rejects a bad flag with one line and exit 2', () => oneLineError(['run', '--frobnicate', 'main.ts'], /^imago: unknown option '--frobnicate' for 'imago run'; see 'imago run --help'/));
  it('rejects a bad number with one line and exit 2', () => oneLineError(['run', '--tick-ms', 'fast', 'main.ts'], /--tick-ms takes a number >= 1, got 'fast'/));
  it('rejects an unknown command', () => oneLineError(['go'], /unknown command 'go'/));
  it('asks for an entry file', () => oneLineError(['run'], /needs an entry file/));
  it('names a missing entry file and where it looked', () => {
    const p = tempProject({});
    try {
      oneLineError(['run', 'nope.ts'], new RegExp(`entry file 'nope\\.ts' not found \\(looked at ${p.dir}/nope\\.ts\\)`), p.dir);
    } finally { p.remove(); }
  });
});
