// The inspector's page: a header (which image, whether the feed is connected), the pane navigation
// and the pane shown. The token comes from the page's <meta name="imago-token">; the pane from the
// location's hash, so a reload keeps it.

import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from './api.js';
import { Classes } from './classes.js';
import { type ImageState, useImage } from './connection.js';
import { Health } from './health.js';
import { html } from './html.js';
import { Modules } from './modules.js';
import { INITIAL_REPL, Repl, type ReplState } from './repl.js';
import { Stores } from './stores.js';
import { Timeline } from './timeline.js';

const PANES = ['timeline', 'modules', 'classes', 'stores', 'health', 'repl'] as const;
type PaneName = (typeof PANES)[number];
const TITLES: Record<PaneName, string> = { timeline: 'Timeline', modules: 'Modules', classes: 'Classes', stores: 'Stores', health: 'Health', repl: 'REPL' };

function paneFromHash(): PaneName {
  const name = location.hash.slice(1);
  return (PANES as readonly string[]).includes(name) ? (name as PaneName) : 'timeline';
}

function Header({ image }: { image: ImageState }): ComponentChildren {
  const hello = image.hello;
  const open = image.connection === 'open';
  return html`<header class="top">
    <span class="brand">imago</span>
    ${
      hello
        ? html`<span class="file" title=${hello.root}>${hello.entry}</span>
          <span class="muted">pid ${hello.pid} · imago ${hello.imago} · typecheck ${hello.typecheck}</span>`
        : html`<span class="muted">waiting for the image…</span>`
    }
    <span class="spacer-flex"></span>
    <span class=${`connection ${open ? 'conn-open' : 'conn-closed'}`} data-connection=${open ? 'open' : 'closed'}>
      ${
        open
          ? '● live'
          : image.connection === 'connecting'
            ? '○ connecting…'
            : image.connection === 'busy'
              ? '○ the image refused this page’s event stream (16 pages open already?): asking again in a few seconds'
              : image.connection === 'gone'
                ? '○ this address is closed: the program stopped, or its inspector was closed (imago inspect prints its address now)'
                : '○ disconnected: reconnecting…'
      }
    </span>
  </header>`;
}

/** How long the structure must rest before the panes ask again. */
const SETTLE_MS = 250;

/** A number that moves when the program's code changed (an applied change, a start, a resume), or the page reconnected. */
function structureVersion(image: ImageState): number {
  let last = 0;
  for (let k = image.timeline.length - 1; k >= 0; k--) {
    const e = image.timeline[k]!;
    if ((e.event.kind === 'reload' && e.event.ok) || e.event.kind === 'ready' || e.event.kind === 'image') {
      last = e.id;
      break;
    }
  }
  return last + (image.hello?.client ?? 0) * 1e9;
}

/** `value`, once it has not changed for `ms`, or at the latest MAX_WAIT_MS after it first moved. */
function useSettled(value: number, ms: number): number {
  const [settled, setSettled] = useState(value);
  const since = useRef(0);
  useEffect(() => {
    if (value === settled) {
      since.current = 0;
      return;
    }
    if (since.current === 0) since.current = Date.now();
    const timer = setTimeout(() => setSettled(value), Math.max(0, Math.min(ms, since.current + MAX_WAIT_MS - Date.now())));
    return (): void => clearTimeout(timer);
  }, [value, settled, ms]);
  return settled;
}

/** A steady stream of changes (an autosave) still refreshes the panes this often. */
const MAX_WAIT_MS = 1000;

function App({ api }: { api: Api }): ComponentChildren {
  const image = useImage(api);
  const [pane, setPane] = useState<PaneName>(paneFromHash);
  const [repl, setRepl] = useState<ReplState>(INITIAL_REPL);
  useEffect(() => {
    const follow = (): void => setPane(paneFromHash());
    addEventListener('hashchange', follow);
    return (): void => removeEventListener('hashchange', follow);
  }, []);
  const go = (name: PaneName): void => {
    history.replaceState(null, '', `#${name}`);
    setPane(name);
  };
  // Panes that show the image's structure ask again when its code changes (not at every error or
  // check), or after a reconnect; a burst of changes makes them ask once.
  const changes = useSettled(structureVersion(image), SETTLE_MS);
  // Refusals since the last change that applied: what still stands between the files and the program.
  let refused = 0;
  for (let k = image.timeline.length - 1; k >= 0; k--) {
    const e = image.timeline[k]!.event;
    if ((e.kind === 'reload' && e.ok) || e.kind === 'ready') break;
    if ((e.kind === 'reload' || e.kind === 'load') && !e.ok) refused++;
  }
  // The same element while the timeline is the same: a health sample does not render every entry again.
  const timeline = useMemo(() => html`<${Timeline} api=${api} timeline=${image.timeline} />`, [api, image.timeline]);
  let body: ComponentChildren;
  switch (pane) {
    case 'timeline':
      body = timeline;
      break;
    case 'modules':
      body = html`<${Modules} api=${api} changes=${changes} />`;
      break;
    case 'classes':
      body = html`<${Classes} api=${api} changes=${changes} />`;
      break;
    case 'stores':
      body = html`<${Stores} api=${api} changes=${changes} />`;
      break;
    case 'health':
      body = html`<${Health} api=${api} samples=${image.samples} initial=${image.health} />`;
      break;
    case 'repl':
      body = html`<${Repl} api=${api} state=${repl} setState=${setRepl} />`;
      break;
    default: {
      const _: never = pane;
      body = _;
    }
  }
  return html`<div class="app">
    <${Header} image=${image} />
    <nav class="tabs">
      ${PANES.map(
        (
          name,
        ) => html`<button class=${`tab${name === pane ? ' active' : ''}`} data-nav=${name} aria-current=${name === pane ? 'page' : undefined} onClick=${() => go(name)}>
          ${TITLES[name]}${name === 'timeline' && image.timeline.length > 0 ? html` <span class="count">${image.timeline.length}${refused > 0 ? html` · <span class="bad">${refused} refused since the last applied</span>` : null}</span>` : null}
        </button>`,
      )}
    </nav>
    <main class="pane" data-pane=${pane} key=${pane}>${body}</main>
  </div>`;
}

function Root(): ComponentChildren {
  const token = document.querySelector('meta[name="imago-token"]')?.getAttribute('content') ?? '';
  const api = useMemo(() => new Api(token), [token]);
  if (token === '' || token.startsWith('%')) return html`<div class="error">This page has no session token: open the address imago printed.</div>`;
  return html`<${App} api=${api} />`;
}

render(html`<${Root} />`, document.body);
