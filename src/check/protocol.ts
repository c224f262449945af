// Messages between the type gate (main thread) and its checker worker. One tagged union each way.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { ProjectSettings } from './project-config.js';

export interface CheckerSetup {
  /** Project root (absolute). */
  readonly root: string;
  /** Entry file (absolute). */
  readonly entry: string;
  /**
   * A checker nobody waits for (the background check): it runs at a low priority (nice 10, and
   * TypeScript's process with it), so it never takes the CPU from the program or from the gate.
   */
  readonly background?: boolean;
}

export type ToChecker =
  | { readonly kind: 'open'; readonly setup: CheckerSetup }
  /**
   * Check after `changed` files changed (absolute path and the text to check, null when deleted): those
   * files, and their dependents where their API changed. The texts are what the change compiles.
   */
  | { readonly kind: 'check'; readonly id: number; readonly changed: ReadonlyArray<readonly [string, string | null]>; readonly all: boolean }
  | { readonly kind: 'close' };

export type FromChecker =
  | {
      readonly kind: 'opened';
      readonly ms: number;
      readonly files: number;
      readonly config: string;
      readonly errors: readonly Diagnostic[];
      /** The project's tsconfig `paths` and class-field semantics, for the loader to follow. */
      readonly settings: ProjectSettings;
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
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
