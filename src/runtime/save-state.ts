// What an image file holds of a running image: every module's state bindings (enums and `@transient`
// ones aside) with what they reach, classes and functions by name, stores as raw columns (docs/images.md).
// Called at a safe point; synchronous, so the program does not run while its state is copied.

import type { ClassView, EncodeRefs } from '../image/discover.js';
import { type EncodedState, encodeState, type StateRoot } from '../image/encode-state.js';
import type { SavedEnum, SavedNamed } from '../image/state-format.js';
import { saveStore } from '../store/serialize.js';
import type { StoreCore } from '../store/store-core.js';
import type { ImageContext } from './context.js';
import { privateKey } from './module-record.js';

/** A store's name as the program gave it (`StoreCore.name` is `particles (Store<Particle>)`). */
export function storeOptionName(store: StoreCore): string | undefined {
  return /^(.*) \(Store<[^>]*>\)$/.exec(store.name)?.[1];
}

/** The members of an enum object (its reverse mappings aside). */
export function enumMembers(value: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && /^-?\d/.test(k)) continue;
    if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  }
  return out;
}

/** A copy of the program's state, and how long the program was paused for it. */
export interface Captured {
  readonly state: EncodedState;
  readonly pausedMs: number;
}

export const SAVE_DURING_CHANGE =
  'saveImage() was called while the program is being loaded or changed (by a top-level statement): call it from code that runs later, such as start(), a tick or a timer';

/** `captureState`, timed. */
export function timedCapture(ctx: ImageContext): Captured {
  const t0 = ctx.host.now();
  const state = captureState(ctx);
  return { state, pausedMs: ctx.host.now() - t0 };
}

export function captureState(ctx: ImageContext): EncodedState {
  const roots: StateRoot[] = [];
  const enums: SavedEnum[] = [];
  const named = new Map<unknown, SavedNamed>();
  const privates = new Map<symbol, { module: string; private: string }>();
  const refused = new Map<object, string>();
  for (const record of ctx.modules.values()) {
    const compiled = record.version?.compiled;
    if (!compiled) continue;
    for (const f of compiled.functions) named.set(record.trampolines[f.name], { kind: 'function', module: record.rel, name: f.name });
    for (const [name, c] of record.classes) named.set(c.constructor, { kind: 'class', module: record.rel, name });
    for (const [key, sym] of record.privateNames) privates.set(sym, { module: record.rel, private: key });
    refused.set(record.view, `the module namespace of ${record.rel} (save what it exports instead)`);
    for (const e of compiled.enums) {
      const value = record.state[e];
      if (typeof value === 'object' && value !== null) refused.set(value, `the enum ${e} of ${record.rel} (an enum is code: save its values instead)`);
      enums.push({ module: record.rel, name: e, members: enumMembers(value) });
    }
    for (const item of compiled.items) {
      if (item.kind !== 'binding') continue;
      for (const name of item.names) {
        if (compiled.enums.has(name) || compiled.transient.has(name)) continue;
        roots.push({ module: record.rel, name, text: item.text, value: record.state[name] });
      }
    }
  }
  const stores = new Set<object>(ctx.stores.list());
  // Each store's rows once, as views of its columns: the save reads them before the program runs again.
  const saved = new Map<object, ReturnType<typeof saveStore>>();
  const refs: EncodeRefs = {
    classOf: (proto) => classView(ctx, proto),
    named: (fn) => named.get(fn) ?? null,
    privateName: (key) => privates.get(key) ?? null,
    store: (o) => {
      if (!stores.has(o)) return null;
      const store = o as StoreCore;
      let image = saved.get(o);
      if (!image) {
        image = saveStore(store, true);
        saved.set(o, image);
      }
      return { prototype: store.prototype, image, name: storeOptionName(store) ?? null };
    },
    refuse: (o) => {
      const why = refused.get(o);
      if (why) return why;
      if (ctx.stores.isRowView(o)) return 'a row view of a store (save its handle instead: views are remade by the store)';
      return null;
    },
  };
  return encodeState(roots, refs, enums);
}

/** The class whose stable prototype is `proto`, as the encoder sees it. */
function classView(ctx: ImageContext, proto: object): ClassView | null {
  const entry = ctx.classes.get(proto);
  if (!entry) return null;
  const { identity, record } = entry;
  // K.prototype -> the installed version's prototype -> the parent's stable prototype (or Object.prototype).
  const layer = Object.getPrototypeOf(proto) as object | null;
  const above = layer ? (Object.getPrototypeOf(layer) as object | null) : null;
  const parent = above === null || above === Object.prototype ? null : ctx.classes.get(above) ? above : nameOf(above);
  // `@transient` fields of the whole chain: a subclass's instances hold its parents' fields too.
  const transient = new Set<string | symbol>();
  for (const c of ctx.classes.chainOf(proto))
    for (const f of c.identity.fields) if (f.transient) transient.add(f.name.startsWith('#') ? privateKey(c.record, `${c.identity.name}${f.name}`) : f.name);
  return { module: record.rel, name: identity.name, parent, fields: identity.fields, layoutVersion: identity.layoutVersion, transient };
}

function nameOf(proto: object): string {
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name ? ctor.name : 'an object';
}
