// What the control channel serves: each request kind answered from the running image (at a safe point
// where it reads live state) and its type checker. One service per session; one REPL session per client.

import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import type { WorkerTypeGate } from '../../check/type-gate.js';
import type { Image } from '../../runtime/image.js';
import type { TypecheckMode } from '../../runtime/type-gate.js';
import { declaringFile } from '../edit/declared.js';
import { runEdit } from '../edit/run.js';
import { treeRss } from '../process-memory.js';
import { Evaluator, ReplSession } from './evaluator.js';
import { FleetMember } from './fleet-member.js';
import { EVENT_KINDS, type EventKind, PROTOCOL_VERSION, type Reply, type Request, type StatusReply } from './protocol.js';
import { checkedText, dropClashes } from './repl-session.js';
import type { Connection, ControlService } from './server.js';

/** A checker's answer without its own kind and id. */
function strip<T extends { kind: string; id: number }>(answer: T): Omit<T, 'kind' | 'id'> {
  const { kind: _k, id: _i, ...rest } = answer;
  return rest;
}

/** What can be asked before the program's first load applied. */
/** What reads or runs the program's own modules: a cluster's primary holds none of them. */
const PROGRAM_KINDS = new Set<Request['kind']>(['eval', 'complete', 'clear', 'describe', 'module', 'inspect', 'classes', 'instances', 'stores', 'rows']);
const BEFORE_LOAD = new Set<Request['kind']>(['hello', 'status', 'subscribe', 'unsubscribe', 'deps', 'timeline', 'diff', 'health', 'inspector']);

/** How many changes `status` keeps. */
const CHANGES_KEPT = 10;

export interface ServiceSetup {
  readonly image: Image;
  readonly root: string;
  readonly entry: string;
  readonly mode: TypecheckMode;
  /** The gate's checker (null under --typecheck=off). */
  readonly checker: WorkerTypeGate | null;
  /** A checker for `deps` when the image has none: opened on first use, closed with the session. */
  readonly openChecker: () => Promise<WorkerTypeGate>;
  readonly version: string;
  /** Open control clients. */
  readonly clients: () => number;
  /** Process ids of the checker processes, for their memory. */
  readonly checkerPids: () => readonly number[];
  /** Whether imago drives the program's tick, and whether an error paused it. */
  readonly ticking: () => 'running' | 'paused' | 'none';
  /** After a REPL input ran (evaluator.ts). */
  readonly afterInput?: () => string | null;
  /** The last whole-program check that completed (null: none yet, or no checker). */
  readonly lastCheck?: () => StatusReply['typecheck']['lastCheck'];
  /** The inspector's address while it is open. */
  readonly inspectorUrl?: () => string | null;
  /** Under --cluster: where the program runs instead (a sentence for what cannot be answered here), else null. */
  readonly elsewhere?: () => string | null;
  /** Answers the inspector's kinds (inspector/answers.ts). */
  readonly inspector?: (request: InspectorRequest, connection: Connection) => Promise<Reply>;
}

/** The request kinds the inspector answers. */
export type InspectorRequest = Extract<
  Request,
  { kind: 'timeline' | 'diff' | 'modules' | 'module' | 'inspect' | 'classes' | 'instances' | 'stores' | 'rows' | 'health' | 'inspector' }
>;

/** Node's active resources (handles and requests that keep the process alive), counted by type. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export class Service implements ControlService {
  readonly #setup: ServiceSetup;
  readonly #evaluator: Evaluator;
  readonly #sessions = new WeakMap<Connection, ReplSession>();
  readonly #changes: StatusReply['changes'][number][] = [];
  /** Why the program has not loaded, while its first load is rejected. */
  #firstLoad: string | null = null;
  readonly #startedAt = Date.now();
  #edits: Promise<unknown> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(setup: ServiceSetup) {
    this.#setup = setup;
    this.#evaluator = new Evaluator({
      image: setup.image,
      entry: setup.entry,
      checker: setup.checker,
      ...(setup.afterInput ? { afterInput: setup.afterInput } : {}),
    });
    this.#unsubscribe = setup.image.subscribe((e) => {
      if (e.kind === 'reload') {
        const first = e.ok ? undefined : e.errors[0];
        this.#changes.push({
          at: Date.now(),
          ok: e.ok,
          files: e.files,
          ms: e.ms,
          ...(e.ok ? {} : { phase: e.phase }),
          ...(first ? { error: `${first.file}:${first.line}:${first.column} ${first.message}` } : {}),
        });
        if (this.#changes.length > CHANGES_KEPT) this.#changes.shift();
      }
      if (e.kind === 'load' && !e.ok) {
        const first = e.errors[0];
        this.#firstLoad = `rejected (${e.phase})${first ? `: ${first.file}:${first.line}:${first.column} ${first.message}` : ''}`;
      }
      if (e.kind === 'ready') this.#firstLoad = null;
    });
  }

  dispose(): void {
    this.#evaluator.dispose();
    this.#unsubscribe();
  }

  async handle(request: Request, connection: Connection): Promise<Reply> {
    const { id } = request;
    const { image } = this.#setup;
    const elsewhere = PROGRAM_KINDS.has(request.kind) ? (this.#setup.elsewhere?.() ?? null) : null;
    if (elsewhere) return { kind: 'error', id, code: 'unavailable', message: elsewhere };
    if (!image.loaded && !BEFORE_LOAD.has(request.kind))
      return { kind: 'error', id, code: 'not-ready', message: 'the program has not loaded yet (its first load was rejected or is under way): fix it and save' };
    switch (request.kind) {
      case 'hello':
        return {
          kind: 'hello',
          id,
          protocol: PROTOCOL_VERSION,
          imago: this.#setup.version,
          pid: process.pid,
          root: this.#setup.root,
          entry: this.#setup.entry,
          typecheck: this.#setup.mode,
        };
      case 'eval':
        return this.#evaluator.evaluate(request, this.#session(connection));
      case 'complete':
        return this.#complete(request, this.#session(connection));
      case 'clear': {
        const session = this.#session(connection);
        const scope = request.module === undefined ? null : this.#evaluator.scope(request.module);
        if (typeof scope === 'string') return { kind: 'error', id, code: 'not-found', message: scope };
        const names: string[] = [];
        for (const [file, s] of session.modules) {
          if (scope && scope.file !== file) continue;
          names.push(...s.values.keys());
          session.modules.delete(file);
        }
        return { kind: 'cleared', id, names };
      }
      case 'describe':
        return this.#describe(request);
      case 'edit': {
        // One edit at a time, whoever asks: each is planned from the files the one before wrote.
        const run = this.#edits.then(async () => {
          const checker = this.#setup.checker ?? (await this.#setup.openChecker());
          return runEdit(request.command, {
            root: this.#setup.root,
            module: request.module,
            dryRun: request.dryRun === true,
            checker,
            image,
            gated: this.#setup.mode === 'gate',
          });
        });
        this.#edits = run.catch(() => undefined);
        return { kind: 'edited', id, outcome: await run };
      }
      case 'deps':
        return this.#deps(request);
      case 'status':
        return this.#status(id);
      case 'subscribe': {
        const kinds: readonly EventKind[] = request.events ?? EVENT_KINDS;
        const stop = image.subscribe((event) => {
          if ((kinds as readonly string[]).includes(event.kind)) connection.send({ kind: 'event', event });
        });
        this.#stopSubscription(connection);
        this.#subscriptions.set(connection, stop);
        connection.onClose(stop);
        return { kind: 'subscribed', id, events: kinds };
      }
      case 'unsubscribe':
        this.#stopSubscription(connection);
        return { kind: 'unsubscribed', id };
      case 'fleet': {
        let member = this.#fleet.get(connection);
        if (!member) {
          const m = new FleetMember(image, this.#setup.root);
          this.#fleet.set(connection, m);
          connection.onClose(() => m.dispose());
          member = m;
        }
        return { kind: 'fleet', id, answer: await member.step(request.step) };
      }
      default:
        return this.#setup.inspector
          ? this.#setup.inspector(request, connection)
          : { kind: 'error', id, code: 'unavailable', message: `'${request.kind}' is answered by the inspector, which this image has not set up` };
    }
  }

  readonly #subscriptions = new WeakMap<Connection, () => void>();
  /** Each connection that takes part in a fleet's changes is one member of it. */
  readonly #fleet = new WeakMap<Connection, FleetMember>();

  #stopSubscription(connection: Connection): void {
    this.#subscriptions.get(connection)?.();
    this.#subscriptions.delete(connection);
  }

  #session(connection: Connection): ReplSession {
    let s = this.#sessions.get(connection);
    if (!s) {
      s = new ReplSession();
      this.#sessions.set(connection, s);
    }
    return s;
  }

  async #complete(request: Extract<Request, { kind: 'complete' }>, session: ReplSession): Promise<Reply> {
    const { id } = request;
    const scope = this.#evaluator.scope(request.module);
    if (typeof scope === 'string') return { kind: 'error', id, code: 'not-found', message: scope };
    const prefix = /[A-Za-z_$][\w$]*$/.exec(request.code)?.[0] ?? '';
    const before = request.code.slice(0, request.code.length - prefix.length);
    const member = /\.\s*$/.test(before) || /\?\.\s*$/.test(before);
    const own = session.of(scope.file);
    dropClashes(scope, own);
    let names: string[];
    if (member) {
      if (!this.#setup.checker) return { kind: 'completions', id, module: scope.rel, prefix, items: [] };
      const { text, inputAt } = checkedText(scope, own, request.code);
      const at = inputAt + request.code.length;
      const answer = await this.#setup.checker.query({ kind: 'probe', file: scope.file, text, from: text.length, completeAt: at });
      names = [...(answer.completions ?? [])];
    } else {
      names = [...scope.names.keys(), ...own.values.keys(), ...Object.getOwnPropertyNames(globalThis), ...KEYWORDS];
    }
    const items = [...new Set(names.filter((n) => n.startsWith(prefix) && !n.startsWith('__imago')))].sort();
    return { kind: 'completions', id, module: scope.rel, prefix, items };
  }

  async #describe(request: Extract<Request, { kind: 'describe' }>): Promise<Reply> {
    const { id } = request;
    const module = request.module ?? this.#setup.entry;
    const found = await this.#setup.image.atSafePoint((image) => {
      const d = image.describe(module, request.name, request.instances === true);
      if (!d.ok) return d;
      const what = d.value;
      const value =
        what.kind === 'binding' || what.kind === 'import'
          ? util.inspect(what.value, { colors: request.colors === true, depth: 1, maxArrayLength: 10, breakLength: 100 })
          : null;
      // The value itself does not cross the wire: only what was printed of it.
      return { ok: true as const, what: what.kind === 'binding' || what.kind === 'import' ? { ...what, value: undefined } : what, value };
    });
    if (!found.ok) return { kind: 'error', id, code: 'not-found', message: found.message };
    let type: string | null = null;
    let sourceChars: number | null = null;
    const scope = this.#evaluator.scope(module);
    if (this.#setup.checker && typeof scope !== 'string') {
      const answer = await this.#setup.checker.query({ kind: 'symbol', file: scope.file, name: request.name });
      if (answer.found) {
        type = found.what.kind === 'class' ? null : answer.type;
        sourceChars = answer.chars;
      }
    }
    return { kind: 'described', id, what: found.what, value: found.value, type, sourceChars };
  }

  async #deps(given: Extract<Request, { kind: 'deps' }>): Promise<Reply> {
    // The module that declares the name: the one named (or the one it imports the name from), else the one project file that does.
    const root = this.#setup.root;
    const declared = declaringFile(root, given.name, given.module ?? undefined);
    const request = typeof declared === 'string' ? given : { ...given, module: path.relative(root, declared.file), name: declared.name };
    const { id } = request;
    const module = request.module ?? this.#setup.entry;
    const target = `${module}:${request.name}${request.member ? `.${request.member}` : ''}`;
    const scope = this.#evaluator.scope(module);
    // A module the image has not loaded (its first load was rejected, say) is answered from its file.
    const onDisk = path.resolve(this.#setup.root, module);
    const file = typeof scope !== 'string' ? scope.file : fs.existsSync(onDisk) && fs.statSync(onDisk).isFile() ? onDisk : null;
    if (file === null) return { kind: 'error', id, code: 'not-found', message: scope as string };
    const checker = this.#setup.checker ?? (await this.#setup.openChecker());
    const answer = await checker.query({ kind: 'deps', file, name: request.name, ...(request.member ? { member: request.member } : {}) });
    if (!answer.found) {
      const why = typeof declared === 'string' && given.module === undefined ? ` (${declared}: name its module, '<module>:${given.name}')` : '';
      return { kind: 'error', id, code: 'not-found', message: `${answer.message}${why}` };
    }
    const rel = path.relative(this.#setup.root, file);
    if (typeof scope === 'string') return { ...strip(answer), kind: 'deps', id, target: `${rel}:${target.slice(module.length + 1)}`, stores: [] };
    const stores = await this.#setup.image.atSafePoint((image) => {
      const d = image.describe(module, request.name, false);
      return d.ok && d.value.kind === 'class' ? d.value.stores : [];
    });
    return { ...strip(answer), kind: 'deps', id, target: `${rel}:${target.slice(module.length + 1)}`, stores };
  }

  #status(id: Request['id']): Reply {
    const memory = process.memoryUsage();
    const pids = this.#setup.checkerPids();
    const rss = pids.map(treeRss);
    const modules = this.#setup.image.introspection.modules();
    return {
      kind: 'status',
      id,
      pid: process.pid,
      entry: this.#setup.entry,
      root: this.#setup.root,
      startedAt: this.#startedAt,
      uptimeMs: Date.now() - this.#startedAt,
      modules,
      changes: [...this.#changes],
      typecheck: { mode: this.#setup.mode, lastCheck: this.#setup.lastCheck?.() ?? null },
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        checkers: rss.length > 0 && rss.every((r) => r !== null) ? rss.reduce((a, b) => a! + b!, 0) : null,
      },
      resources: {
        ownedTimers: modules.reduce((n, m) => n + m.timers, 0),
        disposers: modules.reduce((n, m) => n + m.disposers, 0),
        active: activeResources(),
        processListeners: process.eventNames().reduce((n, name) => n + process.listenerCount(name), 0),
      },
      clients: this.#setup.clients(),
      inspector: this.#setup.inspectorUrl?.() ?? null,
      loaded: this.#setup.image.loaded,
      ticking: this.#setup.ticking(),
      ...(this.#firstLoad ? { firstLoad: this.#firstLoad } : {}),
    };
  }
}

const KEYWORDS = [
  'await',
  'const',
  'let',
  'function',
  'class',
  'new',
  'typeof',
  'instanceof',
  'return',
  'if',
  'else',
  'for',
  'while',
  'true',
  'false',
  'null',
  'undefined',
  'void',
];
