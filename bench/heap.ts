// Heap growth over 1,000 reloads of a module (old code must be freed: ARCHITECTURE.md fact 3).

import { createImage } from '../src/index.js';
import { tempProject } from '../test/helpers/project.js';
import { fmt } from './stats.js';

function moduleText(k: number): string {
  const fns: string[] = [];
  for (let i = 0; i < 40; i++) {
    fns.push(`export function f${i}(a: number, b: number): number {\n  const t = a * ${i + 1} + b;\n  return t > 100 ? t - ${k} : t + ${i};\n}`);
  }
  return `export let counter = 0;\nexport const table: number[] = [1, 2, 3];\n${fns.join('\n')}\nexport function version(): number { return ${k}; }\n`;
}

export interface HeapResult {
  readonly reloads: number;
  readonly growthMb: number;
  readonly moduleKb: number;
  readonly msPerReload: number;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run the heap bench with node --expose-gc (npm run bench does)');
  for (let i = 0; i < 4; i++) g();
};

export async function measureHeap(reloads = 1000): Promise<HeapResult> {
  const project = tempProject({ 'main.ts': moduleText(0) });
  const image = createImage({ entry: project.path('main.ts') });
  try {
    await image.load();
    const file = project.path('main.ts');
    const reload = async (k: number): Promise<void> => {
      project.write({ 'main.ts': moduleText(k) });
      const r = await image.change([file]);
      if (r.kind !== 'applied') throw new Error(`reload ${k} not applied`);
    };
    for (let k = 1; k <= 50; k++) await reload(k);
    gc();
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let k = 51; k < 51 + reloads; k++) await reload(k);
    const ms = performance.now() - t0;
    gc();
    const after = process.memoryUsage().heapUsed;
    return { reloads, growthMb: (after - before) / 1024 / 1024, moduleKb: moduleText(0).length / 1024, msPerReload: ms / reloads };
  } finally {
    image.dispose();
    project.remove();
  }
}

export function reportHeap(r: HeapResult): string {
  return `heap growth over ${r.reloads} reloads of a ${fmt(r.moduleKb, 1)} KB module: ${fmt(r.growthMb, 3)} MB (goal < 1 MB); ${fmt(r.msPerReload)} ms per in-process reload (write + read + compile + commit)`;
}
