// The timeline pane: everything that happened to the image, newest first. Each entry says what it was
// (a badge), which files, what it did or why it was refused (every diagnostic with its frame), and
// how long it took; an entry with a diff opens it on click.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Api } from './api.js';
import { Diff } from './diff.js';
import { count, formatBytes, formatMs, formatTime } from './format.js';
import { html } from './html.js';
import { describeLayout, describeSummary } from './summary.js';
import type { ImageEvent, TimelineEntry } from './wire.js';

type Diagnostic = Extract<ImageEvent, { kind: 'load' }>['errors'][number];

/** The `data-kind` of an entry (the end-to-end tests' names) and the badge it shows. */
export function entryKind(event: ImageEvent): { kind: string; badge: string; tone: 'ok' | 'bad' | 'warn' | 'info' } {
  switch (event.kind) {
    case 'ready':
      return { kind: 'ready', badge: 'ready', tone: 'ok' };
    case 'load':
      return { kind: 'load', badge: 'load refused', tone: 'bad' };
    case 'reload':
      if (!event.ok) return { kind: 'rejected', badge: 'refused', tone: 'bad' };
      return { kind: 'applied', badge: event.cause === 'import' ? 'imported' : event.cause === 'restored' ? 'restored' : 'applied', tone: 'ok' };
    case 'error':
      return { kind: 'error', badge: `error (${event.source})`, tone: 'bad' };
    case 'warning':
      return { kind: 'warning', badge: 'warning', tone: 'warn' };
    case 'typecheck':
      return { kind: 'typecheck', badge: event.ok ? 'whole-program check' : 'whole-program check: errors', tone: event.ok ? 'info' : 'warn' };
    case 'image':
      if (event.action === 'saved') return { kind: 'image', badge: 'image saved', tone: 'info' };
      if (event.action === 'resumed') return { kind: 'image', badge: 'image resumed', tone: 'info' };
      return { kind: 'image', badge: 'image save failed', tone: 'bad' };
    default: {
      const _: never = event;
      return _;
    }
  }
}

function filesOf(event: ImageEvent): readonly string[] {
  switch (event.kind) {
    case 'ready':
    case 'load':
    case 'reload':
      return event.files;
    case 'image':
      return [event.file];
    default:
      return [];
  }
}

function timings(event: ImageEvent): string | null {
  switch (event.kind) {
    case 'ready':
      return `${formatMs(event.ms)}${event.cached ? `, ${count(event.cached, 'module')} from the compile cache` : ''}`;
    case 'reload': {
      if (!event.ok) return formatMs(event.ms);
      const said = [`total ${formatMs(event.ms)}`];
      if (event.typecheck) said.push(`type check ${formatMs(event.typecheck.ms)}${event.typecheck.early ? ' (early)' : ''}`);
      // imago's own work in its two parts when the image says them; else as one figure.
      if (event.timings) said.push(`prepare ${formatMs(event.timings.prepareMs)}`, `commit ${formatMs(event.timings.commitMs)}`);
      else said.push(`apply ${formatMs(event.applyMs)}`);
      // The check and the prepare run side by side; the rest of the total is waiting (for the checker, busy
      // with the whole program, or for the safe point between ticks).
      const waited = event.ms - Math.max(event.typecheck?.ms ?? 0, event.timings?.prepareMs ?? event.applyMs) - (event.timings?.commitMs ?? 0);
      if (waited >= 20) said.push(`waited ${formatMs(waited)}`);
      return said.join(' · ');
    }
    case 'typecheck':
      return `${formatMs(event.ms)}, ${count(event.files, 'file')}`;
    case 'image':
      if (event.action === 'saved') return `${formatMs(event.ms)} (paused ${formatMs(event.pausedMs)})`;
      if (event.action === 'resumed') return formatMs(event.ms);
      return null;
    default:
      return null;
  }
}

function Diagnostics({ errors }: { errors: readonly Diagnostic[] }): ComponentChildren {
  return html`<ul class="diagnostics">
    ${errors.map(
      (d) => html`<li>
        <div class="diag-head"><span class="file">${d.file}:${d.line}:${d.column}</span> ${d.code ? html`<span class="code">${d.code}</span> ` : null}${d.message}</div>
        ${d.frame ? html`<pre class="frame" data-frame>${d.frame}</pre>` : null}
      </li>`,
    )}
  </ul>`;
}

/** What the entry did or why it failed: the body under its header line. */
function Details({ event }: { event: ImageEvent }): ComponentChildren {
  switch (event.kind) {
    case 'ready':
      return null;
    case 'load':
      return html`<div class="phase">refused at <b>${event.phase}</b></div><${Diagnostics} errors=${event.errors} />`;
    case 'reload': {
      if (!event.ok)
        return html`<div class="phase">refused at <b>${event.phase}</b>; the previous version runs on</div><${Diagnostics} errors=${event.errors} />`;
      const lines = describeSummary(event.summary);
      const layouts = event.summary.layouts;
      const typeErrors = event.typecheck?.errors ?? [];
      return html`<ul class="summary">
          ${lines.map((l) => html`<li>${l}</li>`)}
          ${layouts.map((l) => html`<li class="layout">layout: ${describeLayout(l)}</li>`)}
          ${lines.length === 0 && layouts.length === 0 ? html`<li class="muted">nothing to swap (types only, or the same text)</li>` : null}
        </ul>
        ${typeErrors.length > 0 ? html`<div class="phase">type errors reported (not gated):</div><${Diagnostics} errors=${typeErrors} />` : null}`;
    }
    case 'error':
      return html`<div class="message">${event.message}</div><${Diagnostics} errors=${event.errors} />`;
    case 'warning':
      return html`<div class="message">${event.message}</div><${Diagnostics} errors=${event.errors} />`;
    case 'typecheck':
      return event.ok
        ? html`<div class="muted">no errors</div>`
        : html`<div class="phase">${count(event.errors.length, 'error')}</div><${Diagnostics} errors=${event.errors} />`;
    case 'image':
      if (event.action === 'saved') {
        return html`<div>${formatBytes(event.bytes)}: ${count(event.bindings, 'binding')}, ${count(event.objects, 'object')}${
          event.skipped.length > 0 ? `; skipped ${event.skipped.join(', ')}` : ''
        }</div>`;
      }
      if (event.action === 'save-failed') return html`<div class="message">${event.message}</div>`;
      return html`<div>
          ${count(event.restored, 'binding')} restored, ${count(event.objects, 'object')}${event.initialized.length > 0 ? `; initialized: ${event.initialized.join(', ')}` : ''}${
            event.dropped.length > 0 ? `; dropped: ${event.dropped.join(', ')}` : ''
          }
        </div>
        <ul class="summary">${event.layouts.map((l) => html`<li class="layout">layout: ${describeLayout(l)}</li>`)}</ul>`;
    default: {
      const _: never = event;
      return _;
    }
  }
}

function Entry({ api, entry }: { api: Api; entry: TimelineEntry }): ComponentChildren {
  const [open, setOpen] = useState(false);
  const { kind, badge, tone } = entryKind(entry.event);
  const files = filesOf(entry.event);
  const time = timings(entry.event);
  const toggle = (e: MouseEvent): void => {
    // Selecting text in a frame must not close the entry.
    if (!entry.diff || (e.target instanceof Element && e.target.closest('pre, [data-diff]'))) return;
    setOpen(!open);
  };
  return html`<li class=${`entry tone-${tone}${entry.diff ? ' has-diff' : ''}${open ? ' open' : ''}`} data-entry=${entry.id} data-kind=${kind} onClick=${toggle}>
    <div class="entry-head">
      <span class="time">${formatTime(entry.at)}</span>
      <span class=${`badge badge-${tone}`}>${badge}</span>
      <span class="files" data-files>${files.join(', ')}</span>
      ${time ? html`<span class="timings">${time}</span>` : null}
      ${entry.diff ? html`<span class="diff-toggle">${open ? '▾ diff' : '▸ diff'}</span>` : null}
    </div>
    <div class="entry-body"><${Details} event=${entry.event} /></div>
    ${open ? html`<${Diff} api=${api} change=${entry.id} />` : null}
  </li>`;
}

/** Entries shown at first, and how many more each "older" click shows. */
const SHOWN = 200;

export function Timeline({ api, timeline }: { api: Api; timeline: readonly TimelineEntry[] }): ComponentChildren {
  const [shown, setShown] = useState(SHOWN);
  if (timeline.length === 0) return html`<div class="empty">Nothing has happened yet: save a file of the program.</div>`;
  const newestFirst = timeline.slice(Math.max(0, timeline.length - shown)).reverse();
  const older = timeline.length - newestFirst.length;
  return html`<ol class="timeline">
    ${newestFirst.map((entry) => html`<${Entry} key=${entry.id} api=${api} entry=${entry} />`)}
    ${older > 0 ? html`<li class="more"><button onClick=${() => setShown(shown + SHOWN)}>${count(older, 'older entry', 'older entries')}: show ${Math.min(SHOWN, older)} more</button></li>` : null}
  </ol>`;
}
