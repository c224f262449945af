// The modules pane: every module of the image with its version and exports; an opened module shows
// its bindings (values open lazily in the value tree) and its functions with how many bodies each has
// had. Asked again whenever a change lands while the pane is shown.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Api } from './api.js';
import { count, formatAgo, formatTime } from './format.js';
import { html } from './html.js';
import { useQuery } from './query.js';
import { ValueRoot } from './value-tree.js';
import type { ModuleView } from './wire.js';

function ModuleDetails({ api, rel, changes }: { api: Api; rel: string; changes: number }): ComponentChildren {
  const [readAt, setReadAt] = useState(0);
  const q = useQuery(
    () =>
      api.ask({ kind: 'module', module: rel }, 'module').then((r) => {
        setReadAt(Date.now());
        return r;
      }),
    [api, rel, changes],
  );
  if (!q.value) return q.error ? html`<div class="error">${q.error}</div>` : html`<div class="muted">reading the module at the next safe point…</div>`;
  return html`${q.error ? html`<div class="error">reading it again failed: ${q.error} (the values below are older)</div>` : null}<div class="read-at muted">values as read at ${formatTime(readAt)} (they are read again after each change) · <button class="link" data-read-again onClick=${q.reload}>read again</button></div>
    <${ModuleBody} api=${api} module=${q.value.module} />`;
}

function ModuleBody({ api, module }: { api: Api; module: ModuleView }): ComponentChildren {
  return html`<div class="module-details">
    <h3>bindings</h3>
    ${
      module.bindings.length === 0
        ? html`<div class="muted">none</div>`
        : html`<table class="grid bindings">
            <thead><tr><th>name</th><th>kind</th><th>exported</th><th>value</th></tr></thead>
            <tbody>
              ${module.bindings.map(
                (b) => html`<tr data-binding=${b.name}>
                  <td class="name">${b.name}</td>
                  <td class="muted">${b.kind}</td>
                  <td>${b.exported ? 'export' : ''}</td>
                  <td class="value"><${ValueRoot} key=${`${module.rel}:${b.name}:${module.version}`} api=${api} root=${{ module: module.rel, name: b.name }} value=${b.value} /></td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${module.bindingCount > module.bindings.length ? html`<div class="muted">the first ${module.bindings.length} of ${count(module.bindingCount, 'binding')}</div>` : null}`
    }
    <h3>functions</h3>
    ${
      module.functions.length === 0
        ? html`<div class="muted">none</div>`
        : html`<table class="grid functions">
            <thead><tr><th>name</th><th>line</th><th>exported</th><th>versions</th><th>last applied</th></tr></thead>
            <tbody>
              ${module.functions.map(
                (f) => html`<tr data-function=${f.name}>
                  <td class="name">${f.name}</td>
                  <td class="num">${f.line}</td>
                  <td>${f.exported ? 'export' : ''}</td>
                  <td class="num">${f.versions}</td>
                  <td class="muted">${f.lastAt === null ? '' : formatTime(f.lastAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${module.classes.length > 0 ? html`<h3>classes</h3><div>${module.classes.join(', ')}</div>` : null}
  </div>`;
}

export function Modules({ api, changes }: { api: Api; changes: number }): ComponentChildren {
  const q = useQuery(() => api.ask({ kind: 'modules' }, 'modules'), [api, changes]);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (rel: string): void => {
    const next = new Set(open);
    if (next.has(rel)) next.delete(rel);
    else next.add(rel);
    setOpen(next);
  };
  if (!q.value) return q.error ? html`<div class="error">${q.error}</div>` : html`<div class="muted">loading modules…</div>`;
  const now = Date.now();
  return html`<div class="modules">
    ${q.error ? html`<div class="error">${q.error}</div>` : null}
    <div class="pane-note">${count(q.value.modules.length, 'module')}; click one to open it</div>
    <ul class="module-list">
      ${q.value.modules.map(
        (m) => html`<li class=${`module${open.has(m.rel) ? ' open' : ''}`} key=${m.rel}>
          <div class="module-head" data-module=${m.rel} onClick=${() => toggle(m.rel)}>
            <span class="toggle">${open.has(m.rel) ? '▾' : '▸'}</span>
            <span class="file">${m.rel}</span>
            <span class="badge badge-info">v${m.version}</span>
            <span class="muted">${m.appliedAt === null ? 'not applied' : `applied ${formatTime(m.appliedAt)} (${formatAgo(m.appliedAt, now)})`}</span>
            <span class="exports">${m.exportCount > 0 ? `exports ${m.exports.join(', ')}${m.exportCount > m.exports.length ? `, … (${m.exportCount})` : ''}` : 'no exports'}</span>
          </div>
          ${open.has(m.rel) ? html`<${ModuleDetails} api=${api} rel=${m.rel} changes=${changes} />` : null}
        </li>`,
      )}
    </ul>
  </div>`;
}
