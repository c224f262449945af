// Edit-to-effect latency through the real CLI: a durable file write of a one-function edit -> the first
// output line printed by the new code. Also reads imago's own prepare+commit time from the events file.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, tempProject, waitFor } from '../test/helpers/project.js';
import { fmt, median, quantile } from './stats.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/imago.js');

export interface LatencyResult {
  readonly effectMs: number[];
  readonly applyMs: number[];
  /** The type check's own time per edit (empty with --typecheck=off). */
  readonly checkMs: number[];
}

const leaf = (i: number): string => `export function version(): string { return 'v${i}'; }\n`;

export async function measureLatency(edits = 20, flags: readonly string[] = []): Promise<LatencyResult> {
  const project = tempProject({
    'leaf.ts': leaf(0),
    'main.ts':
      "import { version } from './leaf.ts';\nlet last = '';\nsetInterval(() => { const v = version(); if (v !== last) { last = v; console.log(v); } }, 1);\n",
  });
  const events = project.path('.events.ndjson');
  const child = spawn(process.execPath, [CLI, 'run', '--events', events, ...flags, 'main.ts'], { cwd: project.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = new Map<string, number>();
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    const now = performance.now();
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const l of lines) if (!seen.has(l)) seen.set(l, now);
  });
  try {
    await waitFor('the program to start', () => seen.has('v0'), 20000);
    const effectMs: number[] = [];
    for (let i = 1; i <= edits; i++) {
      await sleep(120);
      const file = project.path('leaf.ts');
      const t0 = performance.now();
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, leaf(i));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const at = await waitFor(`v${i} to print`, () => seen.get(`v${i}`), 10000);
      effectMs.push(at - t0);
    }
    const reloads = fs
      .readFileSync(events, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; ok?: boolean; applyMs?: number; typecheck?: { ms: number } })
      .filter((e) => e.kind === 'reload' && e.ok);
    return { effectMs, applyMs: reloads.map((e) => e.applyMs ?? NaN), checkMs: reloads.flatMap((e) => (e.typecheck ? [e.typecheck.ms] : [])) };
  } finally {
    child.kill('SIGTERM');
    await sleep(100);
    project.remove();
  }
}

export function reportLatency(r: LatencyResult, label: string): string[] {
  const lines = [
    `edit-to-effect ${label} (durable write -> the new code's first output line), ${r.effectMs.length} edits: median ${fmt(median(r.effectMs))} ms, p95 ${fmt(quantile(r.effectMs, 0.95))} ms (goal: median <= 10 ms)`,
    `  imago's prepare+commit: median ${fmt(median(r.applyMs))} ms, p95 ${fmt(quantile(r.applyMs, 0.95))} ms (goal <= 3 ms); the rest is the file watcher, the 3 ms debounce and the 1 ms print timer`,
  ];
  if (r.checkMs.length > 0)
    lines.push(`  type check (in parallel with prepare): median ${fmt(median(r.checkMs))} ms, p95 ${fmt(quantile(r.checkMs, 0.95))} ms`);
  return lines;
}
