// A live value opened lazily, like DevTools' object inspector: each level is one `inspect` request
// (root, path, a page of 100 entries) and each entry opens in turn (the path one key longer). Generic
// over the root: a module's binding, a set of instances a heap walk found, a store's row.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Api, errorText } from './api.js';
import { html } from './html.js';
import type { Entry, InspectRoot, Preview } from './wire.js';

const PAGE = 100;

type Key = string | number;

interface Level {
  readonly entries: readonly Entry[];
  readonly total: number;
}

/** The text of a preview, with its type as a class for colour. */
export function PreviewText({ value }: { value: Preview }): ComponentChildren {
  return html`<span class=${`preview t-${value.type}`} data-preview title=${value.text}>${value.text}</span>`;
}

/**
 * The entries at `path` under `root`, a page at a time. `attrs` adds attributes to each entry's row
 * (the instances list numbers its rows with `data-instance`).
 */
export function TreeChildren({
  api,
  root,
  path,
  attrs,
}: {
  api: Api;
  root: InspectRoot;
  path: readonly Key[];
  attrs?: (entry: Entry, index: number) => Record<string, string | number>;
}): ComponentChildren {
  const [level, setLevel] = useState<Level | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = (offset: number): void => {
    setBusy(true);
    api.ask({ kind: 'inspect', root, path, offset, limit: PAGE }, 'inspected').then(
      (r) => {
        setLevel((before) => ({ entries: offset === 0 || !before ? r.entries : [...before.entries, ...r.entries], total: r.total }));
        setError(null);
        setBusy(false);
      },
      (e: unknown) => {
        setError(errorText(e));
        setBusy(false);
      },
    );
  };
  // a level is asked for once, when it is opened.
  useEffect(() => load(0), []);
  if (error && !level) return html`<div class="tree-children"><div class="error">${error}</div></div>`;
  if (!level) return html`<div class="tree-children"><div class="muted">…</div></div>`;
  const shown = level.entries.length;
  return html`<div class="tree-children">
    ${level.entries.map((entry, i) => html`<${TreeRow} key=${`${entry.key}`} api=${api} root=${root} path=${path} entry=${entry} extra=${attrs?.(entry, i)} />`)}
    ${shown === 0 ? html`<div class="muted">(empty)</div>` : null}
    ${error ? html`<div class="error">${error}</div>` : null}
    ${
      shown < level.total
        ? html`<button class="more" disabled=${busy} onClick=${() => load(shown)}>more (${shown.toLocaleString('en-US')} of ${level.total.toLocaleString('en-US')})</button>`
        : null
    }
  </div>`;
}

/** One entry: its label and preview, and a toggle to open it when it can be opened. */
function TreeRow({
  api,
  root,
  path,
  entry,
  extra,
}: {
  api: Api;
  root: InspectRoot;
  path: readonly Key[];
  entry: Entry;
  extra?: Record<string, string | number>;
}): ComponentChildren {
  const [open, setOpen] = useState(false);
  const expandable = entry.value.expandable;
  return html`<div class="tree-row" data-key=${String(entry.key)} ...${extra ?? {}}>
    <div class=${expandable ? 'tree-line opens' : 'tree-line'} onClick=${expandable ? () => setOpen(!open) : undefined}>
      ${expandable ? html`<span class="toggle" data-expand aria-expanded=${open}>${open ? '▾' : '▸'}</span>` : html`<span class="toggle-space"></span>`}
      ${entry.mapKey ? html`<${PreviewText} value=${entry.mapKey} /><span class="punct"> => </span>` : html`<span class="label">${entry.label}</span><span class="punct">: </span>`}
      <${PreviewText} value=${entry.value} />
    </div>
    ${open ? html`<${TreeChildren} api=${api} root=${root} path=${[...path, entry.key]} />` : null}
  </div>`;
}

/** A top-level value shown with its own name (a binding): opens to its entries at path []. */
export function ValueRoot({ api, root, value }: { api: Api; root: InspectRoot; value: Preview }): ComponentChildren {
  const [open, setOpen] = useState(false);
  if (!value.expandable) return html`<span class="tree-line"><${PreviewText} value=${value} /></span>`;
  return html`<span class="value-root">
    <span class="tree-line opens" onClick=${() => setOpen(!open)}>
      <span class="toggle" data-expand aria-expanded=${open}>${open ? '▾' : '▸'}</span><${PreviewText} value=${value} />
    </span>
    ${open ? html`<${TreeChildren} api=${api} root=${root} path=${[]} />` : null}
  </span>`;
}
