// Builds emitted code from slices of the transpiled JavaScript with replacements applied, recording the
// segments that PositionMap needs to point any emitted position back at the source.

/** Replace the JavaScript text in [start, end) with `text` (start === end: an insertion). */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** An insertion that closes what the copied code opened (`); }`): applied at the very end of a copy too. */
  readonly tail?: boolean;
}

/** Edits in order: by start, an insertion before an edit that starts at the same place. */
const byStart = (a: Edit, b: Edit): number => a.start - b.start || Number(a.end !== a.start) - Number(b.end !== b.start);

export class Emitter {
  #out = '';
  readonly #segments: number[] = [];
  readonly #edits: Edit[];

  /** Edits are applied wherever a copied slice covers them; an edit inside an earlier one is dropped. */
  constructor(
    private readonly js: string,
    edits: Edit[],
  ) {
    this.#edits = edits.slice().sort(byStart);
  }

  /** Appends generated text that has no source. */
  insert(text: string): this {
    this.#out += text;
    return this;
  }

  /** Appends the JavaScript in [start, end), with the edits inside it applied (and `extra` ones, for this copy only). */
  copy(start: number, end: number, extra: readonly Edit[] = []): this {
    let at = start;
    const within = [...this.#editsWithin(start, end)];
    const edits =
      extra.length === 0
        ? within
        : [...within, ...extra.filter((e) => e.start >= start && (e.start < end || (e.tail === true && e.start === end)) && e.end <= end)].sort(byStart);
    for (const edit of edits) {
      if (edit.start < at) continue; // nested inside an edit already applied (a removed member, say)
      this.#verbatim(at, edit.start);
      this.#segments.push(this.#out.length, edit.start, 0);
      this.#out += edit.text;
      at = edit.end;
    }
    this.#verbatim(at, end);
    return this;
  }

  get code(): string {
    return this.#out;
  }

  get segments(): readonly number[] {
    return this.#segments;
  }

  #verbatim(from: number, to: number): void {
    if (to <= from) return;
    this.#segments.push(this.#out.length, from, to - from);
    this.#out += this.js.slice(from, to);
  }

  *#editsWithin(start: number, end: number): Generator<Edit> {
    let lo = 0;
    let hi = this.#edits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#edits[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#edits.length && this.#edits[i]!.start <= end; i++) {
      const edit = this.#edits[i]!;
      if (edit.end <= end && (edit.start < end || edit.tail === true)) yield edit;
    }
  }
}
