// Cross-instance cache invalidation through PostgreSQL LISTEN/NOTIFY: every server instance keeps
// one dedicated connection LISTENing on CHANNEL, and whoever revokes an app password or sees an
// employee change sends a NOTIFY (in the same transaction as the change, so it is delivered only
// when the change commits). Each instance then drops the affected logins from its cache at once.
//
// Optional-safe: a notice lost while the connection is down (PostgreSQL restarting, a failover)
// is made up for by `onResync` after the reconnect (drop everything), and in any case the login
// cache's TTL (AUTH_CACHE_SECONDS) bounds how long a revoked login can keep working.
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { Queryable } from '../storage/postgres/queryable.js';

/** The channel every instance listens on. */
export const CHANNEL = 'brokerstar_dav';

/** What a notice says. Payloads are tiny (`revoked:<id>`, `employee:<id>`, `employee:*`). */
export type Notice =
  | { readonly kind: 'app-password-revoked'; readonly appPasswordId: string }
  | { readonly kind: 'employee-changed'; /** undefined: every employee (a TRUNCATE, a full pass). */ readonly employeeId: string | undefined };

// PostgreSQL allows 8000 bytes; ours are far smaller, and anything longer is not ours.
const MAX_PAYLOAD = 200;
const ID = /^\d{1,19}$/;

export function formatNotice(n: Notice): string {
  return n.kind === 'app-password-revoked' ? `revoked:${n.appPasswordId}` : `employee:${n.employeeId ?? '*'}`;
}

/** The notice in a payload, or undefined for anything malformed, too long or unknown. */
export function parseNotice(payload: string | undefined): Notice | undefined {
  if (!payload || payload.length > MAX_PAYLOAD) return undefined;
  const colon = payload.indexOf(':');
  const kind = payload.slice(0, colon);
  const id = payload.slice(colon + 1);
  if (kind === 'revoked' && ID.test(id)) return { kind: 'app-password-revoked', appPasswordId: id };
  if (kind === 'employee' && (id === '*' || ID.test(id))) return { kind: 'employee-changed', employeeId: id === '*' ? undefined : id };
  return undefined;
}

/**
 * SQL expression notifying every instance that the app password whose id is `idExpression` was
 * revoked, for a `DELETE … RETURNING` wrapped in a CTE (so the notice is part of the statement's
 * transaction): `WITH d AS (DELETE … RETURNING id) SELECT ${revokedNotify('d.id')} FROM d`.
 */
export function revokedNotify(idExpression: string): string {
  return `pg_notify('${CHANNEL}', 'revoked:' || (${idExpression})::text)`;
}

/**
 * The URL with `-listen` added to its application_name (a name in DATABASE_URL overrides any
 * other), so that pg_stat_activity tells the listening connection from the pool's.
 */
function listenerUrl(url: string): string {
  try {
    const u = new URL(url);
    u.searchParams.set('application_name', `${u.searchParams.get('application_name') ?? 'brokerstar-dav'}-listen`);
    return u.toString();
  } catch {
    return url; // not a URL (a key=value string): pg parses it as given
  }
}

/** Sends a notice (delivered when the caller's transaction, if any, commits). */
export async function publish(db: Queryable, notice: Notice): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [CHANNEL, formatNotice(notice)]);
}

export interface NoticeHandlers {
  onNotice(notice: Notice): void;
  /** Connected again after a gap in which notices may have been missed: drop what they could concern. */
  onResync(): void;
}

export interface NotificationOptions {
  /** First reconnect delay; doubled per failure up to maxBackoffMs. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** The listening side: one pg client of its own (not from the pool), reconnecting with backoff. */
export class Notifications {
  private readonly handlers = new Set<NoticeHandlers>();
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    opts: NotificationOptions = {},
  ) {
    this.minBackoffMs = opts.minBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  /** Adds a receiver; returns its removal. */
  subscribe(h: NoticeHandlers): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  /** Whether the LISTEN connection is up right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; resolves after the first attempt, whether it worked or not (it retries). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: listenerUrl(this.url), connectionTimeoutMillis: 5000, keepAlive: true });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ error: err?.message }, 'cache invalidation connection lost: reconnecting (cached logins still expire after AUTH_CACHE_SECONDS)');
      this.retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL) return;
      const notice = parseNotice(msg.payload);
      if (!notice) return this.log.debug({ length: msg.payload?.length }, 'ignored a malformed cache notice');
      this.dispatch((h) => h.onNotice(notice));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.stopped || lost) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Notices sent before this LISTEN (while down, or between a revoke and our first connect after
    // a gap) are gone: whatever they could have concerned is dropped.
    if (this.failures > 0) {
      this.dispatch((h) => h.onResync());
      this.log.info({ attempts: this.failures }, 'cache invalidation connection restored');
    }
    this.failures = 0;
  }

  private retry(): void {
    clearTimeout(this.timer);
    const delay = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(this.failures, 16));
    this.failures++; // > 0 until connected again: the reconnect then resyncs
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }

  private dispatch(fn: (h: NoticeHandlers) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.log.error({ err }, 'cache notice handler failed');
      }
    }
  }
}
