// The inspector end to end, as a user sees it: a real headless Chromium (Debian's, driven by
// playwright-core) opens the address `imago run --ui` printed, watches an edit and a refusal arrive,
// opens a live value, counts instances, pages through a store and runs REPL inputs; and the browser's
// own ways of being tricked are refused: no token, a wrong one, a name rebound to 127.0.0.1 (DNS
// rebinding) and another site's page posting to the inspector.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CLI } from './helpers/cli.js';
import { ask, eventually, type Inspected, parts, runWithInspector } from './helpers/inspector.js';
import { waitFor } from './helpers/project.js';

const CHROMIUM = '/usr/bin/chromium';

const WORLD = `import { createStore, type f64 } from 'imago/store';
export class Critter { x: f64 = 0; hp: f64 = 10; }
export const critters = createStore(Critter, { capacity: 4096 });
for (let i = 0; i < 3000; i++) critters.add({ x: i, hp: 10 });
export class Pet { name = 'rex'; }
export let pets: Pet[] = [new Pet(), new Pet(), new Pet()];
export let config = { speed: 2, label: 'calm' };
`;
const MAIN = `import { config, critters, pets } from './world.js';
export let ticks = 0;
export let hacked = 0;
export function tick() { ticks++; }
export function speed(): number { return config.speed + critters.size * 0 + pets.length * 0; }
`;

describe('inspector in Chromium', () => {
  let run: Inspected;
  let browser: Browser;
  let page: Page;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`);
    run = await runWithInspector({ 'world.ts': WORLD, 'main.ts': MAIN });
    // attacker.test resolves to this machine: what a DNS rebinding attack makes of a name.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP attacker.test 127.0.0.1'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15000);
    await page.goto(run.url);
    await page.locator('[data-connection="open"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await run?.stop();
  });

  it('shows an edit in the timeline as it is applied, and the diff it applied', async () => {
    await page.click('button[data-nav="timeline"]');
    await page.locator('[data-entry][data-kind="ready"]').waitFor();
    run.project.write({ 'main.ts': MAIN.replace('return config.speed', 'return 3 * config.speed') });
    const entry = page.locator('[data-entry][data-kind="applied"]').first();
    await entry.waitFor();
    assert.match((await entry.locator('[data-files]').textContent()) ?? '', /main\.ts/);
    assert.match((await entry.textContent()) ?? '', /functions: changed main\.ts:speed/);
    await entry.click();
    const diff = page.locator('[data-diff]').first();
    await diff.waitFor();
    const text = (await diff.textContent()) ?? '';
    assert.match(text, /-export function speed\(\): number \{ return config\.speed/);
    assert.match(text, /\+export function speed\(\): number \{ return 3 \* config\.speed/);
  });

  it('shows a refused change with its code frame', async () => {
    run.project.write({ 'main.ts': MAIN.replace('return config.speed', "return 'fast'") });
    const refused = page.locator('[data-entry][data-kind="rejected"]').first();
    await refused.waitFor();
    const frame = refused.locator('pre[data-frame]').first();
    await frame.waitFor();
    assert.match((await frame.textContent()) ?? '', /return 'fast'/);
    assert.match((await refused.textContent()) ?? '', /TS2322/);
    run.project.write({ 'main.ts': MAIN });
    await waitFor('the fix applied', () => run.cli.reloads().filter((e) => e.ok).length >= 2, 15000);
  });

  it('opens a module and expands a state binding, reading its live value', async () => {
    await page.click('button[data-nav="modules"]');
    await page.locator('[data-pane="modules"]').waitFor();
    await page.click('[data-module="world.ts"]');
    const binding = page.locator('[data-binding="config"]');
    await binding.waitFor();
    await binding.locator('[data-expand]').first().click();
    const speed = page.locator('[data-key="speed"] [data-preview]').first();
    await speed.waitFor();
    assert.equal(((await speed.textContent()) ?? '').trim(), '2');
    const label = page.locator('[data-key="label"] [data-preview]').first();
    assert.equal(((await label.textContent()) ?? '').trim(), '"calm"');
  });

  it('counts the live instances of a class on request and lists them', async () => {
    await page.click('button[data-nav="classes"]');
    const pet = page.locator('[data-class="world.ts:Pet"]');
    await pet.waitFor();
    await pet.locator('button[data-count-instances]').click();
    const count = pet.locator('[data-instance-count]');
    await count.waitFor();
    assert.match((await count.textContent()) ?? '', /\b3\b/);
    await pet.locator('[data-instance="2"]').waitFor();
  });

  it('pages through a store of 3,000 rows by scrolling', async () => {
    await page.click('button[data-nav="stores"]');
    const stores = (await ask(run, { kind: 'stores' }))['stores'] as Array<{ tag: number }>;
    await page.click(`[data-store="${stores[0]!.tag}"]`);
    const scroller = page.locator('[data-rows-scroller]');
    await scroller.waitFor();
    await page.locator('[data-row="0"]').waitFor();
    assert.ok((await page.locator('[data-row]').count()) < 200, 'only the visible rows are in the page');
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator('[data-row="2999"]');
    await last.waitFor();
    assert.match((await last.textContent()) ?? '', /2999/);
    // A row opens below the table, its values read through the inspector's value tree.
    await last.click();
    const x = page.locator('[data-row-detail] [data-key="x"] [data-preview]');
    await x.waitFor();
    assert.equal(((await x.textContent()) ?? '').trim(), '2999');
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await eventually('rows in the middle', async () => (await page.locator('[data-row="1500"]').count()) > 0 || null, 10000);
  });

  it('runs REPL inputs in a module, keeps their declarations, and shows a type error instead of running it', async () => {
    await page.click('button[data-nav="repl"]');
    await page.locator('[data-repl-module]').selectOption('main.ts');
    const input = page.locator('textarea[data-repl-input]');
    await input.fill('let seen = ticks > 0');
    await input.press('Enter');
    await input.fill('seen');
    await input.press('Enter');
    const outputs = (): Promise<string[]> => page.locator('[data-repl-output]').allTextContents();
    await eventually('the value', async () => (await outputs()).some((t) => /> seen\s*true/.test(t))).catch(async (e: Error) => {
      throw new Error(`${e.message}; the REPL shows: ${JSON.stringify(await outputs())}`);
    });
    await input.fill("ticks = 'many'");
    await input.press('Enter');
    const rejected = page.locator('[data-repl-output][data-kind="rejected"]').first();
    await rejected.waitFor();
    assert.match((await rejected.textContent()) ?? '', /TS2322/);
    const ticks = await ask(run, { kind: 'eval', code: 'typeof ticks' });
    assert.equal(ticks['text'], "'number'");
    // The pane's own commands: a shorter timeout stops a runaway input sooner; the program goes on.
    // A leading dot followed by a digit is a number, not a command.
    await input.fill('.5 + 1');
    await input.press('Enter');
    await eventually('the number', async () => (await outputs()).some((t) => /> \.5 \+ 1\s*1\.5/.test(t)));
    await input.fill('.timeout 300');
    await input.press('Enter');
    await input.fill('while (true) {}');
    await input.press('Enter');
    const stopped = page.locator('[data-repl-output][data-kind="thrown"]').first();
    await stopped.waitFor();
    assert.match((await stopped.textContent()) ?? '', /timed out/);
  });

  it('says so when its address is closed (imago inspect --close), instead of reconnecting for ever', async () => {
    const closed = spawnSync(process.execPath, [CLI, 'inspect', '--close'], { cwd: run.project.dir, encoding: 'utf8' });
    assert.equal(closed.stdout.trim(), 'the inspector is closed', closed.stderr);
    await page.waitForSelector('[data-connection="closed"]');
    await eventually(
      'the page to say its address is closed',
      async () => /this address is closed/.test((await page.textContent('[data-connection]')) ?? ''),
      15000,
    );
    // Open again for the tests that follow (a new token: a new address).
    const reopened = spawnSync(process.execPath, [CLI, 'inspect'], { cwd: run.project.dir, encoding: 'utf8' });
    run = { ...run, url: reopened.stdout.trim(), ...parts(reopened.stdout.trim()) };
  });

  it('refuses the page without the token and with a wrong one', async () => {
    const other = await browser.newPage();
    try {
      const bare = await other.goto(run.url.replace(/\?token=.*$/, ''));
      assert.equal(bare?.status(), 403);
      assert.match((await other.textContent('body')) ?? '', /no token/);
      const wrong = await other.goto(run.url.replace(/token=[0-9a-f]+/, `token=${'f'.repeat(64)}`));
      assert.equal(wrong?.status(), 403);
      assert.match((await other.textContent('body')) ?? '', /wrong token/);
    } finally {
      await other.close();
    }
  });

  it('refuses a foreign Host: a name rebound to 127.0.0.1, even with the token', async () => {
    const other = await browser.newPage();
    try {
      const rebound = await other.goto(run.url.replace('127.0.0.1', 'attacker.test'));
      assert.equal(rebound?.status(), 403);
      assert.match((await other.textContent('body')) ?? '', /DNS rebinding/);
    } finally {
      await other.close();
    }
  });

  it("refuses another site's page that posts to the inspector (a foreign Origin)", async () => {
    const site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      // What the inspector answered the browser's own requests (its headers, its Origin): a no-cors reply is opaque to the page.
      const answers: Array<{ status: number; body: string }> = [];
      await other.route('**/api?**', async (route) => {
        const response = await route.fetch();
        answers.push({ status: response.status(), body: await response.text() });
        await route.fulfill({ response });
      });
      const outcome = await other.evaluate(
        async (target: string) => {
          const body = JSON.stringify({ id: 1, kind: 'eval', code: 'hacked = 1' });
          const simple = await fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).then(
            () => 'sent',
            (e: Error) => e.message,
          );
          const json = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
            (r) => `answered ${r.status}`,
            (e: Error) => `blocked: ${e.message}`,
          );
          return { simple, json };
        },
        `${run.url.replace('/?', '/api?')}`,
      );
      assert.match(outcome.json, /^(blocked|answered 403)/, JSON.stringify(outcome));
      const refused = answers.find((a) => a.status === 403);
      assert.ok(refused, JSON.stringify(answers));
      assert.match(refused.body, /Origin 'http:\/\/127\.0\.0\.1:\d+' is not this server's/);
      const hacked = await ask(run, { kind: 'eval', code: 'hacked' });
      assert.equal(hacked['text'], '0', 'the request from another origin did not run');
    } finally {
      await other.close();
      site.close();
    }
  });
});
