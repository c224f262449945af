// The Node side of an image: files, code compilation, package loading, timers.

import fs from 'node:fs';
import type * as NodeModule from 'node:module';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type * as WorkerThreads from 'node:worker_threads';
import { resolve as resolveImport } from 'import-meta-resolve';
import type { CompileCache, FileRead, Host, Timers } from '../runtime/host.js';
import { moduleKindOf } from '../runtime/module-kind.js';
import { lowerDecorators } from './decorator-lowering.js';
import { createInstanceFinder } from './instances.js';
import { notText } from './utf8-text.js';
import { workerThreadsFor } from './workers.js';

/** The platform timers as they are now, before any user code could replace them. */
export function captureTimers(): Timers {
  const g = globalThis;
  return {
    setTimeout: g.setTimeout.bind(g) as Timers['setTimeout'],
    setInterval: g.setInterval.bind(g) as Timers['setInterval'],
    setImmediate: g.setImmediate.bind(g) as Timers['setImmediate'],
    clearTimeout: g.clearTimeout.bind(g) as Timers['clearTimeout'],
    clearInterval: g.clearInterval.bind(g) as Timers['clearInterval'],
    clearImmediate: g.clearImmediate.bind(g) as Timers['clearImmediate'],
  };
}

/** Source files larger than this are refused rather than read (a log or a device is not a module). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/**
 * One read of a file, its failures as values: missing (ENOENT, ENOTDIR), or unreadable with the cause.
 * Opened without blocking and checked before it is read: opening a FIFO for reading waits for a writer
 * (it held a thread of Node's pool forever, and with it every later change and the process's exit), and
 * a device such as /dev/zero never ends.
 */
async function readText(file: string): Promise<FileRead> {
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = await handle.stat({ bigint: true });
    if (stat.isDirectory()) return { kind: 'unreadable', code: 'EISDIR', message: 'it is a folder', stamp: stampOf(stat) };
    if (!stat.isFile()) return { kind: 'unreadable', code: 'ENOTREG', message: `it is not a regular file (${kindOf(stat)})`, stamp: stampOf(stat) };
    const size = Number(stat.size);
    if (size > MAX_SOURCE_BYTES)
      return {
        kind: 'unreadable',
        code: 'EFBIG',
        message: `it is ${(size / 1024 / 1024).toFixed(0)} MB, more than the ${MAX_SOURCE_BYTES / 1024 / 1024} MB imago reads`,
        stamp: stampOf(stat),
      };
    // The stamp names the write the text came from: stated before and after the read, and read again
    // while they differ (a save in place caught between its truncate and its write).
    let stamp = stampOf(stat);
    for (let tries = 0; ; tries++) {
      const bytes = await readFrom0(handle, Number(stat.size));
      const afterStat = await handle.stat({ bigint: true });
      const after = stampOf(afterStat);
      // The same stat before and after, and as many bytes as it says: times are only as fine as the
      // kernel's clock tick, and a truncate, a write and a truncate within one tick look unchanged.
      const stable = after === stamp && BigInt(bytes.length) === afterStat.size;
      if (stable || tries === 3) {
        // Written to all along: the text stands, unstamped (the rejection memo then goes by the moment).
        const stamped = stable ? { stamp: after } : {};
        // Text that is not UTF-8 is refused, where it stops being UTF-8: decoded anyway, it would run
        // with replacement characters in its strings.
        const refused = notText(bytes);
        if (refused) return { ...refused, ...stamped };
        return { kind: 'text', text: bytes.toString('utf8'), ...stamped };
      }
      stamp = after;
    }
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    const messages: Record<string, string> = {
      EISDIR: 'it is a folder',
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      ELOOP: 'too many levels of symbolic links',
      EIO: 'an input/output error',
    };
    const message = messages[code] ?? (e instanceof Error ? e.message : String(e));
    // The link itself is stated (it needs no permission to read the file): the same refusal seen twice is said once.
    const stat = await fs.promises.lstat(file, { bigint: true }).catch(() => null);
    return { kind: 'unreadable', code, message, ...(stat ? { stamp: stampOf(stat) } : {}) };
  } finally {
    // A read-only descriptor that fails to close has nothing to lose; the read's outcome stands.
    await handle?.close().catch(() => undefined);
  }
}

/** The whole file from its first byte (a second read of one handle must not start where the first ended). */
async function readFrom0(handle: fs.promises.FileHandle, sizeHint: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.max(sizeHint, 4096) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) return buffer.subarray(0, length);
    length += bytesRead;
  }
}

/** Which write of a file `stat` describes: its device, inode, modification and change times, and size. */
const stampOf = (stat: fs.BigIntStats): string => `${stat.dev}:${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.size}`;

/** What a file that is not a regular file is, for messages. */
function kindOf(stat: fs.Stats | fs.BigIntStats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a file';
}

/**
 * `node:module` with a `createRequire` whose `require` of a project TypeScript file says what to do:
 * Node's own require would read it as JavaScript and fail on its first type annotation.
 */
function moduleApiFor(real: typeof NodeModule): { imported: object; required: object } {
  const createRequire = (from: string | URL): NodeJS.Require => {
    const inner = real.createRequire(from);
    const require = ((specifier: string): unknown => {
      let resolved: string | null = null;
      try {
        resolved = inner.resolve(specifier);
      } catch {
        // Node's require looks for no .ts file: one there is a project file to import.
        const base = specifier.startsWith('.')
          ? path.resolve(path.dirname(from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from), specifier)
          : null;
        resolved = base ? (['.ts', '.cts', '.mts', '.tsx'].map((e) => base + e).find((f) => fs.existsSync(f)) ?? null) : null;
      }
      if (resolved && /\.[cm]?tsx?$/.test(resolved)) {
        throw new Error(
          `createRequire(...)('${specifier}') loads ${resolved} through Node's own require, which cannot run TypeScript; import it instead (in a CommonJS file, import x = require('${specifier}') or require('${specifier}')), so imago loads it`,
        );
      }
      return inner(specifier);
    }) as NodeJS.Require;
    return Object.assign(require, { resolve: inner.resolve, cache: inner.cache, main: inner.main, extensions: inner.extensions });
  };
  // As imported, the default stays Node's Module (a class); the named createRequire is the one above.
  // Required, Node's Module itself, but for createRequire (patching it, `_resolveFilename` say, patches Node's).
  const required = new Proxy(real, { get: (target, key, receiver) => (key === 'createRequire' ? createRequire : Reflect.get(target, key, receiver)) });
  return { imported: { ...real, createRequire, default: real }, required };
}

/** Packages of helpers the compilers' output imports: imago's own dependencies, not the project's. */
const OWN_HELPERS = ['@oxc-project/runtime/', '@swc/helpers/'];
const nodeRequire = createRequire(import.meta.url);

/** Creates the host that runs images in this Node process. */
/** A host for Node; `compileCache`: modules kept between runs (host/compile-cache.ts). */
export function createNodeHost(options: { readonly compileCache?: CompileCache | null } = {}): Host {
  // ARCHITECTURE.md fact 3, and measured here: with V8's compilation cache on, two compilations of the
  // same text share cached code and feedback, so identical code in a second image (or a version that
  // returns to an earlier text) ran 8x slower (bench/steady-state.ts). Off for the whole process.
  v8.setFlagsFromString('--no-compilation-cache');
  const timers = captureTimers();
  let workerThreads: object | null = null;
  let moduleNamespace: { imported: object; required: object } | null = null;
  /** `node:module` as project code sees it: a createRequire whose require refuses project TypeScript with the way out. */
  const moduleApi = (): { imported: object; required: object } => {
    moduleNamespace ??= moduleApiFor(nodeRequire('node:module') as typeof NodeModule);
    return moduleNamespace;
  };
  /** `node:worker_threads` as project code sees it, made once (workers.ts). */
  const workers = (): object => {
    workerThreads ??= workerThreadsFor(nodeRequire('node:worker_threads') as typeof WorkerThreads);
    return workerThreads;
  };
  /** package.json "type" by folder (null: no package.json there), read once. */
  const packageTypes = new Map<string, string | null>();
  return {
    ...(options.compileCache ? { compileCache: options.compileCache } : {}),
    async readFile(file) {
      const text = await readText(file);
      if (text.kind !== 'text' || text.text.length > 0) return text;
      // Editors and tools truncate a file before writing it: an empty read may be a half-written
      // save. Read once more a moment later; a file that stays empty is empty.
      await new Promise((r) => timers.setTimeout(r, 25));
      return readText(file);
    },
    isFile(file) {
      try {
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
    compileFunction(code, params, filename) {
      // vm.compileFunction frees old code once unreachable; vm.Script and new Function keep every
      // version in V8's compilation cache (ARCHITECTURE.md fact 3: +0.2 MB vs +200 MB per 1,000).
      return vm.compileFunction(code, [...params], { filename }) as (...args: unknown[]) => unknown;
    },
    async importPlatform(specifier, fromFile) {
      // Workers on project TypeScript files start through imago (workers.ts).
      if (specifier === 'node:worker_threads' || specifier === 'worker_threads') return workers();
      if (specifier === 'node:module' || specifier === 'module') return moduleApi().imported;
      // Helpers the compiler's lowering imports (`using`, decorators) are imago's own, not the project's.
      const from = OWN_HELPERS.some((h) => specifier.startsWith(h)) ? import.meta.url : pathToFileURL(fromFile).href;
      const url = specifier.startsWith('node:') ? specifier : resolveImport(specifier, from);
      return (await import(url)) as object;
    },
    requirePlatform(specifier, fromFile) {
      if (specifier === 'node:worker_threads' || specifier === 'worker_threads') return (workers() as { default: unknown }).default;
      if (specifier === 'node:module' || specifier === 'module') return moduleApi().required;
      return createRequire(fromFile)(specifier);
    },
    resolvePlatform(specifier, fromFile) {
      return createRequire(fromFile).resolve(specifier);
    },
    lowerDecorators,
    moduleKind(file) {
      return moduleKindOf(file, path.dirname, (dir) => {
        const known = packageTypes.get(dir);
        if (known !== undefined) return known;
        let type: string | null = null;
        try {
          const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown };
          type = typeof pkg.type === 'string' ? pkg.type : '';
        } catch (e: unknown) {
          // A package.json that does not parse still marks its folder, as Node reads it (as CommonJS).
          type = (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : '';
        }
        packageTypes.set(dir, type);
        return type;
      });
    },
    findInstances: createInstanceFinder(),
    fileUrl: (file) => pathToFileURL(file).href,
    paths: { dirname: path.dirname, resolve: path.resolve, relative: path.relative, isAbsolute: path.isAbsolute },
    timers,
    now: () => performance.now(),
  };
}
