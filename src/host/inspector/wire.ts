// What the inspector's page and the image say to each other (docs/inspector.md): the replies of the
// control protocol's inspector kinds (`timeline`, `diff`, `modules`, `inspect`, `classes`, `instances`,
// `stores`, `rows`, `health`, `inspector`), and what the page is pushed over server-sent events. Types
// only: the page (ui/src) imports them too.

import type { ImageEvent } from '../../runtime/events.js';
import type { Described } from '../../runtime/introspect.js';

/** A value as the page shows it without holding it: a short text, and whether it can be opened. */
export interface Preview {
  /** `number`, `string`, `object`, `array`, `map`, `set`, `function`, `class`, `date`, `error`, `typed` (a typed array), `proxy`, `getter`, ... */
  readonly type: string;
  /** One line, at most ~200 characters, like DevTools' preview. */
  readonly text: string;
  /** Its own properties or entries can be listed (`inspect` with a path one longer). */
  readonly expandable: boolean;
  /** Entries an array, map, set or typed array holds (its length). */
  readonly size?: number;
}

/** One property (or element, or entry) of an opened value. `key` goes into the path to open it in turn. */
export interface Entry {
  readonly key: string | number;
  /** What the page shows as the name: `x`, `[3]`, `[[entry 2]]`, `get area`. */
  readonly label: string;
  readonly value: Preview;
  /** A Map entry's key. */
  readonly mapKey?: Preview;
}

/** Where an `inspect` starts: a top-level name of a module, a set of instances a heap walk found, or a store's row. */
export type InspectRoot =
  | { readonly module: string; readonly name: string }
  | { readonly instances: number }
  | { readonly store: number; readonly row: number };

/** One thing that happened to the image, numbered from 1 in the order it happened. */
export interface TimelineEntry {
  readonly id: number;
  /** ms since 1970. */
  readonly at: number;
  readonly event: ImageEvent;
  /** The source diff of the change can be asked for (`diff`). */
  readonly diff: boolean;
}

export interface FileDiff {
  readonly file: string;
  /** A unified diff; empty when the text did not change (a type-only file, a restore). */
  readonly patch: string;
  readonly added: number;
  readonly removed: number;
  /** The texts differ too much to diff in the time allowed: no patch. */
  readonly tooLarge?: boolean;
}

export interface BindingView {
  readonly name: string;
  readonly kind: 'state' | 'constant' | 'class' | 'enum' | 'function' | 'import';
  readonly exported: boolean;
  readonly value: Preview;
}

export interface FunctionView {
  readonly name: string;
  readonly exported: boolean;
  /** Bodies it has had (1: never changed), and when the last was applied. */
  readonly versions: number;
  readonly lastAt: number | null;
  readonly line: number;
}

/** A module as the modules list shows it, before it is opened (`module` gives the rest). */
export interface ModuleListing {
  readonly file: string;
  readonly rel: string;
  readonly version: number;
  readonly appliedAt: number | null;
  /** The first EXPORTS_LISTED exports, and how many it has. */
  readonly exports: readonly string[];
  readonly exportCount: number;
  readonly bindings: number;
  readonly functions: number;
  readonly classes: number;
}

export interface ModuleView {
  readonly file: string;
  readonly rel: string;
  readonly version: number;
  readonly appliedAt: number | null;
  readonly exports: readonly string[];
  /** Its first bindings (a module of thousands lists BINDINGS_LISTED), and how many it has. */
  readonly bindings: readonly BindingView[];
  readonly bindingCount: number;
  readonly functions: readonly FunctionView[];
  readonly classes: readonly string[];
}

/** A class as `describe` tells it (its place, layout now and before, methods, stores), without a count of instances. */
export type ClassView = Omit<Extract<Described, { kind: 'class' }>, 'kind' | 'instances'>;

export interface ColumnView {
  readonly name: string;
  /** `f64`, `i32`, `u8`, ... for typed columns; `value` for a plain array. */
  readonly kind: string;
  /** The field's declared type, as written. */
  readonly type: string | null;
  /** Bytes the column holds (a typed array's byteLength; a plain array's 8 bytes per slot, its values aside). */
  readonly bytes: number;
}

export interface StoreView {
  /** The store's tag: what `rows` and `inspect` name it by. */
  readonly tag: number;
  readonly name: string;
  readonly className: string;
  readonly layout: string;
  readonly rows: number;
  readonly capacity: number;
  readonly columns: readonly ColumnView[];
  readonly bytes: number;
}

export interface HealthSample {
  readonly at: number;
  /** Bytes: this process's resident set and V8 heap; the checker's processes (null: none, or unknown). */
  readonly rss: number;
  readonly heapUsed: number;
  readonly checkers: number | null;
  /** Event-loop delay over the last interval, ms. */
  readonly loopP50: number;
  readonly loopP99: number;
  readonly loopMax: number;
  /** Ticks per second over the last interval (null when imago drives no tick). */
  readonly ticksPerSecond: number | null;
}

export interface HealthView {
  readonly samples: readonly HealthSample[];
  readonly ticking: 'running' | 'paused' | 'none';
  readonly typecheck: {
    readonly mode: string;
    /** `running` (the checker answers), `starting` (its process is not up yet), or `off`. */
    readonly state: string;
    readonly lastCheck: { readonly at: number; readonly ok: boolean; readonly errors: number; readonly ms: number } | null;
  };
}

/** What the page is pushed, by server-sent event name. */
export interface Pushed {
  /** First, on connecting: who the image is, and what happened so far. */
  readonly hello: {
    readonly client: number;
    readonly pid: number;
    readonly entry: string;
    readonly root: string;
    readonly imago: string;
    readonly typecheck: string;
    readonly timeline: readonly TimelineEntry[];
    readonly health: HealthView;
  };
  readonly change: TimelineEntry;
  readonly health: HealthSample;
}
