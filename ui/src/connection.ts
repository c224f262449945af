// The live feed from the image: one EventSource on `/events`. `hello` (first, and again after every
// reconnect) replaces what the page knows; `change` appends a timeline entry; `health` a sample.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import type { HealthSample, HealthView, Pushed, TimelineEntry } from './wire.js';

/** Health samples the page keeps for its chart (one a second: five minutes). */
export const KEPT_SAMPLES = 300;

/** Timeline entries the page keeps (the image keeps its last 1,000 changes and 200 other events). */
export const KEPT_ENTRIES = 1200;

/** `gone`: nothing answers at this address with this page's token (the program stopped, or its inspector was closed or opened anew); EventSource keeps trying. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'gone' | 'busy';

/** How long a page whose event stream was refused waits before it asks again. */
const RETRY_MS = 5000;

export interface ImageState {
  readonly connection: ConnectionState;
  readonly hello: Pushed['hello'] | null;
  /** Oldest first, as the image numbered them. */
  readonly timeline: readonly TimelineEntry[];
  readonly samples: readonly HealthSample[];
  /** The health view `hello` brought (ticking, checker); panes refresh it with `health`. */
  readonly health: HealthView | null;
}

const INITIAL: ImageState = { connection: 'connecting', hello: null, timeline: [], samples: [], health: null };

/** Subscribes to the image's pushed events for the life of the component. */
export function useImage(api: Api): ImageState {
  const [state, setState] = useState<ImageState>(INITIAL);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const source = new EventSource(`/events?token=${encodeURIComponent(api.token)}`);
    let retry: ReturnType<typeof setTimeout> | undefined;
    source.onopen = (): void => setState((s) => ({ ...s, connection: 'open' }));
    // EventSource reconnects by itself after a dropped connection; a refusal (the token is dead) ends it.
    source.onerror = (): void => {
      setState((s) => ({ ...s, connection: 'closed' }));
      // EventSource retries a dropped connection by itself, not a refused one: ask whether anything answers with this token.
      fetch(`/api?token=${encodeURIComponent(api.token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"id":0,"kind":"hello"}',
      }).then(
        (r) => {
          if (r.status === 403) setState((s) => ({ ...s, connection: 'gone' }));
          else if (source.readyState === EventSource.CLOSED) {
            // The image answers, but refused the stream (16 pages open already): try again in a while.
            setState((s) => ({ ...s, connection: 'busy' }));
            retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
          }
        },
        () => setState((s) => (s.connection === 'open' ? s : { ...s, connection: 'gone' })),
      );
    };
    // Entries that come in a burst (an error thrown on every tick) are added once per frame, not one render each.
    let pending: TimelineEntry[] = [];
    let frame = 0;
    const flush = (): void => {
      frame = 0;
      const batch = pending;
      pending = [];
      setState((s) => {
        const known = new Set(s.timeline.map((t) => t.id));
        const fresh = batch.filter((entry) => !known.has(entry.id));
        if (fresh.length === 0) return s;
        const timeline = [...s.timeline, ...fresh];
        return { ...s, timeline: timeline.length > KEPT_ENTRIES ? timeline.slice(timeline.length - KEPT_ENTRIES) : timeline };
      });
    };
    source.addEventListener('hello', (e: MessageEvent<string>) => {
      const hello = JSON.parse(e.data) as Pushed['hello'];
      api.setClient(hello.client);
      setState({
        connection: 'open',
        hello,
        timeline: hello.timeline,
        samples: hello.health.samples.slice(-KEPT_SAMPLES),
        health: hello.health,
      });
    });
    source.addEventListener('change', (e: MessageEvent<string>) => {
      pending.push(JSON.parse(e.data) as Pushed['change']);
      // A hidden tab draws no frames: what waits for one is bounded too.
      if (pending.length > KEPT_ENTRIES) pending.splice(0, pending.length - KEPT_ENTRIES);
      if (frame === 0) frame = requestAnimationFrame(flush);
    });
    source.addEventListener('health', (e: MessageEvent<string>) => {
      const sample = JSON.parse(e.data) as Pushed['health'];
      setState((s) => {
        const samples = s.samples.length >= KEPT_SAMPLES ? s.samples.slice(s.samples.length - KEPT_SAMPLES + 1) : s.samples.slice();
        samples.push(sample);
        return { ...s, samples };
      });
    });
    return (): void => {
      cancelAnimationFrame(frame);
      clearTimeout(retry);
      source.close();
    };
  }, [api, attempt]);
  return state;
}
