// One round of a cohort's change as the coordinator (coordinator.ts) runs it: the members in it, the
// step each still has to answer, and how a step is sent and waited for (at most the swap timeout).

import type { Diagnostic } from '../../compile/diagnostic.js';
import type { Refusal, ToCoordinator, ToMember } from './messages.js';

/** One member, as the host reaches it. */
export interface MemberLink {
  /** How messages name it: `worker thread 2 (src/worker.ts)`, `worker process 1 (pid 4242)`. */
  readonly name: string;
  send(message: ToMember): void;
  /** Ends the member so that it starts again on the code the cohort runs (a cluster's worker process); none for a thread. */
  readonly restart?: () => void;
}

export type Answer = ToCoordinator | 'gone' | 'late';

export interface Round {
  readonly id: number;
  /** The first touched file, as refusals that are no file's name it. */
  readonly file: string;
  readonly texts: ReadonlyMap<string, string | null>;
  /** Members in the round, and the step each still has to answer (null: answered). */
  readonly members: Map<MemberLink, null | ((answer: ToCoordinator | 'gone') => void)>;
  /** Members whose commit runs no program code: they commit when the change is kept, with no step of their own. */
  readonly quiet: Set<MemberLink>;
  finished: boolean;
  /** Ends the step under way at once (the round finished meanwhile): its timer is cleared. */
  cancel: (() => void) | null;
  /** The decision's file, for members on this machine (decision.ts); null too while no member waits on it (all quiet). */
  decision: string | null;
  /** Answers that came before their step asked (a member that kept the change as soon as it was decided). */
  readonly early: Map<MemberLink, ToCoordinator>;
}

/** Why a step of a round that is over cannot be taken. */
export function endedDiagnostic(round: Round | null): Diagnostic {
  const message = 'the change was ended before its members committed it (a refusal, or a timeout): it is rejected everywhere';
  return { file: round?.file ?? '', line: 1, column: 1, code: 'IMAGO_COHORT', message };
}

/** Sends one step to `links` (every member of the round) and waits for all answers, at most `timeoutMs`. */
export function runStep(
  timeoutMs: number,
  round: Round,
  send: (link: MemberLink) => void,
  links = [...round.members.keys()],
): Promise<Map<MemberLink, Answer>> {
  const answers = new Map<MemberLink, Answer>();
  return new Promise((resolve) => {
    if (links.length === 0) return resolve(answers);
    let pending = links.length;
    const done = (missing: Answer): void => {
      clearTimeout(timer);
      round.cancel = null;
      for (const link of links) if (!answers.has(link)) answers.set(link, missing);
      for (const link of round.members.keys()) round.members.set(link, null);
      resolve(answers);
    };
    const timer = setTimeout(() => done('late'), timeoutMs);
    // The round finished while this step waited (the coordinator's own commit failed): it ends now.
    round.cancel = () => done('gone');
    for (const link of links) {
      const early = round.early.get(link);
      round.early.delete(link);
      round.members.set(link, (answer) => {
        // A member that left is out of the round (it is not set back).
        if (round.members.has(link)) round.members.set(link, null);
        answers.set(link, answer);
        if (--pending === 0) done('gone');
      });
      send(link);
      if (early) round.members.get(link)?.(early);
    }
  });
}

/** The first refusal among the answers of a step, or of a member late (named); null if all said yes. */
export function refusalIn(round: Round, answers: ReadonlyMap<MemberLink, Answer>, step: 'prepare' | 'commit', timeoutMs: number): Refusal | null {
  let refusal: Refusal | null = null;
  const refusedBy: MemberLink[] = [];
  for (const [link, a] of answers) {
    if (a === 'late') {
      const what =
        step === 'prepare'
          ? 'prepare the change within TIMEOUT ms (--swap-timeout): it is busy running the program (a long synchronous run, a loop), or preparing a change this large takes it longer'
          : 'reach a safe point and commit the change within TIMEOUT ms (--swap-timeout): it is busy (a long synchronous run, a loop)';
      const message = `${link.name} did not ${what.replace('TIMEOUT', String(timeoutMs))}; the change is rejected in every thread and process. Save again once it is free, or raise --swap-timeout`;
      refusal ??= { phase: 'coordinate', errors: [{ file: round.file, line: 1, column: 1, code: 'IMAGO_SWAP_TIMEOUT', message }] };
    } else if (a !== 'gone' && a.t === 'refused') {
      refusedBy.push(link);
      refusal ??= { phase: a.refusal.phase, errors: a.refusal.errors.map((e) => named([link], e)) };
    }
  }
  // Every member refused, with the same errors (a text none of them can compile): said of all, not of the first.
  const same = (l: MemberLink): boolean => {
    const a = answers.get(l);
    const first = answers.get(refusedBy[0]!);
    return (
      typeof a === 'object' &&
      a.t === 'refused' &&
      typeof first === 'object' &&
      first.t === 'refused' &&
      JSON.stringify(a.refusal) === JSON.stringify(first.refusal)
    );
  };
  if (refusal && refusedBy.length > 1 && refusedBy.length === answers.size && refusedBy.every(same)) {
    const first = answers.get(refusedBy[0]!) as Extract<Answer, { t: 'refused' }>;
    refusal = { phase: first.refusal.phase, errors: first.refusal.errors.map((e) => named(refusedBy, e)) };
  }
  return refusal;
}

/** A member's diagnostic says which members it comes from. */
function named(links: readonly MemberLink[], d: Diagnostic): Diagnostic {
  const which = links.length === 1 ? links[0]!.name : `each of ${links.map((l) => l.name).join(', ')}`;
  return { ...d, message: `${d.message} (in ${which})` };
}
