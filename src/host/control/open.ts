// Opens a session's control channel: the socket server and the service behind it. A channel that
// cannot open is said on stderr with the reason; the program runs without it.

import fs from 'node:fs';
import path from 'node:path';
import { WorkerTypeGate } from '../../check/type-gate.js';
import type { Image } from '../../runtime/image.js';
import { Inspector } from '../inspector/inspector.js';
import type { Reporter } from '../report.js';
import type { TypeChecking } from '../type-checking.js';
import { type ControlServer, listenControl } from './server.js';
import { Service, type ServiceSetup } from './service.js';

export interface OpenedControl {
  /** The socket, when it opened. */
  readonly server: ControlServer | null;
  close(): Promise<void>;
}

function imagoVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function openControl(
  options: {
    readonly control?: { readonly path: string; readonly own: boolean } | null;
    readonly root: string;
    readonly entry: string;
    readonly typecheck: string;
    /** `--ui`: open the inspector's page on this port (0: a free one). */
    readonly ui?: number | null;
  },
  image: Image,
  typing: TypeChecking,
  out: Reporter,
  program: Pick<ServiceSetup, 'ticking' | 'afterInput' | 'elsewhere'> & { readonly ticks: () => number | null },
): Promise<OpenedControl | null> {
  let extra: Promise<WorkerTypeGate> | null = null;
  let stale = false;
  const unsubscribe = image.subscribe((e) => {
    if (e.kind === 'reload' && e.ok) stale = true;
  });
  let server: ControlServer | null = null;
  const checker = typing.opened?.gate ?? null;
  const mode = options.typecheck === 'off' || !checker ? 'off' : (options.typecheck as 'gate' | 'warn');
  const checkerPids = (): number[] => [checker?.pid].filter((p): p is number => typeof p === 'number');
  const inspector = new Inspector({
    image,
    root: options.root,
    entry: options.entry,
    version: imagoVersion(),
    mode,
    checkerPids,
    ticks: program.ticks,
    ticking: program.ticking,
    lastCheck: () => typing.lastCheck,
    readOnDisk: (rel) => readRegularFile(path.resolve(options.root, rel)),
    say: (line) => out.line(line),
  });
  const service = new Service({
    image,
    root: options.root,
    entry: options.entry,
    mode,
    checker,
    openChecker: async () => {
      // A start that failed is tried again at the next question.
      extra ??= WorkerTypeGate.open({ root: options.root, entry: options.entry }).then(
        (o) => o.gate,
        (e: unknown) => {
          extra = null;
          throw e;
        },
      );
      const gate = await extra;
      // Nothing checks changes with this checker: after one applied, it reads the files again.
      if (stale) {
        stale = false;
        await gate.check(new Map(), true);
      }
      return gate;
    },
    version: imagoVersion(),
    clients: () => server?.clients ?? 0,
    checkerPids,
    ticking: program.ticking,
    lastCheck: () => typing.lastCheck,
    ...(program.afterInput ? { afterInput: program.afterInput } : {}),
    ...(program.elsewhere ? { elsewhere: program.elsewhere } : {}),
    inspector: (request) => inspector.answers.handle(request),
    inspectorUrl: () => inspector.url,
  });
  inspector.serveWith((request, connection) => service.handle(request, connection));
  if (options.control) {
    try {
      server = await listenControl(options.control.path, options.control.own, service);
    } catch (e: unknown) {
      out.line(`the control channel is not open: ${(e as Error).message}`);
    }
  }
  if (typeof options.ui === 'number') await inspector.open(options.ui).catch((e: unknown) => out.line(`the inspector is not open: ${(e as Error).message}`));
  const opened = server;
  return {
    server: opened,
    async close() {
      opened?.close();
      inspector.dispose();
      service.dispose();
      unsubscribe();
      if (extra) (await extra.catch(() => null))?.close();
    },
  };
}

/** The most a refused file's text is kept for its diff. */
const MAX_DIFF_BYTES = 4 << 20;

/**
 * The text of a regular file, or null: never waits on a named pipe or a device put where a module was
 * (opened without blocking, then checked), and never reads more than MAX_DIFF_BYTES.
 */
function readRegularFile(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_DIFF_BYTES) return null;
    const buffer = Buffer.alloc(st.size);
    const read = fs.readSync(fd, buffer, 0, st.size, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
