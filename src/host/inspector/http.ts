// The inspector's web server: the page and its modules (shipped in the package, no build at run time),
// its questions (`POST /api`: a control-protocol request in, its reply out) and what it is pushed
// (`GET /events`: server-sent events). Loopback only, every request checked by security.ts. The server
// and its connections do not keep the program alive.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FromImage, Reply } from '../control/protocol.js';
import type { Connection } from '../control/server.js';
import { refusal, tokenOf } from './security.js';

/** Pages open at once, the largest request body, and what a page may leave unread before it is dropped. */
const MAX_PAGES = 16;
const MAX_BODY = 1 << 20;
const MAX_UNREAD = 16 << 20;
const PING_MS = 15_000;

export interface InspectorHandlers {
  /** Answers one request for the page whose events connection is `connection` (null: none open). */
  readonly ask: (body: string, connection: Connection) => Promise<Reply>;
  /** The first event of a page: who the image is and what happened so far. */
  readonly hello: (client: number) => unknown;
  /** Says a failure of the server once it listens (never the program's error). */
  readonly failed: (message: string) => void;
  /** Pushes to every open page: `push(name, data)`; returns the unsubscribe. */
  readonly feed: (push: (name: string, data: unknown) => void) => () => void;
}

export interface InspectorServer {
  readonly url: string;
  readonly port: number;
  readonly pages: number;
  close(): void;
}

const PACKAGE = new URL('../../../../', import.meta.url);
const VENDOR: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
};

/** The file a page path names, or null: only the page's own files, by name. */
function fileFor(name: string): string | null {
  const vendor = /^vendor\/([a-z]+\.mjs)$/.exec(name)?.[1];
  if (vendor !== undefined) {
    const specifier = VENDOR[vendor];
    return specifier ? fileURLToPath(import.meta.resolve(specifier)) : null;
  }
  if (/^[a-z][a-z0-9-]*\.css$/.test(name)) return fileURLToPath(new URL(`ui/${name}`, PACKAGE));
  if (/^[a-z][a-z0-9-]*\.js(?:\.map)?$/.test(name)) return fileURLToPath(new URL(`dist/ui/${name}`, PACKAGE));
  return null;
}

const TYPES: Readonly<Record<string, string>> = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-resource-policy': 'same-origin',
    ...extra,
  };
}

/** The page, with its token and a nonce for its import map (the only inline script). */
function page(token: string): { readonly html: string; readonly csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const template = fs.readFileSync(new URL('ui/index.html', PACKAGE), 'utf8');
  const html = template.replaceAll('%TOKEN%', token).replace('<script type="importmap">', `<script type="importmap" nonce="${nonce}">`);
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, headers({ 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra }));
  res.end(body);
}

/** Listens on 127.0.0.1:`port` (0: a free one). Rejects with what to do when the port is taken. */
export async function listenInspector(port: number, token: string, handlers: InspectorHandlers): Promise<InspectorServer> {
  const pages = new Map<
    number,
    { readonly res: http.ServerResponse; readonly connection: Connection; readonly closers: Array<() => void>; queue: Promise<unknown> }
  >();
  let next = 0;
  let bound = port;
  const write = (res: http.ServerResponse, name: string, data: unknown): void => {
    if (res.writableLength > MAX_UNREAD) {
      res.destroy();
      return;
    }
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const stopFeed = handlers.feed((name, data) => {
    for (const { res } of pages.values()) write(res, name, data);
  });
  const ping = setInterval(() => {
    for (const { res } of pages.values()) res.write(': ping\n\n');
  }, PING_MS);
  ping.unref();

  const server = http.createServer((req, res) => {
    // A failure here is the inspector's, never the program's: it is answered, not thrown.
    try {
      route(req, res);
    } catch (e: unknown) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `imago inspector failed: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    }
  });
  const route = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const why = refusal(
      {
        host: req.headers.host,
        origin: req.headers.origin,
        fetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
        token: tokenOf(url, req.headers['x-imago-token']),
      },
      bound,
      token,
    );
    if (why !== null) {
      send(res, 403, 'text/plain; charset=utf-8', `imago inspector: ${why}\n`);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      const { html, csp } = page(token);
      send(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': csp });
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith(`/ui/${token}/`)) {
      const name = url.pathname.slice(`/ui/${token}/`.length);
      const file = fileFor(name);
      if (file === null || !fs.existsSync(file)) {
        send(res, 404, 'text/plain; charset=utf-8', `imago inspector: no file '${name}'\n`);
        return;
      }
      const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
      send(res, 200, TYPES[ext] ?? 'application/octet-stream', fs.readFileSync(file));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      if (pages.size >= MAX_PAGES) {
        send(res, 503, 'text/plain; charset=utf-8', `imago inspector: ${MAX_PAGES} pages are open already: close one\n`);
        return;
      }
      const client = ++next;
      const closers: Array<() => void> = [];
      const connection: Connection = {
        number: client,
        send: (message: FromImage) => write(res, 'control', message),
        onClose: (fn) => closers.push(fn),
      };
      pages.set(client, { res, connection, closers, queue: Promise.resolve() });
      res.writeHead(200, headers({ 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' }));
      req.socket.unref();
      req.socket.setNoDelay(true);
      write(res, 'hello', handlers.hello(client));
      res.on('close', () => {
        pages.delete(client);
        for (const fn of closers) fn();
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api') {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        send(res, 415, 'text/plain; charset=utf-8', 'imago inspector: send the request as application/json\n');
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      // A body too large is read to its end (up to MAX_UNREAD) and dropped, so the client reads the refusal.
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_UNREAD) req.destroy();
        else if (bytes <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        if (bytes > MAX_BODY) {
          send(res, 413, 'text/plain; charset=utf-8', `imago inspector: a request is at most ${MAX_BODY} bytes\n`);
          return;
        }
        const page = pages.get(Number(url.searchParams.get('client')));
        const connection = page?.connection ?? { number: 0, send: () => undefined, onClose: () => undefined };
        const body = Buffer.concat(chunks).toString('utf8');
        // One page's REPL questions are answered in the order it asked (an input sees the declarations of
        // the one before); its other questions (rows, values, diffs) never wait behind a long input.
        const ordered = page !== undefined && /"kind"\s*:\s*"(?:eval|complete|clear)"/.test(body);
        const answer = ordered ? page.queue.then(() => handlers.ask(body, connection)) : handlers.ask(body, connection);
        if (ordered) page.queue = answer.catch(() => undefined);
        answer
          .then((reply) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(reply)))
          .catch((e: unknown) => {
            const reply: Reply = {
              kind: 'error',
              id: null,
              code: 'internal',
              message: `imago failed to answer: ${e instanceof Error ? e.message : String(e)}`,
            };
            send(res, 500, 'application/json; charset=utf-8', JSON.stringify(reply));
          });
      });
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', `imago inspector: nothing at ${req.method} ${url.pathname}\n`);
  };
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      stopFeed();
      clearInterval(ping);
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `port ${port} is taken: pass another --ui-port, or leave it out for a free one`
            : e.code === 'EACCES'
              ? `port ${port} needs privileges this process lacks: pass a --ui-port from 1024 up, or leave it out`
              : `the inspector could not listen on 127.0.0.1:${port}: ${e.message}`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => {
      server.removeAllListeners('error');
      // Later (an accept failing for want of file descriptors): the inspector's, said, never the program's.
      server.on('error', (e: Error) => handlers.failed(`the inspector's server failed: ${e.message}`));
      resolve();
    });
  });
  server.unref();
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/?token=${token}`,
    port: bound,
    get pages() {
      return pages.size;
    },
    close() {
      stopFeed();
      clearInterval(ping);
      for (const { res } of pages.values()) res.destroy();
      server.close();
      server.closeAllConnections();
    },
  };
}
