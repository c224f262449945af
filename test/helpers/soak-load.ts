// The soak's HTTP load: a bounded number of clients, each sending one request at a time over a kept-alive
// connection and checking the answer's body. Every request either gets an answer the program makes, or
// counts as failed with the reason.

import http from 'node:http';
import { type Answer, parseAnswer } from './soak-program.js';

export interface LoadFigures {
  readonly ok: number;
  readonly failed: number;
  /** The first failures' reasons (at most 20). */
  readonly failures: readonly string[];
}

export class HttpLoad {
  ok = 0;
  failed = 0;
  readonly failures: string[] = [];
  /** The answer received last, and when (performance.now()). */
  last: { readonly answer: Answer; readonly at: number } | null = null;
  readonly #agent: http.Agent;
  readonly #workers: Array<Promise<void>> = [];
  #running = true;
  readonly #listeners = new Set<(a: Answer, at: number) => void>();

  /**
   * `clients` requests at most in flight; each client waits `pauseMs` between its requests (0: none),
   * so the load leaves the machine's cores to the program. `check` may refuse an answer with a reason.
   */
  constructor(
    readonly port: number,
    clients: number,
    readonly pauseMs: number,
    readonly check: (a: Answer) => string | null,
  ) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    for (let i = 0; i < clients; i++) this.#workers.push(this.#client());
  }

  /** Calls `fn` with every good answer from now on; returns its disposer. */
  onAnswer(fn: (a: Answer, at: number) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  figures(): LoadFigures {
    return { ok: this.ok, failed: this.failed, failures: [...this.failures] };
  }

  /** Stops sending; resolves once every request in flight has ended. */
  async stop(): Promise<LoadFigures> {
    this.#running = false;
    await Promise.all(this.#workers);
    this.#agent.destroy();
    return this.figures();
  }

  async #client(): Promise<void> {
    while (this.#running) {
      const outcome = await this.#request();
      if (typeof outcome === 'string') this.#fail(outcome);
      else {
        const refused = this.check(outcome.answer);
        if (refused) this.#fail(refused);
        else {
          this.ok++;
          this.last = outcome;
          for (const fn of this.#listeners) fn(outcome.answer, outcome.at);
        }
      }
      if (this.pauseMs > 0) await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  #fail(reason: string): void {
    this.failed++;
    if (this.failures.length < 20) this.failures.push(`${new Date().toISOString()} ${reason}`);
  }

  #request(): Promise<{ answer: Answer; at: number } | string> {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path: '/', agent: this.#agent, timeout: 10000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('error', (e) => resolve(`response error: ${e.message}`));
        res.on('end', () => {
          const at = performance.now();
          if (res.statusCode !== 200) return resolve(`status ${res.statusCode}: ${body.slice(0, 200)}`);
          const answer = parseAnswer(body);
          resolve(answer ? { answer, at } : `not an answer of the program: ${JSON.stringify(body.slice(0, 200))}`);
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
      req.on('error', (e) => resolve(`request error: ${e.message}`));
    });
  }
}
