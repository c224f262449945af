// Figures of one run (tool x SETUP_MS) from its raw results: medians, misses, the longest gap, memory.

import { median } from '../stats.js';
import type { EditResult, RunResult } from './measure.js';

export interface Summary {
  readonly tool: string;
  readonly setupMs: number;
  readonly edits: number;
  readonly medianMs: number | null;
  readonly medianInPlaceMs: number | null;
  readonly medianRenameMs: number | null;
  readonly missedInPlace: number;
  readonly missedRename: number;
  /** Edits that showed. */
  readonly taken: number;
  /** Edits that showed with the state kept. */
  readonly stateKept: number;
  readonly longestGapMs: number | null;
  readonly medianGapMs: number | null;
  /** Edits after which lines of older code still came. */
  readonly oldCodeAfter: number;
}

const medianOf = (values: readonly number[]): number | null => (values.length === 0 ? null : median(values));

const effects = (edits: readonly EditResult[]): number[] => edits.flatMap((e) => (e.effectMs === null ? [] : [e.effectMs]));

export function summarize(run: Extract<RunResult, { kind: 'ran' }>): Summary {
  const inPlace = run.edits.filter((e) => e.save === 'in place');
  const renamed = run.edits.filter((e) => e.save === 'rename');
  const gaps = run.edits.flatMap((e) => (e.gapMs === null ? [] : [e.gapMs]));
  return {
    tool: run.tool,
    setupMs: run.setupMs,
    edits: run.edits.length,
    medianMs: medianOf(effects(run.edits)),
    medianInPlaceMs: medianOf(effects(inPlace)),
    medianRenameMs: medianOf(effects(renamed)),
    missedInPlace: inPlace.filter((e) => e.effectMs === null).length,
    missedRename: renamed.filter((e) => e.effectMs === null).length,
    taken: run.edits.filter((e) => e.effectMs !== null).length,
    stateKept: run.edits.filter((e) => e.stateKept === true).length,
    longestGapMs: gaps.length === 0 ? null : Math.max(...gaps),
    medianGapMs: medianOf(gaps),
    oldCodeAfter: run.edits.filter((e) => e.oldCodeAfter).length,
  };
}

/**
 * Growth of the process tree's memory over the many-edit run, in bytes (null when there was none):
 * from after the first edits, when the tool's caches and heaps have taken their working size, so
 * what remains is what each edit leaves behind. The table shows the memory before the first edit too.
 */
export function manyGrowth(run: Extract<RunResult, { kind: 'ran' }>): number | null {
  return run.many === null ? null : run.many.rssAfter - run.rssAfter;
}
