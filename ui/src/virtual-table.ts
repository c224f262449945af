// A handle store's rows, a million of them if need be, scrolled smoothly: fixed-height rows over a
// spacer as tall as all of them, only the rows in view (and a few more) in the DOM. Pages of 200 rows
// are asked for (`rows`) once the scroll has settled, never more than the view needs, and kept in a
// bounded LRU; a page that arrives re-renders only when it is in view. Pages in view are asked for
// again every second so the table follows the live store.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Api, errorText, type ReplyOf } from './api.js';
import { html } from './html.js';
import { Lru } from './lru.js';
import { TreeChildren } from './value-tree.js';

const ROW_HEIGHT = 22;
/** Column widths, px: the row number, the handle, each field. */
const NUM_WIDTH = 72;
const HANDLE_WIDTH = 130;
const CELL_WIDTH = 110;
/** Wider cells for what needs more digits or words: a float64's 17 digits, a plain value's preview. */
const WIDTHS: Readonly<Record<string, number>> = { f64: 170, value: 240 };
const PAGE = 200;
const OVERSCAN = 8;
/** Browsers cap an element's height (Firefox near 17.9 million px): past this the scroll position is scaled. */
const MAX_SPACER = 15_000_000;
/** Ms the scroll must rest before pages are asked for; and the longest a moving scroll waits. */
const SETTLE_MS = 34;
const MAX_WAIT_MS = 250;
const REFRESH_MS = 1000;
const CACHED_PAGES = 100;
const MAX_IN_FLIGHT = 4;

type Row = ReplyOf<'rows'>['rows'][number];

interface Page {
  readonly rows: readonly Row[];
  readonly at: number;
}

interface View {
  readonly scrollTop: number;
  readonly height: number;
}

/** The rows in view for a scroll position: the first, how far it is scrolled off, the last (exclusive). */
function visibleRange(view: View, total: number): { first: number; shift: number; start: number; end: number } {
  const full = total * ROW_HEIGHT;
  const spacer = Math.min(full, MAX_SPACER);
  const maxScroll = Math.max(0, spacer - view.height);
  const ratio = maxScroll > 0 ? Math.max(0, full - view.height) / maxScroll : 1;
  const virtualTop = Math.min(view.scrollTop, maxScroll) * ratio;
  const first = Math.min(Math.max(0, total - 1), Math.floor(virtualTop / ROW_HEIGHT));
  const shift = virtualTop - first * ROW_HEIGHT;
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(total, first + Math.ceil(view.height / ROW_HEIGHT) + 1 + OVERSCAN);
  return { first, shift, start, end };
}

export function VirtualTable({
  api,
  store,
  initialTotal,
  columns,
  kinds,
}: {
  api: Api;
  store: number;
  initialTotal: number;
  columns: readonly string[];
  /** Each column's element kind (`f32`, `value`, ...), for its width. */
  kinds: readonly string[];
}): ComponentChildren {
  const scroller = useRef<HTMLDivElement>(null);
  const cache = useRef(new Lru<number, Page>(CACHED_PAGES));
  const inFlight = useRef(new Set<number>());
  const [total, setTotal] = useState(initialTotal);
  const [names, setNames] = useState(columns);
  const [view, setView] = useState<View>({ scrollTop: 0, height: 400 });
  const [, setArrivals] = useState(0);
  const [error, setError] = useState<string | null>(null);
  /** A row clicked open below the table (its packed position), its values to inspect. */
  const [opened, setOpened] = useState<number | null>(null);
  // What the callbacks below read: the latest without re-subscribing them.
  const latest = useRef({ view, total });
  latest.current = { view, total };
  const frame = useRef(0);
  const settle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const waitingSince = useRef(0);

  const fetchPage = useCallback(
    (page: number): void => {
      inFlight.current.add(page);
      api.ask({ kind: 'rows', store, offset: page * PAGE, limit: PAGE }, 'rows').then(
        (r) => {
          inFlight.current.delete(page);
          cache.current.set(page, { rows: r.rows, at: Date.now() });
          setError(null);
          if (r.total !== latest.current.total) setTotal(r.total);
          if (r.columns.length > 0) setNames((before) => (before.join('\0') === r.columns.join('\0') ? before : r.columns));
          const { start, end } = visibleRange(latest.current.view, latest.current.total);
          if (page * PAGE < end && (page + 1) * PAGE > start) setArrivals((n) => n + 1);
        },
        (e: unknown) => {
          inFlight.current.delete(page);
          setError(errorText(e));
        },
      );
    },
    [api, store],
  );

  /** Asks for the pages in view that are missing (or older than `maxAge`), a few at a time. */
  const fetchVisible = useCallback(
    (maxAge: number): void => {
      waitingSince.current = 0;
      const { start, end } = visibleRange(latest.current.view, latest.current.total);
      if (end <= start) {
        if (latest.current.total === 0 && !inFlight.current.has(0) && maxAge < Number.POSITIVE_INFINITY) fetchPage(0);
        return;
      }
      const now = Date.now();
      for (let page = Math.floor(start / PAGE); page <= Math.floor((end - 1) / PAGE); page++) {
        if (inFlight.current.size >= MAX_IN_FLIGHT) break;
        if (inFlight.current.has(page)) continue;
        const cached = cache.current.get(page);
        if (cached && now - cached.at < maxAge) continue;
        fetchPage(page);
      }
    },
    [fetchPage],
  );

  const measure = useCallback((): void => {
    frame.current = 0;
    const el = scroller.current;
    if (!el) return;
    const head = el.firstElementChild instanceof HTMLElement ? el.firstElementChild.offsetHeight : 0;
    const next = { scrollTop: el.scrollTop, height: Math.max(0, el.clientHeight - head) };
    setView((v) => (v.scrollTop === next.scrollTop && v.height === next.height ? v : next));
  }, []);

  const onScroll = useCallback((): void => {
    // One render per frame however many scroll events come, and pages asked for once the scroll rests.
    if (frame.current === 0) frame.current = requestAnimationFrame(measure);
    const now = performance.now();
    if (waitingSince.current === 0) waitingSince.current = now;
    clearTimeout(settle.current);
    const wait = now - waitingSince.current >= MAX_WAIT_MS ? 0 : SETTLE_MS;
    settle.current = setTimeout(() => fetchVisible(Number.POSITIVE_INFINITY), wait);
  }, [measure, fetchVisible]);

  useLayoutEffect(() => {
    measure();
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      measure();
      fetchVisible(Number.POSITIVE_INFINITY);
    });
    observer.observe(el);
    return (): void => observer.disconnect();
  }, [measure, fetchVisible]);

  useEffect(() => {
    fetchVisible(Number.POSITIVE_INFINITY);
    const refresh = setInterval(() => fetchVisible(REFRESH_MS), REFRESH_MS);
    return (): void => {
      clearInterval(refresh);
      clearTimeout(settle.current);
      cancelAnimationFrame(frame.current);
    };
  }, [fetchVisible]);

  const { first, shift, start, end } = visibleRange(view, total);
  const spacer = Math.min(total * ROW_HEIGHT, MAX_SPACER);
  const top = Math.max(0, Math.min(view.scrollTop, Math.max(0, spacer - view.height)) - shift - (first - start) * ROW_HEIGHT);
  // Fixed widths: a row's layout never depends on its text (no min-content measuring while scrolling).
  const widths = names.map((_, c) => WIDTHS[kinds[c] ?? ''] ?? CELL_WIDTH);
  const cols = `${NUM_WIDTH}px ${HANDLE_WIDTH}px ${widths.map((w) => `${w}px`).join(' ') || `${CELL_WIDTH}px`}`;
  const width = NUM_WIDTH + HANDLE_WIDTH + (widths.reduce((a, b) => a + b, 0) || CELL_WIDTH);
  const rows: ComponentChildren[] = [];
  for (let i = start; i < end; i++) {
    const page = cache.current.peek(Math.floor(i / PAGE));
    const row = page?.rows[i - Math.floor(i / PAGE) * PAGE];
    // Keyed by the slot in the window, not the row: a scroll reuses the same elements and changes only
    // their text (a jump of thousands of rows would otherwise remove and create every element).
    const slot = i - start;
    if (row) {
      const at = row.row;
      rows.push(html`<div class=${`vrow${opened === at ? ' selected' : ''}`} key=${slot} data-row=${row.row} onClick=${() => setOpened(opened === at ? null : at)}>
        <span class="num">${row.row}</span><span class="num muted">${row.handle}</span>${names.map((_, c) => html`<span title=${row.cells[c] ?? ''}>${row.cells[c] ?? ''}</span>`)}
      </div>`);
    } else {
      rows.push(html`<div class="vrow pending" key=${slot} data-pending-row=${i}>
        <span class="num">${i}</span><span class="muted">…</span>${names.map(() => html`<span></span>`)}
      </div>`);
    }
  }
  return html`<div class="vtable">
    ${error ? html`<div class="error">${error}</div>` : null}
    <div class="rows-scroller" data-rows-scroller ref=${scroller} onScroll=${onScroll} style=${`--cols: ${cols}; --row: ${ROW_HEIGHT}px; --width: ${width}px`}>
      <div class="vrow vhead"><span>row</span><span>handle</span>${names.map((n) => html`<span title=${n}>${n}</span>`)}</div>
      <div class="spacer" style=${`height: ${spacer}px`}>
        <div class="vrows" style=${`transform: translateY(${top}px)`}>${rows}</div>
      </div>
    </div>
    ${
      opened !== null && opened < total
        ? html`<div class="row-detail" data-row-detail>
            <div class="muted">row ${opened.toLocaleString('en-US')} (click it again to close): its values as read now</div>
            <${TreeChildren} key=${opened} api=${api} root=${{ store, row: opened }} path=${[]} />
          </div>`
        : html`<div class="muted small">click a row to open its values</div>`
    }
    <div class="pane-note">${total.toLocaleString('en-US')} rows; rows ${end > start ? `${start.toLocaleString('en-US')}–${(end - 1).toLocaleString('en-US')}` : 'none'} in the page; ${cache.current.size === 1 ? '1 page' : `${cache.current.size} pages`} of ${PAGE} cached</div>
  </div>`;
}
