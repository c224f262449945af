// A module's two stable objects of accessors: its export view (what importers read) and its links (the
// names it imports, what its own code reads). In a view, functions are data properties holding their
// trampoline; state, re-exports and namespaces are getters; links are all getters onto the targets. A
// property is redefined only when what it reads changed (redefining churns the hidden class: 8x slower
// cross-module calls).

import { callGenerated, type ViewAccess, viewAccessorSource } from './codegen.js';
import { generatedName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { commonJsFacade, commonJsNamespace, type LiveVersion, type ModuleRecord } from './module-record.js';

/** The target object of a dependency: a project module's view or a package's namespace. */
export function viewOf(target: LiveVersion['targets'][number]): object {
  if (target.kind !== 'project') return target.namespace;
  const record = target.record;
  if (!commonJsOnly(record)) return record.view;
  record.facade ??= commonJsFacade(record);
  return record.facade;
}

/**
 * An ES module's default import of a CommonJS module that declares `export`s: as in Node, what the
 * module's `module.exports` would hold (all its exports, marked `__esModule` as TypeScript marks them),
 * whether or not it declares a default of its own.
 */
export function esDefaultOfCommonJs(importer: ModuleRecord, target: LiveVersion['targets'][number] | undefined, name: string): boolean {
  if (name !== 'default' || importer.kind !== 'module' || target?.kind !== 'project' || !target.record.esmExports || target.record.kind !== 'commonjs')
    return false;
  markEsModule(target.record.view);
  return true;
}

/** Marks the exports of a module with `export`s read as CommonJS, as TypeScript's CommonJS output does. */
export function markEsModule(view: object): void {
  if (!Object.hasOwn(view, '__esModule')) Object.defineProperty(view, '__esModule', { value: true });
}

/** What `import()` of a project module gives: its view, or for a CommonJS module what Node's import gives. */
export function dynamicNamespace(record: ModuleRecord): object {
  if (record.kind !== 'commonjs') return record.view;
  if (commonJsOnly(record)) return viewOf({ kind: 'project', record });
  markEsModule(record.view);
  record.namespace ??= commonJsNamespace(record);
  return record.namespace;
}

/** A CommonJS module that declares no `export`: importers read `module.exports`. */
const commonJsOnly = (record: ModuleRecord): boolean => record.kind === 'commonjs' && !record.esmExports;

/** The view entries of a version, resolved through re-exports and `export *`. */
function viewEntries(version: Pick<LiveVersion, 'compiled' | 'targets'>, record: ModuleRecord): Array<[string, ViewAccess]> {
  const out = new Map<string, ViewAccess>();
  for (const dep of version.compiled.starExports) {
    const t = version.targets[dep];
    if (t?.kind !== 'project') continue;
    for (const name of Object.keys(t.record.view)) if (name !== 'default') out.set(name, { kind: 'forward', dep, name });
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

/** What a view property reads, as a comparable key. */
function accessKey(version: Pick<LiveVersion, 'targets'>, access: ViewAccess): string {
  const target = (dep: number): string => {
    const t = version.targets[dep];
    return t?.kind === 'project' ? `${t.record.id}${commonJsOnly(t.record) ? '#module.exports' : ''}` : `platform:${t?.specifier ?? ''}`;
  };
  switch (access.kind) {
    case 'value':
      return `value:${String((access.value as { name?: string } | undefined)?.name)}`;
    case 'state':
      return `state:${access.local}`;
    case 'forward':
      return `forward:${target(access.dep)}:${access.name}`;
    case 'namespace':
      return `namespace:${target(access.dep)}`;
  }
}

/** Everything needed to put a view or link record back. */
export interface ViewUndo {
  readonly target: Record<string, unknown>;
  readonly keys: Map<string, string>;
  readonly descriptors: PropertyDescriptorMap;
  readonly savedKeys: Map<string, string>;
}

/** Brings `target` in line with `entries`; returns how to undo it, or null when nothing changed. */
function syncAccessors(
  ctx: ImageContext,
  record: ModuleRecord,
  version: LiveVersion,
  target: Record<string, unknown>,
  keys: Map<string, string>,
  entries: Array<[string, ViewAccess]>,
  label: 'exports' | 'imports',
): ViewUndo | null {
  const changed = entries.filter(([name, access]) => keys.get(name) !== accessKey(version, access) || !Object.hasOwn(target, name));
  const wanted = new Set(entries.map(([n]) => n));
  const stale = Object.keys(target).filter((n) => !wanted.has(n));
  if (changed.length === 0 && stale.length === 0) return null;
  const undo: ViewUndo = { target, keys, descriptors: Object.getOwnPropertyDescriptors(target), savedKeys: new Map(keys) };
  const params = ['__imago_S', ...version.targets.map((_, i) => `__imago_d${i}`)];
  const getters = callGenerated(ctx.host.compileFunction(viewAccessorSource(changed), params, generatedName(record.id, label)), [
    record.state,
    ...version.targets.map(viewOf),
  ]) as PropertyDescriptorMap;
  for (const name of stale) {
    delete target[name];
    keys.delete(name);
  }
  for (const [name, access] of changed) {
    const desc =
      access.kind === 'value'
        ? { value: access.value, enumerable: true, configurable: true, writable: false }
        : { ...getters[name], enumerable: true, configurable: true };
    Object.defineProperty(target, name, desc);
    keys.set(name, accessKey(version, access));
  }
  return undo;
}

/** Brings `record.view` in line with `version`; returns how to undo it, or null when nothing changed. */
export function updateView(ctx: ImageContext, record: ModuleRecord, version: LiveVersion): ViewUndo | null {
  return syncAccessors(ctx, record, version, record.view, record.viewKeys, viewEntries(version, record), 'exports');
}

/** Points `record.links` at what `version` imports. */
export function updateLinks(ctx: ImageContext, record: ModuleRecord, version: LiveVersion): ViewUndo | null {
  const entries: Array<[string, ViewAccess]> = [...version.compiled.imports].map(([local, ref]) => [
    local,
    ref.name === '*' || esDefaultOfCommonJs(record, version.targets[ref.dep], ref.name)
      ? { kind: 'namespace', dep: ref.dep }
      : { kind: 'forward', dep: ref.dep, name: ref.name },
  ]);
  return syncAccessors(ctx, record, version, record.links, record.linkKeys, entries, 'imports');
}

/** Puts a view or link record back as it was. */
export function restoreView(undo: ViewUndo): void {
  const { target, keys } = undo;
  for (const name of Object.keys(target)) if (!Object.hasOwn(undo.descriptors, name)) delete target[name];
  Object.defineProperties(target, undo.descriptors);
  keys.clear();
  for (const [k, v] of undo.savedKeys) keys.set(k, v);
}
