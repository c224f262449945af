// The main-thread side of the type gate: a checker worker, asked with messages, so checking never
// blocks the program's event loop.

import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { PathAliases } from '../runtime/resolve.js';
import type { TypeGate, TypeGateResult } from '../runtime/type-gate.js';
import type { CheckerSetup, FromChecker, ToChecker } from './protocol.js';

export interface OpenedGate {
  readonly gate: WorkerTypeGate;
  readonly ms: number;
  readonly files: number;
  /** Which configuration is in force (the project's tsconfig.json, or imago's defaults). */
  readonly config: string;
  readonly configErrors: readonly Diagnostic[];
  readonly aliases: PathAliases | null;
}

export class WorkerTypeGate implements TypeGate {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: TypeGateResult) => void; reject: (e: Error) => void }>();
  readonly #files = new Set<string>();
  #next = 0;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts a checker for the program of `setup.entry` and waits until it has loaded the project. */
  static open(setup: CheckerSetup): Promise<OpenedGate> {
    const worker = new Worker(new URL('./checker-worker.js', import.meta.url));
    worker.unref();
    const gate = new WorkerTypeGate(worker);
    return new Promise((resolve, reject) => {
      const onFirst = (m: FromChecker): void => {
        if (m.kind === 'opened') {
          worker.off('message', onFirst);
          worker.on('message', (msg: FromChecker) => gate.#receive(msg));
          resolve({ gate, ms: m.ms, files: m.files, config: m.config, configErrors: m.errors, aliases: m.aliases });
        } else if (m.kind === 'failed') {
          worker.off('message', onFirst);
          void worker.terminate();
          reject(new Error(`the type checker could not start: ${m.message}`));
        }
      };
      worker.on('message', onFirst);
      worker.on('error', (e) => { reject(e); gate.#failAll(e); });
      const open: ToChecker = { kind: 'open', setup };
      worker.postMessage(open);
    });
  }

  check(changed: readonly string[], all: boolean): Promise<TypeGateResult> {
    if (this.#closed) return Promise.reject(new Error('the type checker was closed'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const message: ToChecker = { kind: 'check', id, changed: [...changed], all };
      this.#worker.postMessage(message);
    });
  }

  knows(file: string): boolean {
    return this.#files.has(file);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const close: ToChecker = { kind: 'close' };
    this.#worker.postMessage(close);
    this.#failAll(new Error('the type checker was closed'));
  }

  #receive(m: FromChecker): void {
    if (m.kind === 'opened') return;
    const waiting = this.#pending.get(m.id);
    if (!waiting) return;
    this.#pending.delete(m.id);
    if (m.kind === 'failed') { waiting.reject(new Error(m.message)); return; }
    this.#files.clear();
    for (const f of m.files) this.#files.add(f);
    waiting.resolve({ errors: m.errors, notices: m.notices, checked: m.checked, ms: m.ms });
  }

  #failAll(error: Error): void {
    for (const w of this.#pending.values()) w.reject(error);
    this.#pending.clear();
  }
}
