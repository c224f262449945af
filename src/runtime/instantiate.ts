// The first step of a commit: every new module version is compiled into a layer of functions and item
// closures (no user code runs), installed on its module's stable call object, and the export views and
// import links follow. Each step is recorded on the transaction to be undone if the change is rejected.

import { codeFrame } from '../compile/source-text.js';
import { type ClosurePlan, cellsFor, planClosures, redirectClosures } from './closure-cells.js';
import { callGenerated, trampolineSource } from './codegen.js';
import { generatedName, versionName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, ImagoError } from './errors.js';
import { type ChangeSummary, keepName } from './events.js';
import { restoreView, updateLinks, updateView } from './export-view.js';
import { lateBodies } from './late-bodies.js';
import { installLayer } from './layer.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';
import { forwarder } from './move-names.js';
import type { PreparedChange, PreparedModule } from './prepare.js';
import type { Transaction } from './transaction.js';

/** What instantiating a change made. */
export interface Instantiated {
  readonly versions: Map<ModuleRecord, LiveVersion>;
  readonly functions: { changed: number; added: number; removed: number };
  /** Their names, `file:name`. */
  readonly functionNames: { changed: string[]; added: string[]; removed: string[] };
  readonly modulesAdded: number;
  readonly modulesAddedNames: string[];
  /** What the change does to closures made by older versions, per module (applied when it commits). */
  readonly closures: Array<{ readonly record: ModuleRecord; readonly version: LiveVersion; readonly plan: ClosurePlan }>;
}

/** A function that throws for a function a change removed (saved references and old closures reach it). */
export function removedFunction(name: string, rel: string): () => never {
  return function removed(): never {
    throw new ImagoError(
      'IMAGO_REMOVED',
      `${name}() was removed from ${rel}; a saved reference or an older closure still calls it. Restore the function in ${rel}, or stop calling it.`,
    );
  };
}

function countFunctions(old: LiveVersion | null, next: PreparedModule, rel: string, names: Instantiated['functionNames']): ChangeSummary['functions'] {
  const before = new Map(old?.compiled.functions.map((f) => [f.name, f.text]) ?? []);
  let changed = 0;
  let added = 0;
  for (const f of next.compiled.functions) {
    const text = before.get(f.name);
    if (text === undefined) {
      added++;
      keepName(names.added, `${rel}:${f.name}`);
    } else if (text !== f.text) {
      changed++;
      keepName(names.changed, `${rel}:${f.name}`);
    }
    before.delete(f.name);
  }
  for (const name of before.keys()) keepName(names.removed, `${rel}:${name}`);
  return { changed, added, removed: before.size };
}

/** The rejection of a new function `name` whose name an explicit edit gave to another (rename, move), at its declaration. */
function nameTaken(record: ModuleRecord, next: PreparedModule, name: string, code: string, message: string): ChangeRejection {
  const decl = next.compiled.functions.find((f) => f.name === name);
  const at = decl ? next.compiled.positions.sourceOfJs(decl.jsOffset) : { line: 1, column: 1 };
  return new ChangeRejection('link', [{ file: record.rel, ...at, code, message }]);
}

/** Creates the new version of one module: compiles it and makes its functions and item closures (no user code runs). */
function instantiate(ctx: ImageContext, tx: Transaction, record: ModuleRecord, next: PreparedModule): LiveVersion {
  const number = record.versions + 1;
  const filename = versionName(record.id, number);
  ctx.origins.set(filename, { record, source: next.source, positions: next.compiled.positions });
  // Compiled at prepare under this name (engine-compile.ts); a module that took another's record as it moved, again.
  const fn = next.engine.filename === filename ? next.engine.fn : ctx.host.compileFunction(next.compiled.code, next.compiled.params, filename);
  const { rt, meta } = ctx.moduleGlobals(record);
  const cells = cellsFor(record, next.compiled);
  const out = fn(record.state, record.chain.calls, record.trampolines, record.links, rt, meta, cells);
  if (!Array.isArray(out) || out.length !== 2) throw new ImagoError('IMAGO_INTERNAL', `compiled ${record.rel} returned no layer; please report this`);
  const functions = out[0] as Record<string, unknown>;
  const items = out[1] as Array<() => unknown>;
  // A function renamed by an edit takes over the old name's trampoline; the old name goes on in this layer
  // (and every later one) as the new function, for the references that trampoline serves.
  for (const [to, from] of next.compiled.renamedFunctions ?? []) {
    if (Object.hasOwn(functions, from) || !Object.hasOwn(record.trampolines, from)) continue;
    const aliases = new Map(record.functionAliases);
    const had = Object.hasOwn(record.trampolines, to);
    tx.onUndo(() => {
      record.functionAliases.clear();
      for (const [a, b] of aliases) record.functionAliases.set(a, b);
      if (!had) delete record.trampolines[to];
    });
    record.functionAliases.set(from, to);
    if (!had) record.trampolines[to] = record.trampolines[from]!;
    // The function taken before goes by its new name (stack traces, `.name`).
    const trampoline = record.trampolines[to]!;
    const name = Object.getOwnPropertyDescriptor(trampoline, 'name');
    Object.defineProperty(trampoline, 'name', { value: to, configurable: true });
    tx.onUndo(() => {
      if (name) Object.defineProperty(trampoline, 'name', name);
    });
  }
  for (const [name, target] of record.movedOut) {
    // Moved to another module: this module's trampoline is that module's function now.
    if (Object.hasOwn(functions, name))
      throw nameTaken(
        record,
        next,
        name,
        'IMAGO_MOVED',
        `${name}() was moved to ${target.rel} by 'imago edit move', and references taken before reach it there: a new function cannot take the name ${name} in ${record.rel}; pick another name (or restart imago)`,
      );
    functions[name] = forwarder(target, name);
  }
  for (const [from, to] of [...record.functionAliases]) {
    // Renamed again since (f -> g -> h): the name it goes by now.
    let now = to;
    for (let hops = 0; !Object.hasOwn(functions, now) && record.functionAliases.has(now) && hops < 100; hops++) now = record.functionAliases.get(now)!;
    if (Object.hasOwn(functions, from)) {
      // The old name declared again: its trampoline is the renamed function's, which must not change hands.
      if (Object.hasOwn(functions, now) && now !== from)
        throw nameTaken(
          record,
          next,
          from,
          'IMAGO_RENAMED',
          `${from}() was renamed to ${now}() by 'imago edit rename', and its references reach ${now}() still: a new function cannot take the name ${from} while ${now} exists; pick another name (or restart imago)`,
        );
      record.functionAliases.delete(from);
      tx.onUndo(() => record.functionAliases.set(from, to));
      continue;
    }
    functions[from] = Object.hasOwn(functions, now) ? functions[now] : removedFunction(now, record.rel);
  }
  for (const f of record.version?.compiled.functions ?? []) {
    if (!Object.hasOwn(functions, f.name)) functions[f.name] = removedFunction(f.name, record.rel);
  }
  const missing = next.compiled.functions.map((f) => f.name).filter((n) => !Object.hasOwn(record.trampolines, n));
  if (missing.length > 0) {
    const made = callGenerated(ctx.host.compileFunction(trampolineSource(missing), ['__imago_M'], generatedName(record.id, 'trampolines')), [
      record.chain.calls,
    ]);
    for (const name of missing) record.trampolines[name] = made[name] as LiveVersion['items'][number];
  }
  return { number, source: next.source, compiled: next.compiled, targets: next.targets, functions, items, filename, cells, late: null };
}

/**
 * Instantiates every new version of `change` and installs its layer, then the links and export views
 * (after every trampoline exists, so modules in a cycle see each other's functions). Throws; every step
 * is undone by the transaction.
 */
export function installVersions(ctx: ImageContext, tx: Transaction, change: PreparedChange, current: (rel: string) => void): Instantiated {
  const versions = new Map<ModuleRecord, LiveVersion>();
  const functions = { changed: 0, added: 0, removed: 0 };
  const functionNames: Instantiated['functionNames'] = { changed: [], added: [], removed: [] };
  const modulesAddedNames: string[] = [];
  const closures: Instantiated['closures'] = [];
  let modulesAdded = 0;
  for (const record of change.order) {
    const next = change.prepared.get(record.id);
    if (!next) continue;
    current(record.rel);
    checkClassesKept(ctx, tx, record, record.version, next);
    const version = instantiate(ctx, tx, record, next);
    const f = countFunctions(record.version, next, record.rel, functionNames);
    functions.changed += f.changed;
    functions.added += f.added;
    functions.removed += f.removed;
    if (!record.version) {
      modulesAdded++;
      keepName(modulesAddedNames, record.rel);
    } else {
      const layer = Object.getPrototypeOf(record.chain.pin) as object;
      tx.onUndo(() => installLayer(record.chain.pin, layer));
    }
    installLayer(record.chain.pin, version.functions);
    versions.set(record, version);
    const esm = next.compiled.exports.size > 0 || next.compiled.starExports.length > 0;
    if (record.esmExports !== esm) {
      const before = record.esmExports;
      record.esmExports = esm;
      tx.onUndo(() => {
        record.esmExports = before;
      });
    }
    // Closures made by older versions run the new bodies before the change's own code runs.
    const plan = planClosures(record, version.compiled, version.cells);
    redirectClosures(plan, plan.redirects.length > 0 ? lateBodies(ctx, record, version) : [], version.cells, (f) => tx.onUndo(f));
    closures.push({ record, version, plan });
    const links = updateLinks(ctx, record, version);
    if (links) tx.onUndo(() => restoreView(links));
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
    if (undo) tx.onUndo(() => restoreView(undo));
  }
  return { versions, functions, functionNames, modulesAdded, modulesAddedNames, closures };
}

/**
 * A class that becomes something else (a function, an enum, a plain binding) while instances of it are
 * alive would leave those instances with a prototype chain nobody maintains: the change is rejected.
 */
function checkClassesKept(ctx: ImageContext, tx: Transaction, record: ModuleRecord, old: LiveVersion | null, next: PreparedModule): void {
  if (!old) return;
  for (const name of old.compiled.classes.keys()) {
    if (next.compiled.classes.has(name)) continue;
    const identity = record.classes.get(name);
    const item = next.compiled.items.find((it) => it.names.includes(name));
    const fn = next.compiled.functions.find((f) => f.name === name);
    if (!identity || (!item && !fn)) continue;
    const what = fn ? 'a function' : next.compiled.enums.has(name) ? 'an enum' : 'a plain binding';
    const count = ctx.host.findInstances?.(identity.prototype)?.length ?? null;
    if (count === 0) {
      record.classes.delete(name);
      ctx.classes.remove(identity);
      tx.onUndo(() => {
        record.classes.set(name, identity);
        ctx.classes.add({ identity, record });
      });
      continue;
    }
    const pos = next.compiled.positions.sourceOfJs(item?.jsOffset ?? fn?.jsOffset ?? 0);
    const alive = count === null ? 'instances of it may be alive (this host cannot count them)' : `${count} instance${count === 1 ? ' is' : 's are'} alive`;
    throw new ChangeRejection('instantiate', [
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
