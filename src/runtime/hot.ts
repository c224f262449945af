// `import.meta.hot`, with Vite's meaning where it fits a live image. Every module accepts its own
// updates in imago (state is kept), so `accept()` alone changes nothing; callbacks let a module react.

import type { ModuleRecord } from './module-record.js';
import type { Acceptor, DisposeCallback, TimerTracker } from './owner.js';

export interface HotContext {
  /** Persists across versions of the module. */
  readonly data: Record<string, unknown>;
  /** `cb(data)` runs when the statement that registered it runs again or is removed (or the module is). */
  dispose(cb: DisposeCallback): void;
  /** `cb(data)` runs when the module leaves the image. */
  prune(cb: DisposeCallback): void;
  /**
   * `accept()`: nothing to do (imago always applies updates). `accept(cb)`: `cb(module)` after every
   * change that updated this module. `accept(dep, cb)` / `accept([deps], cb)`: after a change updated
   * those dependencies.
   */
  accept(deps?: unknown, cb?: unknown): void;
  /** Vite's escape hatch; imago keeps running and says so. */
  invalidate(message?: string): void;
}

export function createHotContext(record: ModuleRecord, tracker: TimerTracker, warn: (message: string) => void): HotContext {
  const owner = () => tracker.current ?? record.moduleOwner;
  return {
    get data() {
      return record.hotData;
    },
    dispose(cb) {
      owner().disposers.push(cb);
    },
    prune(cb) {
      record.moduleOwner.disposers.push(cb);
    },
    accept(deps, cb) {
      let acceptor: Acceptor | null = null;
      if (typeof deps === 'function') acceptor = { deps: null, many: false, callback: deps as (v: unknown) => void };
      else if (typeof deps === 'string' && typeof cb === 'function') acceptor = { deps: [deps], many: false, callback: cb as (v: unknown) => void };
      else if (Array.isArray(deps) && typeof cb === 'function') acceptor = { deps: deps.map(String), many: true, callback: cb as (v: unknown) => void };
      if (acceptor) owner().acceptors.push(acceptor);
    },
    invalidate(message) {
      warn(
        `${record.rel} called import.meta.hot.invalidate(${message ? JSON.stringify(message) : ''}); imago keeps the process running: edit the file to re-run its changed statements`,
      );
    },
  };
}
