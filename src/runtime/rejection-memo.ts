// The change last rejected, so that the same save seen twice (one save delivered as two batches of file
// events on a loaded machine) is said once: the rejection stands. The same save is the same texts of the
// same files, read from the same writes: the host stamps each read (device, inode, modification time,
// size), and a stamp tells a save seen twice from a save again however late the second batch comes (a
// checker restarted by a tsconfig.json change took over a second, and the late batch was rejected again).
// A save again is checked again: the same text may meet a world that changed (a package installed since,
// a file outside the watch, state a statement or a migration reads).
//
// Without stamps (texts given, not read; a host that cannot tell), only a rejection the texts alone
// decide counts, and only within a moment of it.

/** Without stamps, how soon after a rejection the same texts count as the same save seen twice. */
export const SEEN_TWICE_MS = 1000;

/** A change's files as read: what each read gave (sources.ts contentOf) and its stamp (stampOf). */
export interface ReadFiles {
  /** The text, null when missing, a description of why it could not be read; undefined when not read. */
  contentOf(path: string): string | null | undefined;
  stampOf(path: string): string | null;
}

interface Rejected {
  readonly at: number;
  /** True when the texts alone decided the rejection (a read, parse, resolve, link or type error). */
  readonly byText: boolean;
  readonly files: ReadonlyMap<string, { readonly text: string | null | undefined; readonly stamp: string | null }>;
}

export class RejectionMemo {
  #last: Rejected | null = null;

  /** The change that touched `touched`, read as `read`, was rejected at `at` (null: nothing to compare, forget). */
  remember(read: ReadFiles | null, touched: readonly string[], at: number, byText: boolean): void {
    this.#last = read ? { at, byText, files: new Map(touched.map((p) => [p, { text: read.contentOf(p), stamp: read.stampOf(p) }])) } : null;
  }

  /** True when `touched`, read as `read`, are the rejected change's files from the same save. */
  seenAgain(read: ReadFiles, touched: readonly string[], now: number): boolean {
    const last = this.#last;
    if (!last || last.files.size !== touched.length) return false;
    let stamped = true;
    for (const p of touched) {
      const then = last.files.get(p);
      const content = read.contentOf(p);
      if (!then || content === undefined || then.text !== content) return false;
      const stamp = read.stampOf(p);
      if (then.stamp === null || stamp === null) stamped = false;
      else if (then.stamp !== stamp) return false;
    }
    return stamped || (last.byText && now - last.at < SEEN_TWICE_MS);
  }
}
