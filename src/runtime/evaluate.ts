// The evaluation step of a commit: in dependency order, release what removed statements own, then run
// the statements and initializers the rules select (docs/semantics.md), each under its own owner.

import type { Item } from '../compile/compiled-module.js';
import type { ImageContext } from './context.js';
import { messageOf } from './errors.js';
import { keepName } from './events.js';
import { locateError } from './locate.js';
import type { LiveVersion, ModuleRecord } from './module-record.js';
import { disposeOwner, Owner } from './owner.js';
import type { PreparedChange } from './prepare.js';
import { calledBodyChanged, probeItem } from './probe.js';
import type { Restoring } from './resume.js';
import { guardUninitialized } from './uninitialized.js';

/** An old statement's owner released because the statement ran again or went away. */
export interface Replaced {
  readonly record: ModuleRecord;
  readonly key: string;
  readonly owner: Owner;
  /** It had timers or dispose callbacks, so releasing them was visible. */
  readonly held: boolean;
}

/** What evaluation did, for the commit to keep or undo. */
export interface Evaluation {
  readonly ran: Owner[];
  readonly replaced: Replaced[];
  /** New owners by module and item key, installed at commit. */
  readonly staged: Map<ModuleRecord, Map<string, Owner>>;
  readonly counts: { bindingsAdded: number; bindingsReevaluated: number; effectsRun: number; classesAdded: number; classesChanged: number };
  /** The names counted, `file:name`. */
  readonly names: { bindingsAdded: string[]; bindingsReevaluated: string[]; classesAdded: string[]; classesChanged: string[] };
  /** The module being evaluated (for errors with no project frame), and the item running in it. */
  current: string;
  currentItem: { readonly record: ModuleRecord; readonly key: string } | null;
  /** Set when a top-level await outlasted the settle window: the rest runs after the commit. */
  background: Promise<void> | null;
}

/**
 * How long a change waits for a statement with top-level `await` before it commits and lets the rest
 * run in the background: a `while (true) await sleep(16)` main loop must not hold every later change.
 */
export const SETTLE_MS = 500;

export function newEvaluation(): Evaluation {
  return {
    ran: [],
    replaced: [],
    staged: new Map(),
    current: '',
    currentItem: null,
    background: null,
    counts: { bindingsAdded: 0, bindingsReevaluated: 0, effectsRun: 0, classesAdded: 0, classesChanged: 0 },
    names: { bindingsAdded: [], bindingsReevaluated: [], classesAdded: [], classesChanged: [] },
  };
}

type Step = {
  readonly record: ModuleRecord;
  readonly version: LiveVersion;
  readonly index: number;
  readonly item: Item;
  readonly before: Item | undefined;
  /** Resuming an image file: the binding takes its saved values instead of running (resume.ts). */
  readonly restore?: true;
  /** Resuming: it runs, but as on a first run (not saved, transient, an enum): what reads it is restored still. */
  readonly fresh?: true;
};

/** Runs the evaluation of `change`; throws what a statement threw (the caller rolls back). */
export async function evaluateChange(
  ctx: ImageContext,
  change: PreparedChange,
  versions: ReadonlyMap<ModuleRecord, LiveVersion>,
  ev: Evaluation,
  /** Statements to run again though their text is the same, by module (a closure they pass cannot follow). */
  rerun: ReadonlyMap<ModuleRecord, ReadonlyMap<string, string>> = new Map(),
): Promise<void> {
  const reevaluated = new Set<string>();
  // What each module ran before this change: the background part of a change runs after the commit.
  const previous = new Map(change.order.map((r) => [r, r.version]));
  const versionOf = (r: ModuleRecord): LiveVersion | null => versions.get(r) ?? r.version;

  /** The module and local binding an export name comes from, through re-exports and `export *`. */
  const origin = (record: ModuleRecord, name: string, seen = new Set<ModuleRecord>()): { record: ModuleRecord; local: string } | null => {
    const version = versionOf(record);
    if (!version || seen.has(record)) return null;
    seen.add(record);
    const src = version.compiled.exports.get(name);
    if (src?.kind === 'local') return { record, local: src.local };
    if (src?.kind === 'reexport') {
      const t = version.targets[src.dep];
      return t?.kind === 'project' && src.name !== '*' ? origin(t.record, src.name, seen) : null;
    }
    for (const dep of version.compiled.starExports) {
      const t = version.targets[dep];
      const found = t?.kind === 'project' && name !== 'default' ? origin(t.record, name, seen) : null;
      if (found) return found;
    }
    return null;
  };
  const importChanged = (version: LiveVersion, item: Item): boolean =>
    item.importDeps.some((local) => {
      const ref = version.compiled.imports.get(local);
      const t = ref ? version.targets[ref.dep] : undefined;
      if (!ref || t?.kind !== 'project') return false;
      if (ref.name === '*') return [...reevaluated].some((k) => k.startsWith(`${t.record.id}\0`));
      const from = origin(t.record, ref.name);
      return from !== null && reevaluated.has(`${from.record.id}\0${from.local}`);
    });

  const selected = (record: ModuleRecord, version: LiveVersion, isNew: boolean, oldItems: ReadonlyMap<string, Item>, index: number): Step | null => {
    const item = version.compiled.items[index]!;
    const before = oldItems.get(item.key);
    let run: boolean;
    // An item that called a closure it passes while it ran depends on its body: a change there runs it again.
    const bodyChanged = before !== undefined && calledBodyChanged(record, item.key, previous.get(record)?.compiled ?? null, version.compiled);
    if (item.kind === 'effect') run = isNew && (!before || bodyChanged || (rerun.get(record)?.has(item.key) ?? false));
    else if (item.kind === 'class') run = isNew;
    else {
      run =
        (isNew && (!before || before.text !== item.text || bodyChanged)) ||
        item.localDeps.some((n) => reevaluated.has(`${record.id}\0${n}`)) ||
        importChanged(version, item);
    }
    if (run && item.kind === 'binding' && ctx.restoring) return restoreStep(ctx.restoring, { record, version, index, item, before });
    return run ? { record, version, index, item, before } : null;
  };

  /** Resuming: a saved binding takes its saved value, a binding not in the image runs as on a first run (resume.ts decides). */
  const restoreStep = (restoring: Restoring, step: Step): Step => {
    const how = restoring.decide(step.record, step.item);
    return how === 'restore' ? { ...step, restore: true } : how === 'fresh' ? { ...step, fresh: true } : step;
  };

  const release = (record: ModuleRecord, key: string): void => {
    const previous = record.owners.get(key);
    if (!previous) return;
    ev.replaced.push({ record, key, owner: previous, held: previous.holdsResources });
    const errors = disposeOwner(previous, ctx.host.timers, record.hotData);
    if (errors.length > 0) throw errors[0];
  };

  // In an import cycle among new modules, a binding read before its module ran throws, as in Node.
  const uninitialized = guardUninitialized(change.order, previous, versionOf);

  const runStep = (step: Step, inBackground: boolean): unknown => {
    const { record, item } = step;
    if (step.restore) {
      for (const n of item.names) record.state[n] = ctx.restoring!.bindings.get(record)!.get(n)!.value;
      ctx.restoring!.restored();
      uninitialized.ran(record, item);
      return undefined;
    }
    ev.currentItem = null;
    release(record, item.key);
    ev.currentItem = { record, key: item.key };
    const owner = new Owner(`${record.rel}:${item.key}`);
    if (inBackground) record.owners.set(item.key, owner);
    else {
      ev.ran.push(owner);
      let owners = ev.staged.get(record);
      if (!owners) {
        owners = new Map();
        ev.staged.set(record, owners);
      }
      owners.set(item.key, owner);
    }
    const result = probeItem(ctx, record, step.version, item, () => ctx.tracker.runOwned(owner, step.version.items[step.index]!));
    uninitialized.ran(record, item);
    ev.currentItem = null;
    ctx.restoring?.afterItem(record, item);
    return result;
  };

  const account = (step: Step): void => {
    const { record, item, before } = step;
    if (item.kind === 'binding') {
      if (step.restore || step.fresh) return;
      const quiet = step.version.compiled.renamedNames?.quiet;
      for (const n of item.names) if (!quiet?.has(n)) reevaluated.add(`${record.id}\0${n}`);
      if (before) ev.counts.bindingsReevaluated++;
      else ev.counts.bindingsAdded++;
      for (const n of item.names) keepName(before ? ev.names.bindingsReevaluated : ev.names.bindingsAdded, `${record.rel}:${n}`);
    } else if (item.kind === 'class') {
      if (!before) ev.counts.classesAdded++;
      else if (before.text !== item.text) ev.counts.classesChanged++;
      if (!before || before.text !== item.text)
        for (const n of item.names) keepName(before ? ev.names.classesChanged : ev.names.classesAdded, `${record.rel}:${n}`);
    } else ev.counts.effectsRun++;
  };

  /** The version a module runs in this change, its items before, and what it released of them. */
  const begin = (record: ModuleRecord, resumed: boolean): { version: LiveVersion; next: LiveVersion | undefined; oldItems: Map<string, Item> } => {
    const next = versions.get(record);
    const version = next ?? previous.get(record)!;
    ev.current = record.rel;
    const old = next ? (previous.get(record) ?? null) : version;
    const oldItems = new Map<string, Item>((old?.compiled.items ?? []).map((it) => [it.key, it]));
    if (next && !resumed) {
      // Statements that are gone (an edited statement is a new text) release what they own first.
      const keys = new Set(next.compiled.items.map((it) => it.key));
      for (const it of old?.compiled.items ?? []) if (!keys.has(it.key)) release(record, it.key);
    }
    return { version, next, oldItems };
  };

  // Modules that ran already: a module a CommonJS `require` ran early is not run again in its turn.
  const started = new Set<ModuleRecord>();
  /** Runs module `record` of the change now, if it has not run (`require` is synchronous: no top-level await). */
  const evaluateNow = (record: ModuleRecord): void => {
    if (started.has(record) || !change.order.includes(record)) return;
    started.add(record);
    const saved = { current: ev.current, item: ev.currentItem };
    const { version, next, oldItems } = begin(record, false);
    for (let ii = 0; ii < version.compiled.items.length; ii++) {
      const step = selected(record, version, next !== undefined, oldItems, ii);
      if (!step) continue;
      if (step.item.isAsync) {
        throw new Error(`${record.rel} awaits at its top level, so it cannot be required (require is synchronous); import it instead`);
      }
      runStep(step, false);
      account(step);
    }
    ev.current = saved.current;
    ev.currentItem = saved.item;
  };

  /** Runs modules from `m` (item `i` on), waiting at most SETTLE_MS for an awaiting statement unless in background. */
  const run = async (m: number, i: number, inBackground: boolean): Promise<void> => {
    for (let mi = m; mi < change.order.length; mi++) {
      const record = change.order[mi]!;
      const resumed = mi === m && i > 0;
      if (!resumed && started.has(record)) continue;
      started.add(record);
      const { version, next, oldItems } = begin(record, resumed);
      for (let ii = mi === m ? i : 0; ii < version.compiled.items.length; ii++) {
        const step = selected(record, version, next !== undefined, oldItems, ii);
        if (!step) continue;
        const result = runStep(step, inBackground);
        if (step.item.isAsync) {
          const promise = Promise.resolve(result);
          if (inBackground) await promise;
          else {
            let settled = false;
            let failure: { error: unknown } | null = null;
            const watched = promise.then(
              () => {
                settled = true;
              },
              (e: unknown) => {
                settled = true;
                failure = { error: e };
              },
            );
            let timer: unknown = null;
            // An `await import('./x.ts')` of a file not loaded yet waits for a change of its own, which
            // runs after this one: the wait ends at once, and the rest of the module runs after the import.
            // Only this module's own import() ends it (another module's may have nothing to do with it).
            let importing = ctx.importsQueued.has(record);
            if (!importing)
              await Promise.race([
                watched,
                new Promise<void>((r) => {
                  timer = ctx.host.timers.setTimeout(() => r(), SETTLE_MS);
                }),
                new Promise<void>((r) => {
                  ctx.awaitingImport = (importer) => {
                    if (importer !== record) return;
                    importing = true;
                    r();
                  };
                }),
              ]);
            ctx.awaitingImport = null;
            ctx.host.timers.clearTimeout(timer);
            if (failure) throw (failure as { error: unknown }).error;
            if (!settled) {
              account(step);
              ev.background = promise
                .then(() => run(mi, ii + 1, true))
                .catch((e: unknown) => {
                  ctx.warn(`a top-level await in ${record.rel} failed after its change was committed: ${messageOf(e)}`, [locateError(ctx, e, record.rel)]);
                });
              if (!importing) {
                ctx.warn(
                  `${record.rel}: a top-level await is still pending after ${SETTLE_MS} ms; the change is committed and the rest of the module runs when it settles`,
                );
              }
              return;
            }
          }
        }
        account(step);
      }
    }
  };
  ctx.evaluateNow = evaluateNow;
  const done = (): void => {
    if (ctx.evaluateNow === evaluateNow) ctx.evaluateNow = null;
  };
  try {
    await run(0, 0, false);
  } finally {
    // The rest of a module that awaited at top level runs later: its `require`s still run their files.
    if (ev.background)
      ev.background = ev.background.finally(() => {
        uninitialized.release();
        done();
      });
    else {
      uninitialized.release();
      done();
    }
  }
}
