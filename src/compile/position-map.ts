// Maps a position in emitted code back to the TypeScript source, in two exact steps: emitted -> the
// transpiled JavaScript (through the segments the emitter recorded), then JavaScript -> TypeScript
// (through oxc's source map). Built lazily: nothing is decoded until a stack trace or rejection needs it.

import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { lineStarts, offsetAt, positionAt, type SourcePosition } from './source-text.js';
import type { RawSourceMap } from './transpile.js';

/** Segments of emitted text copied verbatim from the JavaScript: [emittedStart, jsStart, length]. */
export type Segments = readonly number[];

/** A PositionMap as plain data: its constructor's arguments. */
export type PositionData = readonly [emitted: string, segments: Segments, js: string, map: RawSourceMap | null];

export class PositionMap {
  #emittedStarts: number[] | null = null;
  #jsStarts: number[] | null = null;
  #trace: TraceMap | null = null;

  constructor(
    private readonly emitted: string,
    private readonly segments: Segments,
    private readonly js: string,
    private readonly map: RawSourceMap | null,
  ) {}

  /** What the map is made of, as plain data (for the compile cache), and back: nothing decoded is kept. */
  toData(): PositionData {
    return [this.emitted, this.segments, this.js, this.map];
  }

  static fromData(data: PositionData): PositionMap {
    return new PositionMap(...data);
  }

  /** The JavaScript offset that emitted offset `at` came from (inserted text maps to the next copy). */
  jsOffset(at: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length / 3 - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid * 3]! <= at) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return segs.length > 0 ? segs[1]! : 0;
    const start = segs[best * 3]!;
    const js = segs[best * 3 + 1]!;
    const len = segs[best * 3 + 2]!;
    if (at < start + len) return js + (at - start);
    const next = best + 1;
    return next * 3 < segs.length ? segs[next * 3 + 1]! : js + len;
  }

  /** The TypeScript position of a JavaScript offset. */
  sourceOfJs(jsOffset: number): SourcePosition {
    this.#jsStarts ??= lineStarts(this.js);
    const pos = positionAt(this.#jsStarts, jsOffset);
    if (!this.map) return pos;
    this.#trace ??= new TraceMap({ ...this.map, version: 3, file: null, sources: this.map.sources.length ? this.map.sources : ['source'] });
    const orig = originalPositionFor(this.#trace, { line: pos.line, column: pos.column - 1 });
    if (orig.line === null || orig.column === null) return this.#lastMappedBefore(pos.line) ?? pos;
    return { line: orig.line, column: orig.column + 1 };
  }

  /**
   * Code the compiler generated has no place of its own (`_decorate(...)` after a decorated class): the
   * last mapped place before it stands for it, rather than a JavaScript position past the source's end.
   */
  #lastMappedBefore(line: number): SourcePosition | null {
    for (let l = line; l >= 1 && l > line - 200; l--) {
      const orig = originalPositionFor(this.#trace!, { line: l, column: Number.MAX_SAFE_INTEGER, bias: GREATEST_LOWER_BOUND });
      if (orig.line !== null && orig.column !== null) return { line: orig.line, column: orig.column + 1 };
    }
    return null;
  }

  /**
   * The TypeScript position of the first mapped token at or after a JavaScript offset on its line (a
   * function's `(` has no mapping of its own; its first parameter or its body has), else as sourceOfJs.
   */
  sourceAtOrAfter(jsOffset: number): SourcePosition {
    this.#jsStarts ??= lineStarts(this.js);
    const pos = positionAt(this.#jsStarts, jsOffset);
    if (!this.map) return pos;
    this.#trace ??= new TraceMap({ ...this.map, version: 3, file: null, sources: this.map.sources.length ? this.map.sources : ['source'] });
    const orig = originalPositionFor(this.#trace, { line: pos.line, column: pos.column - 1, bias: LEAST_UPPER_BOUND });
    if (orig.line === null || orig.column === null) return this.sourceOfJs(jsOffset);
    return { line: orig.line, column: orig.column + 1 };
  }

  /** The TypeScript position of a 1-based line and column in the emitted code. */
  source(line: number, column: number): SourcePosition {
    this.#emittedStarts ??= lineStarts(this.emitted);
    return this.sourceOfJs(this.jsOffset(offsetAt(this.#emittedStarts, line, column)));
  }
}
