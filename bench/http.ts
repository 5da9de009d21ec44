// A minimal HTTP/1.1 client for the bench: keep-alive agent, raw bodies, wall time to the last
// byte. Loopback only: every URL is checked before a request leaves.
import http from 'node:http';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Milliseconds from sending the request to the last byte of the answer. */
  readonly ms: number;
}

export interface HttpTarget {
  /** e.g. http://127.0.0.1:8008 (no trailing slash). */
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  readonly agent: http.Agent;
}

const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

export function assertLoopback(url: string): void {
  if (!LOOPBACK.test(url)) throw new Error(`the bench only talks to loopback addresses, not ${url}`);
}

export function keepAliveAgent(maxSockets = 16): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

export function target(origin: string, username: string, password: string, agent = keepAliveAgent()): HttpTarget {
  assertLoopback(origin);
  return { origin: origin.replace(/\/+$/, ''), username, password, agent };
}

export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/** `path` is an absolute path or a full loopback URL (redirect targets, hrefs). */
export function request(t: HttpTarget, method: string, path: string, opts: RequestOptions = {}): Promise<HttpReply> {
  const url = /^https?:\/\//.test(path) ? path : `${t.origin}${path}`;
  assertLoopback(url);
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body, 'utf8');
  const headers: Record<string, string> = {
    Authorization: basicAuthHeader(t.username, t.password),
    ...(body ? { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(body.length) } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, headers, agent: t.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }),
      );
    });
    req.setTimeout(opts.timeoutMs ?? 300_000, () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 300_000} ms: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Follows 301/302/303/307/308 (as DAVx5's okhttp does), keeping method and body; at most 5 hops. */
export async function requestFollowing(t: HttpTarget, method: string, path: string, opts: RequestOptions = {}): Promise<HttpReply & { hops: number }> {
  let url = /^https?:\/\//.test(path) ? path : `${t.origin}${path}`;
  let total = 0;
  for (let hops = 0; hops <= 5; hops++) {
    const r = await request(t, method, url, opts);
    total += r.ms;
    const location = r.headers.location;
    if (![301, 302, 303, 307, 308].includes(r.status) || !location) return { ...r, ms: total, hops };
    url = new URL(location, url).toString();
  }
  throw new Error(`too many redirects from ${path}`);
}

/** Resolves an href from an answer against the URL it came from, as a path on the same origin. */
export function resolveHref(base: string, href: string): string {
  const u = new URL(href, base);
  return u.pathname;
}
