// A module's export view: the stable object importers read. Functions are data properties holding their
// trampoline; state, re-exports and namespaces are getters. A property is redefined only when what it
// reads changed (redefining churns the view's hidden class: 8x slower cross-module calls).

import { callGenerated, viewAccessorSource, type ViewAccess } from './codegen.js';
import type { ImageContext } from './context.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';

/** The target object of a dependency: a project module's view or a package's namespace. */
export function viewOf(target: LiveVersion['targets'][number]): object {
  return target.kind === 'project' ? target.record.view : target.namespace;
}

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
    return t?.kind === 'project' ? t.record.id : `platform:${t?.specifier ?? ''}`;
  };
  switch (access.kind) {
    case 'value': return `value:${String((access.value as { name?: string } | undefined)?.name)}`;
    case 'state': return `state:${access.local}`;
    case 'forward': return `forward:${target(access.dep)}:${access.name}`;
    case 'namespace': return `namespace:${target(access.dep)}`;
  }
}

/** Everything needed to put a view back. */
export interface ViewUndo {
  readonly record: ModuleRecord;
  readonly descriptors: PropertyDescriptorMap;
  readonly keys: Map<string, string>;
}

/** Brings `record.view` in line with `version`; returns how to undo it, or null when nothing changed. */
export function updateView(ctx: ImageContext, record: ModuleRecord, version: LiveVersion): ViewUndo | null {
  const entries = viewEntries(version, record);
  const changed = entries.filter(([name, access]) => record.viewKeys.get(name) !== accessKey(version, access) || !Object.hasOwn(record.view, name));
  const wanted = new Set(entries.map(([n]) => n));
  const stale = Object.keys(record.view).filter((n) => !wanted.has(n));
  if (changed.length === 0 && stale.length === 0) return null;
  const undo: ViewUndo = { record, descriptors: Object.getOwnPropertyDescriptors(record.view), keys: new Map(record.viewKeys) };
  const params = ['__imago_S', ...version.targets.map((_, i) => `__imago_d${i}`)];
  const getters = callGenerated(ctx.host.compileFunction(viewAccessorSource(changed), params, `${record.id}?exports`),
    [record.state, ...version.targets.map(viewOf)]) as PropertyDescriptorMap;
  for (const name of stale) { delete record.view[name]; record.viewKeys.delete(name); }
  for (const [name, access] of changed) {
    const desc = access.kind === 'value'
      ? { value: access.value, enumerable: true, configurable: true, writable: false }
      : { ...getters[name], enumerable: true, configurable: true };
    Object.defineProperty(record.view, name, desc);
    record.viewKeys.set(name, accessKey(version, access));
  }
  return undo;
}

/** Puts a view back as it was. */
export function restoreView(undo: ViewUndo): void {
  const { record } = undo;
  for (const name of Object.keys(record.view)) if (!Object.hasOwn(undo.descriptors, name)) delete record.view[name];
  Object.defineProperties(record.view, undo.descriptors);
  record.viewKeys.clear();
  for (const [k, v] of undo.keys) record.viewKeys.set(k, v);
}
