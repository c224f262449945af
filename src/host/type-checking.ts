// The session's type checking: the gate (a checker process that answers for each change, started before
// the first load so that load is gated too), the project settings it read (tsconfig `paths`, class-field
// semantics), and the background check of the whole program after each applied change.

import { BackgroundCheck } from '../check/background-check.js';
import { type ProjectSettings, readSettings } from '../check/project-config.js';
import { type OpenedGate, WorkerTypeGate } from '../check/type-gate.js';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { Timers } from '../runtime/host.js';
import type { Image } from '../runtime/image.js';
import type { TypecheckMode } from '../runtime/type-gate.js';
import { plural } from '../runtime/words.js';
import type { Reporter } from './report.js';

export interface TypeChecking {
  /** The gate, or null when checking is off (or the checker could not start). */
  readonly opened: OpenedGate | null;
  readonly settings: ProjectSettings;
  /** Starts the background check of the whole program after each change `image` applies. */
  attach(image: Image, timers: Timers): void;
  /** The last whole-program check that completed (the background check), whether or not it reported. */
  readonly lastCheck: { readonly at: number; readonly ok: boolean; readonly errors: number; readonly ms: number } | null;
  /** tsconfig.json changed: the next change and the next background check start a fresh checker. */
  restart(): void;
  /** Where what the checker has to say goes from now on (a warning of the image, once there is one). */
  sayWith(say: (message: string, errors?: readonly Diagnostic[]) => void): void;
  close(): void;
}

/** Opens the type gate for the program of `entry` (unless `mode` is off; `started`: already opening) and reads the project settings. */
export async function openTypeChecking(root: string, entry: string, mode: TypecheckMode, out: Reporter, started?: Promise<OpenedGate>): Promise<TypeChecking> {
  const opened =
    mode === 'off'
      ? null
      : await (started ?? WorkerTypeGate.open({ root, entry })).catch((e: unknown) => {
          out.line(`${(e as Error).message}; running without type checking (--typecheck=off)`);
          return null;
        });
  if (opened) {
    out.line(`type checker ready in ${opened.ms.toFixed(0)} ms (${opened.config}, ${plural(opened.files, 'file')})`);
    out.diagnostics(opened.configErrors);
  }
  // tsconfig paths and class-field semantics: from the checker, or read once when it is off.
  const settings = opened
    ? opened.settings
    : await readSettings(root, entry).catch((e: unknown): ProjectSettings => {
        out.line(`cannot read tsconfig.json (${(e as Error).message}); its paths and class-field settings are not applied`);
        return { aliases: null, compile: {} };
      });
  let say = (message: string, errors: readonly Diagnostic[] = []): void => {
    out.line(message);
    out.diagnostics(errors);
  };
  if (opened) opened.gate.onLost = (why) => say(`${why}; a new type checker checks the next change`);
  let background: BackgroundCheck | null = null;
  let restarts = 0;
  let closed = false;
  let unsubscribe: (() => void) | null = null;
  let lastCheck: TypeChecking['lastCheck'] = null;
  return {
    opened,
    settings,
    get lastCheck() {
      return lastCheck;
    },
    attach(image, timers) {
      if (!opened) return;
      const check = new BackgroundCheck(
        opened.gate,
        timers,
        (report) => image.publish({ kind: 'typecheck', ok: report.errors.length === 0, ms: report.ms, files: report.files, errors: report.errors }),
        (message) => out.line(message),
        (report) => {
          lastCheck = { at: Date.now(), ok: report.errors.length === 0, errors: report.errors.length, ms: report.ms };
        },
      );
      background = check;
      unsubscribe = image.subscribe((event) => {
        if (event.kind !== 'reload') return;
        if (event.ok) check.schedule();
        else check.cancel();
      });
    },
    restart() {
      if (!opened) return;
      // Its own problems are said as soon as the new checker has read it (the change that follows is
      // checked with it); only the last restart's, when saves come quickly.
      const restart = ++restarts;
      opened.gate.restart().then(
        (errors) => {
          if (errors.length === 0 || restart !== restarts) return;
          say('the changed tsconfig.json has problems (changes are checked with it as TypeScript reads it):', errors);
        },
        (e: unknown) => {
          if (closed || restart !== restarts) return;
          say(`the type checker cannot start with the changed tsconfig.json: ${(e as Error).message}; fix it and save (changes are rejected until then)`);
        },
      );
      background?.schedule();
    },
    sayWith(next) {
      say = next;
    },
    close() {
      closed = true;
      unsubscribe?.();
      opened?.gate.close();
      background?.close();
    },
  };
}
