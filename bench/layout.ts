// Live data layout at scale (issue 5): migrating 1M live instances in a 400 MB heap (a field added, one
// removed, one renamed), and how fast the migrated instances are afterwards compared with instances
// made fresh by the new version (ARCHITECTURE.md facts 5 and 6).

import { createImage } from '../src/index.js';
import { tempProject } from '../test/helpers/project.js';
import { fmt, median } from './stats.js';

const N = 1_000_000;
const HEAP_MB = Number(process.env['IMAGO_BENCH_HEAP_MB'] ?? 400);

const program = (fields: string): string => `
export class P { ${fields} }
export const ps: P[] = [];
for (let i = 0; i < ${N}; i++) { const p = new P(); p.x = i * 0.5; ps.push(p); }
// Other live data, so the heap walk that finds instances has a realistic heap to walk.
export const filler: Array<Array<{ i: number; s: string }>> = [];
while (process.memoryUsage().heapUsed < ${HEAP_MB} * 1048576) {
  const a: Array<{ i: number; s: string }> = [];
  for (let i = 0; i < 10000; i++) a.push({ i, s: 'x' });
  filler.push(a);
}
export function fresh(): P[] { const out: P[] = []; for (let i = 0; i < ${N}; i++) { const p = new P(); p.x = i * 0.5; out.push(p); } return out; }
export function run(objs: readonly P[], passes: number): number {
  let s = 0;
  for (let k = 0; k < passes; k++) for (let i = 0; i < objs.length; i++) {
    const o = objs[i]!;
    o.x += o.vx * 0.5; o.y += o.vy * 0.5;
    if (o.health > 0) s += o.health;
  }
  return s;
}
`;

const V0 = 'x = 0; y = 0; vx = 1.5; vy = -0.5; legacy = 1; hp = 100; get health(): number { return this.hp; }';
const STEPS: ReadonlyArray<{ name: string; fields: string }> = [
  { name: 'add a field (armor = 3)', fields: 'x = 0; y = 0; vx = 1.5; vy = -0.5; legacy = 1; hp = 100; armor = 3; get health(): number { return this.hp; }' },
  { name: 'remove a middle field (legacy)', fields: 'x = 0; y = 0; vx = 1.5; vy = -0.5; hp = 100; armor = 3; get health(): number { return this.hp; }' },
  { name: 'rename a field (hp -> health)', fields: 'x = 0; y = 0; vx = 1.5; vy = -0.5; /** @renamed hp */ health = 100; armor = 3;' },
];

export interface LayoutStep {
  readonly name: string;
  readonly instances: number;
  readonly discoveryMs: number;
  readonly migrateMs: number;
  readonly applyMs: number;
}
export interface LayoutResult {
  readonly heapMb: number;
  readonly steps: readonly LayoutStep[];
  readonly migratedNs: number;
  readonly freshNs: number;
  readonly fast: boolean | null;
}

const hasFastProperties = ((): ((o: object) => boolean) | null => {
  try {
    return new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  } catch {
    return null;
  }
})();

export async function measureLayout(rounds = 7): Promise<LayoutResult> {
  const project = tempProject({ 'main.ts': program(V0) });
  const file = project.path('main.ts');
  const image = createImage({ entry: file, typecheck: 'off' });
  try {
    const loaded = await image.load();
    if (loaded.kind !== 'applied') throw new Error('layout bench: the program did not load');
    const heapMb = process.memoryUsage().heapUsed / 1048576;
    const steps: LayoutStep[] = [];
    for (const step of STEPS) {
      project.write({ 'main.ts': program(step.fields) });
      const r = await image.change([file]);
      if (r.kind !== 'applied' || !r.summary.migration) throw new Error(`layout bench: "${step.name}" was not applied: ${JSON.stringify(r).slice(0, 500)}`);
      const m = r.summary.migration;
      steps.push({ name: step.name, instances: m.instances, discoveryMs: m.discoveryMs, migrateMs: m.ms - m.discoveryMs, applyMs: r.applyMs });
    }
    const api = image.exportsOf(file) as { ps: object[]; fresh: () => object[]; run: (o: readonly object[], p: number) => number };
    const migrated = api.ps;
    const made = api.fresh();
    for (let k = 0; k < 3; k++) {
      api.run(migrated, 1);
      api.run(made, 1);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [objs, out] of (r % 2
        ? [
            [made, b],
            [migrated, a],
          ]
        : [
            [migrated, a],
            [made, b],
          ]) as Array<[object[], number[]]>) {
        const t = performance.now();
        api.run(objs, 3);
        out.push(((performance.now() - t) * 1e6) / (3 * objs.length));
      }
    }
    const fast = hasFastProperties ? migrated.slice(0, 1000).every(hasFastProperties) : null;
    return { heapMb, steps, migratedNs: median(a), freshNs: median(b), fast };
  } finally {
    image.dispose();
    project.remove();
  }
}

export function reportLayout(r: LayoutResult): string[] {
  const lines = [
    `live data layout: ${(r.steps[0]?.instances ?? 0).toLocaleString('en-US')} instances in a ${fmt(r.heapMb, 0)} MB heap (goal: whole migration <= 500 ms)`,
  ];
  for (const s of r.steps) {
    lines.push(
      `  ${s.name.padEnd(32)} find ${fmt(s.discoveryMs, 0).padStart(5)} ms + migrate ${fmt(s.migrateMs, 0).padStart(4)} ms = ${fmt(s.discoveryMs + s.migrateMs, 0)} ms (whole change ${fmt(s.applyMs, 0)} ms)`,
    );
  }
  lines.push(
    `  hot loop after the three migrations: migrated ${fmt(r.migratedNs)} ns/object, fresh ${fmt(r.freshNs)} ns/object: ratio ${fmt(r.migratedNs / r.freshNs)} (goal <= 1.15); fast properties: ${r.fast === null ? 'unknown (run with --allow-natives-syntax)' : r.fast}`,
  );
  return lines;
}
