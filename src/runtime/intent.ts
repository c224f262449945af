// What an explicit structural edit (`imago edit rename-field Critter.x px`) tells a change beyond the
// new texts: the programmer's intent, which a text diff can only guess. A field renamed by intent keeps
// its values as if the source carried `/** @renamed x */`, without the marker in the file.

import type { CompiledModule, FieldDecl } from '../compile/compiled-module.js';

export interface FieldRename {
  /** Absolute path of the module declaring the class. */
  readonly file: string;
  readonly className: string;
  readonly from: string;
  readonly to: string;
}

/** A top-level function renamed: references taken before (callbacks, timers, exports) reach it under its new name. */
export interface FunctionRename {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/**
 * A top-level name renamed (a function, class, binding or enum): the modules the edit rewrote compare
 * their statements and closures with the old version as if it had been written with the new name, so a
 * statement whose only change is the rename is not run again, and the binding's value or the class's
 * identity moves to the new name (runtime/rename-names.ts).
 */
export interface NameRename {
  /** Absolute path of the module declaring it. */
  readonly file: string;
  /** `member`: a class's method or an enum's member (`from` and `to` are member names: only `.from` is translated). */
  readonly kind: 'function' | 'class' | 'binding' | 'member';
  readonly from: string;
  readonly to: string;
  /** For a member of an enum: the enum (declared in `file`), which runs again with the new name but keeps its values. */
  readonly enumName?: string;
  /** Absolute paths of every module the edit rewrote (the declaring one included). */
  readonly files: readonly string[];
}

/** A top-level function or class moved to another module: its identity goes with it (runtime/move-names.ts). */
export interface NameMove {
  /** Absolute paths of the module it leaves and the one it joins. */
  readonly from: string;
  readonly to: string;
  readonly name: string;
  readonly kind: 'function' | 'class';
}

export interface ChangeIntent {
  readonly fieldRenames: readonly FieldRename[];
  readonly functionRenames?: readonly FunctionRename[];
  readonly nameRenames?: readonly NameRename[];
  readonly moves?: readonly NameMove[];
}

/** `compiled` (of module `file`) with the intent's renames on its classes' fields. */
export function withIntent(compiled: CompiledModule, file: string, intent: ChangeIntent | undefined): CompiledModule {
  const functions = intent?.functionRenames?.filter((r) => r.file === file && compiled.functions.some((f) => f.name === r.to)) ?? [];
  const withFunctions = functions.length === 0 ? compiled : { ...compiled, renamedFunctions: new Map(functions.map((r) => [r.to, r.from])) };
  const moves = intent?.moves?.filter((m) => m.to === file) ?? [];
  const withMoves = moves.length === 0 ? withFunctions : { ...withFunctions, movedIn: moves };
  return withFields(withNames(withMoves, file, intent), file, intent);
}

function withNames(compiled: CompiledModule, file: string, intent: ChangeIntent | undefined): CompiledModule {
  const renames = intent?.nameRenames?.filter((r) => r.files.includes(file)) ?? [];
  if (renames.length === 0) return compiled;
  const own = renames.filter((r) => r.file === file && r.kind !== 'member');
  return {
    ...compiled,
    renamedNames: {
      words: new Map(renames.filter((r) => r.kind !== 'member').map((r) => [r.from, r.to])),
      members: new Map(renames.filter((r) => r.kind === 'member').map((r) => [r.from, r.to])),
      bindings: new Map(own.filter((r) => r.kind !== 'function').map((r) => [r.from, r.to])),
      classes: new Map(own.filter((r) => r.kind === 'class').map((r) => [r.from, r.to])),
      quiet: new Set(renames.flatMap((r) => (r.file === file && r.enumName !== undefined ? [r.enumName] : []))),
    },
  };
}

function withFields(compiled: CompiledModule, file: string, intent: ChangeIntent | undefined): CompiledModule {
  const renames = intent?.fieldRenames.filter((r) => r.file === file) ?? [];
  if (renames.length === 0) return compiled;
  const classes = new Map(compiled.classes);
  for (const r of renames) {
    const info = classes.get(r.className);
    if (!info) continue;
    // The intent wins over a marker the source still carries from an earlier rename.
    const fields = info.fields.map((f): FieldDecl => (f.name === r.to ? { ...f, renamedFrom: r.from } : f));
    classes.set(r.className, { ...info, fields });
  }
  return { ...compiled, classes };
}
