// Errors the running program throws outside a change (an uncaught exception, an unhandled rejection, a
// lifecycle hook that throws): said on stderr with the stack mapped into the TypeScript source, and
// published as `error` events. The program keeps running. Installs process-wide handlers and the stack
// mapper; `dispose` takes them away.

import { formatDiagnostic } from '../compile/diagnostic.js';
import type { Image } from '../runtime/image.js';
import type { LifecycleHook } from '../runtime/lifecycle.js';
import type { Reporter } from './report.js';
import { installStackMapper } from './stack-traces.js';

export type RuntimeErrorSource = 'uncaught' | 'rejection' | LifecycleHook;

export interface RuntimeErrors {
  /** Reports an error the program threw. */
  report(source: RuntimeErrorSource, error: unknown): void;
  /** True once the program's stop() threw. */
  readonly stopFailed: boolean;
  dispose(): void;
}

export function catchRuntimeErrors(image: Image, out: Reporter): RuntimeErrors {
  let stopFailed = false;
  const report = (source: RuntimeErrorSource, error: unknown): void => {
    const d = image.locate(error);
    const stack = error instanceof Error && error.stack ? error.stack : String(error);
    if (source === 'stop') stopFailed = true;
    const what = source === 'uncaught' ? 'uncaught error' : source === 'rejection' ? 'unhandled promise rejection' : `${source}() threw`;
    const then =
      source === 'tick'
        ? 'ticking is paused until the next change (or REPL input)'
        : source === 'stop'
          ? 'imago exits with code 1'
          : 'the program keeps running';
    out.line(`${what} (${then}):`);
    out.write(
      `${stack
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
    if (d.frame)
      out.write(
        `${formatDiagnostic(d)
          .split('\n')
          .slice(1)
          .map((l) => `  ${l}`)
          .join('\n')}\n`,
      );
    image.publish({ kind: 'error', source: source === 'rejection' ? 'uncaught' : source, message: d.message, errors: d.file ? [d] : [] });
  };
  const onUncaught = (error: unknown): void => report('uncaught', error);
  const onRejection = (error: unknown): void => report('rejection', error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);
  const unmapStacks = installStackMapper((file, line, column) => image.mapFrame(file, line, column));
  return {
    report,
    get stopFailed() {
      return stopFailed;
    },
    dispose() {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      unmapStacks();
    },
  };
}
