// The state codec alone (src/image): what the encoder writes, the decoder gives back, identity included:
// arrays written as runs of consecutive objects and arrays that are not, shared objects, shapes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeState } from '../src/image/decode-state.js';
import type { EncodeRefs } from '../src/image/discover.js';
import { encodeState } from '../src/image/encode-state.js';

class Body {
  x = 0;
  name = '';
}

const refs: EncodeRefs = {
  classOf: (p) => (p === Body.prototype ? { module: 'm.ts', name: 'Body', parent: null, fields: [], layoutVersion: 1, transient: new Set() } : null),
  named: () => null,
  privateName: () => null,
  store: () => null,
  refuse: () => null,
};

function roundTrip(values: Record<string, unknown>, compiled = false): Record<string, unknown> {
  const roots = Object.entries(values).map(([name, value]) => ({ module: 'm.ts', name, text: '', value }));
  const { directory, payload } = encodeState(roots, refs, []);
  const bytes = new Uint8Array(payload.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of payload) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  const decoded = decodeState(
    directory,
    bytes,
    {
      prototype: () => Body.prototype,
      named: () => undefined,
      privateKey: (_, k) => Symbol.for(k),
      store: () => ({ columns: [] }),
      // The makers of whole objects, as the host compiles them (tests may use Function).
      ...(compiled ? { compile: (params: readonly string[], body: string) => new Function(...params, body) as (...args: never[]) => unknown } : {}),
    },
    'test',
  );
  return Object.fromEntries(Object.keys(values).map((k, i) => [k, decoded.values[i]]));
}

describe('the state codec', () => {
  it('gives back arrays of instances, in order, reversed, sharing, with holes, and mixed', () => {
    const bodies = Array.from({ length: 40 }, (_, i) => Object.assign(new Body(), { x: i, name: `b${i}` }));
    const reversed = [...bodies].reverse();
    const some = bodies.slice(5, 30);
    const holey: unknown[] = bodies.slice(0, 20);
    delete holey[3];
    const mixed = [...bodies.slice(0, 20), 'text', null, 7];
    const out = roundTrip({ bodies, reversed, some, holey, mixed }) as Record<string, Body[]>;
    const b = out['bodies']!;
    assert.equal(b.length, 40);
    assert.ok(b.every((o, i) => o instanceof Body && o.x === i && o.name === `b${i}`));
    assert.ok(
      out['reversed']!.every((o, i) => o === b[39 - i]),
      'the same objects, reversed',
    );
    assert.ok(
      out['some']!.every((o, i) => o === b[5 + i]),
      'a slice shares its objects',
    );
    assert.equal(out['holey']!.length, 20);
    assert.ok(!(3 in out['holey']!) && out['holey']![4] === b[4], 'a hole stays a hole');
    assert.deepEqual((out['mixed'] as unknown[]).slice(20), ['text', null, 7]);
    assert.ok((out['mixed'] as unknown[]).slice(0, 20).every((o, i) => o === b[i]));
  });

  it('makes objects whole with compiled makers exactly as it fills them key by key', () => {
    const odd: Record<string, number> = { x: 2, 'a b': 1, constructor: 3 };
    Object.defineProperty(odd, '__proto__', { value: 5, enumerable: true, writable: true, configurable: true });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { n: 1, s: 'two' });
    const hidden = { v: 1, w: 'x' };
    Object.defineProperty(hidden, 'v', { enumerable: false });
    const bodies = Array.from({ length: 20 }, (_, i) => Object.assign(new Body(), { x: i, name: `b${i}` }));
    const values = { odd: [odd, { ...odd }], bare, hidden, bodies };
    const describe = (v: Record<string, unknown>): unknown => {
      const o = v['odd'] as object[];
      return [
        o.map((x) => [Object.getPrototypeOf(x) === Object.prototype, Reflect.ownKeys(x), Object.values(x)]),
        [Object.getPrototypeOf(v['bare']), { ...(v['bare'] as object) }],
        [Object.keys(v['hidden'] as object), (v['hidden'] as { v: number }).v],
        (v['bodies'] as Body[]).map((b) => [b instanceof Body, b.x, b.name, Object.keys(b)]),
      ];
    };
    const keyByKey = describe(roundTrip(values));
    assert.deepEqual(describe(roundTrip(values, true)), keyByKey);
    assert.deepEqual(keyByKey, describe(values));
  });

  it('gives back objects of ever-different keys and shared references between bindings', () => {
    const shared = { n: 1 };
    const users = Array.from({ length: 50 }, (_, i) => ({ [`k${i}`]: i, common: shared }));
    const out = roundTrip({ users, shared }) as { users: Array<Record<string, unknown>>; shared: object };
    assert.deepEqual(
      out.users.map((u) => Object.keys(u)),
      users.map((u) => Object.keys(u)),
    );
    assert.ok(out.users.every((u) => u['common'] === out.shared));
  });
});
