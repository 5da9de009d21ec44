// The audit log (dav.audit_log, docs/writes.md §6): accepted client writes with their field
// changes, and every refusal with its reason (the message key, plus what the rule saw where one
// decided); read back by `brokerstar-dav audit`. Every row is composed here.
import type { Request } from 'express';
import type { Logger } from '../logger.js';
import { countAcceptedEdit } from '../metrics.js';
import type { Queryable } from '../storage/postgres/queryable.js';
import { clip } from './clip.js';

/** Bounds of one audit row's texts: whatever a client sent, a row stays small. */
const MAX_REASON = 1000;
const MAX_RESOURCE = 1000;
const MAX_USER_AGENT = 500;
const MAX_CHANGE_VALUE = 1000;

/** A field change with its client-sent string values bounded. */
function boundedChange(c: FieldChange): FieldChange {
  const bound = (v: unknown) => (typeof v === 'string' ? clip(v, MAX_CHANGE_VALUE) : v);
  return { field: c.field, old: bound(c.old), new: bound(c.new) };
}

export interface FieldChange {
  readonly field: string;
  readonly old: unknown;
  readonly new: unknown;
}

export interface AuditEntry {
  readonly employeeId: string | null;
  readonly username: string | null;
  readonly userAgent: string | null;
  readonly method: string;
  readonly resource: string;
  readonly outcome: 'accepted' | 'refused';
  readonly status: number;
  readonly reason: string | null;
  readonly changes?: readonly FieldChange[];
}

export interface AuditRow extends AuditEntry {
  readonly id: string;
  readonly at: Date;
}

/** Who wrote to what: the request's side of an entry. */
export type AuditSubject = Pick<AuditEntry, 'employeeId' | 'username' | 'userAgent' | 'method' | 'resource'>;

/** A refusal as the error middleware passes it on. */
export interface RefusalEntry {
  readonly status: number;
  /** The message key. */
  readonly reason: string;
  /** What the rule saw (e.g. "RRULE FREQ=DAILY instead of FREQ=WEEKLY"), after the key. */
  readonly detail?: string;
}

/**
 * A path with its percent-escapes decoded segment by segment, and no query: the resource as a
 * person reads it, the same for accepted writes (built hrefs) and refusals (the request URL).
 */
export function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? url;
  try {
    return path
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    return path; // not valid percent-encoding: kept as sent
  }
}

export class AuditLog {
  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
  ) {}

  private async record(e: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO dav.audit_log (employee_id, username, user_agent, method, resource, outcome, status, reason, changes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        e.employeeId,
        e.username,
        e.userAgent == null ? null : clip(e.userAgent, MAX_USER_AGENT),
        e.method,
        clip(decodedPath(e.resource), MAX_RESOURCE),
        e.outcome,
        e.status,
        e.reason == null ? null : clip(e.reason, MAX_REASON),
        e.changes ? JSON.stringify(e.changes.map(boundedChange)) : null,
      ],
    );
  }

  /** An accepted edit, written through the transaction that applies it (the log's `db`). */
  async accepted(subject: AuditSubject, edit: { readonly changes: readonly FieldChange[]; readonly truncated: boolean }): Promise<void> {
    await this.record({
      ...subject,
      outcome: 'accepted',
      status: 204,
      reason: edit.truncated ? 'edit (subject/location cut at 150 characters)' : edit.changes.length ? 'edit' : 'no change',
      changes: edit.changes,
    });
    countAcceptedEdit(); // recorded in the edit's transaction (a failed COMMIT is the rare overcount)
  }

  /** A read worth keeping (a subscription link's first use in an hour): written without delaying the answer. */
  read(subject: AuditSubject, reason: string): void {
    this.record({ ...subject, outcome: 'accepted', status: 200, reason }).catch((err: unknown) => this.log.error({ err }, 'audit log write failed'));
  }

  /** A PROPPATCH of display settings (accepted or refused), through the caller's transaction. */
  async propertyUpdate(subject: AuditSubject, e: Pick<AuditEntry, 'outcome' | 'status' | 'reason' | 'changes'>): Promise<void> {
    await this.record({ ...subject, ...e });
  }

  /** For the error middleware: a refusal is logged without delaying the answer. */
  refused(req: Request, r: RefusalEntry): void {
    this.record({
      employeeId: req.login?.employeeId ?? null,
      username: req.login?.username ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      method: req.method,
      resource: req.originalUrl,
      outcome: 'refused',
      status: r.status,
      reason: r.detail === undefined ? r.reason : `${r.reason}: ${clip(r.detail, MAX_REASON)}`,
    }).catch((err: unknown) => this.log.error({ err }, 'audit log write failed'));
  }

  /** Deletes rows older than `retentionDays` (the hourly upkeep); returns how many. */
  async prune(retentionDays: number): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM dav.audit_log WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
    return rowCount ?? 0;
  }

  /** Newest first; `username` in any case (employees and administrators type Anna.Meier). */
  async list(filter: { username?: string; since?: Date; limit?: number }): Promise<AuditRow[]> {
    const { rows } = await this.db.query(
      `SELECT id::text AS id, at, employee_id::text AS "employeeId", username, user_agent AS "userAgent", method, resource,
              outcome, status, reason, changes
         FROM dav.audit_log
        WHERE ($1::text IS NULL OR lower(username) = lower($1)) AND ($2::timestamptz IS NULL OR at >= $2)
        ORDER BY at DESC, id DESC
        LIMIT $3`,
      [filter.username ?? null, filter.since ?? null, filter.limit ?? 100],
    );
    return rows as AuditRow[];
  }
}
