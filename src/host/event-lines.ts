// The session's reporter: subscribes to an image and says on stderr what each event means. Runtime
// errors are said by the part that caught them (runtime-errors.ts), which has their stack.

import { formatDiagnostic } from '../compile/diagnostic.js';
import { assertNever } from '../runtime/events.js';
import type { Image } from '../runtime/image.js';
import type { TypecheckMode } from '../runtime/type-gate.js';
import { plural } from '../runtime/words.js';
import { describeKeptClosures, describeLayout, describeSummary, type Reporter } from './report.js';

export interface EventLinesOptions {
  readonly typecheck: TypecheckMode;
  readonly watch: boolean;
  /** The entry, as the ready line names it. */
  readonly entry: string;
  /** What the members of the image's cohort are, as a reload line counts them (default: worker threads). */
  readonly members?: 'worker thread' | 'worker process';
}

const megabytes = (n: number): string => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);

/** Prints every event of `image` through `out`; returns the disposer. */
export function printEvents(image: Image, out: Reporter, options: EventLinesOptions): () => void {
  /** Type errors the last reload already reported (under warn): not repeated as "elsewhere". */
  let warned = new Set<string>();
  const typecheckNote = (t: { ms: number; files: number; early?: boolean } | undefined): string =>
    t ? `; ${plural(t.files, 'file')} type-checked in ${t.ms.toFixed(1)} ms${t.early ? ', begun on save' : ''}` : '';
  const membersNote = (n: number | undefined): string =>
    n ? (options.members === 'worker process' ? `; in ${plural(n, 'worker process', 'worker processes')}` : `; also in ${plural(n, 'worker thread')}`) : '';
  return image.subscribe((event) => {
    switch (event.kind) {
      case 'reload':
        if (event.ok && event.cause === 'restored') {
          out.line(
            `${event.files.join(', ')} ${event.files.length > 1 ? 'match' : 'matches'} the running version again: nothing to swap, the rejected change is cleared`,
          );
        } else if (event.ok) {
          out.line(
            `${event.cause === 'import' ? 'loaded' : 'reloaded'} ${event.files.join(', ')}${event.cause === 'import' ? ' for import()' : ''} in ${event.ms.toFixed(1)} ms (${describeSummary(event.summary)}${membersNote(event.members)}${typecheckNote(event.typecheck)})`,
          );
          const [kept, ...places] = describeKeptClosures(event.summary);
          if (kept) out.line(kept);
          for (const p of places) out.write(`${p}\n`);
          if (event.typecheck && event.typecheck.errors.length > 0) {
            out.line(`type errors (applied anyway: --typecheck=${options.typecheck}):`);
            out.diagnostics(event.typecheck.errors);
          }
          warned = new Set((event.typecheck?.errors ?? []).map((d) => formatDiagnostic(d)));
        } else {
          out.line(`rejected change to ${event.files.join(', ')} (${event.phase}); the previous version keeps running`);
          out.diagnostics(event.errors);
        }
        break;
      case 'load':
        out.line(`cannot start ${event.files.join(', ')} (${event.phase}); ${options.watch ? 'waiting for a fix' : 'not waiting for a fix (--no-watch)'}`);
        out.diagnostics(event.errors);
        if (event.phase === 'typecheck' && event.errors.some((d) => d.code?.startsWith('TS')))
          out.line('to run it despite type errors, start it with --typecheck=warn');
        break;
      case 'ready':
        out.line(
          `running ${options.entry} (${plural(event.files.length, 'module')}${event.cached ? `, ${event.cached} compiled by an earlier run` : ''}${event.workers !== undefined ? `, in ${plural(event.workers, 'worker process', 'worker processes')}` : ''}) in ${event.ms.toFixed(0)} ms${options.watch ? '; watching for changes' : ''}`,
        );
        break;
      case 'typecheck': {
        const elsewhere = event.errors.filter((d) => !warned.has(formatDiagnostic(d)));
        if (event.errors.length === 0) out.line('the whole program type-checks again');
        else if (elsewhere.length > 0) {
          out.line(`type errors elsewhere in the program (not blocking; found by the background check of ${event.files} files):`);
          out.diagnostics(elsewhere);
        }
        break;
      }
      case 'warning':
        out.line(event.message);
        out.diagnostics(event.errors);
        break;
      case 'image':
        if (event.action === 'saved') {
          out.line(
            `saved ${event.file} (${megabytes(event.bytes)}, ${plural(event.bindings, 'binding')}, ${plural(event.objects, 'object')}; program paused ${event.pausedMs.toFixed(0)} ms, ${event.ms.toFixed(0)} ms in all)`,
          );
          for (const s of event.skipped)
            out.line(
              `not saved: ${s}. The whole binding is left out and starts from its initializer on resume (to leave such a value out on purpose, mark the binding or the class field holding it /** @transient */)`,
            );
        } else if (event.action === 'save-failed') out.line(`could not save ${event.file}: ${event.message}; the previous image is left whole`);
        else {
          out.line(
            `resumed from ${event.file}: ${plural(event.restored, 'binding')} restored, ${plural(event.objects, 'object')} in ${event.ms.toFixed(0)} ms`,
          );
          for (const l of event.layouts) out.line(`migrated on load: ${describeLayout(l)}`);
          for (const s of event.initialized) out.line(`initialized again: ${s}`);
          for (const s of event.kept) out.line(`kept: ${s}`);
          for (const s of event.dropped) out.line(`not restored: ${s}`);
        }
        break;
      case 'error':
        break;
      default:
        assertNever(event);
    }
  });
}
