// Ownership of what a top-level statement's run created: timers (tracked through the module's own
// references to setTimeout/setInterval/setImmediate, and through the callbacks of those timers) and
// `import.meta.hot.dispose` callbacks. When the statement runs again or goes away, its owner is disposed.

import type { Timers } from './host.js';

export type DisposeCallback = (data: Record<string, unknown>) => void;

type TimerKind = 'timeout' | 'interval' | 'immediate';

/** An `import.meta.hot.accept` registration: called after a change that updated the module or `deps`. */
export interface Acceptor {
  /** Specifiers of the accepted dependencies; null: the module itself. */
  readonly deps: readonly string[] | null;
  /** Registered with an array of dependencies: the callback gets an array of namespaces. */
  readonly many: boolean;
  readonly callback: (value: unknown) => void;
}

/** What one run of one statement created. */
export class Owner {
  readonly timers = new Map<unknown, TimerKind>();
  readonly disposers: DisposeCallback[] = [];
  readonly acceptors: Acceptor[] = [];
  /** Static fields its run defined (`[class, key]`): removed with the statement. */
  readonly statics: Array<readonly [object, PropertyKey]> = [];

  constructor(readonly label: string) {}

  /** True when disposing would do something visible (a timer to clear or a callback to call). */
  get holdsResources(): boolean {
    return this.timers.size > 0 || this.disposers.length > 0;
  }
}

/** Runs disposers (newest first) and clears timers; returns the errors the disposers threw. */
export function disposeOwner(owner: Owner, timers: Timers, data: Record<string, unknown>): unknown[] {
  const errors: unknown[] = [];
  for (const [handle, kind] of owner.timers) {
    if (kind === 'interval') timers.clearInterval(handle);
    else if (kind === 'timeout') timers.clearTimeout(handle);
    else timers.clearImmediate(handle);
  }
  owner.timers.clear();
  for (let i = owner.disposers.length - 1; i >= 0; i--) {
    try {
      owner.disposers[i]!(data);
    } catch (e: unknown) {
      errors.push(e);
    }
  }
  owner.disposers.length = 0;
  owner.acceptors.length = 0;
  return errors;
}

type Callback = (...args: unknown[]) => void;

/**
 * The timer functions a module sees. With no current owner they are the platform's own (no cost);
 * inside an owned run they record the handle, and the callback runs with the same owner current, so a
 * `setTimeout` chain started by a statement stays owned by it.
 */
export class TimerTracker {
  current: Owner | null = null;
  readonly #owners = new WeakMap<object, Owner>();
  readonly functions: Timers;

  constructor(real: Timers) {
    const self = this;
    const track = (kind: TimerKind, create: (cb: Callback, ...rest: unknown[]) => unknown) =>
      function tracked(cb: Callback, ...rest: unknown[]): unknown {
        const owner = self.current;
        if (owner === null || typeof cb !== 'function') return create(cb, ...rest);
        let handle: unknown;
        const run = (...args: unknown[]): void => {
          if (kind !== 'interval') owner.timers.delete(handle);
          const previous = self.current;
          self.current = owner;
          try {
            cb(...args);
          } finally {
            self.current = previous;
          }
        };
        handle = create(run, ...rest);
        owner.timers.set(handle, kind);
        if (typeof handle === 'object' && handle !== null) self.#owners.set(handle, owner);
        return handle;
      };
    const untrack =
      (clear: (h: unknown) => void) =>
      (handle: unknown): void => {
        if (typeof handle === 'object' && handle !== null) this.#owners.get(handle)?.timers.delete(handle);
        clear(handle);
      };
    this.functions = {
      setTimeout: track('timeout', (cb, ...rest) => real.setTimeout(cb, ...(rest as [number?, ...unknown[]]))),
      setInterval: track('interval', (cb, ...rest) => real.setInterval(cb, ...(rest as [number?, ...unknown[]]))),
      setImmediate: track('immediate', (cb, ...rest) => real.setImmediate(cb, ...rest)),
      clearTimeout: untrack((h) => real.clearTimeout(h)),
      clearInterval: untrack((h) => real.clearInterval(h)),
      clearImmediate: untrack((h) => real.clearImmediate(h)),
    };
  }

  /** Runs `fn` with `owner` current. */
  runOwned<T>(owner: Owner, fn: () => T): T {
    const previous = this.current;
    this.current = owner;
    try {
      return fn();
    } finally {
      this.current = previous;
    }
  }
}
