// A client of a running image's control channel (docs/control.md): connects to its socket, sends
// requests with ids, and matches replies to them; events go to a listener.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type EventMessage, type FromImage, MAX_LINE_BYTES, type Reply, type Request } from '../host/control/protocol.js';

type Ask = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export interface ControlClient {
  request(request: Ask): Promise<Reply>;
  onEvent(fn: (event: EventMessage) => void): void;
  onClose(fn: () => void): void;
  close(): void;
}

/** The nearest folder at or above `dir` holding a package.json, or `dir` itself. */
export function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/** Where `imago run` listens for a project: `.imago/control.sock` under its root. */
export function defaultControlPath(root: string): string {
  return path.join(root, '.imago', 'control.sock');
}

/** Connects; rejects with a sentence that says what to do when nothing listens there. */
export function connectControl(file: string): Promise<ControlClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? `no imago is running there (${e.code === 'ENOENT' ? 'no socket' : 'nothing listens'} at ${file}): start one with 'imago run <entry.ts>', or pass --control <path>`
          : e.code === 'EACCES'
            ? `${file} belongs to another user: the control channel only answers its own user`
            : `cannot connect to ${file}: ${e.message}`;
      reject(new Error(why));
    });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      const waiting = new Map<number, (r: Reply) => void>();
      const listeners: Array<(e: EventMessage) => void> = [];
      const closers: Array<() => void> = [];
      let next = 1;
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          let message: FromImage;
          try {
            message = JSON.parse(line) as FromImage;
          } catch {
            continue;
          }
          if (message.kind === 'event') for (const fn of listeners) fn(message);
          else if (message.kind === 'error' && message.id === null) {
            // About the connection, not one request (too many clients, a line it could not read): every request waiting hears it.
            for (const [id, fn] of waiting) fn({ ...message, id });
            waiting.clear();
          } else if (typeof message.id === 'number') {
            waiting.get(message.id)?.(message);
            waiting.delete(message.id);
          }
        }
        if (buffer.length > MAX_LINE_BYTES * 64) socket.destroy(new Error('the image sent a line too long to read'));
      });
      const lost = (): void => {
        for (const [id, fn] of waiting) fn({ kind: 'error', id, code: 'unavailable', message: 'the image closed the connection (it stopped?)' });
        waiting.clear();
        for (const fn of closers) fn();
      };
      socket.on('close', lost);
      socket.on('error', () => undefined);
      resolve({
        request(request) {
          const id = next++;
          return new Promise((done) => {
            if (socket.destroyed) {
              done({ kind: 'error', id, code: 'unavailable', message: 'the image closed the connection (it stopped?)' });
              return;
            }
            waiting.set(id, done);
            socket.write(`${JSON.stringify({ ...request, id })}\n`);
          });
        },
        onEvent: (fn) => listeners.push(fn),
        onClose: (fn) => closers.push(fn),
        close: () => socket.end(),
      });
    });
  });
}
