// A resume's shortcut for the common case of a million instances whose class renamed or reordered
// fields: instead of decoding them in the saved order and having the migration engine move every value
// and rebuild every object's keys in the new order (the whole tail of keys after a renamed first field:
// seconds for a million objects), the decoder gives them their fields in the current order under the
// current names at once, and the engine is left what it must do (fields added, removed, retyped). Only
// for root classes without a `migrateInstance` hook (the hook sees old values by their old names) and
// without stores, and only for instances that hold exactly the saved fields.

import type { ClassInfo, FieldDecl } from '../compile/compiled-module.js';
import type { SavedKey, StateDirectory } from '../image/state-format.js';

export interface DecodeLayouts {
  /** The layout each planned class's placeholder gets: the saved fields, renamed, in the current order. */
  readonly fields: ReadonlyMap<number, readonly FieldDecl[]>;
  /** Per shape index: its keys under their current names, and the order to give them. */
  readonly shapes: ReadonlyMap<number, { readonly keys: readonly SavedKey[]; readonly order: readonly number[] }>;
  /** Renames applied, per class index. */
  readonly renamed: ReadonlyMap<number, ReadonlyArray<{ readonly from: string; readonly to: string }>>;
  /** Whether the instances of a class gain fields on this load (its own or a parent's): decoded to grow. */
  readonly grows: (classIndex: number) => boolean;
}

const fieldName = (k: SavedKey): string => (typeof k === 'string' ? k : k.private.slice(k.private.indexOf('#')));

export function planDecodeLayouts(dir: StateDirectory, currentOf: (classIndex: number) => ClassInfo | undefined): DecodeLayouts {
  const fields = new Map<number, FieldDecl[]>();
  const shapes = new Map<number, { keys: SavedKey[]; order: number[] }>();
  const renamed = new Map<number, Array<{ from: string; to: string }>>();
  dir.classes.forEach((c, i) => {
    const current = currentOf(i);
    // Stores keep their saved column names until the engine re-lays them out, and subclasses' instances
    // hold the class's fields too: a class with either is left to the engine.
    if (!current || c.parent >= 0 || current.migrateHook || dir.stores.some((st) => st.class === i) || dir.classes.some((sub) => sub.parent === i)) return;
    const saved = new Set(c.fields.map((f) => f.name));
    const renames = new Map<string, string>();
    for (const f of current.fields) if (f.renamedFrom && saved.has(f.renamedFrom) && !saved.has(f.name)) renames.set(f.renamedFrom, f.name);
    // A rename between a public field and a #private one changes the kind of key: the engine's to do.
    if ([...renames].some(([from, to]) => from.startsWith('#') !== to.startsWith('#'))) return;
    const rank = new Map(current.fields.map((f, j) => [f.name, j]));
    const at = (name: string, j: number): number => rank.get(renames.get(name) ?? name) ?? current.fields.length + j;
    const order = c.fields.map((f, j) => ({ f, r: at(f.name, j) })).sort((a, b) => a.r - b.r);
    if (renames.size === 0 && order.every((o, j) => o.f === c.fields[j])) return;
    // Every instance must take the shortcut, or none: an instance left out (holding other keys) would keep
    // the old name while the engine, told the layout has the new one, renames nothing.
    const mine = dir.shapes.flatMap((s, si) => (s.proto === i ? [{ s, si, names: s.keys.map(fieldName) }] : []));
    if (!mine.every(({ names }) => names.length === saved.size && names.every((n) => saved.has(n)))) return;
    fields.set(
      i,
      order.map(({ f }) => (renames.has(f.name) ? { ...f, name: renames.get(f.name)!, renamedFrom: null } : f)),
    );
    if (renames.size > 0)
      renamed.set(
        i,
        [...renames].map(([from, to]) => ({ from, to })),
      );
    for (const { s, si, names } of mine) {
      const keys = s.keys.map((k) => {
        const to = renames.get(fieldName(k));
        if (!to) return k;
        return typeof k === 'string' ? to : { module: k.module, private: `${k.private.slice(0, k.private.indexOf('#'))}${to}` };
      });
      const keyOrder = names.map((n, j) => ({ j, r: at(n, j) })).sort((a, b) => a.r - b.r);
      shapes.set(si, { keys, order: keyOrder.map((o) => o.j) });
    }
  });
  const grows = (i: number): boolean => {
    const c = dir.classes[i];
    const now = c ? currentOf(i) : undefined;
    if (!c || !now) return false;
    const saved = new Set(c.fields.map((f) => f.name));
    return now.fields.some((f) => !saved.has(f.name) && !(f.renamedFrom && saved.has(f.renamedFrom))) || grows(c.parent);
  };
  return { fields, shapes, renamed, grows };
}
