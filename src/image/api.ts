// `imago/image`: what a program imago runs can ask of its image file (docs/images.md). imago gives each
// running program its own copy of these functions; this module is what the type checker and code run
// outside imago see.

/** What one save wrote. */
export interface SavedImage {
  /** The image file, absolute. */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** How long the program was paused while its state was copied, and the whole save, in milliseconds. */
  readonly pausedMs: number;
  readonly ms: number;
  /** Bindings saved, and objects they reach. */
  readonly bindings: number;
  readonly objects: number;
  /** Bindings left out because they hold what cannot be saved (they are initialized again on resume). */
  readonly skipped: ReadonlyArray<{ readonly module: string; readonly name: string; readonly path: string; readonly what: string }>;
}

/** What `imago/image` exports at run time. */
export interface ImageApi {
  readonly saveImage: () => Promise<SavedImage>;
  readonly resumed: () => boolean;
}

const OUTSIDE = 'imago/image works in a program that imago runs (imago run --image <file> <entry.ts>); this copy was loaded outside one';

/**
 * Saves the running program's state to its image file (`imago run --image <file>`), copied where it
 * is called. Resolves with what was written; rejects when the program runs without `--image`, when it
 * is called while the program loads or changes, or when the file cannot be written (the previous
 * image is then left whole).
 *
 * @example
 * import { saveImage } from 'imago/image';
 * const saved = await saveImage();
 * console.log(`saved ${saved.objects} objects to ${saved.file}`);
 */
export function saveImage(): Promise<SavedImage> {
  return Promise.reject(new Error(`saveImage(): ${OUTSIDE}`));
}

/**
 * True when this run resumed from an image file: the saved bindings hold their saved values, so a
 * statement that seeds data must not seed it again.
 *
 * @example
 * import { resumed } from 'imago/image';
 * if (!resumed()) for (let i = 0; i < 10; i++) spawn();
 */
export function resumed(): boolean {
  return false;
}
