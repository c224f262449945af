// The store contract, run against both layouts: rows, handles (stale, foreign, made up), iteration,
// growth, defaults, save/restore, and a random churn checked against a plain Map.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldDecl } from '../src/compile/compiled-module.js';
import type { TypeShape } from '../src/compile/type-shape.js';
import { createStoreApi } from '../src/store/api.js';
import * as outside from '../src/store/index.js';
import { type Handle, StoreError, type StoreImage, type StoreLayout } from '../src/store/index.js';
import { StoreRegistry } from '../src/store/registry.js';
import type { ClassLayoutSource } from '../src/store/schema.js';
import type { StoreCore } from '../src/store/store-core.js';

const SHAPES: Record<string, TypeShape> = {
  number: { kind: 'primitive', name: 'number' },
  string: { kind: 'primitive', name: 'string' },
  'string | undefined': {
    kind: 'union',
    members: [
      { kind: 'primitive', name: 'string' },
      { kind: 'primitive', name: 'undefined' },
    ],
  },
};

/** Class layouts by prototype, as an image's class registry answers for the classes it compiled. */
const layouts = new Map<object, ClassLayoutSource>();
const registry = new StoreRegistry<StoreCore>({ layoutOf: (p) => layouts.get(p) });
const debugRegistry = new StoreRegistry<StoreCore>({ layoutOf: (p) => layouts.get(p), debug: true });
const { createStore, Store } = createStoreApi(registry);
type Store<T> = outside.Store<T>;

/** A class whose layout is registered as imago registers a compiled class's. */
function declare<T extends object>(name: string, fields: ReadonlyArray<readonly [string, string, unknown?]>): new () => T {
  const cls = { [name]: class {} }[name]!;
  const decls: FieldDecl[] = fields.map(([field, typeText, init]) => ({
    name: field,
    initializer: init === undefined ? null : JSON.stringify(init),
    type: SHAPES[typeText] ?? { kind: 'opaque' },
    typeText,
    renamedFrom: null,
    sourceOffset: 0,
  }));
  const initializers = Object.fromEntries(fields.filter((f) => f[2] !== undefined).map(([field, , init]) => [field, () => init]));
  layouts.set(cls.prototype, { name, prototype: cls.prototype, fields: decls, initializers });
  return cls as unknown as new () => T;
}

interface Body {
  x: number;
  y: number;
  hp: number;
  label: string;
  note: string | undefined;
}
const Body = declare<Body>('Body', [
  ['x', 'f32', 0],
  ['y', 'number', 0],
  ['hp', 'i32', 100],
  ['label', 'string'],
  ['note', 'string | undefined'],
]);

const staleError =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    e instanceof StoreError && pattern.test(e.message);

for (const layout of ['packed', 'stable'] as const satisfies readonly StoreLayout[]) {
  describe(`store contract: ${layout} layout`, () => {
    const make = (capacity = 4): Store<Body> => createStore(Body, { layout, capacity });

    it('adds rows with given values and initializer defaults; get, set, has, size', () => {
      const s = make();
      const a = s.add({ x: 1.5, label: 'a' });
      const b = s.add({ label: 'b', hp: 7 });
      assert.equal(s.size, 2);
      assert.equal(s.layout, layout);
      assert.deepEqual([s.get(a, 'x'), s.get(a, 'y'), s.get(a, 'hp'), s.get(a, 'label'), s.get(a, 'note')], [1.5, 0, 100, 'a', undefined]);
      assert.deepEqual([s.get(b, 'hp'), s.get(b, 'label')], [7, 'b']);
      s.set(b, 'y', 2.25);
      assert.equal(s.get(b, 'y'), 2.25);
      assert.ok(s.has(a) && s.has(b));
      assert.notEqual(a, b);
    });

    it('keeps numeric fields in typed columns of their element type and the rest in arrays', () => {
      const s = make();
      s.add({ label: 'a' });
      assert.ok(s.column('x') instanceof Float32Array);
      assert.ok(s.column('y') instanceof Float64Array);
      assert.ok(s.column('hp') instanceof Int32Array);
      assert.ok(Array.isArray(s.column('label')));
      const h = s.add({ x: 0.1, label: 'f' });
      assert.equal(s.get(h, 'x'), Math.fround(0.1));
    });

    it('a removed row is gone: its handle is stale everywhere, the other rows keep their values', () => {
      const s = make();
      const hs = [0, 1, 2, 3].map((i) => s.add({ x: i, label: `r${i}` }));
      s.remove(hs[1]!);
      assert.equal(s.size, 3);
      assert.equal(s.has(hs[1]!), false);
      assert.throws(() => s.get(hs[1]!, 'x'), staleError(/handle \d+ is stale: its row \(slot 1, generation 0\) was removed/));
      assert.throws(() => s.set(hs[1]!, 'x', 1), StoreError);
      assert.throws(() => s.remove(hs[1]!), StoreError);
      for (const i of [0, 2, 3]) assert.deepEqual([s.get(hs[i]!, 'x'), s.get(hs[i]!, 'label')], [i, `r${i}`]);
    });

    it('refuses handleAt for a removed row or a made-up index', () => {
      const s = make();
      const a = s.add({ label: 'a' });
      s.add({ label: 'b' });
      const row = s.row(a);
      s.remove(a);
      if (layout === 'stable') assert.throws(() => s.handleAt(row), staleError(/no live row there/));
      assert.throws(() => s.handleAt(5), StoreError);
      assert.throws(() => s.handleAt(-1), StoreError);
      assert.throws(() => s.handleAt(0.5), StoreError);
      assert.equal(s.size, 1);
    });

    it('reuses a slot under a new generation: the old handle stays stale and never reads the new row', () => {
      const s = make();
      const old = s.add({ label: 'old' });
      s.remove(old);
      const next = s.add({ label: 'new' });
      assert.notEqual(next, old);
      assert.equal(s.has(old), false);
      assert.throws(() => s.get(old, 'label'), StoreError);
      assert.equal(s.get(next, 'label'), 'new');
    });

    it('rejects a handle of another store, naming that store', () => {
      const s = make();
      const other = createStore(Body, { layout, name: 'enemies' });
      const foreign = other.add({ label: 'e' });
      s.add({ label: 'mine' });
      assert.equal(s.has(foreign), false);
      assert.throws(() => s.get(foreign, 'label'), staleError(/belongs to enemies \(Store<Body>\), not to this one/));
    });

    it('rejects numbers no store handed out', () => {
      const s = make();
      s.add({ label: 'a' });
      const other = s.add({ label: 'b' });
      // Small integers name unused slots (stamp 0): never a row, even one in range.
      for (const n of [0, 1, 5, 15, -1, 1.5, Number.NaN, 2 ** 60, 2 ** 55]) {
        assert.equal(s.has(n as Handle<Body>), false);
        assert.throws(() => s.get(n as Handle<Body>, 'x'), StoreError, String(n));
        assert.throws(() => s.remove(n as Handle<Body>), StoreError, String(n));
      }
      assert.equal(s.size, 2);
      assert.equal(s.get(other, 'label'), 'b');
      assert.throws(() => s.handleAt(7), staleError(/handleAt\(7\): no live row there/));
    });

    it('says which field is unknown, and adds nothing when a value is missing or unknown', () => {
      const s = make();
      assert.throws(() => s.add({ label: 'a', bogus: 1 } as never), staleError(/Body has no field "bogus" \(its columns: x, y, hp, label, note\)/));
      assert.throws(() => s.add({ x: 1 }), staleError(/no value for label, and Body\.label has no initializer \(no row was added\)/));
      assert.equal(s.size, 0);
      const h = s.add({ label: 'ok' });
      assert.throws(() => s.get(h, 'nope' as never), staleError(/has no field "nope"/));
      assert.equal(s.size, 1);
    });

    it('grows past its capacity without losing rows or handles', () => {
      const s = make(2);
      const hs = Array.from({ length: 100 }, (_, i) => s.add({ x: i, hp: i, label: String(i) }));
      assert.equal(s.size, 100);
      for (const [i, h] of hs.entries()) assert.deepEqual([s.get(h, 'x'), s.get(h, 'hp'), s.get(h, 'label')], [i, i, String(i)]);
    });

    it('iterates live rows once each in packed order; each() survives removing the row it is given', () => {
      const s = make();
      const hs = Array.from({ length: 10 }, (_, i) => s.add({ hp: i, label: String(i) }));
      s.remove(hs[3]!);
      s.remove(hs[7]!);
      const seen: number[] = [];
      for (let k = 0; k < s.size; k++) seen.push(s.get(s.handleAt(s.rowAt(k)), 'hp'));
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        [0, 1, 2, 4, 5, 6, 8, 9],
      );
      assert.deepEqual(
        [...s].map((h) => s.get(h, 'hp')),
        seen,
      );
      const visited: number[] = [];
      const hp = s.column('hp');
      s.each((row) => {
        visited.push(hp[row]!);
        if (hp[row]! % 2 === 0) s.remove(s.handleAt(row));
      });
      assert.deepEqual(
        [...visited].sort((a, b) => a - b),
        [0, 1, 2, 4, 5, 6, 8, 9],
      );
      assert.deepEqual(
        [...s].map((h) => s.get(h, 'hp')).sort((a, b) => a - b),
        [1, 5, 9],
      );
      for (const h of s) s.remove(h);
      assert.equal(s.size, 0);
    });

    it('each() visits a row added into the slot the current row just freed', () => {
      const s = make();
      for (const label of ['a', 'b', 'c']) s.add({ label });
      const seen: string[] = [];
      const labels = (): unknown[] => s.column('label');
      s.each((row) => {
        seen.push(labels()[row] as string);
        if (labels()[row] === 'c') {
          s.remove(s.handleAt(row));
          s.add({ label: 'd' });
        }
      });
      assert.deepEqual(seen.sort(), ['a', 'b', 'c', 'd']);
    });

    it('matches a Map through 20,000 random adds, removes and sets', () => {
      const s = make(1);
      const model = new Map<Handle<Body>, { hp: number; label: string }>();
      const dead: Handle<Body>[] = [];
      let seed = 7;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let i = 0; i < 20000; i++) {
        const live = [...model.keys()];
        const op = rand(10);
        if (op < 5 || live.length === 0) {
          const h = s.add({ hp: i, label: `l${i}` });
          model.set(h, { hp: i, label: `l${i}` });
        } else if (op < 8) {
          const h = live[rand(live.length)]!;
          s.remove(h);
          model.delete(h);
          dead.push(h);
        } else {
          const h = live[rand(live.length)]!;
          s.set(h, 'hp', -i);
          model.get(h)!.hp = -i;
        }
      }
      assert.equal(s.size, model.size);
      for (const [h, v] of model) assert.deepEqual([s.get(h, 'hp'), s.get(h, 'label')], [v.hp, v.label]);
      for (const h of dead) assert.equal(s.has(h), false);
      assert.deepEqual(new Set(s), new Set(model.keys()));
    });

    it('retires a slot whose generations are spent instead of reusing it', () => {
      const s = make(1);
      let h = s.add({ label: 'g' });
      const first = h;
      for (let i = 0; i < 65535; i++) {
        s.remove(h);
        h = s.add({ label: 'g' });
      }
      s.remove(h);
      assert.throws(() => s.get(h, 'label'), staleError(/was removed and the slot retired/));
      const fresh = s.add({ label: 'fresh' });
      assert.equal(s.has(first), false);
      assert.equal(s.get(fresh, 'label'), 'fresh');
    });

    it('says where a row was removed when debugging is on', () => {
      const debugging = createStoreApi(debugRegistry).createStore(Body, { layout });
      const d = debugging.add({ label: 'a' });
      debugging.remove(d);
      assert.throws(() => debugging.get(d, 'label'), staleError(/it was removed at .*store\.test\.js/));
      const s = make();
      const h = s.add({ label: 'a' });
      s.remove(h);
      assert.throws(() => s.get(h, 'label'), staleError(/set IMAGO_DEBUG=1 to learn where it was removed/));
    });

    it('saves its columns as bytes with a layout description and restores them with handles valid', () => {
      const s = make();
      const hs = Array.from({ length: 6 }, (_, i) => s.add({ x: i / 2, hp: 10 - i, label: `r${i}` }));
      s.remove(hs[2]!);
      const image = s.save();
      assert.deepEqual(
        image.fields.map((f) => `${f.name}:${f.kind}`),
        ['x:f32', 'y:f64', 'hp:i32', 'label:value', 'note:value'],
      );
      assert.ok(image.columns[0] instanceof Uint8Array);
      assert.equal((image.columns[0] as Uint8Array).byteLength, (layout === 'packed' ? 5 : 6) * 4);
      s.remove(hs[0]!);
      s.set(hs[1]!, 'label', 'changed');
      const extra = s.add({ label: 'extra' });
      s.restore(image);
      assert.equal(s.size, 5);
      for (const i of [0, 1, 3, 4, 5]) assert.deepEqual([s.get(hs[i]!, 'x'), s.get(hs[i]!, 'hp'), s.get(hs[i]!, 'label')], [i / 2, 10 - i, `r${i}`]);
      assert.equal(s.has(hs[2]!), false);
      // Handed out after the save: its slot is free in the image, so it is refused, not read.
      assert.equal(s.has(extra), false);
      assert.throws(() => s.get(extra, 'label'), StoreError);
      const after = s.add({ label: 'after' });
      assert.equal(s.get(after, 'label'), 'after');
      assert.equal(s.has(hs[2]!), false);
    });

    it('refuses an image that does not fit, changing nothing', () => {
      const s = make();
      const h = s.add({ label: 'keep' });
      const image = s.save();
      const bad = [
        [{ ...image, format: 'other' }, /not a store image/],
        [{ ...image, layout: layout === 'packed' ? 'stable' : 'packed' }, /layout/],
        [{ ...image, fields: image.fields.slice(1) }, /its columns were/],
        [{ ...image, size: 5 }, /counts do not add up/],
        [{ ...image, tables: image.tables.map((t) => t.slice(1)) }, /slot tables/],
        [{ ...image, columns: image.columns.map((c) => (c instanceof Uint8Array ? c.slice(1) : c)) }, /column x does not hold 1 values/],
        [{ ...image, columns: [...image.columns, []] }, /6 columns for 5 fields/],
        [{ ...image, tag: 0 }, /tag 0 is not a store tag/],
        [{ ...image, tag: image.tag === 1 ? 2 : 1 }, /slot 0 holds stamp \d+, not one of tag/],
        [
          { ...image, size: 0, freeCount: 0, columns: image.columns.map((c) => (layout === 'packed' ? c.slice(0, 0) : c)) },
          /its slots hold 1 rows, but its size is 0/,
        ],
        [
          { ...image, tables: [image.tables[0]!, image.tables[1]!, new Uint8Array(4).fill(255), new Uint8Array(4).fill(255)] },
          /(do not name each other|is not a live slot listed once)/,
        ],
      ] as const;
      for (const [img, pattern] of bad) {
        assert.throws(() => s.restore(img as never), staleError(pattern));
        assert.equal(s.get(h, 'label'), 'keep');
      }
      const holed = make();
      holed.remove(holed.add({ label: 'x' }));
      holed.add({ label: 'y' });
      const withFree = holed.save();
      const bytes = new Uint8Array(withFree.tables[0]!);
      new DataView(bytes.buffer).setUint32(0, new DataView(bytes.buffer).getUint32(0, true) - 2 ** 31, true);
      assert.throws(() => holed.restore({ ...withFree, tables: [bytes, ...withFree.tables.slice(1)] }), StoreError, 'a free slot marked live');
      const other = createStore(Body, { layout });
      assert.throws(() => other.restore(image), staleError(/carry tag \d+, which Store<Body> uses in this image/));
    });
  });
}

/** The image with its handles moved to another store tag (as if saved by another process). */
function retag(image: StoreImage, tag: number): StoreImage {
  const stamps = new Uint32Array(image.tables[0]!.slice().buffer);
  for (let i = 0; i < stamps.length; i++) {
    const s = stamps[i]!;
    if (s === 0) continue;
    const free = s >= 2 ** 31 ? 2 ** 31 : 0;
    stamps[i] = free + tag * 65536 + ((s - free) % 65536);
  }
  return { ...image, tag, tables: [new Uint8Array(stamps.buffer), ...image.tables.slice(1)] };
}

describe('store snapshots (what a rejected change puts back)', () => {
  it('takes back rows, tables and the tag a restore inside the change brought in', () => {
    const s = createStore(Body, { capacity: 2 });
    const a = s.add({ label: 'a' });
    const core = s as unknown as StoreCore;
    const scope = { open: true };
    const snap = core.snapshot(scope);
    const tag = core.tag;
    const image = retag(s.save(), 4000);
    s.restore(image);
    assert.equal(core.tag, 4000);
    s.add({ label: 'b' });
    s.add({ label: 'c' });
    core.restoreSnapshot(snap);
    scope.open = false;
    assert.equal(core.tag, tag);
    assert.equal(s.size, 1);
    assert.equal(s.get(a, 'label'), 'a');
    const d = s.add({ label: 'd' });
    assert.equal(s.get(d, 'label'), 'd');
    assert.equal(s.get(a, 'label'), 'a');
  });
});

describe('createStore', () => {
  it('is also `new Store(Class)`', () => {
    const s = new Store(Body, { layout: 'stable' });
    const h = s.add({ label: 'n' });
    assert.equal(s.layout, 'stable');
    assert.equal(s.get(h, 'label'), 'n');
  });

  it('says that stores live in a program imago runs, when imported outside one', () => {
    assert.throws(() => outside.createStore(Body), staleError(/createStore\(Body\): stores live in a program that imago runs/));
    assert.throws(() => new outside.Store(Body), staleError(/stores live in a program that imago runs/));
  });

  it('keeps the stores of two registries (two images) apart', () => {
    const other = createStoreApi(new StoreRegistry<StoreCore>({ layoutOf: (p) => layouts.get(p) })).createStore(Body, { name: 'theirs' });
    const mine = createStore(Body, { name: 'mine' });
    const h = mine.add({ label: 'a' });
    const theirs = other.add({ label: 'b' });
    assert.ok(!registry.list().some((s) => s.name.startsWith('theirs')), 'a registry lists only its own stores');
    assert.ok(registry.list().some((s) => s.name.startsWith('mine')));
    assert.equal(other.get(theirs, 'label'), 'b');
    assert.equal(mine.get(h, 'label'), 'a');
  });

  it('refuses a class imago did not compile and an unknown layout', () => {
    class Plain {
      x = 0;
    }
    assert.throws(() => createStore(Plain), staleError(/createStore\(Plain\): Plain is not a class imago compiled/));
    assert.throws(() => createStore(Body, { layout: 'sparse' as never }), staleError(/layout must be 'packed' or 'stable', not "sparse"/));
    assert.throws(() => createStore(Body, { capacity: 0 }), staleError(/capacity must be an integer/));
  });
});
