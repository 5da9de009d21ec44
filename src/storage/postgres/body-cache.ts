// Rendered bodies in memory, keyed by their ETag and the form served (plain text, or the escaped
// XML form a 207 splices in), shared by every employee of the process: a firm's cards are the same
// for everyone, so the big answers stop reading megabytes out of PostgreSQL's TOAST each time.
//
// No invalidation is needed for correctness: an ETag is derived from the exact bytes of its body
// (render-entity.ts etagOf; the vCard 4.0 and busy-view ETags likewise name their own bytes), so a
// changed item has a new ETag and can never be answered from an old entry. Old entries simply age
// out: least recently used first, bounded in bytes by BODY_CACHE_MB.
import { setBodyCacheBytes } from '../../metrics.js';

export interface CachedBody {
  readonly body?: string;
  readonly bodyXml?: string;
}

/** What an entry costs besides its text: the key, the Map slot, the object (an estimate). */
const ENTRY_OVERHEAD_BYTES = 96;

const bytesOf = (key: string, v: CachedBody): number =>
  ENTRY_OVERHEAD_BYTES + key.length + (v.body ? Buffer.byteLength(v.body) : 0) + (v.bodyXml ? Buffer.byteLength(v.bodyXml) : 0);

export class BodyCache {
  private readonly entries = new Map<string, { value: CachedBody; bytes: number }>();
  private held = 0;
  /** Look-ups answered and not answered since the start (the metrics count the same). */
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  /** The key of one representation: its ETag and whether the escaped XML form is served. */
  static keyOf(etag: string, xml: boolean): string {
    return xml ? `x${etag}` : `t${etag}`;
  }

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedBody | undefined {
    const e = this.entries.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used last: Map keeps insertion order, so eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: CachedBody): void {
    const bytes = bytesOf(key, value);
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.bytes;
    }
    // A body larger than the whole cache is served, never kept.
    if (bytes > this.maxBytes) return this.report();
    this.entries.set(key, { value, bytes });
    this.held += bytes;
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(k);
      this.held -= e.bytes;
    }
    this.report();
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
    this.report();
  }

  private report(): void {
    setBodyCacheBytes(this.held);
  }
}

/** The process's cache for BODY_CACHE_MB megabytes; undefined when it is 0 (off). */
export function bodyCacheOf(megabytes: number): BodyCache | undefined {
  return megabytes > 0 ? new BodyCache(Math.floor(megabytes * 1024 * 1024)) : undefined;
}
