// Raw HTTP exchanges for the compression tests: node:http without any decoding, so a test sees the
// bytes on the wire and the headers exactly as sent, and decodes them itself with node:zlib.
import http from 'node:http';
import zlib from 'node:zlib';

export interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as it came over the wire (still coded). */
  readonly wire: Buffer;
}

export function rawHttp(url: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, wire: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The body decoded by the coding its Content-Encoding names, the way the clients' decoders do. */
export function decoded(reply: RawReply): string {
  const coding = reply.headers['content-encoding'];
  if (coding === undefined) return reply.wire.toString('utf8');
  if (coding === 'gzip') return zlib.gunzipSync(reply.wire).toString('utf8');
  if (coding === 'br') return zlib.brotliDecompressSync(reply.wire).toString('utf8');
  throw new Error(`unexpected Content-Encoding ${coding}`);
}

/** `bytes` of zeros gzip-coded without ever holding them: about 1 KB per MB. */
export async function gzipOfZeros(bytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const mb = Buffer.alloc(1 << 20);
  for (let left = bytes; left > 0; left -= mb.length) {
    if (!gzip.write(left >= mb.length ? mb : mb.subarray(0, left))) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}
