// The REPL pane: TypeScript run in the scope of a module of the running image (`eval`), type-checked
// first. Enter runs, Shift+Enter starts a new line, Up and Down walk the history. The session (its
// declarations) lives in the image per client; the log and history live in the App so that switching
// panes keeps them.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, errorText, type ReplyOf } from './api.js';
import { formatMs } from './format.js';
import { html } from './html.js';
import { useQuery } from './query.js';

type Answer =
  | ReplyOf<'value' | 'rejected' | 'thrown'>
  | { readonly kind: 'error'; readonly message: string }
  /** What a dot-command said. */
  | { readonly kind: 'note'; readonly text: string };

const HELP = `.timeout [ms]   how long an input may run before it is stopped (default 5000)
.clear          forget what this page declared in the module
.help           this help
Enter runs, Shift+Enter starts a new line, Up and Down walk the history.`;

export interface ReplOutput {
  readonly n: number;
  readonly module: string;
  readonly code: string;
  /** null while it runs. */
  readonly answer: Answer | null;
}

export interface ReplState {
  readonly module: string;
  readonly log: readonly ReplOutput[];
  readonly history: readonly string[];
  /** `.timeout`: how long an input may run (the image's default when absent). */
  readonly timeoutMs?: number;
}

export const INITIAL_REPL: ReplState = { module: '', log: [], history: [] };

function Answer({ answer }: { answer: Answer }): ComponentChildren {
  switch (answer.kind) {
    case 'value':
      return html`<pre class="out-value">${answer.text}</pre><div class="muted small">checked ${formatMs(answer.checkMs)}, ran ${formatMs(answer.runMs)}</div>`;
    case 'rejected':
      return html`${answer.errors.map(
        (
          d,
        ) => html`<div class="diag-head"><span class="file">${d.file}:${d.line}:${d.column}</span> ${d.code ? html`<span class="code">${d.code}</span> ` : null}${d.message}</div>
          ${d.frame ? html`<pre class="frame" data-frame>${d.frame}</pre>` : null}`,
      )}
      ${(answer.notices ?? []).map((n) => html`<div class="muted">${n}</div>`)}`;
    case 'thrown':
      return html`${answer.timedOut ? html`<div class="badge badge-bad">timed out</div>` : null}<pre class="out-thrown">${answer.text}</pre>
        ${(answer.notices ?? []).map((n) => html`<div class="muted">${n}</div>`)}`;
    case 'error':
      return html`<div class="error">${answer.message}</div>`;
    case 'note':
      return html`<pre class="out-note muted">${answer.text}</pre>`;
    default: {
      const _: never = answer;
      return _;
    }
  }
}

export function Repl({ api, state, setState }: { api: Api; state: ReplState; setState: (update: (s: ReplState) => ReplState) => void }): ComponentChildren {
  const modules = useQuery(() => api.ask({ kind: 'modules' }, 'modules'), [api]);
  const [input, setInput] = useState('');
  /** Where Up/Down stands in the history: its length when at the fresh input. */
  const [cursor, setCursor] = useState(state.history.length);
  const counter = useRef(state.log.length);
  // What `.timeout` set, read by the inputs that follow at once (before a render catches up).
  const timeout = useRef(state.timeoutMs);
  const logEnd = useRef<HTMLDivElement>(null);
  useEffect(() => logEnd.current?.scrollIntoView({ block: 'end' }), [state.log]);

  const run = (code: string): void => {
    const n = ++counter.current;
    const module = state.module;
    setState((s) => ({
      ...s,
      log: [...s.log, { n, module, code, answer: null }],
      history: s.history.at(-1) === code ? s.history : [...s.history, code],
    }));
    const settle = (answer: Answer): void => setState((s) => ({ ...s, log: s.log.map((o) => (o.n === n ? { ...o, answer } : o)) }));
    const failed = (e: unknown): void => settle({ kind: 'error', message: errorText(e) });
    const command = /^\.([a-z]+)\b\s*(.*)$/i.exec(code.trim());
    if (command) {
      const [, name, rest] = command;
      if (name === 'help') settle({ kind: 'note', text: HELP });
      else if (name === 'timeout' && rest === '') settle({ kind: 'note', text: `inputs may run ${timeout.current ?? 5000} ms` });
      else if (name === 'timeout') {
        const ms = Number(rest);
        if (!Number.isInteger(ms) || ms < 1 || ms > 2_147_483_647)
          settle({ kind: 'error', message: `.timeout takes a whole number of milliseconds from 1, not '${rest}'` });
        else {
          timeout.current = ms;
          setState((s) => ({ ...s, timeoutMs: ms }));
          settle({ kind: 'note', text: `inputs may run ${ms} ms` });
        }
      } else if (name === 'clear')
        api
          .ask({ kind: 'clear', ...(module ? { module } : {}) }, 'cleared')
          .then((r) => settle({ kind: 'note', text: r.names.length > 0 ? `forgot ${r.names.join(', ')}` : 'nothing to forget' }), failed);
      else settle({ kind: 'error', message: `no command .${name ?? ''}: .help lists them` });
      return;
    }
    api
      .ask({ kind: 'eval', code, ...(module ? { module } : {}), ...(timeout.current ? { timeoutMs: timeout.current } : {}) }, 'value', 'rejected', 'thrown')
      .then(settle, failed);
  };

  const onKey = (e: KeyboardEvent): void => {
    const area = e.currentTarget as HTMLTextAreaElement;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      // What the box holds now: a render may not have caught up with the last keystroke yet.
      const code = area.value;
      if (code.trim() === '') return;
      run(code);
      setInput('');
      // Past the last entry, as the history will stand (an input equal to the last one is not added again).
      setCursor(state.history.at(-1) === code ? state.history.length : state.history.length + 1);
      return;
    }
    // History only from the first line (Up) or the last (Down), so a multi-line input can be edited.
    const before = area.value.slice(0, area.selectionStart);
    const after = area.value.slice(area.selectionEnd);
    if (e.key === 'ArrowUp' && !before.includes('\n') && cursor > 0) {
      e.preventDefault();
      setCursor(cursor - 1);
      setInput(state.history[cursor - 1] ?? '');
    } else if (e.key === 'ArrowDown' && !after.includes('\n') && cursor < state.history.length) {
      e.preventDefault();
      setCursor(cursor + 1);
      setInput(state.history[cursor + 1] ?? '');
    }
  };

  const list = modules.value?.modules ?? [];
  return html`<div class="repl">
    <div class="repl-bar">
      <label>module <select data-repl-module value=${state.module} onChange=${(e: Event) => {
        const module = (e.currentTarget as HTMLSelectElement).value;
        setState((s) => ({ ...s, module }));
      }}>
        <option value="">(the entry)</option>
        ${list.map((m) => html`<option value=${m.rel}>${m.rel}</option>`)}
      </select></label>
      ${modules.error ? html`<span class="error">${modules.error}</span>` : null}
      <span class="muted">Enter runs · Shift+Enter new line · ↑/↓ history · declarations persist for this page</span>
    </div>
    <div class="repl-log">
      ${state.log.length === 0 ? html`<div class="muted">Type TypeScript below: it runs between ticks in the scope of the module, type-checked first.</div>` : null}
      ${state.log.map(
        (o) => html`<div class="repl-item" key=${o.n} data-repl-output=${o.answer ? '' : undefined} data-kind=${o.answer?.kind}>
          <pre class="repl-in"><span class="prompt">${o.module || 'entry'}></span> ${o.code}</pre>
          ${o.answer ? html`<${Answer} answer=${o.answer} />` : html`<div class="muted">running…</div>`}
        </div>`,
      )}
      <div ref=${logEnd}></div>
    </div>
    <textarea
      data-repl-input
      class="repl-input"
      rows=${Math.min(10, input.split('\n').length)}
      spellcheck=${false}
      placeholder="critters.size"
      value=${input}
      onInput=${(e: Event) => setInput((e.currentTarget as HTMLTextAreaElement).value)}
      onKeyDown=${onKey}
    ></textarea>
  </div>`;
}
