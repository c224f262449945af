// The health pane: memory over the last samples (rss, V8 heap, the checker's processes) as a chart,
// the event loop's delay and the tick rate of the latest sample, and the type checker's state, asked
// for every few seconds.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import { LineChart } from './chart.js';
import { formatAgo, formatBytes, formatMs, formatTime } from './format.js';
import { html } from './html.js';
import { useQuery } from './query.js';
import type { HealthSample, HealthView } from './wire.js';

const REFRESH_MS = 3000;

export function Health({ api, samples, initial }: { api: Api; samples: readonly HealthSample[]; initial: HealthView | null }): ComponentChildren {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return (): void => clearInterval(timer);
  }, []);
  const q = useQuery(() => api.ask({ kind: 'health' }, 'health'), [api, tick]);
  const view: HealthView | null = q.value ?? initial;
  const last = samples.at(-1);
  const spanS = samples.length >= 2 ? Math.round((samples[samples.length - 1]!.at - samples[0]!.at) / 1000) : 0;
  const check = view?.typecheck.lastCheck ?? null;
  return html`<div class="health" data-health>
    ${q.error ? html`<div class="error">${q.error}</div>` : null}
    <section class="card">
      <div class="card-head"><span class="name">memory</span><span class="muted">${samples.length} samples, one a second</span></div>
      <${LineChart}
        series=${[
          { name: 'rss', tone: 's1', values: samples.map((s) => s.rss) },
          { name: 'heap used', tone: 's2', values: samples.map((s) => s.heapUsed) },
          { name: 'checkers', tone: 's3', values: samples.map((s) => s.checkers) },
        ]}
        format=${formatBytes}
        unit=${1024 * 1024}
        spanText=${spanS > 0 ? `${spanS}s ago` : ''}
      />
    </section>
    <div class="stats">
      <section class="card stat" data-loop-delay>
        <div class="stat-label">event-loop delay</div>
        ${
          last
            ? html`<div class="stat-value">p50 ${formatMs(last.loopP50)} · p99 ${formatMs(last.loopP99)} · max ${formatMs(last.loopMax)}</div>`
            : html`<div class="muted">no sample yet</div>`
        }
      </section>
      <section class="card stat" data-tick-rate>
        <div class="stat-label">tick rate</div>
        <div class="stat-value">${!last ? '–' : last.ticksPerSecond === null ? 'no tick' : `${last.ticksPerSecond.toFixed(1)} ticks/s`}</div>
        <div class="muted">ticking: ${view?.ticking === 'paused' ? 'paused: a tick threw; it resumes at the next change that applies (or a REPL input)' : (view?.ticking ?? '?')}</div>
      </section>
      <section class="card stat" data-typecheck-state>
        <div class="stat-label">type checker</div>
        <div class="stat-value">${view ? `${view.typecheck.mode}: ${view.typecheck.state}` : '?'}</div>
        <div class="muted">
          ${
            check
              ? `last whole-program check ${formatTime(check.at)} (${formatAgo(check.at, Date.now())}): ${check.ok ? 'no errors' : `${check.errors} error${check.errors === 1 ? '' : 's'}`}, ${formatMs(check.ms)}`
              : 'no whole-program check yet'
          }
        </div>
      </section>
    </div>
  </div>`;
}
