// Runs a structural edit as one transaction. With an image running (asked through the control channel),
// the new texts are applied to the image first, from memory, with the edit's intent: the change is
// type-checked and migrates every instance and store row, or is rejected and nothing is written. Only
// an applied change is written to the files. Without an image, the new texts are type-checked with the
// whole program first and written only if they pass. Files are never left half-rewritten: a write that
// fails puts back the files already written, byte for byte.

import fs from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';
import type { WorkerTypeGate } from '../../check/type-gate.js';
import { formatDiagnostic } from '../../compile/diagnostic.js';
import type { Image } from '../../runtime/image.js';
import { plural } from '../../runtime/words.js';
import type { EditCommand, EditOutcome } from './commands.js';
import { type EditPlan, planEdit } from './plan.js';

export interface EditRun {
  readonly root: string;
  readonly module: string | undefined;
  readonly dryRun: boolean;
  readonly checker: WorkerTypeGate;
  /** The running image, when the edit is applied to one (null: the files only). */
  readonly image: Image | null;
}

function diffOf(root: string, file: string, before: string, after: string): { file: string; lines: number[]; diff: string } {
  const rel = path.relative(root, file);
  const patch = structuredPatch(`a/${rel}`, `b/${rel}`, before, after, '', '', { context: 2 });
  const lines: number[] = [];
  const text: string[] = [`--- a/${rel}`, `+++ b/${rel}`];
  for (const h of patch.hunks) {
    text.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
    let at = h.newStart;
    for (const l of h.lines) {
      if (l.startsWith('+')) lines.push(at);
      if (!l.startsWith('-')) at++;
    }
  }
  return { file: rel, lines, diff: text.join('\n') };
}

/** Writes every file's new text; if one write fails, the ones written get their old bytes back. */
function writeAll(plan: EditPlan): string | null {
  const written: Array<[string, string]> = [];
  for (const [file, { before, after }] of plan.texts) {
    try {
      fs.writeFileSync(file, after);
      written.push([file, before]);
    } catch (e: unknown) {
      for (const [f, old] of written) fs.writeFileSync(f, old);
      return `cannot write ${file} (${(e as Error).message}): no file was changed`;
    }
  }
  return null;
}

export async function runEdit(command: EditCommand, run: EditRun): Promise<EditOutcome> {
  const base = { live: run.image !== null, dryRun: run.dryRun };
  const fail = (message: string): EditOutcome => ({ ok: false, message, files: [], migration: [], ...base });
  const t0 = performance.now();
  let plan: EditPlan;
  try {
    plan = await planEdit(command, {
      root: run.root,
      module: run.module,
      spans: (file, name, member) => run.checker.query({ kind: 'spans', file, name, member }),
    });
  } catch (e: unknown) {
    return fail((e as Error).message);
  }
  const planMs = performance.now() - t0;
  const files = [...plan.texts].filter(([, t]) => t.before !== t.after).map(([file, t]) => diffOf(run.root, file, t.before, t.after));
  if (run.dryRun) return { ok: true, message: '', files, migration: plan.migration, ...base };
  const after = new Map([...plan.texts].map(([f, t]) => [f, t.after]));
  if (!run.image) {
    // No image: the whole program is checked with the new texts, as the files would be.
    const checked = await run.checker.check(after, true);
    if (checked.errors.length > 0)
      return fail(`the edit does not type-check; no file was changed:\n${checked.errors.map((d) => formatDiagnostic(d)).join('\n\n')}`);
    const problem = writeAll(plan);
    return problem ? fail(problem) : { ok: true, message: '', files, migration: plan.migration, ...base };
  }
  const t1 = performance.now();
  const result = await run.image.change([...after.keys()], { sources: run.image.snapshotOf(after), intent: plan.intent });
  const changeMs = performance.now() - t1;
  if (result.kind === 'rejected')
    return fail(
      `the running image refused the edit (${result.phase}); no file was changed and the image runs as before:\n${result.errors.map((d) => formatDiagnostic(d)).join('\n\n')}`,
    );
  if (result.kind !== 'applied')
    return fail('the running image took nothing from the edit (other edits of these files were being applied): try again; no file was changed');
  const t2 = performance.now();
  const problem = writeAll(plan);
  const writeMs = performance.now() - t2;
  if (problem) {
    // The image runs the new code; the files could not take it: put the image back to the files' texts.
    const back = new Map([...plan.texts].map(([f, t]) => [f, t.before]));
    const undone = await run.image.change([...back.keys()], { sources: run.image.snapshotOf(back), intent: { fieldRenames: [] } });
    return fail(`${problem}; the image was ${undone.kind === 'applied' ? 'put back to the files' : 'left running the edited code (it could not be put back)'}`);
  }
  const migration = result.summary.layouts.map(
    (l) =>
      `${l.class} (${l.file}): ${plural(l.instances, 'live instance')} and ${plural(l.rows, 'store row')} migrated${
        l.renamed.length > 0 ? `; renamed ${l.renamed.map((r) => `${r.from} -> ${r.to}`).join(', ')}` : ''
      }${l.added.length > 0 ? `; added ${l.added.join(', ')}` : ''}${l.removed.length > 0 ? `; removed ${l.removed.join(', ')}` : ''}${
        l.retyped.length > 0 ? `; retyped ${l.retyped.map((r) => `${r.field} ${r.from} -> ${r.to}`).join(', ')}` : ''
      }`,
  );
  const m = result.summary.migration;
  const ms = { plan: planMs, change: changeMs, typecheck: result.typecheck?.ms ?? 0, migrate: m ? m.ms + m.storesMs : 0, write: writeMs };
  return { ok: true, message: '', files, migration: migration.length > 0 ? migration : plan.migration, ...base, ms };
}
