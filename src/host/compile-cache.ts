// The compile cache: modules compiled by earlier runs of a program, kept in one file per program (its root
// and entry) under the user's temporary folder, so a start compiles only what changed since the last run
// (docs/start-up.md). An entry is found by a hash of imago's own compiler code,
// the file's path in the project, its text and the compile options: a different text or option, or
// another build of imago, is a miss, never a stale module. The file holds one module per file and set of
// compile options (`--typecheck=off` reads them apart from the checker), the latest a run used; it is
// written a moment after a run compiled something (and as the process exits), through a temporary file
// and a rename.
//
// IMAGO_CACHE_DIR=<dir> puts it elsewhere; IMAGO_CACHE=off turns it off.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { CompiledModule } from '../compile/compiled-module.js';
import { restoreModule, type StoredModule, storeModule } from '../compile/stored-module.js';
import type { CompileCache } from '../runtime/host.js';

/** Programs whose cache files are kept; the least recently written go first. */
const MAX_FILES = 64;
/** Entries a cache file keeps at most (files and option sets a program no longer uses go first). */
const MAX_ENTRIES = 4096;
/** Quiet time after the last compile before the cache file is written. */
const WRITE_DELAY_MS = 500;
const FORMAT = 'imago-compile-cache-2';

/** One kept module: its slot (file and options: one module each) and the module, serialized. */
interface Entry {
  readonly slot: string;
  readonly bytes: Buffer;
}

/** Packages whose output is part of a compiled module: another version of one is another compiler. */
const COMPILER_PACKAGES = ['oxc-parser', 'oxc-transform', 'eslint-scope', '@jridgewell/remapping', '@swc/core'];

/**
 * imago's compiler as built: imago's version, the text of its compiler's files and of its decorator
 * lowering, and its packages' versions, so another build never reads this one's entries (an installed
 * package gives every file the same time: only the text tells builds apart).
 */
function compilerStamp(): string {
  const dir = fileURLToPath(new URL('../compile/', import.meta.url));
  const hash = createHash('sha256').update(FORMAT);
  try {
    hash.update(fs.readFileSync(new URL('../../../package.json', import.meta.url)));
  } catch {
    hash.update('no package.json');
  }
  hash.update(fs.readFileSync(new URL('./decorator-lowering.js', import.meta.url)));
  const require = createRequire(import.meta.url);
  for (const name of COMPILER_PACKAGES) {
    let version = 'absent';
    try {
      version = String((JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: unknown }).version);
    } catch {
      /* a package that hides its package.json: its name stands for it */
    }
    hash.update(`${name}@${version}\n`);
  }
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.js')) continue;
    hash.update(`${name}\n`).update(fs.readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex');
}

/**
 * The cache's folder, made for this user alone; null (with why) when it cannot be used safely. The
 * default one in the shared temporary folder must be a real folder of this user (not a link someone
 * left there); a folder the user names (IMAGO_CACHE_DIR) may be reached through a link.
 */
function cacheFolder(): { dir: string } | { problem: string } {
  const named = process.env['IMAGO_CACHE_DIR'] || undefined;
  // By the user id alone: a user without a name (a container's `-u 1234`) has one too.
  const uid = process.getuid?.();
  const dir = named ?? path.join(os.tmpdir(), `imago-cache-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = named ? fs.statSync(dir) : fs.lstatSync(dir);
    if (!st.isDirectory()) return { problem: `${dir} is not a folder` };
    if (uid !== undefined && st.uid !== uid) return { problem: `${dir} belongs to another user` };
    // Others who can write there could put compiled code in it that this user's programs would run.
    if ((st.mode & 0o022) !== 0) return { problem: `${dir} can be written by other users (mode ${(st.mode & 0o777).toString(8)}); make it 700` };
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    return { dir };
  } catch (e: unknown) {
    return { problem: `${dir}: ${(e as Error).message}` };
  }
}

/** A cache file's name: 24 hex digits of its program's hash (prune leaves every other file alone). */
const PACK_NAME = /^[0-9a-f]{24}\.pack$/;

export interface CompileCacheFile extends CompileCache {
  /** Where the cache lives, or why there is none. */
  readonly where: string;
  /** Files (with their options) whose module in use came from the cache, not compiled in this run. */
  readonly hits: number;
  /** Writes what this run used now (the pending write, if any). */
  flush(): void;
  /** Writes what is pending and lets the cache go (the session ended). */
  close(): void;
}

/** The compile cache of the program of `entry` under `root`; null when turned off. `warn` says why it cannot be used. */
export function openCompileCache(root: string, entry: string, warn: (message: string) => void): CompileCacheFile | null {
  if (/^(off|0|false|no)$/i.test(process.env['IMAGO_CACHE'] ?? '')) return null;
  const folder = cacheFolder();
  if ('problem' in folder) {
    warn(`the compile cache is not used (${folder.problem}); every start compiles every module`);
    return null;
  }
  const file = path.join(folder.dir, `${createHash('sha256').update(`${root}\0${entry}`).digest('hex').slice(0, 24)}.pack`);
  let stamp: string | null = null;
  /** Entries of the file as the last run left it, by key (a module is deserialized only when asked for). */
  let kept: Map<string, Entry> | null = null;
  /** Entries this run used or made, the latest of each slot: what the next write keeps, with the other slots' kept ones. */
  const used = new Map<string, Entry>();
  const keyBySlot = new Map<string, string>();
  let made = false;
  let timer: NodeJS.Timeout | null = null;
  /** Slots whose latest module came from the cache. */
  const fromCache = new Set<string>();
  const keyOf = (rel: string, source: string, options: string): string => {
    stamp ??= compilerStamp();
    return createHash('sha256').update(`${stamp}\0${options}\0${rel}\0`).update(source).digest('hex');
  };
  const load = (): Map<string, Entry> => {
    if (kept) return kept;
    kept = new Map();
    let bytes: Buffer;
    try {
      // Only a file of this user that nobody else can write (the folder is checked the same way).
      const st = fs.statSync(file);
      const uid = process.getuid?.();
      if ((uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
        warn(`the compile cache ${file} belongs to another user or others can write it; it is not read, and is made again`);
        return kept;
      }
      bytes = fs.readFileSync(file);
    } catch {
      return kept; // none yet
    }
    try {
      const data = v8.deserialize(bytes) as { format?: unknown; entries?: unknown };
      if (data.format === FORMAT && data.entries instanceof Map) kept = data.entries as Map<string, Entry>;
    } catch (e: unknown) {
      warn(`the compile cache ${file} could not be read (${(e as Error).message}); it is made again`);
    }
    return kept;
  };
  /** Keeps `key` as the entry of its slot (an earlier version of the file this run used goes). */
  const use = (key: string, entry: Entry): void => {
    const before = keyBySlot.get(entry.slot);
    if (before !== undefined && before !== key) used.delete(before);
    keyBySlot.set(entry.slot, key);
    used.set(key, entry);
    pending = true;
    // The first load's modules are written a moment after it, off the program's thread; what later
    // changes compile waits for the end of the session (a write is ~50 ms of serializing for 200 files).
    if (written || timer) return;
    timer = setTimeout(() => {
      timer = null;
      written = true;
      void writeLater();
    }, WRITE_DELAY_MS);
    timer.unref();
  };
  /** A write failed: said once, and the cache is no longer written (reads go on). */
  let unwritable = false;
  /** Modules used or made since the last write. */
  let pending = false;
  /** The first write was made (or is under way). */
  let written = false;
  let temps = 0;
  /** The file's next contents (this run's modules, then the other slots' as the file had them), or null: nothing new. */
  const contents = (): Buffer | null => {
    if (unwritable || !pending) return null;
    pending = false;
    const old = load();
    if (!made && [...used.keys()].every((k) => old.has(k))) return null;
    made = false;
    const next = new Map(used);
    for (const [k, e] of old) {
      if (next.size >= MAX_ENTRIES) break;
      if (!keyBySlot.has(e.slot)) next.set(k, e);
    }
    kept = next;
    return v8.serialize({ format: FORMAT, entries: next });
  };
  const failed = (temp: string, e: unknown): void => {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      /* nothing was written, or it cannot be removed either: the next start reads the old file */
    }
    unwritable = true;
    warn(`the compile cache ${file} could not be written (${(e as Error).message}); imago stops writing it until the next start`);
  };
  const writeNow = (): void => {
    const bytes = contents();
    if (!bytes) return;
    const temp = `${file}.${process.pid}.${temps++}.tmp`;
    try {
      fs.writeFileSync(temp, bytes, { mode: 0o600 });
      fs.renameSync(temp, file);
      prune(path.dirname(file));
    } catch (e: unknown) {
      failed(temp, e);
    }
  };
  const writeLater = async (): Promise<void> => {
    const bytes = contents();
    if (!bytes) return;
    const temp = `${file}.${process.pid}.${temps++}.tmp`;
    try {
      await fs.promises.writeFile(temp, bytes, { mode: 0o600 });
      await fs.promises.rename(temp, file);
      prune(path.dirname(file));
    } catch (e: unknown) {
      failed(temp, e);
    }
  };
  const cache: CompileCacheFile = {
    where: file,
    get hits() {
      return fromCache.size;
    },
    get(rel, source, options): CompiledModule | null {
      const key = keyOf(rel, source, options);
      const entry = used.get(key) ?? load().get(key);
      if (!entry) return null;
      try {
        const module = restoreModule(v8.deserialize(entry.bytes) as StoredModule);
        use(key, entry);
        fromCache.add(entry.slot);
        return module;
      } catch {
        return null;
      }
    },
    put(rel, source, options, module) {
      made = true;
      const slot = `${options}\0${rel}`;
      fromCache.delete(slot);
      use(keyOf(rel, source, options), { slot, bytes: v8.serialize(storeModule(module)) });
    },
    flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      writeNow();
    },
    close() {
      cache.flush();
      open.delete(cache);
    },
  };
  // A program that ends before the write's moment (run once, --no-watch) still leaves its modules.
  if (open.size === 0)
    process.once('exit', () => {
      for (const c of open) c.flush();
    });
  open.add(cache);
  return cache;
}

/** The caches of this process, written as it exits (one listener for all of them). */
const open = new Set<CompileCacheFile>();

/** A temporary file of a write (left behind by a process that ended during it). */
const TEMP_NAME = /^[0-9a-f]{24}\.pack\.\d+\.\d+\.tmp$/;
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Keeps the MAX_FILES most recently written cache files of the folder, and removes temporary files an hour old. */
function prune(dir: string): void {
  for (const n of fs.readdirSync(dir)) {
    if (!TEMP_NAME.test(n)) continue;
    try {
      if (Date.now() - fs.statSync(path.join(dir, n)).mtimeMs > STALE_TEMP_MS) fs.rmSync(path.join(dir, n), { force: true });
    } catch {
      /* gone meanwhile */
    }
  }
  const files = fs
    .readdirSync(dir)
    .filter((n) => PACK_NAME.test(n))
    .map((n) => {
      const p = path.join(dir, n);
      try {
        return { p, t: fs.statSync(p).mtimeMs };
      } catch {
        return { p, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const f of files.slice(MAX_FILES)) fs.rmSync(f.p, { force: true });
}
