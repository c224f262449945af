// The type gate's figures on a generated 200-file project: cold start, a body edit, a declaration change
// felt by 30 files, and the longest the program's event loop was blocked while all of it ran.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerTypeGate } from '../src/check/type-gate.js';
import { fmt, median } from './stats.js';
import { generateProject, MODULES, USERS_OF_HP } from './typecheck-project.js';

export interface TypecheckResult {
  readonly coldMs: number;
  /** Worker up and project open (the checker ready), then the first whole-program check. */
  readonly openMs: number;
  readonly firstCheckMs: number;
  readonly bodyMs: number[];
  readonly bodyFiles: number;
  readonly declMs: number[];
  readonly declFiles: number;
  readonly maxBlockMs: number;
}

/** The longest gap between 1 ms timer ticks while `work` runs: how long the event loop was blocked. */
async function watchLoop<T>(work: () => Promise<T>): Promise<{ value: T; maxBlockMs: number }> {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 1);
    last = now;
  }, 1);
  try {
    const value = await work();
    return { value, maxBlockMs: max };
  } finally {
    clearInterval(timer);
  }
}

export async function measureTypecheck(rounds = 10): Promise<TypecheckResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-tc-'));
  const files = generateProject(dir);
  try {
    const t0 = performance.now();
    const { gate } = await WorkerTypeGate.open({ root: dir, entry: files.main });
    const openMs = performance.now() - t0;
    const first = await gate.check(new Map(), true);
    const coldMs = performance.now() - t0;
    if (first.errors.length > 0) throw new Error(`the generated project has errors: ${first.errors[0]!.message}`);
    // The program runs while edits are checked: that is when its event loop must not wait.
    const { value, maxBlockMs } = await watchLoop(async () => {
      const edit = async (file: string, from: string, to: string): Promise<{ ms: number; files: number }> => {
        const text = fs.readFileSync(file, 'utf8');
        const next = text.includes(from) ? text.replace(from, to) : text.replace(to, from);
        fs.writeFileSync(file, next);
        const t = performance.now();
        const r = await gate.check(new Map([[file, next]]), false);
        return { ms: performance.now() - t, files: r.checked };
      };
      const body: number[] = [];
      let bodyFiles = 0;
      for (let k = 0; k < rounds; k++) {
        const r = await edit(files.body, 'if (pred(it)) return it;', 'if (pred(it) && it.id >= 0) return it;');
        body.push(r.ms);
        bodyFiles = r.files;
      }
      const decl: number[] = [];
      let declFiles = 0;
      for (let k = 0; k < rounds; k++) {
        const r = await edit(files.core, 'hp: number = 100;', 'hp: number | undefined = 100;');
        decl.push(r.ms);
        declFiles = Math.max(declFiles, r.files);
      }
      return { bodyMs: body, bodyFiles, declMs: decl, declFiles };
    });
    gate.close();
    return { ...value, coldMs, openMs, firstCheckMs: coldMs - openMs, maxBlockMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function reportTypecheck(r: TypecheckResult): string[] {
  return [
    `type gate on a generated ${MODULES}-file project (round trip through the checker thread, TypeScript 7.0.2 native):`,
    `  cold start: ${fmt(r.coldMs, 0)} ms = checker ready ${fmt(r.openMs, 0)} ms (checker thread, TypeScript API, project open) + first whole-program check ${fmt(r.firstCheckMs, 0)} ms (goal <= 500 ms)`,
    `  body edit (checks ${r.bodyFiles} file): median ${fmt(median(r.bodyMs))} ms (goal <= 10 ms)`,
    `  declaration change felt by ${USERS_OF_HP} files (checks ${r.declFiles} files): median ${fmt(median(r.declMs))} ms (goal <= 50 ms)`,
    `  longest event-loop block of the program while edits were checked: ${fmt(r.maxBlockMs)} ms (goal <= 5 ms)`,
  ];
}
