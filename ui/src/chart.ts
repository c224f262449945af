// A small hand-written SVG line chart: a few series over time on one y axis from zero, a gap where a
// series has no value, the axis' top value and the time span written on it.

import type { ComponentChildren } from 'preact';
import { html } from './html.js';

export interface Series {
  readonly name: string;
  /** A CSS class giving the line its colour. */
  readonly tone: string;
  readonly values: ReadonlyArray<number | null>;
}

const WIDTH = 1200;
const HEIGHT = 200;
const PAD = { left: 64, right: 8, top: 10, bottom: 20 };

/** The points of one series as SVG path data, a new segment after each gap. */
function pathOf(values: ReadonlyArray<number | null>, x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

/** A round number of `unit`s at or above `max` for the axis top: 1, 2 or 5 times a power of ten. */
function niceTop(max: number, unit: number): number {
  if (max <= 0) return unit;
  const scaled = max / unit;
  const exp = 10 ** Math.floor(Math.log10(scaled));
  for (const m of [1, 2, 5, 10]) if (m * exp >= scaled) return m * exp * unit;
  return 10 * exp * unit;
}

export function LineChart({
  series,
  format,
  unit = 1,
  spanText,
}: {
  series: readonly Series[];
  format: (v: number) => string;
  /** The axis' step is a round number of these (1 MiB for bytes). */
  unit?: number;
  spanText: string;
}): ComponentChildren {
  const n = Math.max(0, ...series.map((s) => s.values.length));
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  const top = niceTop(max, unit);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (n <= 1 ? plotW : (i / (n - 1)) * plotW);
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return html`<div class="chart">
    <svg data-chart viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} width=${WIDTH} height=${HEIGHT} role="img" aria-label="memory over time">
      ${ticks.map(
        (t) => html`<g>
          <line class="grid-line" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(t * top)} y2=${y(t * top)} />
          <text class="axis" x=${PAD.left - 6} y=${y(t * top) + 4} text-anchor="end">${format(t * top)}</text>
        </g>`,
      )}
      <text class="axis" x=${PAD.left} y=${HEIGHT - 4}>${spanText}</text>
      <text class="axis" x=${WIDTH - PAD.right} y=${HEIGHT - 4} text-anchor="end">now</text>
      ${series.map((s) => html`<path class=${`line ${s.tone}`} d=${pathOf(s.values, x, y)} />`)}
    </svg>
    <div class="legend">
      ${series.map((s) => {
        const last = s.values.at(-1);
        return html`<span class="legend-item"><span class=${`swatch ${s.tone}`}></span>${s.name} ${last === null || last === undefined ? '–' : format(last)}</span>`;
      })}
    </div>
  </div>`;
}
