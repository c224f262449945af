// What an image is made with, and what asking it for a change gives back.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { CompileOptions } from '../compile/transpile.js';
import type { SavedImage } from '../image/api.js';
import type { Cohort, Coordinated } from './cohort.js';
import type { ChangeSummary, ImageEvent, Phase, TypecheckReport } from './events.js';
import type { Host } from './host.js';
import type { ChangeIntent } from './intent.js';
import type { PathAliases } from './resolve.js';
import type { ResumeInput } from './resume.js';
import type { SourceSnapshot } from './sources.js';
import type { TypecheckMode, TypeGate } from './type-gate.js';

export interface ImageOptions {
  readonly host: Host;
  /** Absolute path of the project root; paths in events are relative to it. */
  readonly root: string;
  /** Absolute path of the entry module. */
  readonly entry: string;
  /** Awaited before each commit: changes land only at safe points (between ticks). */
  readonly safePoint?: () => Promise<void>;
  /** Checks each change's types before it is applied. */
  readonly typeGate?: TypeGate;
  /** What a type error does (default: gate when a type gate is given). */
  readonly typecheck?: TypecheckMode;
  /** tsconfig `paths` aliases for bare specifiers. */
  readonly aliases?: PathAliases | null;
  /** Project settings for compiling modules. */
  readonly compileOptions?: CompileOptions;
  /** Stores keep where each row was removed, for stale-handle messages (IMAGO_DEBUG). */
  readonly debug?: boolean;
  /** An image file the first load resumes from (docs/images.md). */
  readonly resume?: ResumeInput;
  /** What the program's `saveImage()` does (the host writes the file); without it, saveImage() says --image is missing. */
  readonly saveImage?: () => Promise<SavedImage>;
  /** Programs that run this project's modules beside this one and take its changes with it (cohort.ts). */
  readonly cohort?: Cohort;
}

/** What applying a change did. */
export type ChangeResult =
  | {
      readonly kind: 'applied';
      readonly files: readonly string[];
      readonly ms: number;
      readonly applyMs: number;
      readonly summary: ChangeSummary;
      readonly typecheck?: TypecheckReport;
    }
  | { readonly kind: 'rejected'; readonly phase: Phase; readonly files: readonly string[]; readonly ms: number; readonly errors: readonly Diagnostic[] }
  | { readonly kind: 'unchanged' };

/** How a change is asked for. */
export interface ChangeOptions {
  /** The texts to apply, read when the edit was saved (else the change reads them as it begins). */
  readonly sources?: SourceSnapshot;
  /** The program asked for the files by `import()` (not an edit): the reload event says so. */
  readonly cause?: 'import';
  /**
   * What an explicit structural edit means beyond the texts (intent.ts). With an intent, `sources` are
   * what the files will hold: used as they are even if other files are being edited meanwhile.
   */
  readonly intent?: ChangeIntent;
  /** This image is a member of a cohort and the change is its coordinator's: the steps wait for its word (cohort.ts). */
  readonly coordinated?: Coordinated;
}

export type ImageListener = (event: ImageEvent) => void;
