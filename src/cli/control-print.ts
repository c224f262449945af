// How `describe`, `deps` and `status` read on a terminal (the REPL's .describe and .deps print the same).

import type { Reply, StatusReply } from '../host/control/protocol.js';
import { plural } from '../runtime/words.js';

type Described = Extract<Reply, { kind: 'described' }>;
type Deps = Extract<Reply, { kind: 'deps' }>;

const clock = (at: number): string => new Date(at).toISOString().slice(11, 19);
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(10)} ${text}`;
}

export function describedText(r: Described): string {
  const w = r.what;
  const where = `${w.module}:${w.line}:${w.column}${w.exported ? ', exported' : ''}`;
  const lines: string[] = [];
  switch (w.kind) {
    case 'function': {
      lines.push(`function ${w.name}  (${where})`);
      if (r.type) lines.push(row('type', r.type));
      lines.push(row('size', `${r.sourceChars === null ? '?' : r.sourceChars} chars of source, ${w.compiledChars} chars compiled`));
      const recent = w.history.recent.map((a) => `v${a.version} ${clock(a.at)}`).join(', ');
      lines.push(row('versions', `${w.history.count}${recent ? ` (${recent})` : ''}`));
      lines.push(
        row(
          'identity',
          w.trampoline
            ? 'stable: a trampoline stands for it wherever it escapes (callbacks, exports), so references taken before an edit call the newest body'
            : 'called directly by its module (it never escapes)',
        ),
      );
      break;
    }
    case 'class': {
      lines.push(`class ${w.name}  (${where})`);
      const fields = w.fields.map((f) => `${f.name}${f.type ? `: ${f.type}` : ''}${f.initializer !== null ? ` = ${f.initializer}` : ''}`).join(', ');
      lines.push(row(`layout v${w.layoutVersion}`, fields || '(no fields)'));
      for (const l of w.layouts.slice(0, -1))
        lines.push(row(`  was v${l.layoutVersion}`, `${l.fields.map((f) => f.name).join(', ') || '(no fields)'}  (module v${l.version}, ${clock(l.at)})`));
      lines.push(row('methods', w.methods.join(', ') || '-'));
      if (w.statics.length > 0) lines.push(row('statics', w.statics.join(', ')));
      lines.push(row('stores', w.stores.map((s) => `${s.name}: ${plural(s.rows, 'row')}`).join(', ') || '-'));
      lines.push(
        row(
          'instances',
          w.instances ? `${w.instances.count} live (a heap walk: ${w.instances.ms.toFixed(0)} ms)` : 'not counted (ask with --instances: it walks the heap)',
        ),
      );
      break;
    }
    case 'binding':
      lines.push(
        `${w.scope === 'constant' ? 'const' : w.scope === 'enum' ? 'enum' : 'let'} ${w.name}  (${where}; module state: keeps its value across edits, unless an edit changes its own declaration${w.transient ? '; @transient: not saved in images' : ''})`,
      );
      if (r.type) lines.push(row('type', r.type));
      lines.push(row('value', r.value ?? ''));
      break;
    case 'import':
      lines.push(`import ${w.name}  (${where}; an alias of '${w.imported}' from '${w.from}', read through the module's link)`);
      if (r.type) lines.push(row('type', r.type));
      lines.push(row('value', r.value ?? ''));
      break;
  }
  return lines.join('\n');
}

export function depsText(r: Deps, offline: boolean): string {
  const count = r.groups.reduce((n, g) => n + g.references.length, 0);
  const files = new Set(r.groups.map((g) => g.file)).size;
  const lines = [`${r.target}: ${plural(count, 'reference')} in ${plural(files, 'file')}${offline ? ' (no image is running: from the files)' : ''}`];
  if (r.definition) lines.push(`  declared at ${r.definition.file}:${r.definition.line}:${r.definition.column}  ${r.definition.text}`);
  let file = '';
  for (const g of r.groups) {
    if (g.file !== file) {
      file = g.file;
      lines.push(`  ${file}`);
    }
    lines.push(`    ${g.container}`);
    for (const ref of g.references) lines.push(`      ${ref.line}:${ref.column}  ${ref.text}`);
  }
  if (r.stores.length > 0) lines.push(`  stores laid out by it: ${r.stores.map((s) => `${s.name} (${plural(s.rows, 'row')})`).join(', ')}`);
  return lines.join('\n');
}

export function statusText(r: StatusReply): string {
  const lines = [`imago: ${r.entry} (pid ${r.pid}), up ${duration(r.uptimeMs)}, root ${r.root}`];
  if (!r.loaded) lines.push(`the program has not loaded: its first load was ${r.firstLoad ?? 'not applied yet'}; fix it and save`);
  if (r.ticking !== 'none')
    lines.push(`tick: ${r.ticking === 'paused' ? 'paused by an error (an edit that applies, or a REPL input, resumes it)' : 'running'}`);
  lines.push(`modules (${r.modules.length})`);
  const width = Math.max(0, ...r.modules.map((m) => m.rel.length));
  for (const m of r.modules) lines.push(`  ${m.rel.padEnd(width)}  v${m.version}${m.appliedAt ? `  applied ${clock(m.appliedAt)}` : ''}`);
  lines.push(r.changes.length > 0 ? `last ${plural(r.changes.length, 'change')}` : 'no changes yet');
  for (const c of r.changes)
    lines.push(
      `  ${clock(c.at)}  ${c.ok ? 'applied ' : 'rejected'}  ${c.files.join(', ')}  ${c.ms.toFixed(0)} ms${c.ok ? '' : `  ${c.phase}: ${c.error ?? ''}`}`,
    );
  const check = r.typecheck.lastCheck;
  lines.push(
    `type checker: ${r.typecheck.mode}${check ? `; last whole-program check ${clock(check.at)}: ${check.ok ? 'no errors' : plural(check.errors, 'error')} (${check.ms.toFixed(0)} ms)` : ''}`,
  );
  lines.push(
    `memory: ${mb(r.memory.rss)} resident (heap ${mb(r.memory.heapUsed)})${r.memory.checkers !== null ? `; the checker ${mb(r.memory.checkers)}` : ''}`,
  );
  const active = Object.entries(r.resources.active)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  lines.push(
    `resources: ${plural(r.resources.ownedTimers, 'timer')} and ${plural(r.resources.disposers, 'dispose callback')} owned by top-level statements; ${plural(r.resources.processListeners, 'process listener')}; active: ${active || 'none'}`,
  );
  lines.push(`control clients: ${r.clients}`);
  if (r.inspector) lines.push(`inspector: ${r.inspector}`);
  return lines.join('\n');
}
