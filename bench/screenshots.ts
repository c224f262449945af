// `node dist/bench/screenshots.js`: the inspector's panes as docs/inspector/<pane>.png (1280x800). Runs
// the demo (examples/sim) in a temporary copy with `--ui`, makes a change that applies (a rule and a new
// field of Critter) and one that is refused (a type error), and photographs each pane in headless
// Chromium (CHROMIUM names the browser; /usr/bin/chromium by default).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CliRun } from '../test/helpers/cli.js';
import { sleep, tempProject } from '../test/helpers/project.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.join(ROOT, 'docs/inspector');
const DEMO = path.join(ROOT, 'examples/sim');

async function shoot(page: Page, pane: string, prepare: () => Promise<void>): Promise<void> {
  await page.click(`button[data-nav="${pane}"]`);
  await page.waitForSelector(`[data-pane="${pane}"]`);
  await prepare();
  await page.waitForTimeout(300);
  const file = path.join(OUT, `${pane}.png`);
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

async function main(): Promise<void> {
  const files = Object.fromEntries(
    fs
      .readdirSync(DEMO)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, fs.readFileSync(path.join(DEMO, f), 'utf8')]),
  );
  const p = tempProject(files);
  const cli = CliRun.run(p.dir, ['--ui', 'main.ts']);
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const url = await cli.until('the inspector address', () => /\[imago\] inspector: (http:\/\/\S+)/.exec(cli.stderr)?.[1], 15000);
    await cli.until('the first frame', () => cli.lines.some((l) => /^\|.*\| t=/.test(l)), 15000);
    // A change that applies: a rule, then a new field every live critter gets.
    p.write({ 'rules.ts': files['rules.ts']!.replace('* 9 * dt', '* 7 * dt') });
    await cli.until('the rule change', () => cli.reloads().length >= 1, 15000);
    p.write({ 'world.ts': files['world.ts']!.replace('age: f32 = 0;', 'age: f32 = 0;\n  speed: f32 = 1;') });
    await cli.until('the new field', () => cli.reloads().length >= 2, 15000);
    // State worth opening: a record of the run, added to the live program.
    p.write({ 'main.ts': `${files['main.ts']!}\nexport let census = { born: 10, died: 3, oldest: { id: 4, age: 12.5 }, ages: [1.5, 2.25, 4] };\n` });
    await cli.until('the census', () => cli.reloads().length >= 3, 15000);
    // A change that is refused: a string where a number is declared.
    p.write({ 'rules.ts': files['rules.ts']!.replace('return (0.4 + age * 0.01) * dt;', "return '0.4' + age * dt;") });
    await cli.until('the refused change', () => cli.reloads().some((r) => r.ok === false), 15000);
    await sleep(2000);

    fs.mkdirSync(OUT, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('[data-connection="open"]');
    await shoot(page, 'timeline', async () => {
      await page.locator('[data-kind="applied"]').first().click();
      await page.waitForSelector('[data-diff] .patch');
    });
    await shoot(page, 'modules', async () => {
      await page.click('[data-module="main.ts"]');
      await page.locator('[data-binding="census"] [data-expand]').first().click();
      await page.locator('[data-binding="census"] [data-key="oldest"] [data-expand]').first().click();
      await page.waitForSelector('[data-binding="census"] [data-key="age"]');
    });
    await shoot(page, 'classes', async () => {
      await page.click('[data-class="world.ts:Critter"] button[data-count-instances]');
      await page.waitForSelector('[data-instance-count]');
    });
    await shoot(page, 'stores', async () => {
      await page.locator('[data-store]').first().click();
      await page.waitForSelector('[data-row]');
    });
    await shoot(page, 'health', async () => {
      await page.waitForSelector('svg[data-chart] path');
      await page.waitForTimeout(2000);
    });
    await shoot(page, 'repl', async () => {
      await page.selectOption('[data-repl-module]', 'world.ts');
      const input = page.locator('textarea[data-repl-input]');
      for (const code of ['critters.size', 'critters.column("speed")', 'critters.size * "2"']) {
        await input.fill(code);
        await input.press('Enter');
      }
      await page.locator('[data-repl-output]').nth(2).waitFor({ timeout: 15000 });
    });
  } finally {
    await browser.close();
    await cli.stop();
    p.remove();
  }
}

await main();
