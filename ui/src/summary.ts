// What a change did, in words: the lines a timeline entry shows for a `reload`'s ChangeSummary
// (functions, bindings, statements, classes, enums, modules, moves, layouts, migration, closures).

import { count, formatMs } from './format.js';
import type { ImageEvent } from './wire.js';

type ChangeSummary = Extract<ImageEvent, { kind: 'reload'; ok: true }>['summary'];
type LayoutReport = ChangeSummary['layouts'][number];

/** `2 changed, 1 added` for the non-zero parts of a counted triple, or null when all are zero. */
function parts(triple: Readonly<Record<string, number>>, words: Readonly<Record<string, string>>): string | null {
  const said = Object.entries(words)
    .filter(([k]) => (triple[k] ?? 0) > 0)
    .map(([k, word]) => `${triple[k]} ${word}`);
  return said.length > 0 ? said.join(', ') : null;
}

/** The names of a counted triple's parts (`changed move, metabolism; added spawn`), or null when none are kept. */
function named(names: Readonly<Record<string, readonly string[]>> | undefined, words: Readonly<Record<string, string>>): string | null {
  if (!names) return null;
  const said = Object.entries(words)
    .filter(([k]) => (names[k]?.length ?? 0) > 0)
    // Names are kept per name (a destructuring names several), the first 50 of each kind.
    .map(([k, word]) => `${word} ${names[k]!.join(', ')}${names[k]!.length >= 50 ? ', …' : ''}`);
  return said.length > 0 ? said.join('; ') : null;
}

/** One line per kind of thing the change touched; empty when it swapped nothing (a types-only edit). */
export function describeSummary(s: ChangeSummary): string[] {
  const lines: string[] = [];
  const add = (label: string, text: string | null): void => {
    if (text !== null) lines.push(`${label}: ${text}`);
  };
  const n = s.names;
  const triple = (
    label: string,
    counts: Readonly<Record<string, number>>,
    names: Readonly<Record<string, readonly string[]>> | undefined,
    words: Readonly<Record<string, string>>,
  ): void => add(label, named(names, words) ?? parts(counts, words));
  triple('functions', s.functions, n?.functions, { changed: 'changed', added: 'added', removed: 'removed' });
  triple('bindings', s.bindings, n?.bindings, { reevaluated: 're-evaluated', added: 'added', removed: 'removed' });
  add('statements', parts(s.effects, { run: 're-run', removed: 'removed' }));
  triple('classes', s.classes, n?.classes, { changed: 'changed', added: 'added', removed: 'removed' });
  if (s.enums.length > 0) add('enums', s.enums.join(', '));
  triple('modules', s.modules, n?.modules, { added: 'added', removed: 'removed' });
  for (const m of s.moved ?? []) lines.push(`moved: ${m.from} → ${m.to}`);
  if (s.migration) {
    const m = s.migration;
    lines.push(
      `migration: ${count(m.instances, 'instance')} in ${formatMs(m.ms)} (found in ${formatMs(m.discoveryMs)}), ${count(m.rows, 'store row')} in ${formatMs(m.storesMs)}`,
    );
  }
  if (s.closures) {
    const c = s.closures;
    if (c.followed > 0) lines.push(`closures: ${c.followed} site${c.followed === 1 ? '' : 's'} follow the new body`);
    for (const k of c.kept) lines.push(`closure kept: ${k.closure} made by ${k.madeBy} (${k.file}:${k.line}:${k.column}): ${k.reason}`);
  }
  return lines;
}

/** One layout change of one class: `Critter (world.ts): +speed -hp hp→health; 6 instances, 120 rows in 1 store`. */
export function describeLayout(l: LayoutReport): string {
  const changes: string[] = [];
  for (const f of l.added) changes.push(`+${f}`);
  for (const f of l.removed) changes.push(`-${f}`);
  for (const r of l.renamed) changes.push(`${r.from}→${r.to}`);
  for (const m of l.moved) changes.push(`${m.field} moved ${m.from}→${m.to}`);
  for (const r of l.retyped) changes.push(`${r.field}: ${r.from}→${r.to}${r.converted > 0 ? ` (${r.converted} converted)` : ''}`);
  for (const u of l.unmarkedRenames) changes.push(`-${u.removed} +${u.added} (no @renamed: values not kept)`);
  if (l.unchecked.length > 0) changes.push(`unchecked: ${l.unchecked.join(', ')}`);
  if (l.hook) changes.push('migrateInstance ran');
  const where = `${count(l.instances, 'instance')}${l.rows > 0 || l.stores > 0 ? `, ${count(l.rows, 'row')} in ${count(l.stores, 'store')}` : ''}`;
  return `${l.class} (${l.file}): ${changes.join(' ') || 'layout changed'}; ${where}`;
}
