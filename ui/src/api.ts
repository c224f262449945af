// The page's questions to the image: one POST per request to `/api`, answered with the control
// protocol's reply (src/host/control/protocol.ts). A reply of another kind than asked for, an `error`
// reply or a failed fetch all become an ApiError whose message the pane shows.

import type { Reply, Request } from './wire.js';

/** A request as the page writes it: the id is added here. */
export type Question = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
export type ReplyOf<K extends Reply['kind']> = Extract<Reply, { kind: K }>;

export class ApiError extends Error {
  /** The protocol's error code, or `network` / `http` / `unexpected` for what went wrong on the way. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class Api {
  readonly token: string;
  #client: number | null = null;
  #nextId = 1;
  #waiting: Array<() => void> = [];

  constructor(token: string) {
    this.token = token;
  }

  /** The client id the last `hello` gave (REPL sessions are kept per client). */
  setClient(client: number): void {
    this.#client = client;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resume of waiting) resume();
  }

  /** Asks `question`; resolves with the reply when its kind is one of `expect`. Waits for the first `hello` (the client id). */
  async ask<K extends Reply['kind']>(question: Question, ...expect: K[]): Promise<ReplyOf<K>> {
    if (this.#client === null) await new Promise<void>((resume) => this.#waiting.push(resume));
    const id = this.#nextId++;
    const url = `/api?token=${encodeURIComponent(this.token)}&client=${this.#client}`;
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, ...question }) });
    } catch (e: unknown) {
      throw new ApiError('network', `The image did not answer (${e instanceof Error ? e.message : String(e)}): is it still running?`);
    }
    const text = await response.text();
    let reply: Reply;
    try {
      reply = JSON.parse(text) as Reply;
    } catch {
      throw new ApiError('http', `HTTP ${response.status} from the image: ${text.slice(0, 200) || response.statusText}`);
    }
    if (reply.kind === 'error') throw new ApiError(reply.code, reply.message);
    if (!(expect as string[]).includes(reply.kind)) throw new ApiError('unexpected', `Asked for ${question.kind}, the image answered ${reply.kind}.`);
    return reply as ReplyOf<K>;
  }
}

/** The message to show for anything a request threw. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.code === 'network' || e.code === 'http' || e.code === 'unexpected' ? e.message : `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
