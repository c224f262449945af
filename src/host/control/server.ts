// The control channel's socket: a Unix domain socket (never TCP) in a folder only its user can open
// (0700), the socket itself 0600. Node gives no way to read a peer's credentials (SO_PEERCRED), so the
// file modes are the check: the kernel refuses a connect() by another user (root aside). Lines are read
// whole, capped at MAX_LINE_BYTES; each request is handed to the service and its reply written back.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type FromImage, MAX_LINE_BYTES, type Reply, type Request } from './protocol.js';
import { readRequest } from './validate.js';

/** One client. */
export interface Connection {
  readonly number: number;
  send(message: FromImage): void;
  /** Called once when the client goes away. */
  onClose(fn: () => void): void;
}

export interface ControlService {
  handle(request: Request, connection: Connection): Promise<Reply>;
}

export interface ControlServer {
  readonly path: string;
  readonly clients: number;
  close(): void;
}

/** Unix socket paths hold at most 107 bytes on Linux (sun_path is 108 with its NUL). */
const MAX_SOCKET_PATH = 107;
/** Clients at once, and requests one client may have waiting: more are told so, not queued. */
const MAX_CLIENTS = 64;
const MAX_QUEUED = 256;
/** A client that reads nothing while this much waits for it is disconnected (events must not pile up). */
const MAX_UNREAD_BYTES = 16 << 20;

/** Is something answering at `file`? */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Makes the socket's folder (0700), or checks the one there: it must be a folder of this user. */
function prepareFolder(dir: string, own: boolean): void {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    return;
  }
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is a file, where the control socket's folder goes: remove it, or pass --control <path> (or --no-control)`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${st.uid}): the control socket must be in a folder of yours`);
  // imago's own folder is made private; a folder named with --control is the user's to set, but one
  // anybody may write to (without the sticky bit) would let them replace the socket.
  if (own && (st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  else if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0)
    throw new Error(
      `${dir} is writable by other users (mode ${(st.mode & 0o777).toString(8)}), who could replace the socket: put it in a folder only you can write to`,
    );
}

/** Listens at `file`; `own` says the folder is imago's own (.imago). Rejects with what to do. */
export async function listenControl(file: string, own: boolean, service: ControlService): Promise<ControlServer> {
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH)
    throw new Error(
      `the control socket path ${file} is ${Buffer.byteLength(file)} bytes long; Unix sockets take at most ${MAX_SOCKET_PATH}: pass a shorter --control <path>, or --no-control`,
    );
  prepareFolder(path.dirname(file), own);
  if (fs.existsSync(file)) {
    const st = fs.lstatSync(file);
    if (st.isDirectory()) throw new Error(`${file} is a folder: give the socket's own path, e.g. --control ${path.join(file, 'control.sock')}`);
    if (!st.isSocket())
      throw new Error(`${file} exists and is not a socket (imago does not remove it): pass --control <another path>, or remove the file yourself`);
    if (await answers(file)) throw new Error(`another imago listens at ${file}: stop it, or pass --control <path> (or --no-control)`);
    fs.unlinkSync(file);
  }
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((socket) => serve(socket, ++next, sockets, service));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is made 0600 as it is bound (umask), then set so again for umasks that were stricter.
    const umask = process.umask(0o177);
    try {
      server.listen(file, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
  fs.chmodSync(file, 0o600);
  server.unref();
  return {
    path: file,
    get clients() {
      return sockets.size;
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
      try {
        fs.unlinkSync(file);
      } catch {
        /* gone already */
      }
    },
  };
}

function serve(socket: net.Socket, number: number, sockets: Set<net.Socket>, service: ControlService): void {
  if (sockets.size >= MAX_CLIENTS) {
    socket.end(`${JSON.stringify({ kind: 'error', id: null, code: 'busy', message: `the image has ${MAX_CLIENTS} control clients already: close one` })}\n`);
    return;
  }
  sockets.add(socket);
  // A client does not keep the program alive: the program ends as it would without one.
  socket.unref();
  const closers: Array<() => void> = [];
  let open = true;
  const send = (message: FromImage): void => {
    if (!open || socket.destroyed) return;
    if (socket.writableLength > MAX_UNREAD_BYTES) {
      socket.destroy();
      return;
    }
    socket.write(`${JSON.stringify(message)}\n`);
  };
  const connection: Connection = { number, send, onClose: (fn) => closers.push(fn) };
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const fail = (reply: Reply): void => {
    send(reply);
    open = false;
    socket.end();
  };
  const line = (text: string): void => {
    if (text.trim() === '') return;
    const read = readRequest(text);
    if (!read.ok) {
      const reply: Reply = { kind: 'error', id: read.id, code: read.code, message: read.message };
      if (read.fatal) fail(reply);
      else send(reply);
      return;
    }
    const { request } = read;
    if (queued >= MAX_QUEUED) {
      send({ kind: 'error', id: request.id, code: 'busy', message: `${MAX_QUEUED} requests of this client wait already: wait for their replies` });
      return;
    }
    queued++;
    // One client's requests are answered in order: an input sees the declarations of the one before.
    // Those of a client that went away are dropped.
    queue = queue.then(async () => {
      queued--;
      if (!open) return;
      await service
        .handle(request, connection)
        .then(send, (e: unknown) =>
          send({ kind: 'error', id: request.id, code: 'internal', message: `imago failed to answer: ${e instanceof Error ? e.message : String(e)}` }),
        );
    });
  };
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1 && open; i = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, i));
      const text = Buffer.concat(pending).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = i + 1;
      if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
        fail({ kind: 'error', id: null, code: 'too-large', message: `a line longer than ${MAX_LINE_BYTES} bytes: requests are capped at 1 MiB` });
        return;
      }
      line(text);
    }
    if (!open) return;
    pending.push(chunk.subarray(start));
    pendingBytes += chunk.length - start;
    if (pendingBytes > MAX_LINE_BYTES)
      fail({ kind: 'error', id: null, code: 'too-large', message: `a line longer than ${MAX_LINE_BYTES} bytes: requests are capped at 1 MiB` });
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    open = false;
    sockets.delete(socket);
    for (const fn of closers) fn();
  });
}
