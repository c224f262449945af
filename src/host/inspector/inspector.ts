// One image's inspector: its timeline (kept from the start, so a page opened later by `imago inspect`
// sees every change), its health sampler, the answers to the inspector's questions, and the web server
// that shows them, opened by `imago run --ui` or by an `inspector` request and closed on request or at exit.

import type { Image } from '../../runtime/image.js';
import type { Reply, Request } from '../control/protocol.js';
import type { Connection } from '../control/server.js';
import { readRequest } from '../control/validate.js';
import { InspectorAnswers } from './answers.js';
import { Health } from './health.js';
import { type InspectorServer, listenInspector } from './http.js';
import { newToken } from './security.js';
import { Timeline } from './timeline.js';
import type { HealthView, Pushed } from './wire.js';

export interface InspectorSetup {
  readonly image: Image;
  readonly root: string;
  readonly entry: string;
  readonly version: string;
  readonly mode: string;
  readonly checkerPids: () => readonly number[];
  readonly ticks: () => number | null;
  readonly ticking: () => 'running' | 'paused' | 'none';
  readonly lastCheck: () => HealthView['typecheck']['lastCheck'];
  /** Reads a project file's text as it is on disk now (null: unreadable). */
  readonly readOnDisk: (rel: string) => string | null;
  /** Says a line to the user (`[imago] ...`). */
  readonly say: (line: string) => void;
}

export class Inspector {
  readonly answers: InspectorAnswers;
  readonly #setup: InspectorSetup;
  readonly #timeline: Timeline;
  readonly #health: Health;
  #server: Promise<InspectorServer> | null = null;
  /** The server once it listens (closed at once by `close`). */
  #listening: InspectorServer | null = null;
  #handle: ((request: Request, connection: Connection) => Promise<Reply>) | null = null;

  constructor(setup: InspectorSetup) {
    this.#setup = setup;
    const { image } = setup;
    this.#timeline = new Timeline({
      subscribe: (fn) => image.subscribe(fn),
      source: (rel) => image.introspection.source(rel),
      get files() {
        return image.files;
      },
      readOnDisk: setup.readOnDisk,
    });
    this.#health = new Health({ checkerPids: setup.checkerPids, ticks: setup.ticks });
    this.answers = new InspectorAnswers({
      image,
      timeline: this.#timeline,
      health: this.#health,
      healthState: () => this.#state(),
      open: (port) => this.open(port ?? 0),
      close: () => this.close(),
    });
  }

  /** The address while the web server listens, else null. */
  get url(): string | null {
    return this.#listening?.url ?? null;
  }

  /** What answers a page's requests: the control channel's service (set once it exists). */
  serveWith(handle: (request: Request, connection: Connection) => Promise<Reply>): void {
    this.#handle = handle;
  }

  /** Opens the web server (once; a second call gives the same address) and says its address. */
  async open(port: number): Promise<string> {
    if (this.#server) {
      const server = await this.#server;
      if (port !== 0 && port !== server.port) throw new Error(`the inspector is open on port ${server.port} already: use ${server.url}, or close it first`);
      return server.url;
    }
    const token = newToken();
    const opening = listenInspector(port, token, {
      ask: (body, connection) => this.#ask(body, connection),
      hello: (client) => this.#hello(client),
      failed: (message) => this.#setup.say(message),
      feed: (push) => {
        const stopEntries = this.#timeline.onEntry((entry) => push('change', entry));
        const stopHealth = this.#health.listen((sample) => push('health', sample));
        return () => {
          stopEntries();
          stopHealth();
        };
      },
    });
    this.#server = opening;
    try {
      const server = await opening;
      if (this.#server !== opening) {
        // Closed while it was opening.
        server.close();
        throw new Error('the inspector was closed while it opened');
      }
      this.#listening = server;
      this.#setup.say(`inspector: ${server.url}`);
      return server.url;
    } catch (e: unknown) {
      if (this.#server === opening) this.#server = null;
      throw e;
    }
  }

  close(): void {
    if (this.#listening) this.#setup.say('inspector closed');
    this.#listening?.close();
    this.#listening = null;
    this.#server = null;
  }

  dispose(): void {
    this.close();
    this.#timeline.dispose();
    this.#health.stop();
  }

  async #ask(body: string, connection: Connection): Promise<Reply> {
    const read = readRequest(body);
    if (!read.ok) return { kind: 'error', id: read.id, code: read.code, message: read.message };
    if (!this.#handle) return { kind: 'error', id: read.request.id, code: 'not-ready', message: 'the inspector is starting: ask again' };
    // A page is pushed the image's events on its own stream (GET /events); a subscription per request would outlive it.
    if (read.request.kind === 'subscribe' || read.request.kind === 'unsubscribe')
      return {
        kind: 'error',
        id: read.request.id,
        code: 'bad-request',
        message: `'${read.request.kind}' is for the control socket: a page gets the image's events from GET /events`,
      };
    // A fleet's change lives as long as the connection that takes it: a page's requests have none.
    if (read.request.kind === 'fleet')
      return {
        kind: 'error',
        id: read.request.id,
        code: 'bad-request',
        message: "'fleet' is for the control socket (imago fleet): a page cannot take part in a fleet's change",
      };
    return this.#handle(read.request, connection);
  }

  #hello(client: number): Pushed['hello'] {
    const { root, entry, version, mode } = this.#setup;
    return {
      client,
      pid: process.pid,
      entry,
      root,
      imago: version,
      typecheck: mode,
      timeline: this.#timeline.entries(),
      health: { samples: [...this.#health.samples], ...this.#state() },
    };
  }

  #state(): Omit<HealthView, 'samples'> {
    const { mode } = this.#setup;
    const state = mode === 'off' ? 'off' : this.#setup.checkerPids().length > 0 ? 'running' : 'starting';
    return { ticking: this.#setup.ticking(), typecheck: { mode, state, lastCheck: this.#setup.lastCheck() } };
  }
}
