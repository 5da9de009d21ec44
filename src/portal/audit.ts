// What the portal puts in the audit log (dav.audit_log, read by `brokerstar-dav audit`): sign-ins
// (accepted and refused), devices added and revoked. Never a password or a link token: the reason
// names the method, the kind and the label only. A failed write is logged and never fails the page.
import type express from 'express';
import { clip } from '../audit/clip.js';
import type { Logger } from '../logger.js';
import type { Queryable } from '../storage/postgres/queryable.js';

export interface PortalAuditEntry {
  readonly employeeId: string | null;
  readonly username: string | null;
  /** SIGN-IN, SIGN-OUT, ADD-DEVICE, REVOKE-DEVICE */
  readonly action: string;
  readonly outcome: 'accepted' | 'refused';
  readonly status: number;
  readonly reason: string;
}

export class PortalAudit {
  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
  ) {}

  async record(req: express.Request, e: PortalAuditEntry): Promise<void> {
    const line = { employee: e.username, action: e.action, outcome: e.outcome, reason: e.reason, address: req.ip };
    (req.log ?? this.log).info(line, 'portal');
    await this.db
      .query(
        `INSERT INTO dav.audit_log (employee_id, username, user_agent, method, resource, outcome, status, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          e.employeeId,
          e.username,
          clip(req.headers['user-agent'] ?? '', 500) || null,
          e.action,
          // The portal's path without any token in it (links are /setup/enrol/<token>).
          '/setup/',
          e.outcome,
          e.status,
          clip(`${e.reason}${req.ip ? ` from ${req.ip}` : ''}`, 1000),
        ],
      )
      .catch((err: unknown) => this.log.error({ err }, 'audit log write failed'));
  }
}
