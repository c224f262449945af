// When whatever reads imago's standard output or error goes away (`imago run app.ts | head -1`, a
// supervisor or terminal that died), every write to it fails with EPIPE. Unhandled, each failure became
// an uncaught error that imago reported on the same broken stream, failing again: a loop that kept a
// core busy and the event loop too busy to hear SIGTERM. Here such failures are handled: imago's own
// lines stop, the program's output is dropped, and the program keeps running (its events file, if any,
// says so). Installs error listeners on both streams; returns their disposer.

export interface OutputGuard {
  /** Writes an imago line to stderr unless its reader is gone. */
  readonly stderr: (text: string) => void;
  readonly dispose: () => void;
}

type Stream = NodeJS.WriteStream;

/** `onGone(which)` is told once per stream whose reader went away. */
export function guardOutput(
  onGone: (which: 'stdout' | 'stderr', error: Error) => void,
  out: Stream = process.stdout,
  err: Stream = process.stderr,
): OutputGuard {
  const gone = { stdout: false, stderr: false };
  const listener = (which: 'stdout' | 'stderr') => (e: Error) => {
    if (gone[which]) return;
    gone[which] = true;
    onGone(which, e);
  };
  const onOut = listener('stdout');
  const onErr = listener('stderr');
  out.on('error', onOut);
  err.on('error', onErr);
  return {
    stderr: (text) => {
      if (!gone.stderr && !err.destroyed) err.write(text);
    },
    dispose: () => {
      out.off('error', onOut);
      err.off('error', onErr);
    },
  };
}
