// Resuming an image file into the first load of a program (docs/images.md). Before the program's code
// runs, each saved class gets its identity made with the layout it had when saved, and the saved state
// is decoded onto it; the class's own statement then defines it as the code says now, and the migration
// engine takes the restored instances and stores from the saved layout to the current one, by the same
// rules and hooks as a live change. Saved bindings are set instead of running their initializers;
// everything else (effects, classes, bindings that are new or changed) runs as on a first run.

import type { Item } from '../compile/compiled-module.js';
import { decodeState } from '../image/decode-state.js';
import type { SavedEnum, StateDirectory } from '../image/state-format.js';
import { restoreStore } from '../store/serialize.js';
import type { StoreCore } from '../store/store-core.js';
import { type ClassIdentity, createClassIdentity } from './class-identity.js';
import { classConstructorName, generatedName } from './compiled-names.js';
import type { ImageContext } from './context.js';
import { ChangeRejection, messageOf } from './errors.js';
import type { LayoutReport } from './events.js';
import { type LiveVersion, type ModuleRecord, privateKey } from './module-record.js';
import { failure, renumber } from './resume-enums.js';
import { isPrimitive, reaches } from './resume-graph.js';
import { planDecodeLayouts } from './resume-layout.js';
import type { Transaction } from './transaction.js';
import { plural } from './words.js';

/** An image file to resume from, read and checked by the host. */
export interface ResumeInput {
  /** The file as messages name it. */
  readonly file: string;
  readonly directory: StateDirectory;
  readonly payload: Uint8Array;
  /** `--image-drop-missing`: classes, functions, modules and bindings that are gone are dropped instead of refusing the resume. */
  readonly dropMissing: boolean;
}

/** What a resume did, for the session to say. */
export interface ResumeReport {
  readonly file: string;
  readonly restored: number;
  readonly objects: number;
  readonly ms: number;
  /** Bindings given their initializer instead, and why. */
  readonly initialized: readonly string[];
  /** Bindings whose declaration changed since the save that kept their saved values. */
  readonly kept: readonly string[];
  /** Saved things that are gone (with --image-drop-missing), and saved bindings marked @transient since. */
  readonly dropped: readonly string[];
  /** What the migration engine (and the decoder's renames) did to the saved instances and stores, per class. */
  readonly layouts: readonly LayoutReport[];
}

type AnyClass = abstract new (...args: never[]) => object;

/** The resume of the first load in progress: set on the image context while that load evaluates. */
export class Restoring {
  /** Saved values by module, binding name. */
  readonly bindings = new Map<ModuleRecord, Map<string, { readonly value: unknown; readonly text: string }>>();
  readonly #classes: Array<{ readonly identity: ClassIdentity; readonly objects: object[] }> = [];
  readonly #enums: Array<{ readonly saved: SavedEnum; readonly identity: ClassIdentity; readonly record: ModuleRecord; readonly field: string }> = [];
  readonly #initialized: string[] = [];
  readonly #dropped: string[] = [];
  readonly #kept: string[] = [];
  #restored = 0;
  /** Fields renamed as the state was decoded, per saved class index (resume-layout.ts). */
  #renamed: ReadonlyMap<number, ReadonlyArray<{ readonly from: string; readonly to: string }>> = new Map();
  #objects = 0;
  #ms = 0;

  constructor(readonly input: ResumeInput) {}

  /** The restored objects of the class of `prototype` and of its subclasses (what a heap walk would find). */
  instancesOf(prototype: object): readonly object[] | null {
    const lists = this.#classes.filter((c) => c.identity.prototype === prototype || Object.prototype.isPrototypeOf.call(prototype, c.identity.prototype));
    if (lists.length <= 1) return lists[0]?.objects ?? null;
    const out: object[] = [];
    for (const c of lists) for (const o of c.objects) out.push(o);
    return out;
  }

  /** Called as the load restores a binding instead of running its initializer. */
  restored(): void {
    this.#restored++;
  }

  /**
   * What the load does with binding statement `item`: `restore` its saved values, run it `fresh` (not in
   * the image: new, transient, or left out at the save), or `rerun` it (a changed constant). Saved data
   * wins: a binding whose declaration changed since the save keeps its saved value (said), unless it is
   * a `const` holding a primitive, which is code (`const SPEED = 5` edited to 10 is 10). Nothing cascades:
   * what reads a changed constant keeps its saved value too.
   */
  decide(record: ModuleRecord, item: Item): 'restore' | 'fresh' | 'rerun' {
    const saved = this.bindings.get(record);
    if (!saved || !item.names.every((n) => saved.has(n))) return 'fresh';
    if (item.names.every((n) => saved.get(n)!.text === item.text)) return 'restore';
    const names = item.names.join(', ');
    // A constant: saved as a primitive, or declared as one now (`const LIMIT = 10`).
    const literal = /^const [\w$]+ = (?:-?[\d.][\w.+-]*|'[^'\\]*'|"[^"\\]*"|true|false|null);?$/.test(item.text.trim());
    if (item.text.startsWith('const ') && (literal || item.names.every((n) => isPrimitive(saved.get(n)!.value)))) {
      this.#initialized.push(`${record.rel}: ${names} (a constant whose declaration changed since the save: the new value counts)`);
      return 'rerun';
    }
    this.#kept.push(
      `${record.rel}: ${names} keeps its saved value though its declaration changed since the save (mark it /** @transient */ to have it initialized on every start, or start with --fresh)`,
    );
    return 'restore';
  }

  /**
   * After an item of the load ran: a class just defined gives restored instances its `@transient` fields
   * (those it marks now, and those it marked when saved); an enum just defined renumbers the values saved
   * in fields typed by it.
   */
  afterItem(record: ModuleRecord, item: Item): void {
    if (item.kind === 'class') {
      for (const name of item.names) this.#initTransient(record, name);
      return;
    }
    if (item.kind !== 'binding') return;
    for (const e of this.#enums) {
      if (e.saved.module !== record.rel || !item.names.includes(e.saved.name)) continue;
      renumber(this.input.file, e, record.state[e.saved.name], this.instancesOf(e.identity.prototype) ?? []);
    }
  }

  #initTransient(record: ModuleRecord, name: string): void {
    const identity = record.classes.get(name);
    const saved = this.input.directory.classes.find((c) => c.module === record.rel && c.name === name);
    if (!identity || !saved) return;
    const wasTransient = new Set(saved.fields.filter((f) => f.transient).map((f) => f.name));
    const fields = identity.fields.filter((f) => f.transient || wasTransient.has(f.name));
    if (fields.length === 0) return;
    const objects = this.instancesOf(identity.prototype) ?? [];
    for (const f of fields) {
      const key = f.name.startsWith('#') ? privateKey(record, `${name}${f.name}`) : f.name;
      const init = identity.initializers[key];
      for (const o of objects) {
        try {
          (o as Record<PropertyKey, unknown>)[key] = init ? init.call(o) : undefined;
        } catch (e: unknown) {
          throw failure(
            this.input.file,
            `${record.rel}: the initializer of ${name}.${f.name} (a @transient field) threw for a restored instance: ${messageOf(e)}`,
          );
        }
      }
    }
  }

  /** The load's layout reports, with the renames the decoder applied (resume-layout.ts) said as the engine says its own. */
  layouts(reports: readonly LayoutReport[]): LayoutReport[] {
    const out = [...reports];
    for (const [i, renamed] of this.#renamed) {
      const c = this.input.directory.classes[i]!;
      const at = out.findIndex((r) => r.class === c.name && r.file === c.module);
      if (at >= 0) out[at] = { ...out[at]!, renamed: [...renamed, ...out[at]!.renamed] };
      else
        out.push({
          class: c.name,
          file: c.module,
          instances: c.instances,
          rows: 0,
          stores: 0,
          added: [],
          removed: [],
          renamed,
          moved: [],
          retyped: [],
          unchecked: [],
          unmarkedRenames: [],
          hook: false,
        });
    }
    return out;
  }

  report(): Omit<ResumeReport, 'layouts'> {
    return {
      file: this.input.file,
      restored: this.#restored,
      objects: this.#objects,
      ms: this.#ms,
      initialized: this.#initialized,
      kept: this.#kept,
      dropped: this.#dropped,
    };
  }

  /**
   * Makes the saved classes' identities and decodes the state onto them, before the load's code runs.
   * Throws a ChangeRejection (phase resume) when something saved is gone and dropping it was not asked for,
   * or the state cannot be read.
   */
  begin(ctx: ImageContext, tx: Transaction, versions: ReadonlyMap<ModuleRecord, LiveVersion>): void {
    const started = ctx.host.now();
    const { directory: dir, file, dropMissing } = this.input;
    const byRel = new Map([...versions.keys()].map((r) => [r.rel, r]));
    const compiledOf = (rel: string) => {
      const record = byRel.get(rel);
      return record ? { record, compiled: versions.get(record)!.compiled } : null;
    };
    const missing: string[] = [];
    const gone = new Set<number>();
    for (const m of dir.modules)
      if (!byRel.has(m.module)) missing.push(`module ${m.module} is not part of the program now (${plural(m.bindings.length, 'saved binding')})`);
    const rows = (i: number): number => dir.stores.reduce((n, st) => n + (st.class === i ? st.meta.size : 0), 0);
    const holds = (i: number): string =>
      `${plural(dir.classes[i]!.instances, 'object')}${rows(i) > 0 ? ` and ${plural(rows(i), 'store row')}` : ''} of it in the image`;
    dir.classes.forEach((c, i) => {
      if (!compiledOf(c.module)?.compiled.classes.has(c.name)) {
        gone.add(i);
        missing.push(`class ${c.name} of ${c.module} no longer exists (${holds(i)})`);
      }
    });
    // A class whose parent is gone is gone too (the image lists subclasses before their parents).
    for (let more = true; more; ) {
      more = false;
      dir.classes.forEach((c, i) => {
        if (gone.has(i) || c.parent < 0 || !gone.has(c.parent)) return;
        gone.add(i);
        more = true;
        missing.push(`class ${c.name} of ${c.module} extends ${dir.classes[c.parent]!.name}, which no longer exists (${holds(i)})`);
      });
    }
    // Where each saved binding goes: its own name, or a binding marked `@renamed <its name>`; none is a gone binding.
    const targetOf = (module: string, name: string): { name: string; renamed: boolean } | null => {
      const compiled = compiledOf(module)?.compiled;
      if (!compiled) return null;
      const saves = (n: string): boolean =>
        compiled.items.some((it) => it.kind === 'binding' && it.names.includes(n)) && !compiled.enums.has(n) && !compiled.transient.has(n);
      if (saves(name)) return { name, renamed: false };
      const renamed = [...compiled.renamedBindings].find(([to, from]) => from === name && saves(to))?.[0];
      return renamed ? { name: renamed, renamed: true } : null;
    };
    for (const m of dir.modules) {
      if (!byRel.has(m.module)) continue;
      for (const b of m.bindings) {
        const compiled = compiledOf(m.module)!.compiled;
        if (targetOf(m.module, b.name) || compiled.transient.has(b.name)) continue;
        missing.push(
          `binding ${b.name} of ${m.module} is no longer declared (its saved value would be lost; to keep it under a new name, mark the new binding /** @renamed ${b.name} */)`,
        );
      }
    }
    const goneNamed = new Set<number>();
    dir.named.forEach((n, i) => {
      const here = compiledOf(n.module);
      const ok = n.kind === 'function' ? here?.compiled.functions.some((f) => f.name === n.name) : here?.compiled.classes.has(n.name);
      if (!ok) {
        goneNamed.add(i);
        missing.push(`${n.kind} ${n.name} of ${n.module} no longer exists (the image refers to it)`);
      }
    });
    if (missing.length > 0 && !dropMissing)
      throw failure(
        file,
        `the image ${file} holds what the program no longer has: ${missing.join('; ')}. Put it back, run with --image-drop-missing to resume without it (bindings that hold it start again), or with --fresh to start over`,
      );
    for (const m of missing) this.#dropped.push(`${m}: dropped (--image-drop-missing)`);

    const layouts = planDecodeLayouts(dir, (i) => (gone.has(i) ? undefined : compiledOf(dir.classes[i]!.module)?.compiled.classes.get(dir.classes[i]!.name)));
    this.#renamed = layouts.renamed;
    const identities: Array<ClassIdentity | null> = dir.classes.map(() => null);
    const make = (i: number): ClassIdentity | null => {
      if (gone.has(i)) return null;
      const known = identities[i];
      if (known) return known;
      const c = dir.classes[i]!;
      const { record } = compiledOf(c.module)!;
      const parent = c.parent >= 0 ? make(c.parent) : null;
      const identity = placeholderClass(ctx, tx, record, c.name, parent, layouts.fields.get(i) ?? c.fields, true);
      identity.layoutVersion = c.layoutVersion;
      identities[i] = identity;
      return identity;
    };
    const lost = new Set<unknown>();
    const lostMarker = (what: string): object => {
      const o = { lost: what };
      lost.add(o);
      return o;
    };
    let decoded: ReturnType<typeof decodeState>;
    try {
      decoded = decodeState(
        dir,
        this.input.payload,
        {
          prototype: (i) => make(i)?.prototype ?? Object.prototype,
          named: (n) => {
            if (goneNamed.has(dir.named.indexOf(n))) return lostMarker(n.name);
            const { record, compiled } = compiledOf(n.module)!;
            if (n.kind === 'function') return record.trampolines[n.name];
            // A class with saved instances has its saved layout; one only named gets the current one (nothing to migrate).
            const saved = dir.classes.findIndex((c) => c.module === n.module && c.name === n.name);
            const identity =
              (saved >= 0 ? make(saved) : null) ??
              record.classes.get(n.name) ??
              placeholderClass(ctx, tx, record, n.name, null, compiled.classes.get(n.name)!.fields, false);
            return identity.constructor;
          },
          privateKey: (module, key) => {
            const record = byRel.get(module);
            return record ? privateKey(record, key) : Symbol(key);
          },
          layout: (shape) => layouts.shapes.get(shape),
          whole: (shape) => !layouts.grows(dir.shapes[shape]!.proto),
          compile: (params, body) => ctx.host.compileFunction(body, params, generatedName(ctx.entry, 'image')),
          store: (saved, image) => {
            const identity = make(saved.class);
            if (!identity) return Object.assign(lostMarker(image.class), { columns: image.fields.map(() => [] as unknown[]) });
            const store = ctx.storeApi.createStore(identity.constructor as unknown as AnyClass, {
              layout: image.layout,
              capacity: Math.max(saved.capacity, 1),
              ...(saved.name ? { name: saved.name } : {}),
            }) as unknown as StoreCore;
            tx.onUndo(() => ctx.stores.releaseTag(store.tag, store));
            restoreStore(store, image);
            return store;
          },
        },
        `the image ${file}`,
      );
    } catch (e: unknown) {
      if (e instanceof ChangeRejection) throw e;
      throw failure(file, `cannot resume from ${file}: ${messageOf(e)}; the file is left as it is (run with --fresh to start over)`);
    }
    dir.classes.forEach((c, i) => {
      const objects = decoded.instances[i] ?? [];
      if (gone.has(i)) for (const o of objects) lost.add(o);
      const identity = identities[i];
      if (identity) this.#classes.push({ identity, objects });
      const record = byRel.get(c.module);
      if (!identity || !record) return;
      for (const f of c.fields) {
        const saved = dir.enums.find((e) => e.name === f.typeText && e.module === c.module) ?? dir.enums.find((e) => e.name === f.typeText);
        const field = layouts.renamed.get(i)?.find((r) => r.from === f.name)?.to ?? f.name;
        if (saved) this.#enums.push({ saved, identity, record, field });
      }
    });
    let k = 0;
    for (const m of dir.modules) {
      const record = byRel.get(m.module);
      const compiled = record ? versions.get(record)!.compiled : null;
      for (const b of m.bindings) {
        const value = decoded.values[k++];
        if (!record || !compiled) continue;
        const target = targetOf(m.module, b.name);
        if (!target) {
          if (compiled.transient.has(b.name)) this.#dropped.push(`${m.module}: ${b.name} is @transient now; its saved value is dropped`);
          continue;
        }
        if (lost.size > 0 && reaches(value, lost)) {
          this.#initialized.push(`${m.module}: ${target.name} (it held what no longer exists)`);
          continue;
        }
        let saved = this.bindings.get(record);
        if (!saved) {
          saved = new Map();
          this.bindings.set(record, saved);
        }
        // A renamed binding takes the value as its own: its declaration is the one of the day.
        const text = target.renamed ? (compiled.items.find((it) => it.kind === 'binding' && it.names.includes(target.name))?.text ?? b.text) : b.text;
        saved.set(target.name, { value, text });
        if (target.renamed) this.#kept.push(`${m.module}: ${b.name}→${target.name} (a renamed binding): its saved value, under its new name`);
      }
    }
    const left = new Map<string, string[]>();
    for (const s of dir.skipped) left.set(`${s.module}: ${s.name}`, [...(left.get(`${s.module}: ${s.name}`) ?? []), `${s.path} was ${s.what}`]);
    for (const [binding, why] of left) this.#initialized.push(`${binding} (it was not saved: ${why.join('; ')})`);
    this.#objects = dir.objects;
    this.#ms = ctx.host.now() - started;
  }
}

/** The identity of a class made before its statement runs: the statement then installs its real code. */
function placeholderClass(
  ctx: ImageContext,
  tx: Transaction,
  record: ModuleRecord,
  name: string,
  parent: ClassIdentity | null,
  fields: ClassIdentity['fields'],
  made: boolean,
): ClassIdentity {
  const base = parent?.constructor as unknown as (new () => object) | undefined;
  const impl = base ? class extends base {} : class {};
  const identity = createClassIdentity(ctx.host, name, classConstructorName(record.id, name), impl, fields, {}, made);
  record.classes.set(name, identity);
  ctx.classes.add({ identity, record });
  tx.onUndo(() => {
    record.classes.delete(name);
    ctx.classes.remove(identity);
  });
  return identity;
}
