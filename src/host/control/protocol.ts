// The control channel's messages (docs/control.md): one JSON object per line each way over a Unix
// domain socket. A request carries an `id` the reply repeats; events a client subscribed to come
// without one. One tagged union each way, so another tool (an editor extension) can speak it.

import type { DepsAnswer, SourcePlace } from '../../check/protocol.js';
import type { Diagnostic } from '../../compile/diagnostic.js';
import type { ChangeSummary, ImageEvent, Phase } from '../../runtime/events.js';
import type { Described, ModuleSummary } from '../../runtime/introspect.js';
import type { EditCommand, EditOutcome } from '../edit/commands.js';
import type { ClassView, Entry, FileDiff, HealthView, InspectRoot, ModuleListing, ModuleView, Preview, StoreView, TimelineEntry } from '../inspector/wire.js';

/** The protocol's version, said in the `hello` reply: a client checks it before anything else. */
export const PROTOCOL_VERSION = 1;
/** The longest line either side accepts (1 MiB): a longer one is an error, and the connection is closed. */
export const MAX_LINE_BYTES = 1 << 20;

export type RequestId = number | string;

/** The kinds of image events a client can subscribe to. */
export const EVENT_KINDS = ['ready', 'load', 'reload', 'error', 'warning', 'typecheck', 'image'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type Request =
  | { readonly id: RequestId; readonly kind: 'hello'; readonly client?: string }
  /** Runs TypeScript in the scope of `module` (default: the entry) at the image's next safe point. */
  | {
      readonly id: RequestId;
      readonly kind: 'eval';
      readonly code: string;
      readonly module?: string;
      /** `off` runs the input without checking it; otherwise it is checked when the image has a checker (a type error refuses it, under --typecheck=warn too). */
      readonly typecheck?: 'gate' | 'off';
      /** Synchronous run time after which the input is stopped (default 5000). */
      readonly timeoutMs?: number;
      /** Colour the printed value (the client is a terminal). */
      readonly colors?: boolean;
    }
  /** Completions for the end of `code` (the input typed so far) in `module`. */
  | { readonly id: RequestId; readonly kind: 'complete'; readonly code: string; readonly module?: string }
  /** What top-level `name` of `module` is: its kind, place, type, versions, layout. */
  | {
      readonly id: RequestId;
      readonly kind: 'describe';
      readonly name: string;
      readonly module?: string;
      readonly instances?: boolean;
      readonly colors?: boolean;
    }
  /** What references top-level `name` of `module` (or its `member`). */
  | { readonly id: RequestId; readonly kind: 'deps'; readonly name: string; readonly module?: string; readonly member?: string }
  | { readonly id: RequestId; readonly kind: 'status' }
  /** Sends the image's events of these kinds (all when omitted) from now on, as `event` messages. */
  | { readonly id: RequestId; readonly kind: 'subscribe'; readonly events?: readonly EventKind[] }
  | { readonly id: RequestId; readonly kind: 'unsubscribe' }
  /** A structural edit (docs/edits.md), applied to the files and the running image as one change; `dryRun`: planned only. */
  | { readonly id: RequestId; readonly kind: 'edit'; readonly command: EditCommand; readonly module?: string; readonly dryRun?: boolean }
  /** Forgets the declarations this connection's REPL session made in `module` (all modules when omitted). */
  | { readonly id: RequestId; readonly kind: 'clear'; readonly module?: string }
  // The inspector's questions (docs/inspector.md); any client may ask them.
  /** What happened to the image (changes applied and refused, errors, saves), oldest first; `after`: only entries past that id. */
  | { readonly id: RequestId; readonly kind: 'timeline'; readonly after?: number }
  /** The source diff a timeline entry applied (or, for a refused change, what was refused). */
  | { readonly id: RequestId; readonly kind: 'diff'; readonly change: number }
  /** Every module: its version, when it was applied, its first exports, how many bindings and functions it has. */
  | { readonly id: RequestId; readonly kind: 'modules' }
  /** One module: its bindings with a preview of their values, its functions with their versions. */
  | { readonly id: RequestId; readonly kind: 'module'; readonly module: string }
  /** Opens a value: the entries at `path` under `root`, `limit` of them from `offset`. */
  | {
      readonly id: RequestId;
      readonly kind: 'inspect';
      readonly root: InspectRoot;
      readonly path?: ReadonlyArray<string | number>;
      readonly offset?: number;
      readonly limit?: number;
    }
  /** Every class: its layout now and its layouts before, methods, stores. */
  | { readonly id: RequestId; readonly kind: 'classes' }
  /** Walks the heap for the live instances of a class (pausing the program for the time it says), keeping them weakly to inspect. */
  | { readonly id: RequestId; readonly kind: 'instances'; readonly module: string; readonly name: string }
  /** Every live handle store: rows, columns with their types and sizes. */
  | { readonly id: RequestId; readonly kind: 'stores' }
  /** A page of a store's rows in packed order. */
  | { readonly id: RequestId; readonly kind: 'rows'; readonly store: number; readonly offset?: number; readonly limit?: number }
  /** Memory, event-loop delay and tick rate over time, and the checker's state. */
  | { readonly id: RequestId; readonly kind: 'health' }
  /** Opens the inspector's page (`port`: that port, else a free one), or `close`s it; says its address. */
  | { readonly id: RequestId; readonly kind: 'inspector'; readonly port?: number; readonly close?: boolean }
  /** One step of a change a fleet's coordinator takes to several images at once (`imago fleet`, docs/scaling.md). */
  | { readonly id: RequestId; readonly kind: 'fleet'; readonly step: FleetStep };

/**
 * The steps of a fleet's change, as one image takes them (paths relative to its root; each step waits at
 * most `withinMs` for the image and its own threads or worker processes).
 */
export type FleetStep =
  | { readonly t: 'join' }
  | {
      readonly t: 'prepare';
      readonly round: number;
      readonly texts: ReadonlyArray<readonly [string, string | null]>;
      readonly paths: readonly string[];
      readonly withinMs: number;
    }
  | { readonly t: 'commit'; readonly round: number; readonly withinMs: number }
  | { readonly t: 'finish'; readonly round: number; readonly keep: boolean };

/** What the image says to a step: its modules (join), prepared (with the files it changes), ready, applied, finished, or refused. */
export type FleetAnswer =
  | { readonly t: 'held'; readonly paths: readonly string[] }
  | { readonly t: 'prepared'; readonly files: readonly string[] }
  | { readonly t: 'ready' }
  | { readonly t: 'applied'; readonly summary: ChangeSummary | null }
  | { readonly t: 'finished' }
  | { readonly t: 'refused'; readonly phase: Phase; readonly errors: readonly Diagnostic[] };

export type RequestKind = Request['kind'];

export interface StatusReply {
  readonly kind: 'status';
  readonly id: RequestId;
  readonly pid: number;
  readonly entry: string;
  readonly root: string;
  readonly startedAt: number;
  readonly uptimeMs: number;
  readonly modules: readonly ModuleSummary[];
  /** The last changes, newest last: applied or rejected, with timing. */
  readonly changes: ReadonlyArray<{
    readonly at: number;
    readonly ok: boolean;
    readonly files: readonly string[];
    readonly ms: number;
    readonly phase?: string;
    readonly error?: string;
  }>;
  readonly typecheck: {
    readonly mode: string;
    readonly lastCheck: { readonly at: number; readonly ok: boolean; readonly errors: number; readonly ms: number } | null;
  };
  /** Bytes: this process's resident set and heap, and the checker processes' resident sets where the platform says. */
  readonly memory: { readonly rss: number; readonly heapUsed: number; readonly checkers: number | null };
  /**
   * What the program holds open, to see a leak: timers its top-level statements made that are pending
   * and its `hot.dispose` callbacks (every module's, from the runtime), Node's active resources by type
   * (`process.getActiveResourcesInfo()`: `Timeout`, `TCPServerWrap`, ...), and listeners on `process`.
   */
  readonly resources: {
    readonly ownedTimers: number;
    readonly disposers: number;
    readonly active: Readonly<Record<string, number>>;
    readonly processListeners: number;
  };
  readonly clients: number;
  /** The inspector's address while it is open (docs/inspector.md). */
  readonly inspector?: string | null;
  /** The program's first load applied; while it did not, `firstLoad` says why. */
  readonly loaded: boolean;
  readonly firstLoad?: string;
  /** imago drives the program's tick (`none`: it exports no tick), and an error paused it. */
  readonly ticking: 'running' | 'paused' | 'none';
}

export type Reply =
  | {
      readonly kind: 'hello';
      readonly id: RequestId;
      readonly protocol: number;
      readonly imago: string;
      readonly pid: number;
      readonly root: string;
      readonly entry: string;
      readonly typecheck: string;
    }
  /** An input ran: its value printed like Node's REPL prints it. */
  | { readonly kind: 'value'; readonly id: RequestId; readonly module: string; readonly text: string; readonly checkMs: number; readonly runMs: number }
  /** An input did not run: it does not compile or type-check. */
  | { readonly kind: 'rejected'; readonly id: RequestId; readonly module: string; readonly errors: readonly Diagnostic[]; readonly notices?: readonly string[] }
  /** An input threw (or its promise rejected, or it was stopped by the timeout): the image runs on. */
  | {
      readonly kind: 'thrown';
      readonly id: RequestId;
      readonly module: string;
      readonly text: string;
      readonly timedOut: boolean;
      readonly notices?: readonly string[];
    }
  | { readonly kind: 'completions'; readonly id: RequestId; readonly module: string; readonly prefix: string; readonly items: readonly string[] }
  | {
      readonly kind: 'described';
      readonly id: RequestId;
      readonly what: Described;
      /** The value printed (bindings and imports), the type from the checker, the declaration's length. */
      readonly value: string | null;
      readonly type: string | null;
      readonly sourceChars: number | null;
    }
  | (Omit<DepsAnswer, 'kind' | 'id'> & {
      readonly kind: 'deps';
      readonly id: RequestId;
      readonly target: string;
      /** Handle stores laid out by the class (when an image is running). */
      readonly stores: ReadonlyArray<{ readonly name: string; readonly rows: number }>;
    })
  | StatusReply
  | { readonly kind: 'subscribed'; readonly id: RequestId; readonly events: readonly EventKind[] }
  | { readonly kind: 'unsubscribed'; readonly id: RequestId }
  | { readonly kind: 'cleared'; readonly id: RequestId; readonly names: readonly string[] }
  | { readonly kind: 'edited'; readonly id: RequestId; readonly outcome: EditOutcome }
  | { readonly kind: 'timeline'; readonly id: RequestId; readonly entries: readonly TimelineEntry[] }
  | { readonly kind: 'diff'; readonly id: RequestId; readonly change: number; readonly files: readonly FileDiff[]; readonly note?: string }
  | { readonly kind: 'modules'; readonly id: RequestId; readonly modules: readonly ModuleListing[] }
  | { readonly kind: 'module'; readonly id: RequestId; readonly module: ModuleView }
  | {
      readonly kind: 'inspected';
      readonly id: RequestId;
      readonly value: Preview;
      readonly entries: readonly Entry[];
      /** Entries in all (those past `offset + limit` are asked for with a larger offset). */
      readonly total: number;
      readonly offset: number;
    }
  | { readonly kind: 'classes'; readonly id: RequestId; readonly classes: readonly ClassView[] }
  | {
      readonly kind: 'instances';
      readonly id: RequestId;
      /** What `inspect` names them by (`{ instances: set }`), while they live. */
      readonly set: number;
      readonly count: number;
      /** How long the heap walk paused the program. */
      readonly ms: number;
    }
  | { readonly kind: 'stores'; readonly id: RequestId; readonly stores: readonly StoreView[] }
  | {
      readonly kind: 'rows';
      readonly id: RequestId;
      readonly store: number;
      readonly total: number;
      readonly offset: number;
      readonly columns: readonly string[];
      /** Each row's handle and its cells, as text. */
      readonly rows: ReadonlyArray<{ readonly row: number; readonly handle: number; readonly cells: readonly string[] }>;
    }
  | ({ readonly kind: 'health'; readonly id: RequestId } & HealthView)
  | { readonly kind: 'inspector'; readonly id: RequestId; readonly url: string | null }
  | { readonly kind: 'fleet'; readonly id: RequestId; readonly answer: FleetAnswer }
  /** A request that could not be served; `id` is null when the line could not be read at all. */
  | { readonly kind: 'error'; readonly id: RequestId | null; readonly code: ErrorCode; readonly message: string };

export type ErrorCode = 'parse' | 'too-large' | 'bad-request' | 'unknown-kind' | 'not-found' | 'not-ready' | 'busy' | 'unavailable' | 'internal';

/** A message the image sends without being asked: an event a client subscribed to. */
export interface EventMessage {
  readonly kind: 'event';
  readonly event: ImageEvent;
}

export type FromImage = Reply | EventMessage;

export type { SourcePlace };
