// A top-level name renamed by an explicit edit (`imago edit rename`), applied before a change is
// instantiated. In every module the edit rewrote, the live version is seen as if it had been written with
// the new name: the keys of its statements, closure sites and their owners are translated, so a
// statement whose only change is the rename is the same statement (it is not run again, its timers and
// listeners go on) and closures made before pair with their new bodies. In the declaring module the
// binding's value moves to the new name (its initializer does not run again), and a class keeps its
// identity (its instances keep their class) under the new name.
//
// Only keys are translated, never the code of a closure: a closure made before runs code that uses the
// old name, so its body always counts as changed and is redirected to the new one.

import type { ClosureSite, CompiledModule, Item } from '../compile/compiled-module.js';
import type { SiteEntry } from './closure-cells.js';
import type { ImageContext } from './context.js';
import type { ModuleRecord } from './module-record.js';
import type { Transaction } from './transaction.js';

type Translate = (text: string) => string;

/** A piece of code text: a word a rename may change (a top-level name, or a member after one dot), or anything else as it is. */
interface Token {
  readonly text: string;
  readonly rename: 'word' | 'member' | null;
}

/**
 * `text` cut into tokens: words of code, and everything else (strings, comments, the text of template
 * literals, whose `${...}` parts are code) as pieces that a rename never changes.
 */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  const word = /[\w$]/;
  let i = 0;
  /** For each open template literal, the depth of braces in its current `${...}`. */
  const templates: number[] = [];
  const copyUntil = (end: number): void => {
    out.push({ text: text.slice(i, end), rename: null });
    i = end;
  };
  /** A template's text from `i` up to its end or its next `${`. */
  const templateText = (): void => {
    let j = i;
    while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) j += text[j] === '\\' ? 2 : 1;
    if (text[j] === '`') {
      copyUntil(j + 1);
      templates.pop();
    } else {
      copyUntil(Math.min(j + 2, text.length));
      templates[templates.length - 1] = 0;
    }
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== ch && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      copyUntil(j + 1);
    } else if (ch === '`') {
      templates.push(0);
      i++;
      out.push({ text: ch, rename: null });
      templateText();
    } else if (ch === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 2;
      copyUntil(end <= i ? text.length : end);
    } else if (templates.length > 0 && (ch === '{' || ch === '}')) {
      const depth = templates[templates.length - 1]!;
      out.push({ text: ch, rename: null });
      i++;
      if (ch === '{') templates[templates.length - 1] = depth + 1;
      else if (depth === 0) templateText();
      else templates[templates.length - 1] = depth - 1;
    } else if (word.test(ch)) {
      let j = i;
      while (j < text.length && word.test(text[j]!)) j++;
      const w = text.slice(i, j);
      // After one dot a member (`p.hit`, `p?.hit`); after three a spread (`...score`) is a name.
      const dotted = i > 0 && text[i - 1] === '.' && text[i - 2] !== '.';
      // A key in an object literal or pattern (`{ score: 0 }`) is no reference to a name.
      const key = /[{,]\s*$/.test(text.slice(Math.max(0, i - 40), i)) && /^\s*:/.test(text.slice(j, j + 40));
      out.push({ text: w, rename: /^\d/.test(w) || key ? null : dotted ? 'member' : 'word' });
      i = j;
    } else {
      out.push({ text: ch, rename: null });
      i++;
    }
  }
  return out;
}

/** The renames an edit made: top-level names (`words`) and members after a dot (`members`), old -> new. */
export interface Renames {
  readonly words: ReadonlyMap<string, string>;
  readonly members: ReadonlyMap<string, string>;
}

const renamed = (t: Token, r: Renames): string =>
  (t.rename === 'word' ? r.words.get(t.text) : t.rename === 'member' ? r.members.get(t.text) : undefined) ?? t.text;

/** `text` with every word a rename changes changed (what the code would say had every such word been renamed). */
export function wordTranslator(words: ReadonlyMap<string, string>, members: ReadonlyMap<string, string> = new Map()): Translate {
  if (words.size === 0 && members.size === 0) return (t) => t;
  return (text) =>
    tokens(text)
      .map((t) => renamed(t, { words, members }))
      .join('');
}

/**
 * True when `after` is `before` with some of its words renamed, each by the rename (`p.hit()` ->
 * `p.strike()` beside an untouched `door.hit()`): the same code, written with the new names.
 */
export function renamedOnly(before: string, after: string, r: Renames): boolean {
  if (before === after) return true;
  const a = tokens(before);
  const b = tokens(after);
  return a.length === b.length && a.every((t, i) => t.text === b[i]!.text || renamed(t, r) === b[i]!.text);
}

function translateSite(site: ClosureSite, t: Translate, places: ReadonlySet<string>, r: Renames): ClosureSite {
  const place = places.has(site.place) ? site.place : ([...places].find((p) => renamedOnly(site.place, p, r)) ?? site.place);
  return { ...site, key: t(site.key), parent: t(site.parent), ownerKey: t(site.ownerKey), place };
}

/**
 * The translation of the live version's keys for `next`: a key the new version has as it is stays (a
 * statement the rename did not touch); another becomes the new version's key that is the same code with
 * renamed words, if there is one (else it stays: the statement changed).
 */
function keyTranslator(next: CompiledModule, r: Renames): Translate {
  const known = new Set([...next.items.map((i) => i.key), ...next.sites.flatMap((s) => [s.key, s.parent, s.ownerKey])]);
  const cache = new Map<string, string>();
  return (k) => {
    if (known.has(k)) return k;
    let found = cache.get(k);
    if (found === undefined) {
      found = [...known].find((n) => renamedOnly(k, n, r)) ?? k;
      cache.set(k, found);
    }
    return found;
  };
}

/** `compiled` as if its top-level names had been the new ones: keys and statement texts, never closure bodies. */
function translateCompiled(compiled: CompiledModule, next: CompiledModule, t: Translate, r: Renames, places: ReadonlySet<string>): CompiledModule {
  const raw = wordTranslator(r.words);
  const texts = new Map(next.items.map((i) => [i.key, i.text]));
  const items = compiled.items.map((it): Item => {
    const key = t(it.key);
    const now = texts.get(key);
    return { ...it, key, text: now !== undefined && renamedOnly(it.text, now, r) ? now : it.text, names: it.names.map(raw) };
  });
  return {
    ...compiled,
    items,
    sites: compiled.sites.map((s) => translateSite(s, t, places, r)),
    functions: compiled.functions.map((f) => ({ ...f, name: raw(f.name) })),
    classes: new Map([...compiled.classes].map(([name, info]) => [raw(name), info])),
    enums: new Set([...compiled.enums].map(raw)),
    transient: new Set([...compiled.transient].map(raw)),
  };
}

/** Re-keys `map` by `t`, recording the undo. */
function rekey<V>(tx: Transaction, map: Map<string, V>, t: Translate, value: (v: V) => V = (v) => v): void {
  const before = [...map];
  const after = before.map(([k, v]): [string, V] => [t(k), value(v)]);
  if (after.every(([k, v], i) => k === before[i]![0] && v === before[i]![1])) return;
  const fill = (entries: ReadonlyArray<[string, V]>): void => {
    map.clear();
    for (const [k, v] of entries) map.set(k, v);
  };
  fill(after);
  tx.onUndo(() => fill(before));
}

/** Moves the binding `from` of `record.state` to `to`; `from` reads and writes `to` for closures made before. */
function moveBinding(tx: Transaction, record: ModuleRecord, from: string, to: string): void {
  const state = record.state;
  if (!Object.hasOwn(state, from)) return;
  // What the new name held is a leftover (a binding removed earlier, or another rename's alias): the rename wins.
  const prior = Object.getOwnPropertyDescriptor(state, to);
  const priorAlias = record.bindingAliases.get(to);
  delete state[to];
  record.bindingAliases.delete(to);
  state[to] = state[from];
  delete state[from];
  Object.defineProperty(state, from, {
    configurable: true,
    enumerable: false,
    get: () => state[to],
    set: (v: unknown) => {
      state[to] = v;
    },
  });
  record.bindingAliases.set(from, to);
  tx.onUndo(() => {
    const value = state[to];
    record.bindingAliases.delete(from);
    delete state[from];
    delete state[to];
    state[from] = value;
    if (prior) Object.defineProperty(state, to, prior);
    if (priorAlias !== undefined) record.bindingAliases.set(to, priorAlias);
  });
}

/** A name that was renamed away and is declared again: it is a binding of its own from now on. */
function dropAliases(tx: Transaction, record: ModuleRecord, compiled: CompiledModule): void {
  // Every change passes here: nothing to look at unless a rename left an alias.
  if (record.bindingAliases.size === 0) return;
  for (const item of compiled.items) {
    for (const name of item.names) {
      const to = record.bindingAliases.get(name);
      if (to === undefined) continue;
      const descriptor = Object.getOwnPropertyDescriptor(record.state, name);
      record.bindingAliases.delete(name);
      delete record.state[name];
      tx.onUndo(() => {
        record.bindingAliases.set(name, to);
        if (descriptor) Object.defineProperty(record.state, name, descriptor);
      });
    }
  }
}

/** Moves class `from` of `record` (its identity: constructor, prototype, instances) to the name `to`. */
function moveClass(ctx: ImageContext, tx: Transaction, record: ModuleRecord, from: string, to: string): void {
  const identity = record.classes.get(from);
  if (!identity) return;
  // A class of the new name kept from before its removal gives way.
  const stale = record.classes.get(to);
  const name = Object.getOwnPropertyDescriptor(identity.constructor, 'name');
  record.classes.delete(from);
  record.classes.set(to, identity);
  identity.name = to;
  Object.defineProperty(identity.constructor, 'name', { value: to, configurable: true });
  // Its stores (not a subclass's) are named by it.
  const stores = ctx.stores.storesOf(identity.prototype).filter((s) => s.prototype === identity.prototype && s.className === from);
  for (const s of stores) s.renameClass(to);
  tx.onUndo(() => {
    record.classes.delete(to);
    if (stale) record.classes.set(to, stale);
    record.classes.set(from, identity);
    identity.name = from;
    if (name) Object.defineProperty(identity.constructor, 'name', name);
    for (const s of stores) s.renameClass(from);
  });
  rekey(tx, record.privateNames, (k) => (k.startsWith(`${from}#`) ? `${to}${k.slice(from.length)}` : k));
}

/**
 * Applies the renames `next` carries to `record` (its live version and the maps keyed by names and
 * statement keys), before the new version is instantiated. Every step is recorded on `tx`.
 */
export function applyRenames(ctx: ImageContext, tx: Transaction, record: ModuleRecord, next: CompiledModule): void {
  dropAliases(tx, record, next);
  const renamed = next.renamedNames;
  const version = record.version;
  if (!renamed || !version) return;
  const t = keyTranslator(next, renamed);
  const places = new Set(next.sites.map((s) => s.place));
  record.version = { ...version, compiled: translateCompiled(version.compiled, next, t, renamed, places) };
  tx.onUndo(() => {
    record.version = version;
  });
  rekey(tx, record.owners, t);
  rekey(tx, record.immediate, t, (sites) => sites.map(t));
  rekey(tx, record.closures, t, (entry): SiteEntry => ({ ...entry, site: translateSite(entry.site, t, places, renamed) }));
  for (const [from, to] of renamed.classes) moveClass(ctx, tx, record, from, to);
  for (const [from, to] of renamed.bindings) {
    moveBinding(tx, record, from, to);
    const members = record.enumMembers.get(from);
    if (members) {
      const stale = record.enumMembers.get(to);
      record.enumMembers.delete(from);
      record.enumMembers.set(to, members);
      tx.onUndo(() => {
        record.enumMembers.delete(to);
        if (stale) record.enumMembers.set(to, stale);
        record.enumMembers.set(from, members);
      });
    }
  }
}
