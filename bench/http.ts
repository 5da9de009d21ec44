// A minimal HTTP/1.1 client for the bench: keep-alive agent, raw bodies, wall time to the last
// byte. It asks for compressed answers as the real clients do (`Accept-Encoding: gzip, deflate,
// br`), counts the bytes that came over the socket (headers, chunk framing and the compressed body)
// and hands the decoded body to the validators. Loopback only: every URL is checked first.
import http from 'node:http';
import type { Socket } from 'node:net';
import zlib from 'node:zlib';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as the client reads it (decoded when it came compressed). */
  readonly body: Buffer;
  /** Milliseconds from sending the request to the last byte of the answer. */
  readonly ms: number;
  /** Bytes of the answer on the wire: status line, headers, framing and the body as sent. */
  readonly wireBytes: number;
  /** Round trips a client pays: 1, plus 1 when the request needed a new TCP connection. */
  readonly roundTrips: number;
  /** Content-Encoding of the answer ('' when none). */
  readonly encoding: string;
}

/** A request that got no complete answer in time (a result for another server, not a validation failure). */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}

/** What every target client sends (DAVx5's okhttp, iOS, Thunderbird, Outlook alike). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

function decode(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`unknown Content-Encoding ${encoding}`);
  }
}

/** Sockets that already carried a request: a request on any other one paid for a new connection. */
const usedSockets = new WeakSet<Socket>();

export interface HttpTarget {
  /** e.g. http://127.0.0.1:8008 (no trailing slash). */
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  readonly agent: http.Agent;
  /** Default per-request timeout (ms); 300 s when unset. */
  readonly timeoutMs?: number;
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
    'Accept-Encoding': ACCEPT_ENCODING,
    ...(body ? { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(body.length) } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let socket: Socket | undefined;
    let readBefore = 0;
    let roundTrips = 1;
    const req = http.request(url, { method, headers, agent: t.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ms = performance.now() - started;
        const raw = Buffer.concat(chunks);
        const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
        // bytesRead is per socket; requests on one socket are sequential, so the difference is this answer.
        const wireBytes = socket ? socket.bytesRead - readBefore : raw.length;
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: decode(raw, encoding), ms, wireBytes, roundTrips, encoding });
        } catch (e) {
          reject(new Error(`${method} ${url}: undecodable ${encoding} body: ${(e as Error).message}`));
        }
      });
    });
    req.on('socket', (s: Socket) => {
      socket = s;
      readBefore = s.bytesRead;
      if (!usedSockets.has(s)) roundTrips = 2;
      usedSockets.add(s);
    });
    const timeout = opts.timeoutMs ?? t.timeoutMs ?? 300_000;
    req.setTimeout(timeout, () => req.destroy(new RequestTimeout(`timeout after ${timeout / 1000} s: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Follows 301/302/303/307/308 (as DAVx5's okhttp does), keeping method and body; at most 5 hops. */
export async function requestFollowing(t: HttpTarget, method: string, path: string, opts: RequestOptions = {}): Promise<HttpReply & { hops: number }> {
  let url = /^https?:\/\//.test(path) ? path : `${t.origin}${path}`;
  let total = 0;
  let wire = 0;
  let trips = 0;
  for (let hops = 0; hops <= 5; hops++) {
    const r = await request(t, method, url, opts);
    total += r.ms;
    wire += r.wireBytes;
    trips += r.roundTrips;
    const location = r.headers.location;
    if (![301, 302, 303, 307, 308].includes(r.status) || !location) return { ...r, ms: total, wireBytes: wire, roundTrips: trips, hops };
    url = new URL(location, url).toString();
  }
  throw new Error(`too many redirects from ${path}`);
}

/** Resolves an href from an answer against the URL it came from, as a path on the same origin. */
export function resolveHref(base: string, href: string): string {
  const u = new URL(href, base);
  return u.pathname;
}
