// Modules compiled once, by the coordinator of a change, for its members (runtime/compile-cached.ts): a
// cluster's primary, which serves no request, compiles each changed file, and every worker takes the
// result instead of compiling it on the thread that serves requests. On the way they are bytes (V8's
// serializer, as the compile cache keeps them), in base64 so that a cluster's JSON channel carries them.

import v8 from 'node:v8';
import type { CompiledModule } from '../../compile/compiled-module.js';
import { restoreModule, type StoredModule, storeModule } from '../../compile/stored-module.js';
import type { CompiledText } from '../../runtime/compile-cached.js';
import type { CompileCache } from '../../runtime/host.js';

/** A compiled module as a prepare message carries it. */
export interface ShippedModule {
  readonly file: string;
  readonly source: string;
  readonly options: string;
  /** The module (a StoredModule), V8-serialized, in base64. */
  readonly bytes: string;
}

export function shipModules(compiled: readonly CompiledText[]): ShippedModule[] {
  return compiled.map((c) => ({ file: c.file, source: c.source, options: c.options, bytes: v8.serialize(storeModule(c.module)).toString('base64') }));
}

/**
 * A member's compile cache: the modules its coordinator shipped for the change under way. A module it
 * does not hold (another text, other options, bytes it cannot read) is compiled by the member itself.
 */
export class ShippedModules implements CompileCache {
  readonly #modules = new Map<string, ShippedModule>();
  #round: number | null = null;

  /** The modules of round `round`, about to be prepared (those of the last one are let go). */
  take(round: number, modules: readonly ShippedModule[]): void {
    this.#modules.clear();
    this.#round = round;
    for (const m of modules) this.#modules.set(`${m.options}\0${m.file}`, m);
  }

  /** Round `round` ended: its modules are let go (unless a later round's came meanwhile). */
  clear(round: number): void {
    if (this.#round !== round) return;
    this.#modules.clear();
    this.#round = null;
  }

  get(file: string, source: string, options: string): CompiledModule | null {
    const m = this.#modules.get(`${options}\0${file}`);
    if (m?.source !== source) return null;
    try {
      return restoreModule(v8.deserialize(Buffer.from(m.bytes, 'base64')) as StoredModule);
    } catch {
      // Not readable here (another build of imago?): compiled here instead, as without it.
      return null;
    }
  }

  put(): void {
    // A member keeps nothing between changes: its coordinator ships what the next one needs.
  }
}
