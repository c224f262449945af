// `npm run fuzz`: the layout fuzzer's full form (test/helpers/layout-fuzz.ts). Runs IMAGO_FUZZ_STEPS
// steps (default 10,000) in runs of IMAGO_FUZZ_RUN steps (default 500), each run a fresh image with its
// own seed (IMAGO_FUZZ_SEED, default 1, then +1 per run); a run stops at its first failure, which is
// printed with what replays it. IMAGO_FUZZ_HEAP=1 finds instances by V8's heap walk, as imago run does
// (slow: about 0.5 s per edit). Prints steps, applied and rejected edits, mismatches, crashes, time.

import os from 'node:os';
import { formatFailure } from '../test/helpers/layout-failure.js';
import { fuzz } from '../test/helpers/layout-fuzz.js';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number`);
  return n;
};

const total = envInt('IMAGO_FUZZ_STEPS', 10_000);
const perRun = Math.max(1, envInt('IMAGO_FUZZ_RUN', 500));
const firstSeed = envInt('IMAGO_FUZZ_SEED', 1);
const heapWalk = process.env['IMAGO_FUZZ_HEAP'] === '1';

const started = performance.now();
console.log(
  `imago layout fuzz: ${total} steps in runs of ${perRun} from seed ${firstSeed}${heapWalk ? ', instances found by heap walk' : ''}; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}`,
);
let steps = 0;
let applied = 0;
let rejected = 0;
let mismatches = 0;
let crashes = 0;
const seeds: number[] = [];
for (let seed = firstSeed; steps < total; seed++) {
  const r = await fuzz(seed, Math.min(perRun, total - steps), { heapWalk });
  seeds.push(seed);
  steps += r.steps;
  applied += r.applied;
  rejected += r.rejected;
  if (r.failure) {
    if (r.failure.kind === 'mismatch') mismatches++;
    else crashes++;
    console.log(formatFailure(r.failure));
    // A failed run ends at its failure: count the step it failed at, and go on with the next seed.
    steps += r.steps === 0 ? 1 : 0;
  }
}
const s = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `steps ${steps}, edits applied ${applied}, rejected ${rejected}, mismatches ${mismatches}, crashes ${crashes}, ${s} s, seeds ${seeds[0]}-${seeds.at(-1)}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
process.exitCode = mismatches + crashes > 0 ? 1 : 0;
