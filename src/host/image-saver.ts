// `imago run --image FILE`: the image file of a session (docs/images.md). At start it is read and
// checked (a missing file is a first run; anything wrong refuses the start, the file untouched); while
// the program runs it is saved on request, every --autosave seconds and when the session stops, one
// save at a time, each through image-file.ts's temporary-file-and-rename.

import fs from 'node:fs';
import path from 'node:path';
import type { SavedImage } from '../image/api.js';
import { STATE_FORMAT, type StateDirectory } from '../image/state-format.js';
import type { Image } from '../runtime/image.js';
import type { ResumeInput } from '../runtime/resume.js';
import { alive, type ImageHeader, readImageFile, writeImageFile } from './image-file.js';

export interface ImageFileSettings {
  /** Absolute path of the image file. */
  readonly file: string;
  /** `--fresh`: do not resume from the file (the next save replaces it). */
  readonly fresh: boolean;
  /** `--image-drop-missing`. */
  readonly dropMissing: boolean;
  /** `--autosave <seconds>`, if given. */
  readonly autosaveSeconds: number | undefined;
}

/** The header an image file of imago carries. */
export interface StateHeader extends ImageHeader {
  readonly state: StateDirectory;
}

export function imagoVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A file that exists, is not empty and does not begin as an image file does (`--fresh` must not replace it). */
function notAnImage(file: string): boolean {
  try {
    const handle = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(8);
      const n = fs.readSync(handle, head, 0, 8, 0);
      return n > 0 && head.subarray(0, n).toString('latin1') !== 'IMAGOIMG'.slice(0, n);
    } finally {
      fs.closeSync(handle);
    }
  } catch {
    return false;
  }
}

/** What is wrong with the header of an image file, or null when it is one this imago reads. */
export function headerProblem(file: string, header: ImageHeader): string | null {
  const state = (header as Partial<StateHeader>).state;
  if (typeof state !== 'object' || state === null || typeof state.format !== 'number')
    return `${file} holds no saved program state (its header has none); give --image another file, or start with --fresh to replace it`;
  if (state.format > STATE_FORMAT)
    return `${file} was written by a newer imago (${header.imago}, state format ${state.format}; this imago reads format ${STATE_FORMAT}); run it with that imago, or start with --fresh to replace it`;
  if (state.format !== STATE_FORMAT) return `${file} holds state format ${state.format}, which this imago does not read; start with --fresh to replace it`;
  return null;
}

/**
 * The image to resume from: none (no file yet, or --fresh), or a refusal that says what is wrong with
 * the file and leaves it as it is.
 */
export async function openImageFile(
  settings: ImageFileSettings,
  root: string,
  entry: string,
): Promise<{ readonly resume: ResumeInput | undefined; readonly note: string } | { readonly problem: string }> {
  const shown = path.relative(process.cwd(), settings.file) || settings.file;
  if (settings.fresh && notAnImage(settings.file))
    return { problem: `--fresh would replace ${shown}, which is not an imago image; give --image another file, or remove this one` };
  if (settings.fresh)
    return {
      resume: undefined,
      note: fs.existsSync(settings.file)
        ? `--fresh: not resuming from ${shown}; the next save replaces it`
        : `--fresh: a first run; the image is saved to ${shown}`,
    };
  const read = await readImageFile(settings.file);
  if (!read.ok) {
    if (read.missing) return { resume: undefined, note: `${shown} does not exist yet: a first run; the image is saved there when the program stops` };
    return { problem: `cannot resume: ${read.problem}` };
  }
  const problem = headerProblem(shown, read.header);
  if (problem) return { problem: `cannot resume: ${problem}` };
  const savedEntry = read.header.entry;
  const entryNow = path.relative(root, entry);
  if (savedEntry !== entryNow)
    return {
      problem: `cannot resume: ${shown} is the image of another program (saved from ${savedEntry}, this is ${entryNow}); give --image another file, or start with --fresh to replace it`,
    };
  return {
    resume: { file: shown, directory: (read.header as StateHeader).state, payload: read.payload, dropMissing: settings.dropMissing },
    note: '',
  };
}

/**
 * Takes the image file for this process: `<file>.lock` holds the pid of the imago that uses it, so two
 * programs never save over each other's image. A lock left by a process that is gone is taken over.
 * Returns why it cannot be taken (in use, or the folder is not writable), or null; the lock goes when the
 * process exits.
 */
export function lockImageFile(file: string, shown: string): string | null {
  try {
    if (fs.statSync(file).isDirectory()) return `--image ${shown} is a folder; give the path of a file`;
  } catch {
    /* no file yet: a first run */
  }
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      process.once('exit', () => fs.rmSync(lock, { force: true }));
      return null;
    } catch (e: unknown) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        return `cannot use ${shown}: its folder is not writable (${code ?? String(e)} creating ${path.basename(lock)}); the image could never be saved there`;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) && runsImago(pid))
        return `${shown} is in use by another imago (pid ${pid}, as ${path.basename(lock)} says); give --image another file, or stop that process first (if no imago uses it, remove ${path.basename(lock)})`;
      fs.rmSync(lock, { force: true });
    }
  }
  return `cannot take ${shown}.lock; remove it if no imago uses ${shown}`;
}

/** Whether process `pid` runs imago (after a crash its pid may belong to anything); unknown counts as yes. */
function runsImago(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('imago');
  } catch {
    return true;
  }
}

/** One line per binding left out of a save, with every value that kept it out. */
export function skippedLines(skipped: StateDirectory['skipped']): string[] {
  const byBinding = new Map<string, string[]>();
  for (const s of skipped) {
    const key = `${s.module}: ${s.name}`;
    byBinding.set(key, [...(byBinding.get(key) ?? []), `${s.path} is ${s.what}`]);
  }
  return [...byBinding].map(([binding, why]) => `${binding}, because ${why.join('; ')}`);
}

/** A copy of the state, numbered in the order copies were made. */
type Sequenced = ReturnType<Image['captureNow']> & { readonly seq: number };

/** Saves an image's state to its file, one save at a time, and publishes each save as an `image` event. */
export class ImageSaver {
  #last: Promise<unknown> = Promise.resolve();
  /** Saves asked for and not finished: an autosave is skipped while one is (they would pile up behind a slow one). */
  #pending = 0;
  /** Copies of the state made so far, and the newest one written. */
  #captures = 0;
  #written: { seq: number; saved: SavedImage | null } = { seq: 0, saved: null };
  #timer: NodeJS.Timeout | null = null;
  /** What the last save reported as not saved (said again only when it changes). */
  #skipped = '';
  readonly #shown: string;
  readonly #version = imagoVersion();

  constructor(
    private readonly image: Image,
    private readonly settings: ImageFileSettings,
    private readonly entry: string,
  ) {
    this.#shown = path.relative(process.cwd(), settings.file) || settings.file;
    if (settings.autosaveSeconds !== undefined) {
      this.#timer = setInterval(() => {
        if (this.#pending === 0) this.save().catch(() => undefined);
      }, settings.autosaveSeconds * 1000);
      this.#timer.unref();
    }
  }

  /**
   * Saves (after any save under way); rejects with why when it could not, the previous image whole.
   * `now`: the program asked (saveImage()): its state is copied at once, where it called, not at the next
   * safe point (a tick that awaits its own save would wait for itself).
   */
  save(now = false): Promise<SavedImage> {
    this.#pending++;
    const t0 = performance.now();
    let captured: Sequenced | null = null;
    let failed: unknown = null;
    if (now) {
      try {
        captured = { ...this.image.captureNow(), seq: ++this.#captures };
      } catch (e: unknown) {
        failed = e;
      }
    }
    const run = this.#last.then(() => {
      if (failed) throw failed;
      return this.#save(t0, captured);
    });
    this.#last = run.catch(() => undefined);
    return run.finally(() => {
      this.#pending--;
    });
  }

  async #save(t0: number, captured: Sequenced | null): Promise<SavedImage> {
    try {
      const { state, pausedMs, seq } = captured ?? { ...(await this.image.captureState()), seq: ++this.#captures };
      // A copy older than the one on disk (a saveImage() that came while an autosave waited for its safe
      // point) is not written over it: the newer image answers.
      if (seq < this.#written.seq && this.#written.saved) return this.#written.saved;
      const header: StateHeader = { entry: this.entry, savedAt: new Date().toISOString(), imago: this.#version, state: state.directory };
      const { bytes } = await writeImageFile(this.settings.file, header, state.payload);
      const ms = performance.now() - t0;
      const bindings = state.directory.modules.reduce((n, m) => n + m.bindings.length, 0);
      const skipped = skippedLines(state.directory.skipped);
      const said = skipped.join('\n');
      this.image.publish({
        kind: 'image',
        action: 'saved',
        file: this.#shown,
        bytes,
        ms,
        pausedMs,
        bindings,
        objects: state.directory.objects,
        skipped: said === this.#skipped ? [] : skipped,
      });
      this.#skipped = said;
      const saved = { file: this.settings.file, bytes, ms, pausedMs, bindings, objects: state.directory.objects, skipped: state.directory.skipped };
      this.#written = { seq, saved };
      return saved;
    } catch (e: unknown) {
      const message = e instanceof Error ? e.message : String(e);
      this.image.publish({ kind: 'image', action: 'save-failed', file: this.#shown, message });
      throw new Error(`could not save ${this.#shown}: ${message}; the previous image is left whole`);
    }
  }

  /** Stops autosaving and waits for a save under way. */
  async dispose(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#last;
  }
}
