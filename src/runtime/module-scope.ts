// The names a module's code sees at its top level, read and written the way its own compiled code does:
// state through the module's state record, functions through their stable trampolines, imports through
// the module's links. What the REPL evaluates in the scope of a module (host/control/evaluator.ts) sees
// and changes the same bindings the program does.

import { IDENT } from '../compile/emit-names.js';
import type { ModuleRecord } from './module-record.js';

export type ScopeKind = 'state' | 'constant' | 'class' | 'enum' | 'function' | 'import';

export interface ScopeName {
  readonly name: string;
  readonly kind: ScopeKind;
}

export interface ModuleScope {
  /** Absolute path, and as the user sees it. */
  readonly file: string;
  readonly rel: string;
  /** The running version's number and TypeScript source. */
  readonly version: number;
  readonly source: string;
  readonly names: ReadonlyMap<string, ScopeName>;
  get(name: string): unknown;
  /** Assigns a state binding; throws a TypeError that says why for anything else. */
  set(name: string, value: unknown): void;
}

/**
 * The scope of `record`'s running version, or null before it has one. `elided`: imports the compiler
 * dropped (nothing reads them as a value), read from their module's exports.
 */
export function moduleScope(record: ModuleRecord, elided: ReadonlyMap<string, () => unknown> = new Map()): ModuleScope | null {
  const version = record.version;
  if (!version) return null;
  const compiled = version.compiled;
  const names = new Map<string, ScopeName>();
  const add = (name: string, kind: ScopeKind): void => {
    if (IDENT.test(name)) names.set(name, { name, kind });
  };
  for (const local of compiled.imports.keys()) add(local, 'import');
  for (const local of elided.keys()) add(local, 'import');
  for (const item of compiled.items) {
    if (item.kind === 'effect') continue;
    const kind: ScopeKind =
      item.kind === 'class' ? 'class' : compiled.enums.has(item.names[0] ?? '') ? 'enum' : /^(?:export\s+)?const\b/.test(item.text) ? 'constant' : 'state';
    for (const name of item.names) add(name, kind);
  }
  for (const f of compiled.functions) add(f.name, 'function');
  return {
    file: record.id,
    rel: record.rel,
    version: version.number,
    source: version.source,
    names,
    get(name) {
      switch (names.get(name)?.kind) {
        case 'import':
          return compiled.imports.has(name) ? record.links[name] : elided.get(name)?.();
        case 'function':
          return record.trampolines[name] ?? version.functions[name];
        default:
          return record.state[name];
      }
    },
    set(name, value) {
      const kind = names.get(name)?.kind;
      if (kind === 'state' || kind === undefined) {
        record.state[name] = value;
        return;
      }
      const what = {
        constant: `'${name}' is a const of ${record.rel}`,
        class: `'${name}' is a class of ${record.rel}: edit its source to change it`,
        enum: `'${name}' is an enum of ${record.rel}: edit its source to change it`,
        function: `'${name}' is a function of ${record.rel}: edit its source to change it`,
        import: `'${name}' is imported by ${record.rel}: assign it in the module that declares it`,
      }[kind];
      throw new TypeError(`Assignment to constant variable: ${what}`);
    },
  };
}
