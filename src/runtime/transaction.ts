// One change to an image, as one object: the journal of what to undo if it is rejected, the notes it
// made for the reload line, the versions it compiles (for messages and class layouts), and what the
// migration engine did so far (layout-log.ts). A commit makes one; so does anything else that changes an
// image outside a file change (loading a saved image, a structural edit). It is closed once, when it is
// applied or rolled back: nothing in it is reset by hand, and a closed transaction refuses new steps.

import type { CompiledModule } from '../compile/compiled-module.js';
import { ImagoError } from './errors.js';
import { LayoutLog } from './layout-log.js';
import type { ModuleRecord } from './module-record.js';

/** The version of a module a transaction installs. */
export interface TransactionVersion {
  readonly source: string;
  readonly compiled: CompiledModule;
}

export class Transaction {
  /** Notes for the reload line (changed enum values). */
  readonly notes: string[] = [];
  /** The migration engine's state for this transaction. */
  readonly layouts = new LayoutLog();
  readonly #journal: Array<() => void> = [];
  readonly #versions: ReadonlyMap<ModuleRecord, TransactionVersion>;
  #open = true;

  constructor(versions: ReadonlyMap<ModuleRecord, TransactionVersion> = new Map()) {
    this.#versions = versions;
  }

  /** True until the transaction is applied or rolled back (store snapshots share tables while it is). */
  get open(): boolean {
    return this.#open;
  }

  /** Records how to undo a step just taken; run in reverse order if the transaction is rolled back. */
  onUndo(undo: () => void): void {
    if (!this.#open) throw new ImagoError('IMAGO_INTERNAL', 'a step was recorded in a transaction already closed; please report this');
    this.#journal.push(undo);
  }

  /** The compiled version this transaction installs for `record`, else the installed one. */
  /** The module this change gives a version at `path`, if any (one new to the program included). */
  recordAt(path: string): ModuleRecord | null {
    for (const record of this.#versions.keys()) if (record.id === path) return record;
    return null;
  }

  compiledOf(record: ModuleRecord): CompiledModule | null {
    return this.#versions.get(record)?.compiled ?? record.version?.compiled ?? null;
  }

  /** The source text of `record` as this transaction sees it (for messages). */
  sourceOf(record: ModuleRecord): string {
    return this.#versions.get(record)?.source ?? record.version?.source ?? '';
  }

  /** Keeps everything done: the journal is dropped. */
  close(): void {
    this.#open = false;
    this.#journal.length = 0;
  }

  /**
   * Undoes every recorded step, newest first, and closes. A step that throws does not stop the others
   * (half an undo would leave the image in neither version): what they threw is returned.
   */
  rollback(): unknown[] {
    this.#open = false;
    const errors: unknown[] = [];
    for (let i = this.#journal.length - 1; i >= 0; i--) {
      try {
        this.#journal[i]!();
      } catch (e: unknown) {
        errors.push(e);
      }
    }
    this.#journal.length = 0;
    return errors;
  }
}
