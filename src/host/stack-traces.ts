// Stack traces that point into the TypeScript source. Node's own source-map support does not cover
// code from vm.compileFunction (checked on Node 20.20), so imago maps frames of its compiled modules
// itself. This is the one global hook imago installs; `install` returns its disposer.

/** A frame's source location, null when not the mapper's, or false for frames imago adds (trampolines). */
import { fileURLToPath } from 'node:url';
import { withoutCompiledNames } from '../runtime/compiled-names.js';

/** imago's own compiled code: its frames are left out of the program's stack traces. */
const OWN_CODE = fileURLToPath(new URL('../', import.meta.url));

type FrameMapper = (filename: string, line: number, column: number) => string | null | false;

const mappers = new Set<FrameMapper>();
let previous: ((error: Error, frames: NodeJS.CallSite[]) => unknown) | undefined;
let installed = false;

/** A mapped frame's function name, when it is one of imago's (a statement is `__imago_I`): left out, as Node shows top-level code. */
const COMPILED_FUNCTION = /^(?:async )?(?:[\w$]+\.)?__imago_\w+ \((.*)\)$/;

function mapFrame(frame: NodeJS.CallSite): string | null {
  const text = frame.toString();
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (!file || line === null || column === null) return text;
  if (file.startsWith(OWN_CODE) || file.startsWith(`file://${OWN_CODE}`)) return null;
  for (const mapper of mappers) {
    const mapped = mapper(file, line, column);
    if (mapped === false) return null;
    if (mapped) return text.replace(`${file}:${line}:${column}`, mapped).replace(COMPILED_FUNCTION, '$1');
  }
  return text;
}

function prepare(error: Error, frames: NodeJS.CallSite[]): string {
  // V8 writes the failing expression into some messages: imago's compiled names are left out of them.
  if (typeof error.message === 'string' && error.message.includes('__imago_')) {
    try {
      error.message = withoutCompiledNames(error.message);
    } catch {
      /* a frozen error keeps its message */
    }
  }
  const head = (() => {
    try {
      return Error.prototype.toString.call(error);
    } catch {
      return 'Error';
    }
  })();
  const lines = [head];
  for (const f of frames) {
    const mapped = mapFrame(f);
    if (mapped !== null) lines.push(`    at ${mapped}`);
  }
  return lines.join('\n');
}

/** Maps stack frames through `mapper` (one per image) until the returned disposer is called. */
export function installStackMapper(mapper: FrameMapper): () => void {
  mappers.add(mapper);
  if (!installed) {
    previous = Error.prepareStackTrace;
    Error.prepareStackTrace = prepare;
    installed = true;
  }
  return () => {
    mappers.delete(mapper);
    if (mappers.size === 0 && installed && Error.prepareStackTrace === prepare) {
      if (previous) Error.prepareStackTrace = previous;
      else delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
      installed = false;
    }
  };
}
