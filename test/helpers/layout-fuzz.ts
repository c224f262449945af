// The layout fuzzer: random class edits applied to a live image (memory host, in-process) that holds
// instances of A, B and C and a handle store of each, with data written between edits (fields set,
// properties no class declares, instances made, rows added and removed); after every step the
// program's own dump() must equal what the model (layout-model.ts) says every instance and row holds,
// and an edit must be applied or rejected as the model says. Seeded: a failure names the seed, the step
// and the edit, and `IMAGO_FUZZ_SEED=<seed> IMAGO_FUZZ_STEPS=<step> IMAGO_FUZZ_RUN=<step> npm run fuzz`
// replays it (bench/fuzz.ts).

import { createMemoryHost } from '../../src/host/memory-host.js';
import { createImage } from '../../src/index.js';
import { classesText, generateEdit, HARNESS_MAIN, initialDecl, POOL, programFiles, Rng, randomValue } from './layout-gen.js';
import {
  CLASSES,
  type Cls,
  chainOf,
  type Decl,
  expectedDump,
  migrate,
  newInstance,
  newRow,
  type Outcome,
  TYPES,
  type Vals,
  type World,
} from './layout-model.js';
import { describeStatements, generateStatements, runStatements, statementsText } from './layout-statements.js';

export interface Failure {
  readonly kind: 'mismatch' | 'crash';
  readonly seed: number;
  readonly step: number;
  readonly what: string;
  readonly detail: string;
  /** The classes before and after the edit. */
  readonly before: string;
  readonly after: string;
}

export interface FuzzResult {
  readonly seed: number;
  /** Steps run (a failure ends a run). */
  readonly steps: number;
  readonly applied: number;
  readonly rejected: number;
  readonly failure: Failure | null;
  readonly ms: number;
}

/** The first place two JSON-like values differ, or null. */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
      const d = firstDifference(actual[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (
    typeof actual === 'object' &&
    actual !== null &&
    typeof expected === 'object' &&
    expected !== null &&
    !Array.isArray(actual) &&
    !Array.isArray(expected)
  ) {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const k of keys) {
      const d = firstDifference((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: image has ${JSON.stringify(actual)}, model expects ${JSON.stringify(expected)}`;
}

/**
 * The dump with each instance's fields sorted by name: the order of an instance's keys is not part of
 * what a change promises (semantics.md: a reorder alone leaves instances as they are).
 */
function byName(dump: unknown): unknown {
  const d = dump as { objs: Array<[string, unknown, Array<[string, string]>]> };
  return { ...d, objs: d.objs.map(([c, a, fs]) => [c, a, [...fs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))]) };
}

const dir = (seed: number): string => `/memory/layout-fuzz-${seed}`;

export interface FuzzOptions {
  /**
   * Find live instances by V8's heap walk, as imago run does (0.2-1 s per changed class on this machine).
   * Default: the instances the program keeps in \`objs\`, which are all it ever makes.
   */
  readonly heapWalk?: boolean;
}

/** Runs `steps` edits from `seed`; stops at the first mismatch or crash. */
export async function fuzz(seed: number, steps: number, options: FuzzOptions = {}): Promise<FuzzResult> {
  const started = performance.now();
  const rng = new Rng(seed);
  let world: World = { decl: initialDecl(rng), objs: [], rows: { A: [], B: [], C: [] } };
  // Odd seeds keep A and C in a module of their own: a change then edits two modules.
  const split = seed % 2 === 1;
  const files = (decl: Decl, statements = ''): Record<string, string> =>
    Object.fromEntries(Object.entries(programFiles(decl, split, statements)).map(([rel, text]) => [`${dir(seed)}/${rel}`, text]));
  const paths = Object.keys(files(world.decl));
  const host = createMemoryHost({
    files: { [`${dir(seed)}/package.json`]: '{ "type": "module" }\n', [`${dir(seed)}/main.ts`]: HARNESS_MAIN, ...files(world.decl) },
  });
  const image = createImage({ entry: `${dir(seed)}/main.ts`, root: dir(seed), host });
  if (!options.heapWalk) {
    const kept = (): readonly object[] => (image.entry?.['objs'] as object[] | undefined) ?? [];
    Object.assign(host, { findInstances: (prototype: object): object[] => kept().filter((o) => Object.prototype.isPrototypeOf.call(prototype, o)) });
  }
  let applied = 0;
  let rejected = 0;
  let step = 0;
  let what = 'load';
  let before = classesText(world.decl);
  let after = before;
  const fail = (kind: Failure['kind'], detail: string): FuzzResult => ({
    seed,
    steps: step,
    applied,
    rejected,
    failure: { kind, seed, step, what, detail, before, after },
    ms: performance.now() - started,
  });
  try {
    const loaded = await image.load();
    if (loaded.kind !== 'applied') return fail('crash', `the first load did not apply: ${JSON.stringify(loaded)}`);
    const call = (name: string, ...args: unknown[]): unknown => (image.entry![name] as (...a: unknown[]) => unknown)(...args);
    const check = (): string | null => firstDifference(byName(JSON.parse(JSON.stringify(call('dump')))), byName(expectedDump(world)));
    for (const cls of CLASSES) for (let i = 0; i < 3; i++) world = operate(world, { op: 'spawn', cls }, call) ?? world;
    for (const cls of CLASSES) for (let i = 0; i < 3; i++) world = operate(world, { op: 'add', cls }, call) ?? world;
    for (step = 1; step <= steps; step++) {
      what = 'data';
      for (let n = rng.int(4); n > 0; n--) {
        const op = pickOp(rng, world);
        what = `data: ${describe(op)}`;
        const next = operate(world, op, call);
        if (next === null) return fail('mismatch', `store.add({}) threw where the model expects a row, or added one where it expects a throw`);
        world = next;
      }
      const diff = check();
      if (diff) return fail('mismatch', diff);
      const edit = generateEdit(rng, world.decl);
      const statements = generateStatements(rng, world, edit.next);
      what = `${edit.what}${describeStatements(statements)}`;
      before = classesText(world.decl);
      after = `${classesText(edit.next)}${statementsText(statements, step)}`;
      const migrated = migrate(world, edit.next);
      const expected: Outcome =
        migrated.kind === 'rejected'
          ? migrated
          : statements.late
            ? { kind: 'rejected', why: 'it throws late' }
            : { kind: 'applied', world: runStatements(migrated.world, statements) };
      host.write(files(edit.next, statementsText(statements, step)));
      const r = await image.change(paths);
      if (r.kind === 'rejected' && r.phase !== 'migrate' && !(statements.late && r.phase === 'evaluate'))
        return fail('crash', `rejected in phase ${r.phase}: ${r.errors.map((e) => e.message).join('; ')}`);
      const got = r.kind === 'rejected' ? 'rejected' : 'applied';
      if (got !== expected.kind) {
        const why = r.kind === 'rejected' ? r.errors.map((e) => e.message).join('; ') : expected.kind === 'rejected' ? expected.why : '';
        return fail('mismatch', `imago ${got} the edit, the model expects it ${expected.kind}: ${why}`);
      }
      if (expected.kind === 'applied') {
        world = expected.world;
        applied++;
      } else {
        rejected++;
        // The rejected text stays on the host: put the program back as it runs, as a user would.
        host.write(files(world.decl));
        const back = await image.change(paths);
        if (back.kind === 'rejected') return fail('crash', `restoring the source after a rejection was rejected: ${JSON.stringify(back.errors)}`);
      }
      const d = check();
      if (d) return fail('mismatch', d);
    }
    step = steps;
    return { seed, steps, applied, rejected, failure: null, ms: performance.now() - started };
  } catch (e: unknown) {
    return fail('crash', e instanceof Error ? (e.stack ?? e.message) : String(e));
  } finally {
    image.dispose();
  }
}

type Op =
  | { readonly op: 'spawn' | 'add'; readonly cls: Cls }
  | { readonly op: 'put'; readonly i: number; readonly f: string; readonly v: unknown }
  | { readonly op: 'putRow' | 'remove'; readonly cls: Cls; readonly i: number; readonly f: string; readonly v: unknown };

function pickOp(rng: Rng, world: World): Op {
  const cls: Cls = rng.pick(CLASSES);
  const fields = chainOf(world.decl, cls);
  const rows = world.rows[cls];
  const k = rng.int(10);
  if (k < 1 && world.objs.length < 10) return { op: 'spawn', cls };
  if (k < 2 && rows.length < 8) return { op: 'add', cls };
  if (k < 3 && rows.length > 0) return { op: 'remove', cls, i: rng.int(rows.length), f: '', v: undefined };
  if (k < 6 && rows.length > 0 && fields.length > 0) {
    const f = rng.pick(fields);
    return { op: 'putRow', cls, i: rng.int(rows.length), f: f.name, v: randomValue(rng, f.ty) };
  }
  if (world.objs.length === 0) return { op: 'spawn', cls };
  const i = rng.int(world.objs.length);
  const own = chainOf(world.decl, world.objs[i]!.cls);
  const undeclared = POOL.filter((n) => !own.some((f) => f.name === n));
  if ((own.length === 0 || rng.chance(0.1)) && undeclared.length > 0) {
    // A property no class of its chain declares (another class may): later edits may declare it.
    return { op: 'put', i, f: rng.pick(undeclared), v: randomValue(rng, rng.pick(TYPES)) };
  }
  if (own.length === 0) return { op: 'spawn', cls };
  const f = rng.pick(own);
  return { op: 'put', i, f: f.name, v: randomValue(rng, f.ty) };
}

const describe = (op: Op): string => JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** Runs `op` on the image and the model; null when the image's store.add disagreed with the model. */
function operate(world: World, op: Op, call: (name: string, ...args: unknown[]) => unknown): World | null {
  const set = (vals: Vals, f: string, v: unknown): Vals => new Map(vals).set(f, v as never);
  switch (op.op) {
    case 'spawn':
      call('spawn', op.cls);
      return { ...world, objs: [...world.objs, newInstance(world.decl, op.cls)] };
    case 'add': {
      const thrown = call('addRow', op.cls);
      const row = newRow(world.decl, op.cls);
      if ((thrown === null) !== (row !== null)) return null;
      return row ? { ...world, rows: { ...world.rows, [op.cls]: [...world.rows[op.cls], row] } } : world;
    }
    case 'put':
      call('put', op.i, op.f, op.v);
      return { ...world, objs: world.objs.map((o, i) => (i === op.i ? { cls: o.cls, vals: set(o.vals, op.f, op.v) } : o)) };
    case 'putRow':
      call('putRow', op.cls, op.i, op.f, op.v);
      return { ...world, rows: { ...world.rows, [op.cls]: world.rows[op.cls].map((r, i) => (i === op.i ? set(r, op.f, op.v) : r)) } };
    case 'remove':
      call('removeRow', op.cls, op.i);
      return { ...world, rows: { ...world.rows, [op.cls]: world.rows[op.cls].filter((_, i) => i !== op.i) } };
  }
}
