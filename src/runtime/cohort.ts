// One change, many programs: the image a change is made in may have others running the same project's
// modules beside it (worker threads, a cluster's worker processes). They take the change together, in
// three steps the coordinating image drives (Erlang's release handler: load everywhere, then switch at
// a point of no return): every member prepares the texts and votes; if all voted yes, every member
// commits at its own safe point up to the point of no return and says it is ready; then all keep the
// change, or all roll it back. A member whose commit runs none of the program's code (a change of
// function bodies: quiet-commit.ts) skips the second step: it commits when the change is kept, since
// nothing there can fail, and so never waits at a point of no return. The host carries the messages
// (threads, processes); the core knows only these two faces of it.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { CommitOutcome } from './commit.js';
import type { CompiledText } from './compile-cached.js';
import { ChangeRejection } from './errors.js';
import { type ChangeSummary, EMPTY_SUMMARY, type Phase } from './events.js';
import type { ChangeIntent } from './intent.js';

/**
 * What the members said: yes (with the files they change; `quiet`: no member's commit runs program
 * code), or the first member's refusal.
 */
export type CohortVote =
  | { readonly ok: true; readonly files: readonly string[]; readonly members: number; readonly quiet: boolean }
  | { readonly ok: false; readonly phase: Phase; readonly errors: readonly Diagnostic[] };

/** The coordinating image's view of the members that run beside it. */
export interface Cohort {
  /** True when this image runs no program of its own (a cluster's primary): only the members do. */
  readonly hollow: boolean;
  /** True when some member's program holds the module at `path` (absolute). */
  holds(path: string): boolean;
  /** The modules the members' programs hold (absolute paths). */
  paths(): readonly string[];
  /**
   * Step one: the members that hold any of `paths` prepare `texts` (the change's snapshot, with what a
   * structural edit means beyond them: `intent`), taking the modules `compiled` here instead of
   * compiling them each; resolves when all voted. A refusal (or a member that did not answer in time)
   * ends the round everywhere.
   */
  prepare(
    texts: ReadonlyMap<string, string | null>,
    paths: readonly string[],
    intent: ChangeIntent | undefined,
    compiled: readonly CompiledText[],
  ): Promise<CohortVote>;
  /** Step two: every member that voted yes commits at its safe point; resolves when all are ready, or one is not. */
  commit(): Promise<CohortVote>;
  /**
   * The decision, taken once the coordinator's own commit reached its point of no return (the members
   * wait for it without running program code): true when `keep` stands, false when a member that
   * waited too long took the rollback first.
   */
  decide(keep: boolean): boolean;
  /**
   * Step three: every member keeps the change, or rolls it back (after any refusal, anywhere). Kept, it
   * resolves to what the change did in the first member that says so (null: none did in time) and how
   * many members said they applied it.
   */
  finish(keep: boolean): Promise<{ readonly summary: ChangeSummary | null; readonly members: number } | null>;
}

/** A member's side of one change, given by the host that carries the coordinator's messages. */
export interface Coordinated {
  /**
   * The change prepared here (changing `files`): resolves true to commit it, false when it was refused
   * elsewhere. `quiet`: its commit runs no program code, so it may be told to commit only once the change
   * is kept (ready() then resolves true at once).
   */
  prepared(files: readonly string[], quiet: boolean): Promise<boolean>;
  /** The change committed here up to the point of no return: resolves true to keep it, false to roll it back. */
  ready(): Promise<boolean>;
}

/** Why a member rolls back a change it could take: another member, or the coordinator, refused it. */
export function refusedElsewhere(file: string | undefined): ChangeRejection {
  const message = 'the change was rejected by another thread, process or image taking it with this one';
  return new ChangeRejection('coordinate', [{ file: file ?? '', line: 1, column: 1, code: 'IMAGO_COHORT', message }]);
}

/**
 * What a commit waits for at its point of no return: the coordinator, for its cohort's members to be
 * ready (sent the word to commit now); a member, for its coordinator's word. Throws to roll back.
 */
export function waitForCohort(cohort: Cohort | null, coordinated: Coordinated | undefined, file: string | undefined): (() => Promise<void>) | undefined {
  if (!cohort && !coordinated) return undefined;
  return async () => {
    // An image that is itself a member (of a fleet's coordinator) is ready once its own members are.
    if (coordinated && !(await coordinated.ready())) throw refusedElsewhere(file);
    // The members are ready already (they committed first) and wait for this, without running code.
    if (cohort && !cohort.decide(true)) throw refusedElsewhere(file);
  };
}

/** A change none of whose modules run in this image: only the cohort's members (if any) commit it. */
export async function membersOnly(beforeClose: (() => Promise<void>) | undefined, files: readonly string[]): Promise<CommitOutcome> {
  try {
    await beforeClose?.();
  } catch (e: unknown) {
    if (e instanceof ChangeRejection) return { ok: false, phase: e.phase, errors: e.diagnostics };
    throw e;
  }
  return { ok: true, summary: EMPTY_SUMMARY, files };
}
