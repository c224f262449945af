// imago's programmatic API: run a TypeScript program as a live image inside this process.

import path from 'node:path';
import { createNodeHost } from './host/node-host.js';
import { installStackMapper } from './host/stack-traces.js';
import { Image, type ImageOptions } from './runtime/image.js';

export { compileModule } from './compile/compile-module.js';
export { type Diagnostic, formatDiagnostic } from './compile/diagnostic.js';
export { createNodeHost } from './host/node-host.js';
export { type Session, type SessionOptions, startSession } from './host/session.js';
export { ImagoError } from './runtime/errors.js';
export type { ChangeSummary, ImageEvent, Phase } from './runtime/events.js';
export type { Host } from './runtime/host.js';
export type { HotContext } from './runtime/hot.js';
export { type ChangeResult, Image, type ImageOptions } from './runtime/image.js';
export { Lifecycle } from './runtime/lifecycle.js';

export interface CreateImageOptions extends Partial<Omit<ImageOptions, 'entry' | 'root'>> {
  /** The entry file (absolute, or relative to the working directory). */
  readonly entry: string;
  /** Project root; default: the entry's folder. Paths in events and diagnostics are relative to it. */
  readonly root?: string;
}

/** An image with a `dispose` that also removes its stack-trace mapping. */
export interface LiveImage extends Image {
  /** Unloads every module and stops mapping its stack frames. */
  dispose(): void;
}

/**
 * Creates an image in this process, with the Node host. Nothing runs until `load()`; each
 * `change(files)` then applies the files' current text as one transaction.
 *
 * @example
 * const image = createImage({ entry: 'src/main.ts' });
 * await image.load();
 * // ... edit src/sim.ts ...
 * const result = await image.change(['src/sim.ts']);
 * if (result.kind === 'rejected') console.error(result.errors);
 * image.dispose();
 */
export function createImage(options: CreateImageOptions): LiveImage {
  const entry = path.resolve(options.entry);
  const root = path.resolve(options.root ?? path.dirname(entry));
  const image = new Image({ debug: Boolean(process.env['IMAGO_DEBUG']), ...options, host: options.host ?? createNodeHost(), entry, root });
  const unmap = installStackMapper((file, line, column) => image.mapFrame(file, line, column));
  const dispose = image.dispose.bind(image);
  return Object.assign(image, {
    dispose: () => {
      dispose();
      unmap();
    },
  });
}
