// The per-request context handed to method handlers: who asks, for what, and the services to
// answer with. Body reading (size limit, XML parsing) lives here so every handler gets the same
// checks.
import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import {
  ACCEPTED_REQUEST_CODINGS,
  CorruptCodingError,
  decodeBody,
  DecodedTooLargeError,
  requestCodings,
  UnsupportedCodingError,
} from '../http/request-body-coding.js';
import { ClientGoneError, clientGone } from '../http/stream-writes.js';
import { pickLanguage } from '../i18n/negotiate.js';
import type { Language } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import type { DavStore, Principal } from '../storage/types.js';
import { DavError, malformedXml, payloadTooLarge } from './dav-error.js';
import type { AccessPolicy } from './policy.js';
import { parseXml, XmlLimitError, XmlParseError, type XmlElement } from './xml/parse.js';

export { pickLanguage };

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in employee's BrokerStar language, once the DAV context is built (refusals are worded in it). */
    employeeLanguage?: Language;
  }
}

export interface DavServices {
  readonly config: Config;
  readonly store: DavStore;
  readonly policy: AccessPolicy;
  readonly log: Logger;
}

export interface DavContext extends DavServices {
  readonly req: Request;
  readonly res: Response;
  /** The logged-in employee. */
  readonly user: Principal;
  /** Decoded request path. */
  readonly path: string;
  /** The employee's BrokerStar language (de, fr, it, en): what he reads, whatever Accept-Language says. */
  readonly lang: Language;
  readonly userAgent: string;
  /** Raw request body (UTF-8), size-checked; '' when there is none. */
  readBody(limit?: number): Promise<string>;
  /** The body parsed as XML; undefined for an empty body. */
  readXml(): Promise<XmlElement | undefined>;
  /** Depth header: 0, 1 or 'infinity'; `fallback` when absent. */
  depth(fallback: 0 | 1 | 'infinity'): 0 | 1 | 'infinity';
}

/**
 * Reads the body up to `limit` bytes. A refused body is drained, never destroyed: destroying the
 * request (what leaving a `for await` over it does) closes the client's keep-alive connection, and
 * the refusal then reaches it as "Server disconnected". The server's request timeout bounds the drain.
 */
export async function readRequestBody(req: Request, limit: number): Promise<string> {
  const codings = codingsOf(req);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can be reused
    throw payloadTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw payloadTooLarge(limit);
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  return (codings.length > 0 ? decodedBody(raw, codings, limit) : raw).toString('utf8');
}

/** Content-Encoding of the request: an unknown coding is refused (415) before the body is read. */
function codingsOf(req: Request): string[] {
  try {
    return requestCodings(req.headers['content-encoding']);
  } catch (e) {
    if (!(e instanceof UnsupportedCodingError)) throw e;
    req.resume();
    throw new DavError(415, e.message, undefined, { headers: { 'Accept-Encoding': ACCEPTED_REQUEST_CODINGS } });
  }
}

/** A gzip/deflate/brotli body decoded within the same limit (a zip bomb is a 413, a broken one a 400). */
function decodedBody(raw: Buffer, codings: readonly string[], limit: number): Buffer {
  try {
    return decodeBody(raw, codings, limit);
  } catch (e) {
    if (e instanceof DecodedTooLargeError) throw payloadTooLarge(limit);
    if (e instanceof CorruptCodingError) throw new DavError(400, e.message);
    throw e;
  }
}

export function createContext(services: DavServices, req: Request, res: Response, user: Principal, path: string): DavContext {
  // A client that left while its request waited (for a pool connection, say) costs no more work:
  // after 200 phones drop at once, the queue behind them drains in milliseconds.
  if (clientGone(res)) throw new ClientGoneError();
  let body: Promise<string> | undefined;
  req.employeeLanguage = user.language;
  const ctx: DavContext = {
    ...services,
    req,
    res,
    user,
    path,
    lang: user.language,
    userAgent: String(req.headers['user-agent'] ?? ''),
    readBody(limit = services.config.maxBodyBytes) {
      body ??= readRequestBody(req, limit);
      return body;
    },
    async readXml() {
      const text = await ctx.readBody();
      if (text.trim() === '') return undefined;
      // The Content-Type of PROPFIND/REPORT bodies is not checked: clients send none, text/xml,
      // application/xml or (curl) a form type; the parser decides.
      try {
        return parseXml(text);
      } catch (e) {
        if (e instanceof XmlParseError) throw malformedXml(e.message);
        // Well-formed but more structure than the server will process (RFC 9110 §15.5.14).
        if (e instanceof XmlLimitError) throw new DavError(413, `request body too complex: ${e.message}`);
        throw e;
      }
    },
    depth(fallback) {
      const raw = req.headers.depth;
      if (raw === undefined) return fallback;
      const v = String(raw).trim().toLowerCase();
      if (v === '0') return 0;
      if (v === '1') return 1;
      if (v === 'infinity') return 'infinity';
      throw new DavError(400, `invalid Depth header "${raw}"`);
    },
  };
  return ctx;
}
