// The live feed from the image: one EventSource on `/events`. `hello` (first, and again after every
// reconnect) replaces what the page knows; `change` appends a timeline entry; `health` a sample.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import type { HealthSample, HealthView, Pushed, TimelineEntry } from './wire.js';

/** Health samples the page keeps for its chart (one a second: five minutes). */
export const KEPT_SAMPLES = 300;

export type ConnectionState = 'connecting' | 'open' | 'closed';

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
  useEffect(() => {
    const source = new EventSource(`/events?token=${encodeURIComponent(api.token)}`);
    source.onopen = (): void => setState((s) => ({ ...s, connection: 'open' }));
    // EventSource reconnects by itself; until the next `hello` the page shows it is cut off.
    source.onerror = (): void => setState((s) => ({ ...s, connection: 'closed' }));
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
      const entry = JSON.parse(e.data) as Pushed['change'];
      setState((s) => (s.timeline.some((t) => t.id === entry.id) ? s : { ...s, timeline: [...s.timeline, entry] }));
    });
    source.addEventListener('health', (e: MessageEvent<string>) => {
      const sample = JSON.parse(e.data) as Pushed['health'];
      setState((s) => {
        const samples = s.samples.length >= KEPT_SAMPLES ? s.samples.slice(s.samples.length - KEPT_SAMPLES + 1) : s.samples.slice();
        samples.push(sample);
        return { ...s, samples };
      });
    });
    return (): void => source.close();
  }, [api]);
  return state;
}
