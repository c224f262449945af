// Runs a structural edit as one transaction. With an image running (asked through the control channel),
// the new texts are applied to the image first, from memory, with the edit's intent: the change is
// type-checked and migrates every instance and store row, or is rejected and nothing is written. Only
// an applied change is written to the files. Without an image, the new texts are type-checked with the
// whole program first and written only if they pass. Files are never left half-rewritten: a write that
// fails puts back the files already written, byte for byte.

import fs from 'node:fs';
import path from 'node:path';
import type { WorkerTypeGate } from '../../check/type-gate.js';
import { type Diagnostic, formatDiagnostic } from '../../compile/diagnostic.js';
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
  /** The image gates its changes on the type check (false under --typecheck=warn or off: the edit checks first). */
  readonly gated: boolean;
}

/** The edit's diff of one file: loaded with the first edit, never at a program's start. */
async function diffOf(root: string, file: string, before: string, after: string): Promise<{ file: string; lines: number[]; diff: string }> {
  const { structuredPatch } = await import('diff');
  const rel = path.relative(root, file);
  const patch = structuredPatch(`a/${rel}`, `b/${rel}`, before, after, '', '', { context: 2 });
  const lines: number[] = [];
  const text: string[] = [`--- a/${rel}`, `+++ b/${rel}`];
  for (const h of patch.hunks) {
    text.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
    let at = h.newStart;
    for (const l of h.lines) {
      // An added line by its number; removed lines by the line that now stands where they were.
      if ((l.startsWith('+') || l.startsWith('-')) && lines.at(-1) !== at) lines.push(at);
      if (!l.startsWith('-')) at++;
    }
  }
  return { file: rel, lines, diff: text.join('\n') };
}

/** Writes `text` to a temporary file beside `file` and renames it over: a reader never sees half a file. */
function replaceFile(link: string, text: string): void {
  // A symbolic link stays one: its target takes the text. A file the edit creates gets the usual mode.
  const created = !fs.existsSync(link);
  const file = created ? link : fs.realpathSync(link);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.imago-edit-${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, created ? {} : { mode: fs.statSync(file).mode & 0o7777 });
    fs.renameSync(tmp, file);
  } catch (e: unknown) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Files whose text is no longer what the edit was planned from (saved meanwhile). */
function changedSince(plan: EditPlan): string[] {
  const created = new Set(plan.created ?? []);
  return [...plan.texts]
    .filter(([file, t]) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null) !== (created.has(file) ? null : t.before))
    .map(([file]) => file);
}

/** Puts back `file`'s old text, or removes it when the edit created it. */
function restoreFile(plan: EditPlan, file: string, old: string): void {
  if (plan.created?.includes(file)) fs.rmSync(file, { force: true });
  else replaceFile(file, old);
}

/** Writes every file's new text; if one write fails, the ones written get their old bytes back. */
function writeAll(plan: EditPlan, root: string): string | null {
  const moved = changedSince(plan);
  if (moved.length > 0)
    return `${moved.map((f) => path.relative(root, f)).join(', ')} changed on disk while the edit ran: no file was changed (run the edit again)`;
  const written: Array<[string, string]> = [];
  for (const [file, { before, after }] of plan.texts) {
    try {
      replaceFile(file, after);
      written.push([file, before]);
    } catch (e: unknown) {
      const unrestored: string[] = [];
      for (const [f, old] of written) {
        try {
          restoreFile(plan, f, old);
        } catch {
          unrestored.push(path.relative(root, f));
        }
      }
      const rel = path.relative(root, file);
      return unrestored.length === 0
        ? `cannot write ${rel} (${(e as Error).message}): no file was changed`
        : `cannot write ${rel} (${(e as Error).message}), and could not put back ${unrestored.join(', ')}: check those files`;
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
      live: run.image !== null,
      module: run.module,
      spans: (file, name, member, newName) =>
        run.checker.query({ kind: 'spans', file, name, ...(member !== undefined ? { member } : {}), ...(newName !== undefined ? { newName } : {}) }),
      checked: async (file, className) => (await run.checker.query({ kind: 'symbol', file, name: className })).found,
    });
  } catch (e: unknown) {
    return fail((e as Error).message);
  }
  const planMs = performance.now() - t0;
  if ([...plan.texts].every(([, t]) => t.before === t.after)) return fail('the edit changes nothing: the files already say it');
  const files = await Promise.all([...plan.texts].filter(([, t]) => t.before !== t.after).map(([file, t]) => diffOf(run.root, file, t.before, t.after)));
  const after = new Map([...plan.texts].map(([f, t]) => [f, t.after]));
  const rels = new Set([...plan.texts.keys()].map((f) => path.relative(run.root, f)));
  // The files as they are: a file the edit would create is none (what the checker and the image go back to).
  const before = new Map([...plan.texts].map(([f, t]) => [f, plan.created?.includes(f) ? null : t.before]));
  const typeErrors = async (keep: boolean): Promise<string | null> => {
    // The whole program is checked with the new texts, as the files would be.
    const checked = await run.checker.check(after, true);
    // Texts that will not be applied must not stay in the checker: its next question is of the files.
    if (checked.errors.length > 0 || !keep) await run.checker.check(before, false).catch(() => undefined);
    return checked.errors.length > 0 ? refusal('the edit does not type-check', checked.errors) : null;
  };
  const refusal = (what: string, errors: readonly Diagnostic[]): string => {
    // Errors only in files the edit did not touch: it broke code there, or they were broken before it.
    const others = errors.every((d) => !rels.has(d.file));
    const hint = others
      ? ' (the errors are in files the edit does not change: it breaks them, or they were broken before; imago status shows a change rejected earlier)'
      : '';
    return `${what}${hint}; no file was changed:\n${errors.map((d) => formatDiagnostic(d)).join('\n\n')}`;
  };
  if (run.dryRun) {
    // The plan, and whether the type check would take it (live values are checked only by the change itself).
    const refused = await typeErrors(false);
    return refused
      ? { ...fail(refused.replace('no file was changed', 'the edit would be refused')), files }
      : { ok: true, message: '', files, migration: plan.migration, ...base };
  }
  if (!run.image || !run.gated) {
    const refused = await typeErrors(true);
    if (refused) return fail(refused);
  }
  if (!run.image) {
    const problem = writeAll(plan, run.root);
    return problem ? fail(problem) : { ok: true, message: '', files, migration: plan.migration, ...base };
  }
  const image = run.image;
  const moved = changedSince(plan);
  if (moved.length > 0) return fail(`${moved.map((f) => path.relative(run.root, f)).join(', ')} changed on disk while the edit was planned: run it again`);
  const t1 = performance.now();
  // Until the files hold the new texts, the image reads them as the edit has them (a save in between must not undo it).
  const unpin = image.pin(after);
  let result: Awaited<ReturnType<Image['change']>>;
  try {
    result = await image.change([...after.keys()], { sources: image.snapshotOf(after), intent: plan.intent });
  } catch (e: unknown) {
    unpin();
    throw e;
  }
  const changeMs = performance.now() - t1;
  if (result.kind !== 'applied') {
    unpin();
    // The image is as it was; its record of a rejected change (and its checker's texts) go back to the files'.
    if (result.kind === 'rejected') await image.change([...before.keys()], { sources: image.snapshotOf(before), intent: { fieldRenames: [] } });
    if (result.kind === 'rejected') return fail(refusal(`the running image refused the edit (${result.phase}), and runs as before`, result.errors));
    // The running program does not load these files: the files take the edit, checked like any.
    const refused = run.gated ? await typeErrors(true) : null;
    if (refused) return fail(refused);
    const problem = writeAll(plan, run.root);
    return problem
      ? fail(problem)
      : { ok: true, message: '', files, migration: ['the running program does not load these files: only the files changed'], ...base };
  }
  const t2 = performance.now();
  const problem = writeAll(plan, run.root);
  unpin();
  const writeMs = performance.now() - t2;
  if (problem) {
    // The image runs the new code; the files could not take it: put the image back to the files' texts,
    // renamed fields renamed back (removed fields' values cannot come back).
    const i = plan.intent;
    const reverse = {
      fieldRenames: i.fieldRenames.map((r) => ({ ...r, from: r.to, to: r.from })),
      ...(i.functionRenames ? { functionRenames: i.functionRenames.map((r) => ({ ...r, from: r.to, to: r.from })) } : {}),
      ...(i.nameRenames ? { nameRenames: i.nameRenames.map((r) => ({ ...r, from: r.to, to: r.from })) } : {}),
      ...(i.moves ? { moves: i.moves.map((m) => ({ ...m, from: m.to, to: m.from })) } : {}),
    };
    const undone = await image.change([...before.keys()], { sources: image.snapshotOf(before), intent: reverse });
    // A file saved meanwhile holds what the image should run now: it is read as a save would be.
    void image.change([...before.keys()]);
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
  const ms = {
    plan: planMs,
    change: changeMs,
    typecheck: result.typecheck?.ms ?? 0,
    migrate: m ? m.ms + m.storesMs : 0,
    find: m?.discoveryMs ?? 0,
    write: writeMs,
  };
  return { ok: true, message: '', files, migration: migration.length > 0 ? migration : plan.migration, ...base, ms };
}
