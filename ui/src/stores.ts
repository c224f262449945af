// The stores pane: every live handle store (rows, capacity, layout, bytes, columns with their kind,
// type and size); the selected one's rows in a virtually scrolled table.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Api } from './api.js';
import { formatBytes } from './format.js';
import { html } from './html.js';
import { useQuery } from './query.js';
import { VirtualTable } from './virtual-table.js';
import type { StoreView } from './wire.js';

/** Bytes of a store's columns (the rest of its bytes are its handle stamps, free list and slot tables). */
function columnBytes(store: StoreView): number {
  return store.columns.reduce((n, c) => n + c.bytes, 0);
}

function Columns({ store }: { store: StoreView }): ComponentChildren {
  return html`<div class="pane-note">${formatBytes(store.bytes)} in all: columns ${formatBytes(columnBytes(store))}, handles and free list ${formatBytes(store.bytes - columnBytes(store))}</div>
  <table class="grid columns">
    <thead><tr><th>column</th><th>kind</th><th>type</th><th>bytes</th></tr></thead>
    <tbody>
      ${store.columns.map(
        (c) => html`<tr>
          <td class="name">${c.name}</td><td class="muted">${c.kind}</td><td class="type">${c.type ?? ''}</td><td class="num">${formatBytes(c.bytes)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export function Stores({ api, changes }: { api: Api; changes: number }): ComponentChildren {
  const q = useQuery(() => api.ask({ kind: 'stores' }, 'stores'), [api, changes]);
  const [selected, setSelected] = useState<number | null>(null);
  if (!q.value) return q.error ? html`<div class="error">${q.error}</div>` : html`<div class="muted">loading stores…</div>`;
  const stores = q.value.stores;
  const current = stores.find((s) => s.tag === selected) ?? null;
  return html`<div class="stores">
    ${q.error ? html`<div class="error">${q.error}</div>` : null}
    ${stores.length === 0 ? html`<div class="empty">No live handle stores (imago/store).</div>` : null}
    ${
      stores.length === 0
        ? null
        : html`<table class="grid store-list">
      <thead><tr><th>store</th><th>class</th><th>rows</th><th>capacity</th><th>layout</th><th>bytes</th><th>columns</th></tr></thead>
      <tbody>
        ${stores.map(
          (
            s,
          ) => html`<tr class=${`clickable${s.tag === selected ? ' selected' : ''}`} data-store=${s.tag} onClick=${() => setSelected(s.tag === selected ? null : s.tag)}>
            <td class="name">${s.name}</td>
            <td>${s.className}</td>
            <td class="num">${s.rows.toLocaleString('en-US')}</td>
            <td class="num">${s.capacity.toLocaleString('en-US')}</td>
            <td class="muted">${s.layout}</td>
            <td class="num" title=${`columns ${formatBytes(columnBytes(s))}, handles and free list ${formatBytes(s.bytes - columnBytes(s))}`}>${formatBytes(s.bytes)}</td>
            <td class="muted">${s.columns.map((c) => c.name).join(', ')}</td>
          </tr>`,
        )}
      </tbody>
    </table>`
    }
    ${
      current
        ? html`<div class="store-detail">
            <${Columns} store=${current} />
            <${VirtualTable} key=${current.tag} api=${api} store=${current.tag} initialTotal=${current.rows} columns=${current.columns.map((c) => c.name)} kinds=${current.columns.map((c) => c.kind)} />
          </div>`
        : stores.length > 0
          ? html`<div class="pane-note">Select a store to see its rows.</div>`
          : null
    }
  </div>`;
}
