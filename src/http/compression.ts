// Compressed answers (RFC 9110 §8.4): every text answer above COMPRESS_MIN_BYTES goes out in the
// coding the client's Accept-Encoding prefers (brotli or gzip), without any handler knowing. The
// response's writeHead/write/end are wrapped: headers wait for the first body bytes, so the size
// of a one-shot answer decides (a no-change sync stays plain); a streamed answer (a 207, an export)
// flows through a node:zlib stream whose backpressure the writers see as the response's own
// ('drain' listeners go to the compressor). A client that stops reading still fills the socket,
// then the compressor, then stalls the writer: the write timeout cuts it off as before, and 'close'
// tears the compressor down and reaches the writers (their cursor is released).
//
// ETags are left alone: a coded answer carries the item's ETag, the same one its DAV:getetag shows,
// because DAV clients compare the two and send the GET's ETag back in If-Match (see
// docs/compression.md). `Vary: Accept-Encoding` tells caches the bytes differ.
import type { NextFunction, Request, Response } from 'express';
import type http from 'node:http';
import zlib from 'node:zlib';
import { countCompressed } from '../metrics.js';
import { chooseCoding, type ResponseCoding } from './content-negotiation-coding.js';

/**
 * Below this an answer goes out plain: it fits one TCP segment (1,460 bytes on a 1,500-byte MTU)
 * either way, so coding saves no packet and no round trip, and costs 60-100 µs of CPU (measured in
 * docs/compression.md) on the requests that must stay near 0.3 ms (polls, no-change syncs).
 */
export const COMPRESS_MIN_BYTES = 1400;

/** One-shot answers up to this size are coded in one synchronous call and keep a Content-Length. */
const ONE_SHOT_MAX_BYTES = 256 * 1024;

/**
 * Settings chosen for CPU per byte saved (measured on a 5,000-card listing and sync in
 * docs/compression.md): gzip level 1 (levels 4-6 save 5% more bytes for twice the CPU), brotli
 * quality 2 with a 256 KiB window (smaller than gzip at any level and faster than gzip level 1;
 * quality 4-5 cost 2-3 times the CPU for 0-5%).
 */
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 1 };
const BROTLI_OPTIONS: zlib.BrotliOptions = {
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 2,
    [zlib.constants.BROTLI_PARAM_LGWIN]: 18,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
  },
};

export function compressSync(coding: ResponseCoding, bytes: Buffer): Buffer {
  if (coding === 'gzip') return zlib.gzipSync(bytes, GZIP_OPTIONS);
  // The size known up front lets brotli size its tables: a third less CPU on a few kilobytes.
  return zlib.brotliCompressSync(bytes, { params: { ...BROTLI_OPTIONS.params, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
}

function compressStream(coding: ResponseCoding): zlib.Gzip | zlib.BrotliCompress {
  return coding === 'br' ? zlib.createBrotliCompress(BROTLI_OPTIONS) : zlib.createGzip(GZIP_OPTIONS);
}

const COMPRESSIBLE = /^\s*(text\/|application\/(xml|json|javascript|[a-z0-9.+-]*\+(xml|json))\b|image\/svg\+xml)/i;

/** Adds Accept-Encoding to the response's Vary (once). */
function addVary(res: http.ServerResponse): void {
  const current = res.getHeader('Vary');
  const list = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(list)) return;
  res.setHeader('Vary', list ? `${list}, Accept-Encoding` : 'Accept-Encoding');
}

type Chunk = string | Buffer | Uint8Array;
type Callback = (err?: Error | null) => void;

function toBuffer(chunk: Chunk | undefined, encoding?: BufferEncoding): Buffer {
  if (chunk === undefined) return Buffer.alloc(0);
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Splits the optional (encoding, callback) arguments of write/end. */
function argsOf(a: unknown, b: unknown): { encoding?: BufferEncoding; cb?: Callback } {
  if (typeof a === 'function') return { cb: a as Callback };
  return { ...(typeof a === 'string' ? { encoding: a as BufferEncoding } : {}), ...(typeof b === 'function' ? { cb: b as Callback } : {}) };
}

/** Express middleware: negotiates and applies the response coding for everything after it. */
export function compression() {
  return (req: Request, res: Response, next: NextFunction): void => {
    wrapResponse(req, res, chooseCoding(req.headers['accept-encoding']));
    next();
  };
}

export function wrapResponse(req: http.IncomingMessage, res: http.ServerResponse, coding: ResponseCoding | undefined): void {
  const original = {
    writeHead: res.writeHead.bind(res) as (status: number, message?: string) => http.ServerResponse,
    write: res.write.bind(res) as (chunk: Chunk, cb?: Callback) => boolean,
    end: res.end.bind(res) as (chunk?: Chunk | Callback, cb?: Callback) => http.ServerResponse,
    on: res.on.bind(res),
    removeListener: res.removeListener.bind(res),
  };
  let decided = false;
  let stream: zlib.Gzip | zlib.BrotliCompress | undefined;
  let pendingHead: { message?: string } | undefined;

  // Headers given to writeHead are kept on the response until the coding is decided.
  res.writeHead = function writeHead(this: http.ServerResponse, status: number, ...rest: unknown[]) {
    let message: string | undefined;
    let headers: unknown;
    if (typeof rest[0] === 'string') [message, headers] = rest;
    else [headers] = rest;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers && typeof headers === 'object') {
      for (const [k, v] of Object.entries(headers as Record<string, string | string[] | number>)) if (v !== undefined) res.setHeader(k, v);
    }
    res.statusCode = status;
    pendingHead = message !== undefined ? { message } : {};
    return res;
  } as typeof res.writeHead;

  // The status as it is now: an error raised before the first body bytes may have replaced it.
  function sendHead(): void {
    if (pendingHead?.message !== undefined) original.writeHead(res.statusCode, pendingHead.message);
    else original.writeHead(res.statusCode);
  }

  /** Decides once, before the first body bytes: plain or coded, and the headers that say so. */
  function decide(knownSize: number | undefined): ResponseCoding | undefined {
    decided = true;
    const status = res.statusCode;
    const type = String(res.getHeader('Content-Type') ?? '');
    const mayVary = status === 304 || COMPRESSIBLE.test(type);
    if (mayVary) addVary(res);
    const declared = Number(res.getHeader('Content-Length') ?? NaN);
    const size = Number.isFinite(declared) ? declared : knownSize;
    const use =
      coding !== undefined &&
      status >= 200 &&
      status !== 204 &&
      status !== 304 &&
      COMPRESSIBLE.test(type) &&
      !res.hasHeader('Content-Encoding') &&
      !/\bno-transform\b/i.test(String(res.getHeader('Cache-Control') ?? '')) &&
      (size === undefined || size >= COMPRESS_MIN_BYTES);
    if (!use) return undefined;
    res.setHeader('Content-Encoding', coding);
    res.removeHeader('Content-Length');
    return coding;
  }

  function startStream(chosen: ResponseCoding): zlib.Gzip | zlib.BrotliCompress {
    const z = compressStream(chosen);
    countCompressed(chosen);
    z.on('data', (chunk: Buffer) => {
      // The socket is full: hold the compressor until it drains (backpressure up to the writer).
      if (!original.write(chunk)) z.pause();
    });
    original.on('drain', () => z.resume());
    z.on('end', () => original.end());
    z.on('error', (err) => res.destroy(err));
    // The client went away (or the write timeout cut it off): free the compressor's memory.
    original.on('close', () => z.destroy());
    return z;
  }

  // 'drain' listeners (the streaming writers') wait for the compressor once there is one.
  const routeDrain = (add: boolean) =>
    function (this: http.ServerResponse, event: string | symbol, listener: (...args: unknown[]) => void) {
      if (event === 'drain' && stream) {
        if (add) stream.on('drain', listener);
        else stream.removeListener('drain', listener);
        return res;
      }
      if (add) original.on(event, listener);
      else original.removeListener(event, listener);
      return res;
    };
  res.on = routeDrain(true) as typeof res.on;
  res.addListener = res.on;
  res.removeListener = routeDrain(false) as typeof res.removeListener;
  res.off = res.removeListener;

  res.write = function write(chunk: Chunk, a?: unknown, b?: unknown): boolean {
    const { encoding, cb } = argsOf(a, b);
    if (!decided) {
      const chosen = decide(undefined);
      if (chosen) stream = startStream(chosen);
      sendHead();
    }
    if (stream) return stream.write(toBuffer(chunk, encoding), cb);
    return original.write(toBuffer(chunk, encoding), cb);
  } as typeof res.write;

  res.end = function end(chunk?: unknown, a?: unknown, b?: unknown): http.ServerResponse {
    let body: Chunk | undefined;
    let rest: { encoding?: BufferEncoding; cb?: Callback };
    if (typeof chunk === 'function') {
      rest = { cb: chunk as Callback };
    } else {
      body = chunk as Chunk | undefined;
      rest = argsOf(a, b);
    }
    if (!decided) {
      const bytes = toBuffer(body, rest.encoding);
      const isHead = req.method === 'HEAD';
      // A handler that declares its length (an item, a page) gets the coded length declared; one
      // that streams (an export, whose HEAD only counts) gets none, so a HEAD says what its GET says.
      const declared = res.hasHeader('Content-Length');
      const chosen = decide(isHead && bytes.length === 0 ? undefined : bytes.length);
      if (chosen && (bytes.length > 0 || isHead) && bytes.length <= ONE_SHOT_MAX_BYTES) {
        if (bytes.length > 0) {
          // Known in full: coded in one call, far cheaper than a stream for a few kilobytes.
          const coded = compressSync(chosen, bytes);
          countCompressed(chosen);
          if (declared) res.setHeader('Content-Length', String(coded.length));
          sendHead();
          return original.end(coded, rest.cb);
        }
        sendHead();
        return original.end(rest.cb);
      }
      if (chosen) {
        stream = startStream(chosen);
        sendHead();
        stream.end(bytes, rest.cb);
        return res;
      }
      // Plain and in one piece: the length Node would have declared had the head not waited.
      if (bytes.length > 0 && !res.hasHeader('Content-Length') && !res.hasHeader('Transfer-Encoding')) res.setHeader('Content-Length', String(bytes.length));
      sendHead();
      return bytes.length > 0 ? original.end(bytes, rest.cb) : original.end(rest.cb);
    }
    if (stream) {
      if (body !== undefined) stream.end(toBuffer(body, rest.encoding), rest.cb);
      else stream.end(rest.cb);
      return res;
    }
    return body !== undefined ? original.end(toBuffer(body, rest.encoding), rest.cb) : original.end(rest.cb);
  } as typeof res.end;
}
