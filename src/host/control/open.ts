// Opens a session's control channel: the socket server and the service behind it. A channel that
// cannot open is said on stderr with the reason; the program runs without it.

import fs from 'node:fs';
import { WorkerTypeGate } from '../../check/type-gate.js';
import type { Image } from '../../runtime/image.js';
import type { Reporter } from '../report.js';
import type { TypeChecking } from '../type-checking.js';
import { type ControlServer, listenControl } from './server.js';
import { Service, type ServiceSetup } from './service.js';

export interface OpenedControl {
  readonly server: ControlServer;
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
  },
  image: Image,
  typing: TypeChecking,
  out: Reporter,
  program: Pick<ServiceSetup, 'ticking' | 'afterInput'>,
): Promise<OpenedControl | null> {
  const where = options.control!;
  let extra: Promise<WorkerTypeGate> | null = null;
  let stale = false;
  const unsubscribe = image.subscribe((e) => {
    if (e.kind === 'reload' && e.ok) stale = true;
  });
  let server: ControlServer | null = null;
  const checker = typing.opened?.gate ?? null;
  const service = new Service({
    image,
    root: options.root,
    entry: options.entry,
    mode: options.typecheck === 'off' || !checker ? 'off' : (options.typecheck as 'gate' | 'warn'),
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
    checkerPids: () => [checker?.pid].filter((p): p is number => typeof p === 'number'),
    ...program,
  });
  try {
    server = await listenControl(where.path, where.own, service);
  } catch (e: unknown) {
    service.dispose();
    unsubscribe();
    out.line(`the control channel is not open: ${(e as Error).message}`);
    return null;
  }
  const opened = server;
  return {
    server: opened,
    async close() {
      opened.close();
      service.dispose();
      unsubscribe();
      if (extra) (await extra.catch(() => null))?.close();
    },
  };
}
