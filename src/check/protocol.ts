// Messages between the type gate (main thread) and its checker worker. One tagged union each way.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { ProjectSettings } from './project-config.js';

export interface CheckerSetup {
  /** Project root (absolute). */
  readonly root: string;
  /** Entry file (absolute). */
  readonly entry: string;
}

export type ToChecker =
  | { readonly kind: 'open'; readonly setup: CheckerSetup }
  /**
   * Check after `changed` files changed (absolute path and the text to check, null when deleted): those
   * files, and their dependents where their API changed. The texts are what the change compiles.
   */
  | { readonly kind: 'check'; readonly id: number; readonly changed: ReadonlyArray<readonly [string, string | null]>; readonly all: boolean }
  /** Check `text` as the text of `file` (a REPL input appended to a module) and put the file back; `completeAt`: member completions there. */
  | { readonly kind: 'probe'; readonly id: number; readonly file: string; readonly text: string; readonly from: number; readonly completeAt?: number }
  /** The references to top-level `name` of `file` (or to its `member`). */
  | { readonly kind: 'deps'; readonly id: number; readonly file: string; readonly name: string; readonly member?: string }
  /** The type of top-level `name` of `file`. */
  | { readonly kind: 'symbol'; readonly id: number; readonly file: string; readonly name: string }
  /** Every place top-level `name` of `file` (or its `member`) is written, to the character (a rename's). */
  | { readonly kind: 'spans'; readonly id: number; readonly file: string; readonly name: string; readonly member?: string; readonly newName?: string }
  /** Check the whole program as the last check left it, giving way to any other question (background-check.ts). */
  | { readonly kind: 'background'; readonly id: number }
  | { readonly kind: 'close' };

/** A place in a project file, with its line's text. */
export interface SourcePlace {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

export interface ProbeAnswer {
  readonly kind: 'probed';
  readonly id: number;
  readonly ms: number;
  /** False when the file is not part of the checked program (nothing was checked). */
  readonly checked: boolean;
  /** Errors at or after `from`, their offsets counted from it. */
  readonly errors: ReadonlyArray<{ readonly offset: number; readonly code: string; readonly message: string }>;
  /** Member completions at `completeAt`; null when none were asked or the checker has none to give there. */
  readonly completions: readonly string[] | null;
}

export interface DepsAnswer {
  readonly kind: 'deps';
  readonly id: number;
  readonly ms: number;
  readonly found: boolean;
  /** Why nothing was found. */
  readonly message: string;
  readonly definition: SourcePlace | null;
  /** References grouped by file and by the declaration that contains them (`Critter.move`, `function report`, `top level`). */
  readonly groups: ReadonlyArray<{ readonly file: string; readonly container: string; readonly references: ReadonlyArray<Omit<SourcePlace, 'file'>> }>;
}

export interface SpansAnswer {
  readonly kind: 'spans';
  readonly id: number;
  readonly ms: number;
  readonly found: boolean;
  readonly message: string;
  /** Absolute file, UTF-16 offsets; `shorthand` must keep its local name (`{ x }` -> `{ y: x }`); `string` is quoted. */
  readonly spans: ReadonlyArray<{
    readonly file: string;
    readonly start: number;
    readonly end: number;
    readonly shape: 'name' | 'shorthand' | 'string';
    /** The class whose field this span declares (an override, or another class implementing the same interface member). */
    readonly declares?: string;
    /** A shorthand in an object literal (`{ f }`: its key stays) or in a destructuring (`{ f } = ns`: its local stays). */
    readonly in?: 'object' | 'binding';
    /** `{ hp: health }` or `const { hp: health } = c`: the name the property's value is, and where it ends (a rename to it is a shorthand again). */
    readonly value?: { readonly end: number; readonly text: string };
  }>;
  /** For a member: every member name an instance of the class has, inherited ones included. */
  readonly members: readonly string[];
  /** Places where `newName` already means something (a local, a parameter, an import): renaming there would capture it. */
  readonly clashes: ReadonlyArray<{ readonly file: string; readonly start: number }>;
}

export interface SymbolAnswer {
  readonly kind: 'symbol';
  readonly id: number;
  readonly ms: number;
  readonly found: boolean;
  /** The type as the checker prints it: `(n: number) => number`, `Critter[]`. */
  readonly type: string;
  /** Length of its declaration in the source. */
  readonly chars: number;
}

export type FromChecker =
  | {
      readonly kind: 'opened';
      readonly ms: number;
      readonly files: number;
      readonly config: string;
      readonly errors: readonly Diagnostic[];
      /** The project's tsconfig `paths` and class-field semantics, for the loader to follow. */
      readonly settings: ProjectSettings;
      /** TypeScript's process, when its client tells (for `imago status`'s memory figure). */
      readonly pid: number | null;
    }
  | {
      readonly kind: 'checked';
      readonly id: number;
      readonly ms: number;
      /** Files whose diagnostics were collected. */
      readonly checked: number;
      /** Every project file of the program now (absolute). */
      readonly files: readonly string[];
      readonly errors: readonly Diagnostic[];
      /** Problems reported once and not gated (a package without type declarations). */
      readonly notices: readonly string[];
    }
  | {
      readonly kind: 'background';
      readonly id: number;
      readonly ms: number;
      readonly checked: number;
      readonly errors: readonly Diagnostic[];
      /** A question moved the checker on before the check was through: nothing was found out. */
      readonly overtaken: boolean;
    }
  | ProbeAnswer
  | DepsAnswer
  | SymbolAnswer
  | SpansAnswer
  /** `fatal`: the checker cannot answer anything any more (TypeScript's process is gone): replace it. */
  | { readonly kind: 'failed'; readonly id: number; readonly message: string; readonly fatal?: boolean }
  /** TypeScript's process ended by itself (killed, crashed), asked or not: the checker is to be replaced. */
  | { readonly kind: 'ended'; readonly pid: number; readonly how: string };
