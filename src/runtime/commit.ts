// The second half of a change, run at a safe point: instantiate the new versions, install their layers
// and export views, run the statements the rules select, and either keep everything or undo everything.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { Item } from '../compile/compiled-module.js';
import { callGenerated, trampolineSource, viewAccessorSource, type ViewAccess } from './codegen.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, ImagoError, messageOf } from './errors.js';
import { codeFrame } from '../compile/source-text.js';
import type { ChangeSummary, Phase } from './events.js';
import { installLayer } from './layer.js';
import { locateError } from './locate.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';
import { disposeOwner, Owner } from './owner.js';
import type { PreparedChange, PreparedModule } from './prepare.js';

export type CommitOutcome =
  | { readonly ok: true; readonly summary: ChangeSummary; readonly files: readonly string[] }
  | { readonly ok: false; readonly phase: Phase; readonly errors: Diagnostic[] };

/** Everything needed to put a module back as it was. */
interface Undo {
  readonly record: ModuleRecord;
  readonly layer: object | null;
  readonly view: PropertyDescriptorMap;
  viewKeys?: Map<string, string>;
  state: Record<string, unknown> | null;
}

/** An old statement's owner disposed because the statement ran again. */
interface Replaced {
  readonly record: ModuleRecord;
  readonly key: string;
  readonly owner: Owner;
  /** It had timers or dispose callbacks, so releasing them was visible. */
  readonly held: boolean;
}

/** A function that throws for a function a change removed (saved references and old closures reach it). */
function removedFunction(name: string, rel: string): () => never {
  return function removed(): never {
    throw new ImagoError('IMAGO_REMOVED', `${name}() was removed from ${rel}; a saved reference or an older closure still calls it. Restore the function in ${rel}, or stop calling it.`);
  };
}

/** The export view entries of a version, resolved through re-exports and `export *`. */
function viewEntries(version: Pick<LiveVersion, 'compiled' | 'targets'>, record: ModuleRecord, starNames: (r: ModuleRecord) => Iterable<string>): Array<[string, ViewAccess]> {
  const out = new Map<string, ViewAccess>();
  for (const dep of version.compiled.starExports) {
    const t = version.targets[dep];
    if (t?.kind !== 'project') continue;
    for (const name of starNames(t.record)) if (name !== 'default') out.set(name, { kind: 'forward', dep, name });
  }
  const functionNames = new Set(version.compiled.functions.map((f) => f.name));
  for (const [name, src] of version.compiled.exports) {
    if (src.kind === 'reexport') {
      out.set(name, src.name === '*' ? { kind: 'namespace', dep: src.dep } : { kind: 'forward', dep: src.dep, name: src.name });
    } else if (functionNames.has(src.local)) {
      out.set(name, { kind: 'value', value: record.trampolines[src.local] });
    } else {
      out.set(name, { kind: 'state', local: src.local });
    }
  }
  return [...out];
}

function viewOf(target: LiveVersion['targets'][number]): object {
  return target.kind === 'project' ? target.record.view : target.namespace;
}

function countFunctions(old: LiveVersion | null, next: PreparedModule): ChangeSummary['functions'] {
  const before = new Map(old?.compiled.functions.map((f) => [f.name, f.text]) ?? []);
  let changed = 0;
  let added = 0;
  for (const f of next.compiled.functions) {
    const text = before.get(f.name);
    if (text === undefined) added++; else if (text !== f.text) changed++;
    before.delete(f.name);
  }
  return { changed, added, removed: before.size };
}

/** Instantiates, installs and evaluates a prepared change; undoes all of it if anything throws. */
export async function commitChange(ctx: ImageContext, change: PreparedChange): Promise<CommitOutcome> {
  const undo: Undo[] = [];
  const versions = new Map<ModuleRecord, LiveVersion>();
  const ran: Owner[] = [];
  const replaced: Replaced[] = [];
  const staged = new Map<ModuleRecord, Map<string, Owner>>();
  const summary = {
    functions: { changed: 0, added: 0, removed: 0 },
    bindings: { added: 0, reevaluated: 0, removed: 0 },
    effects: { run: 0, removed: 0 },
    modules: { added: 0, removed: change.unloaded.length },
    classes: { changed: 0, added: 0, removed: 0 },
    enums: [] as string[],
  };
  const journal: Array<() => void> = [];
  ctx.journal = journal;
  ctx.compiling = new Map([...change.prepared.values()].map((p) => [p.record, p.compiled]));
  ctx.notes = [];

  let current = '';
  const rollback = (phase: Phase, error: unknown): CommitOutcome => {
    ctx.journal = null;
    ctx.compiling = null;
    for (let i = ran.length - 1; i >= 0; i--) disposeOwner(ran[i]!, ctx.host.timers, {});
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
    for (const u of undo) {
      if (u.layer) installLayer(u.record.chain.pin, u.layer);
      for (const name of Object.keys(u.record.view)) if (!(name in u.view)) delete u.record.view[name];
      Object.defineProperties(u.record.view, u.view);
      if (u.viewKeys) {
        u.record.viewKeys.clear();
        for (const [k, v] of u.viewKeys) u.record.viewKeys.set(k, v);
      }
      if (u.state) {
        for (const key of Object.keys(u.record.state)) u.record.state[key] = u.state[key];
      }
    }
    const errors: Diagnostic[] = error instanceof ChangeRejection ? [...error.diagnostics] : [locateError(ctx, error, current)];
    // Statements whose resources were released for their replacement start again in their old code.
    for (const r of replaced) {
      if (!r.held) continue;
      const old = r.record.version;
      const index = old?.compiled.items.findIndex((it) => it.key === r.key) ?? -1;
      if (!old || index < 0) continue;
      const owner = new Owner(r.owner.label);
      r.record.owners.set(r.key, owner);
      try { ctx.tracker.runOwned(owner, old.items[index]!); } catch (e: unknown) {
        errors.push({ ...locateError(ctx, e, r.record.rel), message: `while restarting the previous version of this statement: ${messageOf(e)}` });
      }
    }
    return { ok: false, phase, errors };
  };

  // Instantiate: compile each new version and create its functions and item closures (no user code runs).
  try {
    for (const record of change.order) {
      const next = change.prepared.get(record.id);
      if (!next) continue;
      current = record.rel;
      const number = record.versions + 1;
      const filename = `${record.id}?v${number}`;
      ctx.origins.set(filename, { record, source: next.source, positions: next.compiled.positions });
      const fn = ctx.host.compileFunction(next.compiled.code, next.compiled.params, filename);
      const { rt, meta } = ctx.moduleGlobals(record);
      const out = fn(record.state, record.chain.calls, record.trampolines, rt, meta, ...next.targets.map(viewOf));
      if (!Array.isArray(out) || out.length !== 2) throw new ImagoError('IMAGO_INTERNAL', `compiled ${record.rel} returned no layer`);
      const functions = out[0] as Record<string, unknown>;
      const items = out[1] as Array<() => unknown>;
      const old = record.version;
      checkClassesKept(ctx, record, old, next, journal);
      for (const f of old?.compiled.functions ?? []) {
        if (!(f.name in functions)) functions[f.name] = removedFunction(f.name, record.rel);
      }
      const missing = next.compiled.functions.map((f) => f.name).filter((n) => !(n in record.trampolines));
      if (missing.length > 0) {
        const made = callGenerated(ctx.host.compileFunction(trampolineSource(missing), ['__imago_M'], `${record.id}?trampolines`), [record.chain.calls]);
        Object.assign(record.trampolines, made);
      }
      undo.push({ record, layer: old ? Object.getPrototypeOf(record.chain.pin) as object : null, view: Object.getOwnPropertyDescriptors(record.view), state: null });
      installLayer(record.chain.pin, functions);
      versions.set(record, { number, source: next.source, compiled: next.compiled, targets: next.targets, functions, items, filename });
      const f = countFunctions(old, next);
      summary.functions.changed += f.changed;
      summary.functions.added += f.added;
      summary.functions.removed += f.removed;
      if (!old) summary.modules.added++;
    }
    // Export views: after every layer and trampoline exists, so cycles see each other's functions.
    const starNames = (r: ModuleRecord): string[] => Object.keys(r.view);
    for (const record of change.order) {
      const version = versions.get(record) ?? record.version;
      if (!version) continue;
      const touched = versions.has(record) || version.compiled.starExports.some((d) => {
        const t = version.targets[d];
        return t?.kind === 'project' && versions.has(t.record);
      });
      if (!touched) continue;
      const entries = viewEntries(version, record, starNames);
      const keyOf = ([, access]: [string, ViewAccess]): string => {
        const target = (dep: number): string => {
          const t = version.targets[dep];
          return t?.kind === 'project' ? t.record.id : `platform:${t?.specifier ?? ''}`;
        };
        switch (access.kind) {
          case 'value': return `value:${String((access.value as { name?: string } | undefined)?.name)}`;
          case 'state': return `state:${access.local}`;
          case 'forward': return `forward:${target(access.dep)}:${access.name}`;
          case 'namespace': return `namespace:${target(access.dep)}`;
        }
      };
      const changed = entries.filter((e) => record.viewKeys.get(e[0]) !== keyOf(e) || !(e[0] in record.view));
      const wanted = new Set(entries.map(([n]) => n));
      const stale = Object.keys(record.view).filter((n) => !wanted.has(n));
      if (changed.length === 0 && stale.length === 0) continue;
      if (!versions.has(record)) undo.push({ record, layer: null, view: Object.getOwnPropertyDescriptors(record.view), state: null });
      const viewUndo = undo.find((x) => x.record === record)!;
      viewUndo.viewKeys ??= new Map(record.viewKeys);
      const getters = callGenerated(ctx.host.compileFunction(viewAccessorSource(changed), ['__imago_S', ...version.targets.map((_, i) => `__imago_d${i}`)], `${record.id}?exports`),
        [record.state, ...version.targets.map(viewOf)]) as PropertyDescriptorMap;
      for (const name of stale) { delete record.view[name]; record.viewKeys.delete(name); }
      for (const entry of changed) {
        const [name, access] = entry;
        const desc = access.kind === 'value'
          ? { value: access.value, enumerable: true, configurable: true, writable: false }
          : { ...getters[name], enumerable: true, configurable: true };
        Object.defineProperty(record.view, name, desc);
        record.viewKeys.set(name, keyOf(entry));
      }
    }
  } catch (e: unknown) {
    return rollback('instantiate', e);
  }

  // Evaluate: run the selected statements in dependency order.
  const reevaluated = new Set<string>();
  const importChanged = (version: LiveVersion, item: Item): boolean => item.importDeps.some((local) => {
    const ref = version.compiled.imports.get(local);
    const t = ref ? version.targets[ref.dep] : undefined;
    if (!ref || t?.kind !== 'project') return false;
    const target = t.record.version && !versions.has(t.record) ? t.record.version : versions.get(t.record);
    const src = target?.compiled.exports.get(ref.name);
    return src?.kind === 'local' && reevaluated.has(`${t.record.id}\0${src.local}`);
  });
  try {
    for (const record of change.order) {
      const next = versions.get(record);
      const version = next ?? record.version!;
      current = record.rel;
      const old = next ? record.version : version;
      const oldItems = new Map<string, Item>((old?.compiled.items ?? []).map((it) => [it.key, it]));
      const u = undo.find((x) => x.record === record);
      const owners = new Map<string, Owner>();
      for (let i = 0; i < version.compiled.items.length; i++) {
        const item = version.compiled.items[i]!;
        const before = oldItems.get(item.key);
        let run: boolean;
        if (item.kind === 'effect') run = next !== undefined && !before;
        else if (item.kind === 'class') run = next !== undefined;
        else {
          run = (next !== undefined && (!before || before.text !== item.text))
            || item.localDeps.some((n) => reevaluated.has(`${record.id}\0${n}`))
            || importChanged(version, item);
        }
        if (!run) continue;
        if (u) u.state ??= { ...record.state };
        else undo.push({ record, layer: null, view: Object.getOwnPropertyDescriptors(record.view), state: { ...record.state } });
        const previous = record.owners.get(item.key);
        if (previous) {
          replaced.push({ record, key: item.key, owner: previous, held: previous.holdsResources });
          const errs = disposeOwner(previous, ctx.host.timers, record.hotData);
          if (errs.length > 0) throw errs[0];
        }
        const owner = new Owner(`${record.rel}:${item.key}`);
        ran.push(owner);
        owners.set(item.key, owner);
        const result = ctx.tracker.runOwned(owner, version.items[i]!);
        if (item.isAsync) await result;
        if (item.kind === 'binding') {
          for (const n of item.names) reevaluated.add(`${record.id}\0${n}`);
          if (before) summary.bindings.reevaluated++; else summary.bindings.added++;
        } else if (item.kind === 'class') {
          if (!before) summary.classes.added++; else if (before.text !== item.text) summary.classes.changed++;
        } else summary.effects.run++;
      }
      if (owners.size > 0) staged.set(record, owners);
    }
  } catch (e: unknown) {
    return rollback('evaluate', e);
  }

  // Commit: nothing below runs user code except disposers of removed statements and modules.
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
  for (const [record, owners] of staged) for (const [key, owner] of owners) record.owners.set(key, owner);
  for (const record of change.unloaded) unloadModule(ctx, record);
  ctx.journal = null;
  ctx.compiling = null;
  summary.enums.push(...ctx.notes);
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
    const isFunction = fn !== undefined;
    if (!identity || (!item && !isFunction)) continue;
    const what = isFunction ? 'a function' : next.compiled.enums.has(name) ? 'an enum' : 'a plain binding';
    const count = ctx.host.countInstances ? ctx.host.countInstances(identity.constructor.prototype) : null;
    if (count === 0) {
      record.classes.delete(name);
      journal.push(() => record.classes.set(name, identity));
      continue;
    }
    const pos = next.compiled.positions.sourceOfJs(item?.jsOffset ?? fn?.jsOffset ?? 0);
    const alive = count === null ? 'instances of it may be alive (this host cannot count them)' : `${count} instance${count === 1 ? ' is' : 's are'} alive`;
    throw new ChangeRejection([{
      file: record.rel, line: pos.line, column: pos.column, code: 'IMAGO_CLASS_KIND', frame: codeFrame(next.source, pos.line, pos.column),
      message: `class ${name} became ${what}, but ${alive}; keep ${name} a class (its instances then get the new methods), or let its instances go first`,
    }]);
  }
}
