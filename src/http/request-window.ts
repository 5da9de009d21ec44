// Counts requests per key in fixed windows, in this process's memory: cheap enough for a path a
// calendar app polls every few minutes (no database write per request). With several instances
// each counts its own share, so the limit is per instance. Bounded: at most `maxKeys` keys are
// remembered; when full, ended windows are dropped first, then the oldest.

export interface WindowLimit {
  /** Requests allowed per window. */
  readonly limit: number;
  readonly windowSeconds: number;
}

export class RequestWindow {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly l: WindowLimit,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request of `key`: 0 when it is within the limit, else the seconds until it is again. */
  take(key: string, now = Date.now()): number {
    const windowMs = this.l.windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      this.windows.delete(key);
      this.makeRoom(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count <= this.l.limit ? 0 : Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxKeys) return;
    const windowMs = this.l.windowSeconds * 1000;
    for (const [k, w] of this.windows) if (now - w.start >= windowMs) this.windows.delete(k);
    // Still full: the oldest windows go (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}
