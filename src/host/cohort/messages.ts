// What a cohort's coordinator and its members say to each other (runtime/cohort.ts), over a worker
// thread's MessagePort or a cluster worker's IPC channel. Every message carries `imago` so that on a
// channel the program shares (a cluster worker's `process.send`), imago's messages are told from its own.

import type { MessagePort } from 'node:worker_threads';
import type { Diagnostic } from '../../compile/diagnostic.js';
import type { ChangeSummary, Phase } from '../../runtime/events.js';
import type { ChangeIntent } from '../../runtime/intent.js';
import type { ShippedModule } from './shipped.js';

export const TAG = 'imago-cohort';

/** A refusal, as one member says it. */
export interface Refusal {
  readonly phase: Phase;
  readonly errors: readonly Diagnostic[];
}

export type ToMember =
  | {
      readonly imago: typeof TAG;
      readonly t: 'prepare';
      readonly id: number;
      readonly texts: ReadonlyArray<readonly [string, string | null]>;
      readonly paths: readonly string[];
      /** What a structural edit means beyond the texts (runtime/intent.ts): renames keep their data in every member. */
      readonly intent?: ChangeIntent;
      /** Modules the coordinator compiled from these texts: the member takes them instead of compiling (shipped.ts). */
      readonly compiled?: readonly ShippedModule[];
    }
  /** Commit now if `deadline` (Date.now() milliseconds) has not passed. */
  | {
      readonly imago: typeof TAG;
      readonly t: 'commit';
      readonly id: number;
      readonly deadline: number;
      /** Where the round's decision appears (decision.ts), and the time a member that waits for it gives up (rolls back). */
      readonly decision?: { readonly file: string; readonly until: number };
    }
  | { readonly imago: typeof TAG; readonly t: 'finish'; readonly id: number; readonly keep: boolean };

export type ToCoordinator =
  /**
   * Prepared: the files it changes (none: it holds nothing the change touches, and is out of the round).
   * `quiet`: its commit runs no program code; it commits on `finish` without a `commit` step (cohort.ts).
   */
  | { readonly imago: typeof TAG; readonly t: 'prepared'; readonly id: number; readonly files: readonly string[]; readonly quiet?: true }
  | { readonly imago: typeof TAG; readonly t: 'ready'; readonly id: number }
  /** Kept: what the change did here (the coordinator's reload event says it when it ran nowhere else). */
  | { readonly imago: typeof TAG; readonly t: 'applied'; readonly id: number; readonly summary: ChangeSummary }
  /** Refused at `step` (what it prepared or committed is undone); after a `finish` that kept the change, a quiet commit that failed. */
  | { readonly imago: typeof TAG; readonly t: 'refused'; readonly id: number; readonly refusal: Refusal }
  /** The modules it holds now, with the texts of those new to it (a new member starts on them). */
  | { readonly imago: typeof TAG; readonly t: 'held'; readonly paths: readonly string[]; readonly texts: ReadonlyArray<readonly [string, string]> };

const TO_MEMBER = new Set(['prepare', 'commit', 'finish']);
const TO_COORDINATOR = new Set(['prepared', 'ready', 'applied', 'refused', 'held']);

/** One of imago's messages with a `t` in `kinds` (the program's messages share a cluster worker's channel). */
function tagged(m: unknown, kinds: ReadonlySet<string>): boolean {
  return typeof m === 'object' && m !== null && (m as { imago?: unknown }).imago === TAG && kinds.has(String((m as { t?: unknown }).t));
}

export function isToMember(m: unknown): m is ToMember {
  return tagged(m, TO_MEMBER);
}

export function isToCoordinator(m: unknown): m is ToCoordinator {
  return tagged(m, TO_COORDINATOR);
}

/** A worker thread started by a member asks to join the same coordinator, through its member's channel. */
export interface Adopt {
  readonly imago: typeof TAG;
  readonly t: 'adopt';
  readonly threadId: number;
  readonly file: string;
  readonly port: MessagePort;
}

export function isAdopt(m: unknown): m is Adopt {
  return tagged(m, new Set(['adopt']));
}
