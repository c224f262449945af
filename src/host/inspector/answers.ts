// The inspector's questions answered from the running image: its timeline, modules and their values,
// classes and their instances, handle stores and their rows, and its health. Live state is read at the
// image's next safe point (between ticks, never inside a change), one bounded page at a time.

import type { Image } from '../../runtime/image.js';
import type { Introspection } from '../../runtime/introspect.js';
import type { StoreCore } from '../../store/store-core.js';
import type { Reply } from '../control/protocol.js';
import type { InspectorRequest } from '../control/service.js';
import type { Health } from './health.js';
import { cellText, child, entries, knowStore, preview } from './previews.js';
import type { Timeline } from './timeline.js';
import type { BindingView, ClassView, Entry, HealthView, InspectRoot, ModuleListing, ModuleView, Preview, StoreView } from './wire.js';

/** The most entries one `inspect` or `rows` answers, and the page when none is asked for. */
const MAX_PAGE = 1000;
const PAGE = 100;
/** Instance sets kept (weakly) for `inspect`, newest first, and the instances each keeps (the count is of all). */
const SETS = 8;
const KEPT_INSTANCES = 10_000;
/** Exports a module's listing names, and bindings an opened module shows. */
const EXPORTS_LISTED = 50;
const BINDINGS_LISTED = 1000;

export interface AnswersSetup {
  readonly image: Image;
  readonly timeline: Timeline;
  readonly health: Health;
  readonly healthState: () => Omit<HealthView, 'samples'>;
  /** Opens the inspector's page on `port` (0 or undefined: a free one) and says its address; `close` closes it. */
  readonly open: (port: number | undefined) => Promise<string>;
  readonly close: () => void;
}

type Found<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export class InspectorAnswers {
  readonly #setup: AnswersSetup;
  readonly #sets = new Map<number, WeakRef<object>[]>();
  #nextSet = 1;

  constructor(setup: AnswersSetup) {
    this.#setup = setup;
  }

  async handle(request: InspectorRequest): Promise<Reply> {
    const { id } = request;
    const { image, timeline } = this.#setup;
    const notFound = (message: string): Reply => ({ kind: 'error', id, code: 'not-found', message });
    switch (request.kind) {
      case 'timeline':
        return { kind: 'timeline', id, entries: timeline.entries(request.after ?? 0) };
      case 'diff': {
        const d = await timeline.diff(request.change);
        return d.ok ? { kind: 'diff', id, change: request.change, files: d.files, ...(d.note ? { note: d.note } : {}) } : notFound(d.message);
      }
      case 'modules':
        return { kind: 'modules', id, modules: await image.atSafePoint(modulesListing) };
      case 'module': {
        const view = await image.atSafePoint((i) => moduleView(i, request.module));
        return view.ok ? { kind: 'module', id, module: view.value } : notFound(view.message);
      }
      case 'classes':
        return { kind: 'classes', id, classes: await image.atSafePoint(classesView) };
      case 'stores':
        return { kind: 'stores', id, stores: await image.atSafePoint((i) => i.stores().map(storeView)) };
      case 'instances': {
        const walked = await image.atSafePoint((i) => {
          const t0 = performance.now();
          const found = i.instances(request.module, request.name);
          return { found, ms: performance.now() - t0 };
        });
        if (!walked.found.ok) return notFound(walked.found.message);
        if (walked.found.value === null) return { kind: 'error', id, code: 'unavailable', message: 'this image cannot walk its heap (no inspector session)' };
        const set = this.#nextSet++;
        this.#sets.set(
          set,
          walked.found.value.slice(0, KEPT_INSTANCES).map((o) => new WeakRef(o)),
        );
        for (const old of this.#sets.keys()) if (this.#sets.size > SETS) this.#sets.delete(old);
        return { kind: 'instances', id, set, count: walked.found.value.length, ms: Math.round(walked.ms * 10) / 10 };
      }
      case 'inspect': {
        const offset = request.offset ?? 0;
        const limit = Math.min(request.limit ?? PAGE, MAX_PAGE);
        const opened = await image.atSafePoint((i) => {
          for (const store of i.stores()) knowStore(store);
          const root = request.root;
          if ('instances' in root && (request.path ?? []).length === 0) return this.#instancePage(root.instances, offset, limit);
          const start = this.#root(i, root, request.path?.[0]);
          if (!start.ok) return start;
          let value = start.value;
          for (const key of 'instances' in root ? (request.path ?? []).slice(1) : (request.path ?? [])) {
            const next = child(value, key);
            if (!next.ok) return next;
            value = next.value;
          }
          return { ok: true as const, value: { preview: safePreview(value), ...entries(value, offset, limit) } };
        });
        if (!opened.ok) return notFound(opened.message);
        return { kind: 'inspected', id, value: opened.value.preview, entries: opened.value.entries, total: opened.value.total, offset };
      }
      case 'rows': {
        const offset = request.offset ?? 0;
        const limit = Math.min(request.limit ?? PAGE, MAX_PAGE);
        const page = await image.atSafePoint((i) => {
          for (const store of i.stores()) knowStore(store);
          const store = i.stores().find((s) => s.tag === request.store);
          return store ? { ok: true as const, value: rows(store, offset, limit) } : { ok: false as const, message: noStore(i, request.store) };
        });
        if (!page.ok) return notFound(page.message);
        return { kind: 'rows', id, store: request.store, offset, ...page.value };
      }
      case 'health':
        return { kind: 'health', id, samples: [...this.#setup.health.samples], ...this.#setup.healthState() };
      case 'inspector':
        if (request.close === true) {
          this.#setup.close();
          return { kind: 'inspector', id, url: null };
        }
        try {
          return { kind: 'inspector', id, url: await this.#setup.open(request.port) };
        } catch (e: unknown) {
          return { kind: 'error', id, code: 'unavailable', message: e instanceof Error ? e.message : String(e) };
        }
    }
  }

  /** A page of an instance set, dereferencing only that page. */
  #instancePage(id: number, offset: number, limit: number): Found<{ preview: Preview; entries: Entry[]; total: number }> {
    const set = this.#sets.get(id);
    if (!set) return { ok: false, message: gone(id) };
    const out: Entry[] = set.slice(offset, offset + limit).map((ref, k) => {
      const o = ref.deref();
      return {
        key: offset + k,
        label: `[${offset + k}]`,
        value: o === undefined ? { type: 'collected', text: '(collected since the count)', expandable: false } : safePreview(o),
      };
    });
    return {
      ok: true,
      value: { preview: { type: 'array', text: `${set.length} instances`, expandable: set.length > 0, size: set.length }, entries: out, total: set.length },
    };
  }

  /** Where an `inspect` starts; for an instance set, the instance the path's first key names. */
  #root(i: Introspection, root: InspectRoot, first: string | number | undefined): Found<unknown> {
    if ('instances' in root) {
      const set = this.#sets.get(root.instances);
      if (!set) return { ok: false, message: gone(root.instances) };
      const o = set[Number(first)]?.deref();
      return o === undefined
        ? { ok: false, message: `instance ${String(first)} is not in set ${root.instances} now (collected, or past its ${set.length})` }
        : { ok: true, value: o };
    }
    if ('store' in root) {
      const store = i.stores().find((s) => s.tag === root.store);
      if (!store) return { ok: false, message: noStore(i, root.store) };
      if (root.row >= store.size) return { ok: false, message: `${store.name} has ${store.size} rows now, not ${root.row + 1}` };
      const row = store.rowAt(root.row);
      return { ok: true, value: Object.fromEntries(store.specs.map((s) => [s.name, store.cols[s.name]?.[row]])) };
    }
    const scope = i.scope(root.module);
    if (!scope.ok) return scope;
    if (!scope.value.names.has(root.name)) return { ok: false, message: `${scope.value.rel} has no top-level '${root.name}' now` };
    return { ok: true, value: scope.value.get(root.name) };
  }
}

function noStore(i: Introspection, tag: number): string {
  const live = i.stores().map((s) => `${s.tag} (${s.name})`);
  return `no live store ${tag}${live.length > 0 ? ` (live: ${live.join(', ')})` : ' (the image has none)'}`;
}

function gone(set: number): string {
  return `instance set ${set} is gone (the last ${SETS} are kept): count the instances again`;
}

/** A preview that cannot fail the answer it is part of (a value imago cannot read is said so). */
function safePreview(value: unknown): Preview {
  try {
    return preview(value);
  } catch (e: unknown) {
    return { type: 'unreadable', text: `(not readable: ${e instanceof Error ? e.message : String(e)})`, expandable: false };
  }
}

function modulesListing(i: Introspection): ModuleListing[] {
  return i.modules().flatMap((m): ModuleListing[] => {
    const detail = i.detail(m.file);
    if (!detail.ok) return [];
    return [
      {
        file: m.file,
        rel: m.rel,
        version: m.version,
        appliedAt: m.appliedAt,
        exports: detail.value.exports.slice(0, EXPORTS_LISTED),
        exportCount: detail.value.exports.length,
        bindings: m.bindings,
        functions: m.functions,
        classes: m.classes,
      },
    ];
  });
}

function moduleView(i: Introspection, module: string): Found<ModuleView> {
  for (const store of i.stores()) knowStore(store);
  const detail = i.detail(module);
  if (!detail.ok) return detail;
  const scope = i.scope(module);
  if (!scope.ok) return scope;
  const exported = new Set(detail.value.exports);
  const bindings: BindingView[] = [];
  let count = 0;
  for (const { name, kind } of scope.value.names.values()) {
    if (kind === 'function') continue;
    if (count++ >= BINDINGS_LISTED) continue;
    let value: Preview;
    try {
      value = safePreview(scope.value.get(name));
    } catch {
      // A binding in its temporal dead zone (its module has not reached it).
      value = { type: 'uninitialized', text: '<uninitialized>', expandable: false };
    }
    bindings.push({ name, kind, exported: exported.has(name), value });
  }
  const summary = i.modules().find((m) => m.rel === scope.value.rel);
  return {
    ok: true,
    value: {
      file: scope.value.file,
      rel: scope.value.rel,
      version: scope.value.version,
      appliedAt: summary?.appliedAt ?? null,
      exports: detail.value.exports,
      bindings,
      bindingCount: count,
      functions: detail.value.functions,
      classes: detail.value.classes,
    },
  };
}

function classesView(i: Introspection): ClassView[] {
  const out: ClassView[] = [];
  for (const m of i.modules()) {
    const detail = i.detail(m.file);
    if (!detail.ok) continue;
    for (const name of detail.value.classes) {
      const d = i.describe(m.file, name, false);
      if (!d.ok || d.value.kind !== 'class') continue;
      const { kind: _kind, instances: _instances, ...view } = d.value;
      out.push(view);
    }
  }
  return out;
}

function storeView(store: StoreCore): StoreView {
  const columns = store.specs.map((s) => {
    const column = store.cols[s.name];
    const bytes = column && ArrayBuffer.isView(column) ? column.byteLength : (column?.length ?? 0) * 8;
    return { name: s.name, kind: s.kind, type: s.decl.typeText || null, bytes };
  });
  const slots = store.stamps.byteLength + store.free.byteLength + store.tables().reduce((n, t) => n + t.byteLength, 0);
  return {
    tag: store.tag,
    name: store.name,
    className: store.className,
    layout: store.layout,
    rows: store.size,
    capacity: store.capacity,
    columns,
    bytes: columns.reduce((n, c) => n + c.bytes, slots),
  };
}

function rows(
  store: StoreCore,
  offset: number,
  limit: number,
): { total: number; columns: string[]; rows: Array<{ row: number; handle: number; cells: string[] }> } {
  const columns = store.specs.map((s) => s.name);
  const out: Array<{ row: number; handle: number; cells: string[] }> = [];
  for (let k = offset; k < Math.min(store.size, offset + limit); k++) {
    const row = store.rowAt(k);
    out.push({ row: k, handle: store.handleAt(row), cells: store.specs.map((spec) => safeCell(store.cols[spec.name]?.[row], spec.kind === 'f32')) });
  }
  return { total: store.size, columns, rows: out };
}

/** A cell as text; an f32 column's value to the 7 digits a float32 holds (not 33.94334030151367). */
function safeCell(value: unknown, f32: boolean): string {
  try {
    return f32 && typeof value === 'number' ? String(Number(value.toPrecision(7))) : cellText(value);
  } catch {
    return '(not readable)';
  }
}
