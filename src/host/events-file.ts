// `--events FILE`: every event of an image as one JSON line, appended as it happens. A file that cannot
// be written (a full disk, a folder removed) is reported once and no longer written; the program runs on.

import fs from 'node:fs';
import type { Image } from '../runtime/image.js';

/** Appends each event of `image` to `file`; returns the disposer. */
export function writeEvents(image: Image, file: string, onFailure: (message: string) => void): () => void {
  const stop = image.subscribe((event) => {
    try {
      fs.appendFileSync(file, `${JSON.stringify(event)}\n`);
    } catch (e: unknown) {
      stop();
      onFailure(`cannot write the events file ${file} (${(e as Error).message}); events are no longer written there`);
    }
  });
  return stop;
}
