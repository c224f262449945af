// The classes pane: every class with its layout now (fields: type = initializer), the layouts it had
// before, methods, statics and the handle stores it lays out. "Count instances" walks the heap (the
// program pauses for it, and the reply says how long) and lists what it found through the value tree.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Api, errorText, type ReplyOf } from './api.js';
import { count, formatMs, formatTime } from './format.js';
import { html } from './html.js';
import { useQuery } from './query.js';
import { TreeChildren } from './value-tree.js';
import type { ClassView } from './wire.js';

type Fields = ClassView['fields'];

function FieldList({ fields }: { fields: Fields }): ComponentChildren {
  if (fields.length === 0) return html`<span class="muted">no fields</span>`;
  return html`<ul class="fields">
    ${fields.map(
      (f) =>
        html`<li><span class="name">${f.name}</span><span class="punct">: </span><span class="type">${f.type}</span>${
          f.initializer === null ? null : html`<span class="punct"> = </span><span class="init">${f.initializer}</span>`
        }</li>`,
    )}
  </ul>`;
}

function Instances({ api, cls }: { api: Api; cls: ClassView }): ComponentChildren {
  const [found, setFound] = useState<ReplyOf<'instances'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const countThem = (): void => {
    setBusy(true);
    api.ask({ kind: 'instances', module: cls.module, name: cls.name }, 'instances').then(
      (r) => {
        setFound(r);
        setError(null);
        setBusy(false);
      },
      (e: unknown) => {
        setError(errorText(e));
        setBusy(false);
      },
    );
  };
  return html`<div class="instances">
    <button data-count-instances disabled=${busy} onClick=${countThem} title="Walks the whole heap: the program pauses while it runs">
      ${busy ? 'walking the heap…' : found ? 'Count again' : 'Count instances'}
    </button>
    <span class="muted"> walks the heap; the program pauses for it</span>
    ${error ? html`<div class="error">${error}</div>` : null}
    ${
      found
        ? html`<div class="instance-count" data-instance-count>${found.count.toLocaleString('en-US')} live instance${found.count === 1 ? '' : 's'} (heap walk: ${formatMs(found.ms)})${
            cls.stores.length > 0
              ? html`<span class="muted"> (rows of its stores are not instances: ${cls.stores.map((s) => `${s.name} ${s.rows.toLocaleString('en-US')}`).join(', ')})</span>`
              : null
          }${found.count > 10_000 ? html`<span class="muted"> (the first 10,000 are listed)</span>` : null}</div>
          ${
            found.count > 0
              ? html`<div class="instance-list"><${TreeChildren} key=${found.set} api=${api} root=${{ instances: found.set }} path=${[]} attrs=${(_: unknown, i: number) => ({ 'data-instance': i })} /></div>`
              : null
          }`
        : null
    }
  </div>`;
}

function ClassCard({ api, cls }: { api: Api; cls: ClassView }): ComponentChildren {
  const [history, setHistory] = useState(true);
  const before = cls.layouts.slice(0, -1);
  return html`<section class="card class" data-class=${`${cls.module}:${cls.name}`}>
    <div class="card-head">
      <span class="name">${cls.exported ? 'export ' : ''}class ${cls.name}</span>
      <span class="file">${cls.module}:${cls.line}</span>
      <span class="badge badge-info">layout v${cls.layoutVersion}</span>
      ${cls.stores.map((s) => html`<span class="badge">${s.name}: ${count(s.rows, 'row')}</span>`)}
    </div>
    <div class="card-body">
      <div class="col">
        <h3>fields</h3>
        <${FieldList} fields=${cls.fields} />
      </div>
      <div class="col">
        <h3>methods</h3>
        <div class="names">${cls.methods.length > 0 ? cls.methods.join(', ') : html`<span class="muted">none</span>`}</div>
        <h3>statics</h3>
        <div class="names">${cls.statics.length > 0 ? cls.statics.join(', ') : html`<span class="muted">none</span>`}</div>
      </div>
    </div>
    ${
      before.length > 0
        ? html`<div class="layouts">
            <button class="link" onClick=${() => setHistory(!history)}>${history ? '▾' : '▸'} ${count(cls.layouts.length, 'layout')} (history)</button>
            ${
              history
                ? html`<ol class="layout-history">
                    ${cls.layouts.map(
                      (l) => html`<li>
                        <span class="badge">layout v${l.layoutVersion}</span> <span class="muted">module v${l.version}, ${formatTime(l.at)}</span>
                        <${FieldList} fields=${l.fields} />
                      </li>`,
                    )}
                  </ol>`
                : null
            }
          </div>`
        : null
    }
    <${Instances} api=${api} cls=${cls} />
  </section>`;
}

export function Classes({ api, changes }: { api: Api; changes: number }): ComponentChildren {
  const q = useQuery(() => api.ask({ kind: 'classes' }, 'classes'), [api, changes]);
  if (!q.value) return q.error ? html`<div class="error">${q.error}</div>` : html`<div class="muted">loading classes…</div>`;
  return html`<div class="classes">
    ${q.error ? html`<div class="error">${q.error}</div>` : null}
    ${q.value.classes.length === 0 ? html`<div class="empty">The program defines no classes.</div>` : null}
    ${q.value.classes.map((c) => html`<${ClassCard} key=${`${c.module}:${c.name}`} api=${api} cls=${c} />`)}
  </div>`;
}
