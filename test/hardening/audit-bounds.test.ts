// The audit log stays bounded: client text copied into a refusal's reason (a UID, a Content-Type,
// a URL, a User-Agent) is cut with an ellipsis, so a 250 KB UID no longer becomes a 250,000-character
// row; and rows older than AUDIT_RETENTION_DAYS are deleted by the hourly upkeep. Real app, real
// PostgreSQL, raw PUT bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { auditSince, lastAuditId } from '../support/audit.js';
import { KONTAKTE, TERMINE } from '../support/collections.js';
import type { TestServer } from '../support/server.js';

const ANNA = 'anna.meier';
const ids: Record<string, string> = {};

interface AuditRow {
  user_agent: string | null;
  resource: string;
  status: number;
  reason: string | null;
}

let dav: TestServer;
beforeAll(async () => {
  dav = await startAnnaServer(async ({ b, anna: annaId }) => {
    ids.anna = annaId;
    ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
    ids.appt = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
  }, { config: { auditRetentionDays: 30 } });
  await dav.propfind(TERMINE(ANNA), '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1', { user: ANNA });
});
afterAll(() => dav?.close());

describe('client text in audit reasons', () => {
  it('a 250 KB UID in a refused PUT leaves a short reason, cut with an ellipsis', async () => {
    const since = await lastAuditId(dav);
    const href = `${TERMINE(ANNA)}${ids.appt}.ics`;
    const served = await dav.request('GET', href, { user: ANNA });
    const hugeUid = 'U'.repeat(250_000);
    const body = served.text.replace(/^UID:.*$/m, `UID:${hugeUid}`);
    expect(body.length).toBeGreaterThan(250_000);
    const r = await dav.request('PUT', href, {
      user: ANNA,
      body,
      headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')! },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.text.length).toBeLessThan(5000); // the answer does not echo the UID either
    const [row] = await auditSince<AuditRow>(dav, since, 1);
    expect(row!.reason).toMatch(/^uid-mismatch: UID "U{199}…" is not this resource's/);
    expect(row!.reason!.length).toBeLessThanOrEqual(1000);
  });

  it('a 10 KB Content-Type, a 3,000-character URL and a 5,000-character User-Agent are cut too', async () => {
    const since = await lastAuditId(dav);
    const card = `${KONTAKTE(ANNA)}${ids.contact}.vcf`;
    const longType = `application/${'x'.repeat(10_000)}`;
    const wrongType = await dav.request('PUT', card, { user: ANNA, body: 'x', headers: { 'Content-Type': longType, 'User-Agent': 'A'.repeat(5000) } });
    expect(wrongType.status).toBe(415);
    const longName = `${TERMINE(ANNA)}${'n'.repeat(3000)}.ics`;
    const created = await dav.request('PUT', longName, { user: ANNA, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': 'text/calendar' } });
    expect(created.status).toBe(403);
    const [typeRow, urlRow] = await auditSince<AuditRow>(dav, since, 2);
    expect(typeRow!.reason).toBe(`wrong-content-type: expected text/vcard, got application/${'x'.repeat(187)}…`);
    expect(typeRow!.user_agent).toBe(`${'A'.repeat(499)}…`);
    expect(urlRow!.resource.length).toBe(1000);
    expect(urlRow!.resource).toMatch(/^\/dav\/calendars\/anna\.meier\/termine\/n+…$/);
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('the hourly upkeep deletes rows older than the retention and keeps the rest', async () => {
    const insert = (daysAgo: number, reason: string) =>
      dav.db.query(
        `INSERT INTO dav.audit_log (at, username, method, resource, outcome, status, reason)
         VALUES (now() - make_interval(days => $1), 'anna.meier', 'DELETE', '/dav/x', 'refused', 403, $2)`,
        [daysAgo, reason],
      );
    await insert(400, 'retention: very old');
    await insert(31, 'retention: just too old');
    await insert(29, 'retention: kept');
    await insert(0, 'retention: today');
    // The upkeep runs at most once an hour: ask for it an hour and more from now.
    await dav.store.pump.maintainIfDue(new Date(Date.now() + 2 * 3600_000));
    const { rows } = await dav.db.query<{ reason: string }>(`SELECT reason FROM dav.audit_log WHERE reason LIKE 'retention:%' ORDER BY at`);
    expect(rows.map((r) => r.reason)).toEqual(['retention: kept', 'retention: today']);
  });
});
