// tsconfig.json and package.json changed while the program runs, through the real CLI: what imago says
// (once, as each save settles) and does (the checker started again with the new configuration).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { CliRun } from './helpers/cli.js';
import { sleep, tempProject } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

const tsconfig = (strict: boolean): string =>
  `${JSON.stringify({ compilerOptions: { strict, module: 'nodenext', allowImportingTsExtensions: true, noEmit: true } })}\n`;

async function start(): Promise<{ cli: CliRun; p: ReturnType<typeof tempProject> }> {
  const p = tempProject({ 'tsconfig.json': tsconfig(true), 'main.ts': "setInterval(() => console.log('tick'), 20);\n" });
  const cli = CliRun.run(p.dir, ['main.ts']);
  cleanup.push(() => {
    cli.kill();
    p.remove();
  });
  await cli.until('the program running', () => cli.lines.includes('tick'), 20000);
  return { cli, p };
}

describe('tsconfig.json changed while the program runs', () => {
  it('saved by rename (gone for a moment): one "changed", never "deleted"', async () => {
    const { cli, p } = await start();
    fs.writeFileSync(p.path('tsconfig.json.tmp'), tsconfig(false));
    fs.renameSync(p.path('tsconfig.json'), p.path('tsconfig.json~'));
    await sleep(30);
    fs.renameSync(p.path('tsconfig.json.tmp'), p.path('tsconfig.json'));
    await cli.until('the change said', () => /tsconfig\.json changed/.test(cli.stderr));
    await sleep(600);
    assert.doesNotMatch(cli.stderr, /was deleted/);
    assert.equal(cli.stderr.match(/tsconfig\.json changed/g)?.length, 1, cli.stderr);
    assert.ok(
      cli.events().some((e) => e.kind === 'warning' && /tsconfig\.json changed/.test(String(e['message']))),
      'said in the events file too',
    );
  });
});

describe('package.json changed while the program runs', () => {
  it('says a half-written or invalid save only once it settles, and says when it is as it started again', async () => {
    const { cli, p } = await start();
    const good = fs.readFileSync(p.path('package.json'), 'utf8');
    // Truncated, then written a moment later: nothing to say.
    fs.writeFileSync(p.path('package.json'), '');
    await sleep(30);
    fs.writeFileSync(p.path('package.json'), good);
    await sleep(500);
    assert.doesNotMatch(cli.stderr, /package\.json/);
    fs.writeFileSync(p.path('package.json'), '{ "type": "module",, }');
    await cli.until('the invalid JSON said', () => /package\.json is not valid JSON/.test(cli.stderr));
    fs.writeFileSync(p.path('package.json'), good);
    await cli.until('the fix said', () => /package\.json is as the program started again/.test(cli.stderr));
  });
});
