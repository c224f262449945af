// ES modules' temporal dead zone across modules: in an import cycle, a module may run while another of
// the cycle has not run yet, and reading a `let`, `const` or class binding of that one throws a
// ReferenceError (`Cannot access 'x' before initialization`). imago's exports are getters onto each
// module's state, which holds `undefined` before a binding's statement runs: without this, such a read
// gave `undefined` (`NaN` after arithmetic) where Node throws. Only modules new in a change and in a
// cycle among its modules are guarded (nothing else can be read before it runs); each export's getter
// throws until the statement declaring it has run, then is put back as it was.

import type { Item } from '../compile/compiled-module.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';

export interface UninitializedGuard {
  /** `item` of `record` ran: the exports it declares can be read. */
  ran(record: ModuleRecord, item: Item): void;
  /** Puts back every getter still guarded (the change ended, or failed). */
  release(): void;
}

const NONE: UninitializedGuard = { ran: () => undefined, release: () => undefined };

/** Guards the exports of the modules of `order` that are new (no previous version) and in an import cycle. */
export function guardUninitialized(
  order: readonly ModuleRecord[],
  previous: ReadonlyMap<ModuleRecord, LiveVersion | null>,
  versionOf: (r: ModuleRecord) => LiveVersion | null,
): UninitializedGuard {
  const fresh = order.filter((r) => !previous.get(r) && versionOf(r));
  if (fresh.length < 1) return NONE;
  const inChange = new Set(order);
  const importsOf = (r: ModuleRecord): ModuleRecord[] =>
    (versionOf(r)?.targets ?? []).flatMap((t) => (t.kind === 'project' && inChange.has(t.record) ? [t.record] : []));
  /** True when `start` can reach itself through the change's modules. */
  const cyclic = (start: ModuleRecord): boolean => {
    const seen = new Set<ModuleRecord>();
    const stack = importsOf(start);
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (r === start) return true;
      if (seen.has(r)) continue;
      seen.add(r);
      stack.push(...importsOf(r));
    }
    return false;
  };
  /** Guarded export names of each record, by the local binding they read. */
  const guarded = new Map<ModuleRecord, Map<string, Array<{ name: string; descriptor: PropertyDescriptor }>>>();
  for (const record of fresh) {
    if (!cyclic(record)) continue;
    const compiled = versionOf(record)!.compiled;
    const functions = new Set(compiled.functions.map((f) => f.name));
    // `var` is hoisted as `undefined`, not in a dead zone.
    const vars = new Set(compiled.items.filter((it) => /^(?:export\s+)?var\b/.test(it.text)).flatMap((it) => it.names));
    const byLocal = new Map<string, Array<{ name: string; descriptor: PropertyDescriptor }>>();
    for (const [name, src] of compiled.exports) {
      if (src.kind !== 'local' || functions.has(src.local) || vars.has(src.local)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(record.view, name);
      if (!descriptor?.get) continue;
      const local = src.local;
      Object.defineProperty(record.view, name, {
        get: () => {
          throw new ReferenceError(`Cannot access '${local}' before initialization (${record.rel} has not run its declaration yet: an import cycle)`);
        },
        enumerable: true,
        configurable: true,
      });
      byLocal.set(local, [...(byLocal.get(local) ?? []), { name, descriptor }]);
    }
    if (byLocal.size > 0) guarded.set(record, byLocal);
  }
  if (guarded.size === 0) return NONE;
  const putBack = (record: ModuleRecord, local: string): void => {
    const byLocal = guarded.get(record);
    for (const { name, descriptor } of byLocal?.get(local) ?? []) Object.defineProperty(record.view, name, descriptor);
    byLocal?.delete(local);
  };
  return {
    ran(record, item) {
      if (guarded.has(record)) for (const n of item.names) putBack(record, n);
    },
    release() {
      for (const [record, byLocal] of guarded) for (const local of [...byLocal.keys()]) putBack(record, local);
      guarded.clear();
    },
  };
}
