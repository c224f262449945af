// The second half of a change, run at a safe point: instantiate the new versions, install their layers
// and export views, run the statements the rules select, and either keep everything or undo everything.

import type { Diagnostic } from '../compile/diagnostic.js';
import { codeFrame } from '../compile/source-text.js';
import { callGenerated, trampolineSource } from './codegen.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, ImagoError, messageOf } from './errors.js';
import { type Evaluation, evaluateChange, newEvaluation } from './evaluate.js';
import type { ChangeSummary, Phase } from './events.js';
import { restoreView, updateLinks, updateView, type ViewUndo } from './export-view.js';
import { installLayer } from './layer.js';
import { locateError } from './locate.js';
import { type MigrationResult, migrateLayouts } from './migrate.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';
import { disposeOwner, Owner } from './owner.js';
import type { PreparedChange, PreparedModule } from './prepare.js';

export type CommitOutcome =
  | { readonly ok: true; readonly summary: ChangeSummary; readonly files: readonly string[] }
  | { readonly ok: false; readonly phase: Phase; readonly errors: Diagnostic[] };

/** A function that throws for a function a change removed (saved references and old closures reach it). */
function removedFunction(name: string, rel: string): () => never {
  return function removed(): never {
    throw new ImagoError(
      'IMAGO_REMOVED',
      `${name}() was removed from ${rel}; a saved reference or an older closure still calls it. Restore the function in ${rel}, or stop calling it.`,
    );
  };
}

function countFunctions(old: LiveVersion | null, next: PreparedModule): ChangeSummary['functions'] {
  const before = new Map(old?.compiled.functions.map((f) => [f.name, f.text]) ?? []);
  let changed = 0;
  let added = 0;
  for (const f of next.compiled.functions) {
    const text = before.get(f.name);
    if (text === undefined) added++;
    else if (text !== f.text) changed++;
    before.delete(f.name);
  }
  return { changed, added, removed: before.size };
}

/** Creates the new version of one module: compiles it and makes its functions and item closures (no user code runs). */
function instantiate(ctx: ImageContext, record: ModuleRecord, next: PreparedModule): LiveVersion {
  const number = record.versions + 1;
  const filename = `${record.id}?v${number}`;
  ctx.origins.set(filename, { record, source: next.source, positions: next.compiled.positions });
  const fn = ctx.host.compileFunction(next.compiled.code, next.compiled.params, filename);
  const { rt, meta } = ctx.moduleGlobals(record);
  const out = fn(record.state, record.chain.calls, record.trampolines, record.links, rt, meta);
  if (!Array.isArray(out) || out.length !== 2) throw new ImagoError('IMAGO_INTERNAL', `compiled ${record.rel} returned no layer; please report this`);
  const functions = out[0] as Record<string, unknown>;
  const items = out[1] as Array<() => unknown>;
  for (const f of record.version?.compiled.functions ?? []) {
    if (!Object.hasOwn(functions, f.name)) functions[f.name] = removedFunction(f.name, record.rel);
  }
  const missing = next.compiled.functions.map((f) => f.name).filter((n) => !Object.hasOwn(record.trampolines, n));
  if (missing.length > 0) {
    const made = callGenerated(ctx.host.compileFunction(trampolineSource(missing), ['__imago_M'], `${record.id}?trampolines`), [record.chain.calls]);
    for (const name of missing) record.trampolines[name] = made[name] as LiveVersion['items'][number];
  }
  return { number, source: next.source, compiled: next.compiled, targets: next.targets, functions, items, filename };
}

/** Instantiates, installs and evaluates a prepared change; undoes all of it if anything throws. */
export async function commitChange(ctx: ImageContext, change: PreparedChange): Promise<CommitOutcome> {
  const versions = new Map<ModuleRecord, LiveVersion>();
  const layers: Array<{ record: ModuleRecord; layer: object }> = [];
  const views: ViewUndo[] = [];
  const states = new Map<ModuleRecord, Record<string, unknown>>();
  const journal: Array<() => void> = [];
  const ev: Evaluation = newEvaluation();
  const functions = { changed: 0, added: 0, removed: 0 };
  let modulesAdded = 0;
  ctx.journal = journal;
  ctx.compiling = new Map([...change.prepared.values()].map((p) => [p.record, p.compiled]));
  ctx.notes = [];
  ctx.layoutChanges = [];
  ctx.sourceOf = (record) => change.prepared.get(record.id)?.source ?? record.version?.source ?? '';
  const scope = { open: true };
  ctx.commitScope = scope;
  const finish = (): void => {
    ctx.journal = null;
    ctx.compiling = null;
    ctx.layoutChanges = null;
    ctx.sourceOf = null;
    scope.open = false;
    ctx.commitScope = null;
  };

  const rollback = (phase: Phase, error: unknown): CommitOutcome => {
    finish();
    for (let i = ev.ran.length - 1; i >= 0; i--) disposeOwner(ev.ran[i]!, ctx.host.timers, {});
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
    for (const { record, layer } of layers) installLayer(record.chain.pin, layer);
    for (let i = views.length - 1; i >= 0; i--) restoreView(views[i]!);
    for (const [record, saved] of states) for (const key of Object.keys(record.state)) record.state[key] = saved[key];
    if (error instanceof ChangeRejection && error.phase) phase = error.phase;
    const errors: Diagnostic[] = error instanceof ChangeRejection ? [...error.diagnostics] : [locateError(ctx, error, ev.current)];
    // Statements whose resources were released for their replacement start again in their old code.
    for (const r of ev.replaced) {
      if (!r.held) continue;
      const old = r.record.version;
      const index = old?.compiled.items.findIndex((it) => it.key === r.key) ?? -1;
      if (!old || index < 0) continue;
      const owner = new Owner(r.owner.label);
      r.record.owners.set(r.key, owner);
      try {
        ctx.tracker.runOwned(owner, old.items[index]!);
      } catch (e: unknown) {
        errors.push({ ...locateError(ctx, e, r.record.rel), message: `while restarting the previous version of this statement: ${messageOf(e)}` });
      }
    }
    return { ok: false, phase, errors };
  };

  // Instantiate every new version, then install layers and export views (after every trampoline
  // exists, so modules in a cycle see each other's functions).
  try {
    for (const record of change.order) {
      const next = change.prepared.get(record.id);
      if (!next) continue;
      ev.current = record.rel;
      checkClassesKept(ctx, record, record.version, next, journal);
      const version = instantiate(ctx, record, next);
      const f = countFunctions(record.version, next);
      functions.changed += f.changed;
      functions.added += f.added;
      functions.removed += f.removed;
      if (!record.version) modulesAdded++;
      else layers.push({ record, layer: Object.getPrototypeOf(record.chain.pin) as object });
      installLayer(record.chain.pin, version.functions);
      versions.set(record, version);
      const links = updateLinks(ctx, record, version);
      if (links) views.push(links);
    }
    // A view changes with its module's version, and with any module it re-exports with `export *`.
    const touched = new Set<ModuleRecord>();
    for (const record of change.order) {
      const version = versions.get(record) ?? record.version;
      if (!version) continue;
      const viaStar = version.compiled.starExports.some((d) => {
        const t = version.targets[d];
        return t?.kind === 'project' && touched.has(t.record);
      });
      if (!versions.has(record) && !viaStar) continue;
      touched.add(record);
      const undo = updateView(ctx, record, version);
      if (undo) views.push(undo);
    }
  } catch (e: unknown) {
    return rollback('instantiate', e);
  }

  // Evaluate: every module's bindings are saved first, since a statement may change another module's state.
  for (const record of change.order) states.set(record, { ...record.state });
  try {
    await evaluateChange(ctx, change, versions, ev);
  } catch (e: unknown) {
    return rollback('evaluate', e);
  }

  // Migrate live instances to new data layouts, last: it undoes its own work if it fails, and nothing
  // after it can throw.
  let migration: MigrationResult | null;
  try {
    migration = migrateLayouts(ctx, ctx.layoutChanges);
  } catch (e: unknown) {
    return rollback('migrate', e);
  }

  // Commit: nothing below runs user code except disposers of removed statements and modules.
  const summary = {
    functions,
    bindings: { added: ev.counts.bindingsAdded, reevaluated: ev.counts.bindingsReevaluated, removed: 0 },
    effects: { run: ev.counts.effectsRun, removed: 0 },
    modules: { added: modulesAdded, removed: change.unloaded.length },
    classes: { changed: ev.counts.classesChanged, added: ev.counts.classesAdded, removed: 0 },
    enums: [...ctx.notes],
    layouts: migration?.reports ?? [],
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
  for (const [record, version] of versions) {
    const newKeys = new Set(version.compiled.items.map((it) => it.key));
    for (const it of record.version?.compiled.items ?? []) {
      if (newKeys.has(it.key)) continue;
      if (it.kind === 'binding') summary.bindings.removed++;
      else if (it.kind === 'class') summary.classes.removed++;
      else summary.effects.removed++;
      const owner = record.owners.get(it.key);
      if (owner) {
        for (const e of disposeOwner(owner, ctx.host.timers, record.hotData)) ctx.warn(`a dispose callback of ${record.rel} threw: ${messageOf(e)}`);
        record.owners.delete(it.key);
      }
    }
    record.version = version;
    record.versions = version.number;
    ctx.modules.set(record.id, record);
    for (const key of [...ctx.origins.keys()]) {
      const origin = ctx.origins.get(key)!;
      if (origin.record === record && key.includes('?v') && Number(key.slice(key.lastIndexOf('?v') + 2)) <= version.number - 8) ctx.origins.delete(key);
    }
  }
  for (const [record, owners] of ev.staged) for (const [key, owner] of owners) record.owners.set(key, owner);
  for (const record of change.unloaded) unloadModule(ctx, record);
  finish();
  return { ok: true, summary, files: [...versions.keys()].map((r) => r.rel) };
}

/** Takes a module out of the image: its statements' resources are released, its functions throw. */
export function unloadModule(ctx: ImageContext, record: ModuleRecord): void {
  for (const owner of [...record.owners.values(), record.moduleOwner]) {
    for (const e of disposeOwner(owner, ctx.host.timers, record.hotData)) ctx.warn(`a dispose callback of ${record.rel} threw: ${messageOf(e)}`);
  }
  record.owners.clear();
  const layer: Record<string, unknown> = {};
  for (const f of record.version?.compiled.functions ?? []) layer[f.name] = removedFunction(f.name, record.rel);
  installLayer(record.chain.pin, layer);
  record.removed = true;
  ctx.modules.delete(record.id);
  for (const key of [...ctx.origins.keys()]) if (ctx.origins.get(key)!.record === record) ctx.origins.delete(key);
}

/**
 * A class that becomes something else (a function, an enum, a plain binding) while instances of it are
 * alive would leave those instances with a prototype chain nobody maintains: the change is rejected.
 */
function checkClassesKept(ctx: ImageContext, record: ModuleRecord, old: LiveVersion | null, next: PreparedModule, journal: Array<() => void>): void {
  if (!old) return;
  for (const name of old.compiled.classes.keys()) {
    if (next.compiled.classes.has(name)) continue;
    const identity = record.classes.get(name);
    const item = next.compiled.items.find((it) => it.names.includes(name));
    const fn = next.compiled.functions.find((f) => f.name === name);
    if (!identity || (!item && !fn)) continue;
    const what = fn ? 'a function' : next.compiled.enums.has(name) ? 'an enum' : 'a plain binding';
    const count = ctx.host.findInstances?.(identity.constructor.prototype)?.length ?? null;
    if (count === 0) {
      record.classes.delete(name);
      journal.push(() => record.classes.set(name, identity));
      continue;
    }
    const pos = next.compiled.positions.sourceOfJs(item?.jsOffset ?? fn?.jsOffset ?? 0);
    const alive = count === null ? 'instances of it may be alive (this host cannot count them)' : `${count} instance${count === 1 ? ' is' : 's are'} alive`;
    throw new ChangeRejection([
      {
        file: record.rel,
        line: pos.line,
        column: pos.column,
        code: 'IMAGO_CLASS_KIND',
        frame: codeFrame(next.source, pos.line, pos.column),
        message: `class ${name} became ${what}, but ${alive}; keep ${name} a class (its instances then get the new methods), or let its instances go first`,
      },
    ]);
  }
}
