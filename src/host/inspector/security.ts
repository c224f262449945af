// Who may talk to the inspector: a browser on this machine that was given the token. The server listens
// on 127.0.0.1 only; every request must carry the token (the URL's `?token=`, the page's own paths
// `/ui/<token>/`, or an `x-imago-token` header); and its `Host` and `Origin` must be this server's, which
// refuses DNS rebinding (a foreign name resolved to 127.0.0.1: the attacks on Node's own inspector,
// CVE-2018-7160, CVE-2021-22884, CVE-2022-43548) and other sites' pages.

import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh token: 32 random bytes, as 64 hex digits. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Compares in constant time, so the time of a refusal does not tell how much of a token was right. */
export function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The names this server answers to on `port`: loopback only. */
function hosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

export interface Asked {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  /** `Sec-Fetch-Site`, sent by browsers: `same-origin`, `cross-site`, ... */
  readonly fetchSite: string | undefined;
  /** The token the request carries, wherever it carries it. */
  readonly token: string | null;
}

/** Null when the request may be served, else why not (said to the client with a 403). */
export function refusal(asked: Asked, port: number, token: string): string | null {
  const names = hosts(port);
  if (asked.host === undefined || !names.includes(asked.host.toLowerCase()))
    return `Host '${asked.host ?? ''}' is not this server (${names[0]}): a request for another name is refused (DNS rebinding). Open the address imago printed.`;
  if (asked.origin !== undefined && !names.some((n) => asked.origin!.toLowerCase() === `http://${n}`))
    return `Origin '${asked.origin}' is not this server's (http://${names[0]}): another site's page may not talk to the inspector.`;
  if (asked.fetchSite === 'cross-site' || asked.fetchSite === 'same-site')
    return `the request came from another site (Sec-Fetch-Site: ${asked.fetchSite}): refused.`;
  if (asked.token === null) return 'no token: open the address imago printed (it ends in ?token=...), or ask `imago inspect` for it.';
  if (!sameToken(asked.token, token)) return 'wrong token: open the address imago printed for this run (a token lasts one run of the inspector).';
  return null;
}

/** The token a request carries: `?token=`, the path `/ui/<token>/...`, or the `x-imago-token` header. */
export function tokenOf(url: URL, header: string | string[] | undefined): string | null {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const path = /^\/ui\/([^/]+)\//.exec(url.pathname)?.[1];
  if (path !== undefined) return path;
  return typeof header === 'string' ? header : null;
}
