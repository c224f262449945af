// A change's source diff, asked for when its timeline entry is opened: each file's unified patch,
// its lines coloured (+ added, - removed, @@ hunk headers).

import type { ComponentChildren } from 'preact';
import type { Api } from './api.js';
import { html } from './html.js';
import { useQuery } from './query.js';

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('Index:') || line.startsWith('====')) return 'patch-head';
  if (line.startsWith('+')) return 'patch-add';
  if (line.startsWith('-')) return 'patch-del';
  if (line.startsWith('@@')) return 'patch-hunk';
  return 'patch-ctx';
}

export function Diff({ api, change }: { api: Api; change: number }): ComponentChildren {
  const q = useQuery(() => api.ask({ kind: 'diff', change }, 'diff'), [api, change]);
  if (q.error) return html`<div class="error">${q.error}</div>`;
  if (!q.value) return html`<div class="muted">loading the diff…</div>`;
  const d = q.value;
  return html`<div class="diff" data-diff>
    ${d.note ? html`<div class="muted">${d.note}</div>` : null}
    ${d.files.length === 0 ? html`<div class="muted">no file text changed</div>` : null}
    ${d.files.map(
      (f) => html`<div class="diff-file">
        <div class="diff-file-head"><span class="file">${f.file}</span> <span class="patch-add">+${f.added}</span> <span class="patch-del">-${f.removed}</span></div>
        ${
          f.tooLarge
            ? html`<div class="muted">the texts differ too much to diff here in the time allowed: compare them with git or your editor</div>`
            : f.patch === ''
              ? html`<div class="muted">text unchanged (or not readable as text)</div>`
              : html`<pre class="patch">${f.patch
                  .replace(/\n$/, '')
                  .split('\n')
                  .filter((_, k, lines) => k >= lines.findIndex((line) => line.startsWith('@@')))
                  .map((line) => html`<div class=${lineClass(line)}>${line || ' '}</div>`)}</pre>`
        }
      </div>`,
    )}
  </div>`;
}
