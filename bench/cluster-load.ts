// The cluster bench's HTTP load (bench/cluster.ts): a fixed number of kept-alive connections on
// 127.0.0.1, each sending one request at a time with a pause between, as a bounded client would. Every
// request is kept: when it started and ended, and either the worker's pid and version it answered with
// or why it failed (a reset connection, a refusal, a bad status), so a window of time can be cut out
// afterwards.
//
// A kept-alive connection stays with the worker that accepted it, and a worker that started listening
// after the connections were made (PM2 starts its workers in turn) may have none. So while a change is
// awaited, a probe also sends requests each on a new connection, which the cluster's round-robin hands
// to each worker in turn: every worker is asked within a few requests.

import http from 'node:http';

const PROBES_IN_FLIGHT = 4;

/** One request: `start`/`end` are performance.now(); `pid` and `version` from the body, or `failure`. */
export interface Sample {
  readonly start: number;
  readonly end: number;
  readonly pid: number;
  readonly version: string;
  /** Why the request failed (its error code, or `status 503`, `bad body ...`); null when it was answered. */
  readonly failure: string | null;
  /** Sent by the probe, on a connection of its own (its time includes the connection's set-up). */
  readonly probe: boolean;
}

/** The body both programs answer with: `{"pid":123,"version":"v7"}`. */
interface Body {
  readonly pid: number;
  readonly version: string;
}

function parseBody(text: string): Body | null {
  try {
    const v = JSON.parse(text) as Partial<Body>;
    return typeof v.pid === 'number' && typeof v.version === 'string' ? { pid: v.pid, version: v.version } : null;
  } catch {
    // Not JSON: the caller names the body as the failure.
    return null;
  }
}

export class ClusterLoad {
  readonly samples: Sample[] = [];
  readonly #agent: http.Agent;
  readonly #clients: Array<Promise<void>> = [];
  readonly #listeners = new Set<(s: Sample) => void>();
  #running = true;

  /** `connections` requests in flight at most, each client pausing `pauseMs` after each answer. */
  constructor(
    readonly port: number,
    readonly connections: number,
    readonly pauseMs: number,
  ) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    for (let i = 0; i < connections; i++) this.#clients.push(this.#client());
  }

  /**
   * Sends a request on a new connection every `pauseMs` (at most PROBES_IN_FLIGHT unanswered, so one
   * that hangs does not stop the probe) until the disposer returned is called.
   */
  probe(pauseMs: number): () => void {
    let probing = true;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const loop = async (): Promise<void> => {
      while (probing && this.#running) {
        if (inFlight < PROBES_IN_FLIGHT) {
          inFlight++;
          const p = this.#request(true).then((s) => {
            inFlight--;
            this.#record(s);
          });
          pending.add(p);
          void p.then(() => pending.delete(p));
        }
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      await Promise.all(pending);
    };
    this.#clients.push(loop());
    return () => {
      probing = false;
    };
  }

  /** Calls `fn` with every request as it ends, from now on; returns its disposer. */
  onSample(fn: (s: Sample) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Stops sending; resolves once every request in flight has ended. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#clients);
    this.#agent.destroy();
  }

  async #client(): Promise<void> {
    while (this.#running) {
      this.#record(await this.#request(false));
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  #record(s: Sample): void {
    this.samples.push(s);
    for (const fn of this.#listeners) fn(s);
  }

  #request(probe: boolean): Promise<Sample> {
    const start = performance.now();
    return new Promise((resolve) => {
      let done = false;
      const end = (pid: number, version: string, failure: string | null): void => {
        if (done) return;
        done = true;
        resolve({ start, end: performance.now(), pid, version, failure, probe });
      };
      const agent = probe ? false : this.#agent;
      const req = http.get({ host: '127.0.0.1', port: this.port, path: '/', agent, timeout: 10000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('error', (e: NodeJS.ErrnoException) => end(0, '', `response ${e.code ?? e.message}`));
        res.on('end', () => {
          if (res.statusCode !== 200) return end(0, '', `status ${res.statusCode}`);
          const body = parseBody(text);
          if (body) end(body.pid, body.version, null);
          else end(0, '', `bad body ${JSON.stringify(text.slice(0, 80))}`);
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => end(0, '', e.code ?? e.message));
    });
  }
}

/** The samples that overlap [from, to] (performance.now()). */
export function within(samples: readonly Sample[], from: number, to: number): Sample[] {
  return samples.filter((s) => s.end >= from && s.start <= to);
}

/** Failures by reason, most frequent first: `ECONNRESET 12, ECONNREFUSED (probe) 1`. */
export function failureCounts(samples: readonly Sample[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const s of samples) {
    if (s.failure === null) continue;
    const reason = s.probe ? `${s.failure} (probe)` : s.failure;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Refused: the connection was not taken at all (nothing listening, or a full backlog). */
export const isRefusal = (failure: string): boolean => failure === 'ECONNREFUSED';

/** Pause between the probe's requests while a change is awaited, ms. */
const PROBE_PAUSE_MS = 2;

/**
 * A window of `ms` with the probe running as it does while a change is awaited (so that the requests
 * of a window without changes meet the same load as those during one); returns it (performance.now()).
 */
export async function probedWindow(load: ClusterLoad, ms: number): Promise<readonly [number, number]> {
  const stopProbe = load.probe(PROBE_PAUSE_MS);
  const from = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  stopProbe();
  return [from, performance.now()];
}

/**
 * Resolves with the time (performance.now()) at which `count` distinct pids have answered `version`
 * (`pids`: only those count), or null after `ms`. Looks at the samples already ended since `since` too.
 * The probe runs meanwhile.
 */
export async function whenAllServe(
  load: ClusterLoad,
  version: string,
  count: number,
  since: number,
  ms: number,
  pids?: ReadonlySet<number>,
): Promise<number | null> {
  const stopProbe = load.probe(PROBE_PAUSE_MS);
  try {
    return await allServe(load, version, count, since, ms, pids);
  } finally {
    stopProbe();
  }
}

function allServe(load: ClusterLoad, version: string, count: number, since: number, ms: number, pids?: ReadonlySet<number>): Promise<number | null> {
  return new Promise((resolve) => {
    const seen = new Set<number>();
    const take = (s: Sample): boolean => {
      if (s.failure !== null || s.version !== version || s.end < since) return false;
      if (pids && !pids.has(s.pid)) return false;
      seen.add(s.pid);
      return seen.size >= count;
    };
    // The samples that ended since `since` (the last ones; not a scan of the whole run, inside the window measured).
    for (let i = load.samples.length - 1; i >= 0 && load.samples[i]!.end >= since; i--) if (take(load.samples[i]!)) return resolve(load.samples[i]!.end);
    const timer = setTimeout(() => {
      stop();
      resolve(null);
    }, ms);
    const stop = load.onSample((s) => {
      if (!take(s)) return;
      clearTimeout(timer);
      stop();
      resolve(s.end);
    });
  });
}
