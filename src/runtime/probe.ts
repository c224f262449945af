// Which of the closures a top-level item passes it also calls while it runs. An item's text leaves out
// the bodies of closures that follow edits (`app.get('/', handler)` is not run again when only the
// handler changed), but an item that calls one (`const total = sum(xs, (x) => x * 2)`) holds what its
// body computed, and must run again when that body changes. While the item runs, each of its
// closures' cells points at the version's own late body (the same code) through a wrapper that notes
// the call; afterwards the cells are as they were. Async closures are not probed: running them through
// the cell would settle them later than their own code does.

import type { CompiledModule, Item } from '../compile/compiled-module.js';
import type { ImageContext } from './context.js';
import { lateBodies } from './late-bodies.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';

/** Runs `run` (the item) with its closures probed; records in `record.immediate` the sites it called. */
export function probeItem(ctx: ImageContext, record: ModuleRecord, version: LiveVersion, item: Item, run: () => unknown): unknown {
  const probed = item.probed ?? [];
  if (probed.length === 0) return run();
  let late: ReturnType<typeof lateBodies>;
  try {
    late = lateBodies(ctx, record, version);
  } catch {
    // The late bodies did not compile: the item runs unprobed (an edit of its closures will not re-run it).
    return run();
  }
  const called = new Set<string>();
  const undo: Array<() => void> = [];
  for (const site of version.compiled.sites) {
    if (site.index === null || !probed.includes(site.index) || site.async) continue;
    const cell = version.cells[site.index];
    const body = late[site.index];
    if (!cell || !body) continue;
    const before = cell.r;
    cell.r = function (this: unknown, ...args: unknown[]): unknown {
      called.add(site.key);
      return body.apply(this, args as [object | null, ...unknown[]]);
    };
    undo.push(() => {
      cell.r = before;
    });
  }
  const done = (): void => {
    for (const u of undo) u();
    if (called.size > 0) record.immediate.set(item.key, [...called]);
    else record.immediate.delete(item.key);
  };
  let result: unknown;
  try {
    result = run();
  } catch (e: unknown) {
    done();
    throw e;
  }
  // An item with top-level await may call its closures after an await: probed until it settles.
  if (item.isAsync && result instanceof Promise) return result.finally(done);
  done();
  return result;
}

/** Whether an item that called some of its closures must run again: one of those bodies changed. */
export function calledBodyChanged(record: ModuleRecord, key: string, before: CompiledModule | null, next: CompiledModule): boolean {
  const called = record.immediate.get(key);
  if (!called || !before) return false;
  const text = (v: CompiledModule, k: string): string | undefined => v.sites.find((s) => s.key === k)?.text;
  return called.some((k) => text(before, k) !== text(next, k));
}
