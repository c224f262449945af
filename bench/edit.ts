// Structural edits (issue 18), command to live, type check included: `rename-field` of a class used
// by 30 files of a 200-file project while 100k instances live, and `add-field` on a store class with
// 1M live rows. Through the control channel (what an editor would send) and through the CLI (a process
// started per edit). Baseline in the same run: an ordinary edit of one function body saved to disk,
// file write to applied (what the watcher path costs).

import { spawnSync } from 'node:child_process';
import { bigProject, withImage } from './control.js';
import { fmt, median } from './stats.js';

export interface EditResult {
  readonly renameChannel: number[];
  readonly renameCli: number[];
  readonly renameFiles: number;
  readonly addStore: number[];
  readonly bodyEdit: number[];
  /** Where a rename's time went (the channel's), per edit. */
  readonly parts: Array<{ plan: number; typecheck: number; migrate: number; find: number; write: number }>;
}

export async function measureEdit(): Promise<EditResult> {
  const project = bigProject();
  project['main.ts'] =
    `${project['main.ts']}import { Entity } from './model.js';\nexport const entities = Array.from({ length: 100_000 }, () => new Entity());\nexport function tick() {}\n`;
  let renameFiles = 0;
  const rename = await withImage(project, async (c, dir, cli) => {
    const channel: number[] = [];
    const viaCli: number[] = [];
    const body: number[] = [];
    const parts: EditResult['parts'] = [];
    const names = ['hp', 'health'];
    for (let i = 0; i < 8; i++) {
      const [from, to] = i % 2 === 0 ? names : [...names].reverse();
      const t = performance.now();
      if (i < 4) {
        const r = await c.ask({ kind: 'edit', command: { kind: 'rename-field', className: 'Entity', field: from, to } }, 60000);
        const outcome = r['outcome'] as { ok: boolean; message: string; files: unknown[]; ms: EditResult['parts'][number] };
        if (!outcome.ok) throw new Error(outcome.message);
        renameFiles = outcome.files.length;
        parts.push(outcome.ms);
        channel.push(performance.now() - t);
      } else {
        const r = spawnSync(process.execPath, ['bin/imago.js', 'edit', '--root', dir, 'rename-field', `Entity.${from}`, to!], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        viaCli.push(performance.now() - t);
      }
    }
    // Baseline: a function body edited on disk, to applied.
    for (let i = 0; i < 5; i++) {
      const seen = cli.reloads().length;
      const t = performance.now();
      const file = `${dir}/src/f100.ts`;
      const text = `export function f100(n: number): number { return n * ${100 + i + 1}; }\n`;
      (await import('node:fs')).writeFileSync(file, text);
      await cli.until('the reload', () => cli.reloads().length > seen, 30000);
      body.push(performance.now() - t);
    }
    return { channel, viaCli, body, parts };
  });
  const store = `import { createStore, type f64 } from 'imago/store';
export class Row { x: f64 = 0; y: f64 = 0; }
export const rows = createStore(Row, { capacity: 1_000_000 });
for (let i = 0; i < 1_000_000; i++) rows.add({ x: i, y: -i });
export function tick() {}
`;
  const addStore = await withImage({ 'main.ts': store }, async (c) => {
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await c.ask({ kind: 'edit', command: { kind: 'add-field', className: 'Row', spec: `z${i}: f64 = ${i}` } }, 60000);
      const outcome = r['outcome'] as { ok: boolean; message: string };
      if (!outcome.ok) throw new Error(outcome.message);
      out.push(performance.now() - t);
    }
    return out;
  });
  return { renameChannel: rename.channel, renameCli: rename.viaCli, renameFiles, addStore, bodyEdit: rename.body, parts: rename.parts };
}

export function reportEdit(r: EditResult): string[] {
  const base = median(r.bodyEdit);
  const row = (what: string, values: readonly number[], goal: string): string =>
    `  ${what.padEnd(74)} median ${fmt(median(values), 0).padStart(5)} ms  (${fmt(median(values) / base, 1)}x a body edit)  goal ${goal}`;
  return [
    'structural edits (issue 18), command to live, type check included:',
    row('a function body saved to disk, to applied (baseline: the watcher path)', r.bodyEdit, '-'),
    row(`rename-field, class used by 30 of 200 files, 100k live instances (${r.renameFiles} files rewritten)`, r.renameChannel, '<= 300 ms'),
    `    of which: references ${fmt(median(r.parts.map((p) => p.plan)), 0)} ms, type check ${fmt(median(r.parts.map((p) => p.typecheck)), 0)} ms, migrating the 100k instances ${fmt(median(r.parts.map((p) => p.migrate)), 0)} ms (finding them: heap walk ${fmt(median(r.parts.map((p) => p.find)), 0)} ms), writing ${fmt(median(r.parts.map((p) => p.write)), 0)} ms`,
    row('the same through the CLI (a new process per edit)', r.renameCli, '-'),
    row('add-field on a store class with 1M live rows', r.addStore, '<= 100 ms'),
  ];
}
