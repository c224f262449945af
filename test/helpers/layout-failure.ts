// How a layout fuzzer failure is shown: what failed where, the classes before and after the edit, and
// the command that replays it.

import type { Failure } from './layout-fuzz.js';

/** A failure as lines of text, ending with the command that replays it. */
export function formatFailure(f: Failure): string {
  return [
    `${f.kind} at seed ${f.seed}, step ${f.step}: ${f.what}`,
    `  ${f.detail}`,
    '  classes before:',
    ...f.before.split('\n').map((l) => `    ${l}`),
    '  classes after:',
    ...f.after.split('\n').map((l) => `    ${l}`),
    `  replay: IMAGO_FUZZ_SEED=${f.seed} IMAGO_FUZZ_STEPS=${f.step} IMAGO_FUZZ_RUN=${f.step} npm run fuzz`,
  ].join('\n');
}
