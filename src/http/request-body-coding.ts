// Request bodies sent content-coded (RFC 9110 §8.4.1): gzip, deflate and brotli are decoded, with
// the decoded size bounded by the same limit as a plain body, so a "zip bomb" (100 MB of zeros in
// 100 KB) stops at the limit instead of growing memory. Anything else is refused: the server must
// not guess at bytes it cannot read (RFC 9110 §15.5.16, 415 with Accept-Encoding).
import zlib from 'node:zlib';

/** The codings a request body may carry, as a 415 announces them. */
export const ACCEPTED_REQUEST_CODINGS = 'gzip, deflate, br';

export class UnsupportedCodingError extends Error {
  override readonly name = 'UnsupportedCodingError';
}
export class DecodedTooLargeError extends Error {
  override readonly name = 'DecodedTooLargeError';
}
export class CorruptCodingError extends Error {
  override readonly name = 'CorruptCodingError';
}

type Decoder = (bytes: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer;

const DECODERS: Record<string, Decoder> = {
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  // "deflate" is the zlib format (RFC 9110 §8.4.1.2); a few old clients send raw deflate.
  deflate: (bytes, options) => {
    try {
      return zlib.inflateSync(bytes, options);
    } catch (e) {
      if ((e as { code?: string }).code === 'Z_DATA_ERROR') return zlib.inflateRawSync(bytes, options);
      throw e;
    }
  },
  br: zlib.brotliDecompressSync,
};

/** The codings named by Content-Encoding in the order they were applied; [] for none or identity. */
export function requestCodings(header: string | undefined): string[] {
  if (header === undefined) return [];
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  for (const c of codings) if (!DECODERS[c]) throw new UnsupportedCodingError(`request body in an unsupported content coding "${c}"`);
  return codings;
}

/** The body with its codings undone (last applied, first undone), never more than `limit` bytes. */
export function decodeBody(raw: Buffer, codings: readonly string[], limit: number): Buffer {
  let bytes = raw;
  for (const coding of [...codings].reverse()) {
    try {
      // maxOutputLength stops the inflater at the limit: memory never holds more than that.
      bytes = DECODERS[coding]!(bytes, { maxOutputLength: limit + 1 });
    } catch (e) {
      if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DecodedTooLargeError(`decoded request body larger than ${limit} bytes`);
      }
      throw new CorruptCodingError(`request body is not valid ${coding}: ${(e as Error).message}`);
    }
    if (bytes.length > limit) throw new DecodedTooLargeError(`decoded request body larger than ${limit} bytes`);
  }
  return bytes;
}
