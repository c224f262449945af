// What each module's versions did, kept for `describe`: when each top-level function's body was applied,
// and each class's data layout per layout version. Recorded once a change is past its point of no
// return (commit.ts), so a rejected change leaves no trace. Bounded: the last RECENT entries of each.

import type { FieldDecl } from '../compile/compiled-module.js';
import type { ClassIdentity } from './class-identity.js';
import type { LiveVersion } from './module-record.js';

/** How many applications (or layouts) of one function (or class) are kept; the count goes on past it. */
const RECENT = 50;

/** One application of a function's body: the module version that brought it, and when (ms since 1970). */
export interface Applied {
  readonly version: number;
  readonly at: number;
}

export interface FunctionHistory {
  /** Bodies this function has had (1 when it never changed). */
  count: number;
  /** The most recent applications, oldest first. */
  readonly recent: Applied[];
}

/** One data layout of a class, as it was installed. */
export interface LayoutEntry extends Applied {
  readonly layoutVersion: number;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: string; readonly initializer: string | null }>;
}

export class ModuleHistory {
  readonly functions = new Map<string, FunctionHistory>();
  readonly layouts = new Map<string, LayoutEntry[]>();
  /** When each module version was applied. */
  readonly versions: Applied[] = [];

  /** Records that `next` replaced `old` at `at` (functions whose text changed, classes whose layout did). */
  record(old: LiveVersion | null, next: LiveVersion, classes: ReadonlyMap<string, ClassIdentity>, at: number): void {
    const applied = { version: next.number, at };
    keep(this.versions, applied);
    const before = new Map(old?.compiled.functions.map((f) => [f.name, f.text]) ?? []);
    for (const f of next.compiled.functions) {
      if (before.get(f.name) === f.text) continue;
      const h = this.functions.get(f.name) ?? { count: 0, recent: [] };
      h.count++;
      keep(h.recent, applied);
      this.functions.set(f.name, h);
    }
    for (const name of next.compiled.classes.keys()) {
      const identity = classes.get(name);
      if (!identity) continue;
      const list = this.layouts.get(name) ?? [];
      if (list.at(-1)?.layoutVersion === identity.layoutVersion) continue;
      keep(list, { ...applied, layoutVersion: identity.layoutVersion, fields: identity.fields.map(fieldEntry) });
      this.layouts.set(name, list);
    }
  }
}

function fieldEntry(f: FieldDecl): LayoutEntry['fields'][number] {
  return { name: f.name, type: f.typeText, initializer: f.initializer };
}

function keep<T>(list: T[], entry: T): void {
  list.push(entry);
  if (list.length > RECENT) list.splice(0, list.length - RECENT);
}
