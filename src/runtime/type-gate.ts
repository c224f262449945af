// The seam for type checking changes (the check layer implements it; the runtime only asks).

import type { Diagnostic } from '../compile/diagnostic.js';
import type { CheckedTexts } from './sources.js';

/** gate: a change with type errors is rejected; warn: applied, errors reported; off: not checked. */
export type TypecheckMode = 'gate' | 'warn' | 'off';

export interface TypeGateResult {
  readonly errors: readonly Diagnostic[];
  /** Said once and not gated (a package without type declarations). */
  readonly notices: readonly string[];
  /** How many files were checked. */
  readonly checked: number;
  readonly ms: number;
  /** Begun as the file was saved, before the change asked (TypeGate implementations may check ahead). */
  readonly early?: boolean;
}

export interface TypeGate {
  /**
   * Checks the program with `texts` (absolute path -> text, null when deleted) as the changed files'
   * contents: the same bytes the change compiles. `all` checks every file.
   */
  check(texts: CheckedTexts, all: boolean): Promise<TypeGateResult>;
  /** True for a file of the checked program (including files only imported for their types). */
  knows(file: string): boolean;
  close(): void;
}
