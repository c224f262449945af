// imago's own lines on stderr, all prefixed `[imago]`; the program's output passes through untouched.
// What a change did, in words.

import { type Diagnostic, formatDiagnostic } from '../compile/diagnostic.js';
import type { ChangeSummary, LayoutReport } from '../runtime/events.js';
import { plural } from '../runtime/words.js';

/** `~2 functions, +1 binding`: what a change did, in the reload line. */
export function describeSummary(s: ChangeSummary): string {
  const parts: string[] = [];
  const f = s.functions;
  if (f.changed) parts.push(`~${plural(f.changed, 'function')}`);
  if (f.added) parts.push(`+${plural(f.added, 'function')}`);
  if (f.removed) parts.push(`-${plural(f.removed, 'function')}`);
  const b = s.bindings;
  if (b.added) parts.push(`+${plural(b.added, 'binding')}`);
  if (b.reevaluated) parts.push(`${plural(b.reevaluated, 'binding')} re-evaluated`);
  if (b.removed) parts.push(`-${plural(b.removed, 'binding')}`);
  if (s.effects.run) parts.push(`${plural(s.effects.run, 'statement')} run`);
  if (s.effects.removed) parts.push(`-${plural(s.effects.removed, 'statement')}`);
  const c = s.classes;
  if (c.changed) parts.push(`~${plural(c.changed, 'class', 'classes')}`);
  if (c.added) parts.push(`+${plural(c.added, 'class', 'classes')}`);
  if (c.removed) parts.push(`-${plural(c.removed, 'class', 'classes')}`);
  parts.push(...s.enums);
  if (s.closures?.followed) parts.push(`old closures at ${plural(s.closures.followed, 'place')} run the new body`);
  for (const l of s.layouts) parts.push(describeLayout(l));
  for (const m of s.moved ?? []) parts.push(`${m.from} moved to ${m.to} (state and functions kept)`);
  if (s.modules.added) parts.push(`+${plural(s.modules.added, 'module')}`);
  if (s.modules.removed) parts.push(`-${plural(s.modules.removed, 'module')}`);
  return parts.length > 0 ? parts.join(', ') : 'no code to swap';
}

/** `Player: +armor (10,000 instances, 5,000 rows in 1 store), -legacyId, hp→health (renamed)`: what a layout change did. */
export function describeLayout(l: LayoutReport): string {
  const items = [
    ...l.added.map((f) => `+${f}`),
    ...l.removed.map((f) => `-${f}`),
    ...l.renamed.map((r) => `${r.from}→${r.to} (renamed)`),
    ...l.moved.map((m) => (m.to === l.class ? `${m.field} moved from ${m.from}` : `${m.field} moved to ${m.to}`)),
    ...l.retyped.map((r) => `${r.field}: ${r.from}→${r.to}${r.converted ? ` (${r.converted.toLocaleString('en-US')} converted)` : ''}`),
  ];
  const counts = l.stores > 0 ? [`${plural(l.rows, 'row')} in ${plural(l.stores, 'store')}`] : [];
  if (l.instances > 0 || counts.length === 0) counts.unshift(plural(l.instances, 'instance'));
  const count = `(${counts.join(', ')})`;
  if (items.length === 0) items.push('layout');
  items[0] = `${items[0]} ${count}`;
  if (l.hook) items.push('migrateInstance ran');
  for (const u of l.unmarkedRenames) items.push(`${u.removed} removed, ${u.added} added — mark a rename to keep values`);
  if (l.unchecked.length > 0) items.push(`values of ${l.unchecked.join(', ')} kept unchecked (imago cannot check their types)`);
  // The storage the lowering gives an `accessor x` field is said as the field the source declares.
  return `${l.class}: ${items.join(', ')}`.replace(/#___accessor_([\w$]+)/g, 'accessor $1');
}

/** Places shown under the kept-closures line; the rest are counted (the `--events` record lists all). */
const SHOWN_PLACES = 5;

/**
 * `closures made by the old start() keep their old body until they are made again:` and a line per place
 * (`  main.ts:3:15 the function passed to setInterval(): it reads 'n', ...`), or [] when none do.
 */
export function describeKeptClosures(s: ChangeSummary): string[] {
  const kept = s.closures?.kept ?? [];
  if (kept.length === 0) return [];
  const makers = new Set(kept.map((k) => k.madeBy));
  const by = makers.size === 1 ? kept[0]!.madeBy : 'older code';
  const lines = [`closures made by ${by} keep their old body until they are made again:`];
  for (const k of kept.slice(0, SHOWN_PLACES))
    lines.push(`  ${k.file}:${k.line}:${k.column} ${k.closure}${makers.size > 1 ? ` (made by ${k.madeBy})` : ''}: ${k.reason}`);
  if (kept.length > SHOWN_PLACES) lines.push(`  and ${plural(kept.length - SHOWN_PLACES, 'more place')} (the --events record lists them all)`);
  return lines;
}

/** Indents a diagnostic under an imago line. */
export function indentDiagnostic(d: Diagnostic): string {
  return formatDiagnostic(d)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Writes imago lines to a stream. */
export class Reporter {
  constructor(readonly write: (text: string) => void) {}

  line(message: string): void {
    this.write(`[imago] ${message}\n`);
  }

  diagnostics(errors: readonly Diagnostic[]): void {
    for (const d of errors) this.write(`${indentDiagnostic(d)}\n`);
  }
}
