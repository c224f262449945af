// The second half of a change, run at a safe point, as one transaction: instantiate the new versions and
// install their layers and export views, run the statements the rules select (classes migrate their
// instances and stores as they are defined), settle the migrations, and keep everything, or undo
// everything the transaction recorded.

import type { Diagnostic } from '../compile/diagnostic.js';
import { commitClosures, type KeptSite, leftBehind } from './closure-cells.js';
import { parseCompiledName } from './compiled-names.js';
import { type ImageContext, withTransaction } from './context.js';
import { ChangeRejection, messageOf } from './errors.js';
import { type Evaluation, evaluateChange, newEvaluation } from './evaluate.js';
import { type ChangeSummary, type ClosureReport, keepName, NAMES_KEPT, type Phase } from './events.js';
import { type Instantiated, installVersions, removedFunction } from './instantiate.js';
import { installLayer } from './layer.js';
import { locateError } from './locate.js';
import { type MigrationResult, settleLayouts } from './migration.js';
import type { ModuleRecord } from './module-record.js';
import { applyMoves, forwarder } from './move-names.js';
import { disposeOwner, Owner } from './owner.js';
import type { PreparedChange } from './prepare.js';
import { applyRenames, renamedOnly } from './rename-names.js';
import { Restoring } from './resume.js';
import { Transaction } from './transaction.js';

export type CommitOutcome =
  | { readonly ok: true; readonly summary: ChangeSummary; readonly files: readonly string[] }
  | { readonly ok: false; readonly phase: Phase; readonly errors: Diagnostic[] };

/** Versions of a module whose code stack traces may still show; older ones are forgotten. */
const KEPT_ORIGINS = 8;

/** How the transactional part of a commit ended. */
type Attempt =
  | { readonly kind: 'committed'; readonly outcome: CommitOutcome }
  | { readonly kind: 'failed'; readonly phase: Phase; readonly error: unknown; readonly note?: string };

/**
 * Instantiates, installs and evaluates a prepared change; undoes all of it if anything throws. With
 * `beforeClose` (a change taken by several programs at once: cohort.ts), the transaction waits for it
 * at its point of no return: it throws (a ChangeRejection) to undo everything after all.
 */
export async function commitChange(ctx: ImageContext, change: PreparedChange, beforeClose?: () => Promise<void>): Promise<CommitOutcome> {
  const tx = new Transaction(new Map([...change.prepared.values()].map((p) => [p.record, { source: p.source, compiled: p.compiled }])));
  const ev: Evaluation = newEvaluation();
  const attempt = await withTransaction(ctx, tx, async (): Promise<Attempt> => {
    moveModules(ctx, tx, change);
    for (const p of change.prepared.values()) {
      applyRenames(ctx, tx, p.record, p.compiled);
      applyMoves(ctx, tx, p.record, p.compiled);
    }
    let made: Instantiated;
    try {
      made = installVersions(ctx, tx, change, (rel) => {
        ev.current = rel;
      });
    } catch (e: unknown) {
      return { kind: 'failed', phase: 'instantiate', error: e };
    }
    retireStatics(tx, made);
    // The first load of a program that resumes from an image file: saved classes and state, decoded now.
    const resume = ctx.resume;
    if (resume) {
      const restoring = new Restoring(resume);
      try {
        restoring.begin(ctx, tx, made.versions);
      } catch (e: unknown) {
        return { kind: 'failed', phase: 'resume', error: e };
      }
      ctx.restoring = restoring;
    }
    // Evaluate: every module's bindings are saved first, since a statement may change another module's state.
    for (const record of change.order) {
      const saved = { ...record.state };
      const immediate = [...record.immediate];
      tx.onUndo(() => {
        for (const key of Object.keys(record.state)) record.state[key] = saved[key];
        record.immediate.clear();
        for (const [key, sites] of immediate) record.immediate.set(key, sites);
      });
    }
    try {
      await evaluateChange(ctx, change, made.versions, ev, new Map(made.closures.map(({ record, plan }) => [record, plan.rerun])));
    } catch (e: unknown) {
      // A statement that ran again only because a closure it passes cannot follow: say so beside its error.
      const at = ev.currentItem;
      const why = at ? made.closures.find((c) => c.record === at.record)?.plan.rerun.get(at.key) : undefined;
      return { kind: 'failed', phase: 'evaluate', error: e, ...(why ? { note: why } : {}) };
    }
    // The other programs taking this change are ready too, or it is undone here (settling is not undone).
    if (beforeClose) {
      try {
        await beforeClose();
      } catch (e: unknown) {
        return { kind: 'failed', phase: 'coordinate', error: e };
      }
    }
    // Fields no longer declared leave migrated instances and stores; nothing below can throw.
    const migration = settleLayouts({ ctx, tx });
    const summary = summarize(tx, ev, made, change, migration);
    if (ctx.restoring) {
      ctx.resumed = { ...ctx.restoring.report(), layouts: ctx.restoring.layouts(summary.layouts) };
      ctx.resume = null;
    }
    tx.close();
    finish(ctx, ev, made, change);
    return { kind: 'committed', outcome: { ok: true, summary, files: [...made.versions.keys()].map((r) => r.rel) } };
  });
  ctx.restoring = null;
  // Rolled back outside the transaction: statements restarted in their old code are no part of it.
  if (attempt.kind === 'committed') return attempt.outcome;
  const outcome = rollback(ctx, tx, ev, attempt.phase, attempt.error, change);
  if (outcome.ok || !attempt.note) return outcome;
  const [first, ...rest] = outcome.errors;
  return { ...outcome, errors: first ? [{ ...first, message: `${first.message} (this statement ${attempt.note})` }, ...rest] : rest };
}

/** Modules whose file moved take their new path (moves.ts), before anything is installed under it. */
function moveModules(ctx: ImageContext, tx: Transaction, change: PreparedChange): void {
  for (const m of change.moves) {
    const record = m.record;
    const before = { id: record.id, rel: record.rel, root: ctx.roots.has(record.id) };
    const place = (id: string, rel: string, root: boolean, from: string): void => {
      ctx.modules.delete(from);
      ctx.roots.delete(from);
      record.id = id;
      record.rel = rel;
      ctx.modules.set(id, record);
      if (root) ctx.roots.add(id);
    };
    place(m.to, m.toRel, before.root, before.id);
    tx.onUndo(() => place(before.id, before.rel, before.root, m.to));
  }
}

/**
 * Static fields of statements the change removes leave their class before the change's code runs: the
 * new code may set one again (`K.count = 5` after `declare static count: number`), and that stays.
 */
function retireStatics(tx: Transaction, made: Instantiated): void {
  for (const [record, version] of made.versions) {
    const newKeys = new Set(version.compiled.items.map((it) => it.key));
    for (const it of record.version?.compiled.items ?? []) {
      if (newKeys.has(it.key)) continue;
      for (const [target, key] of record.owners.get(it.key)?.statics ?? []) {
        const before = Object.getOwnPropertyDescriptor(target, key);
        if (!before?.configurable) continue;
        Reflect.deleteProperty(target, key);
        tx.onUndo(() => Object.defineProperty(target, key, before));
      }
    }
  }
}

function rollback(ctx: ImageContext, tx: Transaction, ev: Evaluation, phase: Phase, error: unknown, change: PreparedChange): CommitOutcome {
  for (let i = ev.ran.length - 1; i >= 0; i--) disposeOwner(ev.ran[i]!, ctx.host.timers, {});
  const undoErrors = tx.rollback();
  const errors: Diagnostic[] = error instanceof ChangeRejection ? [...error.diagnostics] : [locateError(ctx, error, ev.current)];
  for (const e of undoErrors) {
    errors.push({ file: ev.current, line: 1, column: 1, code: 'IMAGO_INTERNAL', message: `while undoing the change: ${messageOf(e)}; please report this` });
  }
  // Statements whose resources were released for their replacement start again in their old code.
  for (const r of ev.replaced) {
    if (!r.held) continue;
    const old = r.record.version;
    // A rename translated the statement's key while the change ran (rename-names.ts): found by its translation.
    const renamed = change.prepared.get(r.record.id)?.compiled.renamedNames;
    const index = old?.compiled.items.findIndex((it) => it.key === r.key || (renamed !== undefined && renamedOnly(it.key, r.key, renamed))) ?? -1;
    if (!old || index < 0) continue;
    const owner = new Owner(r.owner.label);
    r.record.owners.set(old.compiled.items[index]!.key, owner);
    try {
      ctx.tracker.runOwned(owner, old.items[index]!);
    } catch (e: unknown) {
      errors.push({ ...locateError(ctx, e, r.record.rel), message: `while restarting the previous version of this statement: ${messageOf(e)}` });
    }
  }
  return { ok: false, phase: error instanceof ChangeRejection ? error.phase : phase, errors };
}

function summarize(tx: Transaction, ev: Evaluation, made: Instantiated, change: PreparedChange, migration: MigrationResult | null): ChangeSummary {
  const removed = { bindings: 0, classes: 0, effects: 0 };
  const removedNames = { bindings: [] as string[], classes: [] as string[] };
  for (const [record, version] of made.versions) {
    const newKeys = new Set(version.compiled.items.map((it) => it.key));
    for (const it of record.version?.compiled.items ?? []) {
      if (newKeys.has(it.key)) continue;
      if (it.kind === 'binding') removed.bindings++;
      else if (it.kind === 'class') removed.classes++;
      else removed.effects++;
      if (it.kind === 'binding' || it.kind === 'class')
        for (const n of it.names) keepName(it.kind === 'binding' ? removedNames.bindings : removedNames.classes, `${record.rel}:${n}`);
    }
  }
  return {
    functions: made.functions,
    bindings: { added: ev.counts.bindingsAdded, reevaluated: ev.counts.bindingsReevaluated, removed: removed.bindings },
    effects: { run: ev.counts.effectsRun, removed: removed.effects },
    modules: { added: made.modulesAdded, removed: change.unloaded.length },
    ...(change.moves.length > 0 ? { moved: change.moves.map((m) => ({ from: m.fromRel, to: m.toRel })) } : {}),
    classes: { changed: ev.counts.classesChanged, added: ev.counts.classesAdded, removed: removed.classes },
    enums: [...tx.notes],
    layouts: migration?.reports ?? [],
    names: {
      functions: made.functionNames,
      bindings: { reevaluated: ev.names.bindingsReevaluated, added: ev.names.bindingsAdded, removed: removedNames.bindings },
      classes: { changed: ev.names.classesChanged, added: ev.names.classesAdded, removed: removedNames.classes },
      modules: { added: made.modulesAddedNames, removed: change.unloaded.slice(0, NAMES_KEPT).map((r) => r.rel) },
    },
    ...closureSummary(made, change.unloaded),
    ...(migration
      ? {
          migration: {
            ms: migration.ms,
            discoveryMs: migration.discoveryMs,
            instances: migration.instances,
            rows: migration.rows,
            storesMs: migration.storesMs,
          },
        }
      : {}),
  };
}

/** What a change does to closures made by older code, for the reload line and the event. */
function closureSummary(made: Instantiated, unloaded: readonly ModuleRecord[]): Pick<ChangeSummary, 'closures'> {
  let followed = 0;
  const kept: Array<ClosureReport> = [];
  const report = (record: ModuleRecord, k: KeptSite): void => {
    const at = k.at ?? k.site;
    const madeBy = k.site.ownerLine === undefined ? k.site.owner : `${k.site.owner} at ${record.rel}:${k.site.ownerLine}`;
    kept.push({ file: record.rel, line: at.line, column: at.column, closure: k.site.label, madeBy, reason: k.reason });
  };
  for (const { record, plan } of made.closures) {
    followed += new Set(plan.redirects.filter((r) => r.cell.m === 1 && !r.cell.site.method).map((r) => r.site.key)).size;
    for (const k of plan.kept) report(record, k);
  }
  for (const record of unloaded) for (const k of leftBehind(record)) report(record, k);
  return followed > 0 || kept.length > 0 ? { closures: { followed, kept } } : {};
}

/** After the point of no return: statements that are gone release what they own, versions are recorded. */
function finish(ctx: ImageContext, ev: Evaluation, made: Instantiated, change: PreparedChange): void {
  for (const [record, version] of made.versions) {
    const newKeys = new Set(version.compiled.items.map((it) => it.key));
    for (const it of record.version?.compiled.items ?? []) {
      if (newKeys.has(it.key)) continue;
      const owner = record.owners.get(it.key);
      if (!owner) continue;
      for (const e of disposeOwner(owner, ctx.host.timers, record.hotData)) ctx.warn(`a dispose callback of ${record.rel} threw: ${messageOf(e)}`);
      record.owners.delete(it.key);
    }
    record.history.record(record.version, version, record.classes, Date.now());
    record.version = version;
    record.versions = version.number;
    ctx.modules.set(record.id, record);
    for (const key of [...ctx.origins.keys()]) {
      const origin = ctx.origins.get(key)!;
      const name = parseCompiledName(key);
      if (origin.record === record && name?.kind === 'version' && name.version <= version.number - KEPT_ORIGINS) ctx.origins.delete(key);
    }
  }
  for (const [record, owners] of ev.staged) for (const [key, owner] of owners) record.owners.set(key, owner);
  for (const { record, plan } of made.closures) commitClosures(record, plan);
  for (const record of change.unloaded) unloadModule(ctx, record);
}

/**
 * Takes a module out of the image: its statements' resources are released, its functions throw. When
 * the whole image ends (`ending`), its functions stay callable: a `process.on('exit')` handler may call them.
 */
export function unloadModule(ctx: ImageContext, record: ModuleRecord, ending = false): void {
  for (const owner of [...record.owners.values(), record.moduleOwner]) {
    for (const e of disposeOwner(owner, ctx.host.timers, record.hotData)) ctx.warn(`a dispose callback of ${record.rel} threw: ${messageOf(e)}`);
  }
  record.owners.clear();
  if (!ending) {
    const layer: Record<string, unknown> = {};
    for (const f of record.version?.compiled.functions ?? []) layer[f.name] = removedFunction(f.name, record.rel);
    // Functions moved to another module live on there: references taken here still reach them.
    for (const [name, target] of record.movedOut) layer[name] = forwarder(target, name);
    for (const [from, to] of record.functionAliases) if (record.movedOut.has(to)) layer[from] = layer[to];
    installLayer(record.chain.pin, layer);
  }
  record.removed = true;
  ctx.modules.delete(record.id);
  for (const identity of record.classes.values()) ctx.classes.remove(identity);
  for (const key of [...ctx.origins.keys()]) if (ctx.origins.get(key)!.record === record) ctx.origins.delete(key);
}
