// Start-up: from spawning the command to the program's first line of output, for a one-line hello world
// and a generated 200-file project (the type-check bench's), under imago (default settings, so the first
// load is type-checked), imago --typecheck=off, and tsx (which does not check). Runs alternate between
// the tools, so a noisy moment of this shared machine falls on all of them alike; medians are compared.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median } from './stats.js';
import { generateProject } from './typecheck-project.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../../bin/imago.js');
/** tsx as the peer benchmark installs it (`npm run bench` installs it too). */
const TSX = path.resolve(HERE, '../../bench/peers/node_modules/tsx/dist/cli.mjs');

interface Tool {
  readonly name: string;
  readonly args: (entry: string) => string[];
}

const TOOLS: readonly Tool[] = [
  { name: 'imago run', args: (entry) => [CLI, 'run', '--no-watch', '--no-control', entry] },
  { name: 'imago run --typecheck=off', args: (entry) => [CLI, 'run', '--no-watch', '--no-control', '--typecheck', 'off', entry] },
  { name: 'tsx', args: (entry) => [TSX, entry] },
];

export interface StartupResult {
  /** Per program: per tool, the milliseconds to the first line, one per run. */
  readonly programs: ReadonlyArray<{ readonly name: string; readonly ms: ReadonlyMap<string, number[]> }>;
  readonly missing: string | null;
}

/** Milliseconds from spawn to the first line on stdout (the process is then left to end, or stopped). */
function firstLine(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let done = false;
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', () => {
      if (done) return;
      done = true;
      resolve(performance.now() - t0);
    });
    child.on('exit', (code) => {
      if (!done) reject(new Error(`${args.slice(0, 2).join(' ')} exited (${code}) before printing: ${err.slice(0, 400)}`));
    });
    setTimeout(() => {
      if (!done) child.kill();
    }, 30000).unref();
  });
}

export async function measureStartup(runs = 7): Promise<StartupResult> {
  if (!fs.existsSync(TSX)) return { programs: [], missing: `tsx is not installed at ${TSX}: run 'npm --prefix bench/peers install'` };
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-start-'));
  try {
    const hello = path.join(base, 'hello');
    fs.mkdirSync(hello);
    fs.writeFileSync(path.join(hello, 'package.json'), '{"type":"module"}\n');
    fs.writeFileSync(path.join(hello, 'hello.ts'), "console.log('hello');\n");
    const big = path.join(base, 'big');
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, 'package.json'), '{"type":"module"}\n');
    const { main } = generateProject(big);
    fs.appendFileSync(main, "console.log('ready');\n");
    const programs = [
      { name: 'hello world (one line)', dir: hello, entry: 'hello.ts' },
      { name: 'a 200-file project', dir: big, entry: 'main.ts' },
    ];
    const out: Array<{ name: string; ms: Map<string, number[]> }> = [];
    for (const p of programs) {
      const ms = new Map<string, number[]>(TOOLS.map((t) => [t.name, []]));
      // One run of each first, not counted: the disk cache is warm for every tool alike.
      for (const t of TOOLS) await firstLine(t.args(p.entry), p.dir);
      for (let i = 0; i < runs; i++) for (const t of TOOLS) ms.get(t.name)!.push(await firstLine(t.args(p.entry), p.dir));
      out.push({ name: p.name, ms });
    }
    return { programs: out, missing: null };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

export function reportStartup(r: StartupResult): string[] {
  if (r.missing) return [`start-up: not measured (${r.missing})`];
  const lines = ['start-up, spawn to the first line of output (median; goal: imago run <= 1.0x tsx, stretch 0.5x):'];
  for (const p of r.programs) {
    const tsx = median(p.ms.get('tsx') ?? []);
    const parts = [...p.ms].map(([tool, ms]) => `${tool} ${fmt(median(ms), 0)} ms${tool === 'tsx' ? '' : ` (${fmt(median(ms) / tsx)}x tsx)`}`);
    lines.push(`  ${p.name.padEnd(24)} ${parts.join(', ')}`);
  }
  return lines;
}
