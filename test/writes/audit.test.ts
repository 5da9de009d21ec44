// The audit log (dav.audit_log, migrations/003): every accepted write with employee, client
// (User-Agent), resource and field changes (old and new), every refusal with its reason (the
// message key, plus what the rule saw where one decided); resources as decoded paths; and
// `brokerstar-dav audit --user U --since T`, run as the built CLI (dist/, made by `npm run build`,
// which `npm test` runs first) against the test database, prints them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSince, lastAuditId } from '../support/audit.js';
import { builders } from '../support/builders.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { editedItem } from '../unit/policy/clients.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/src/cli.js');

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const OUTLOOK = 'CalDavSynchronizer/4.4.0 (Windows NT 10.0)';
const IOS = 'iOS/18.1 (22B83) dataaccessd/1.0';
const DAVX5 = 'DAVx5/4.5.19-ose (2025/11/03; dav4jvm; okhttp/4.12.0) Android/14';

interface AuditRow {
  id: string;
  at: Date;
  employee_id: string | null;
  username: string | null;
  user_agent: string | null;
  method: string;
  resource: string;
  outcome: 'accepted' | 'refused';
  status: number;
  reason: string | null;
  changes: { field: string; old: unknown; new: unknown }[] | null;
}

const ids: Record<string, string> = {};

async function cli(dav: TestServer, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'audit', ...args], {
    env: { ...process.env, DATABASE_URL: dav.db.url, LOG_LEVEL: 'warn' },
    timeout: 20_000,
  });
  return stdout;
}

describe('audit log', () => {
  let dav: TestServer;
  let sinceSecondBatch: string;
  let firstBatch: string;

  beforeAll(async () => {
    dav = await startTestServer({
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: ANNA });
        ids.beat = await b.addEmployee({ username: BEAT });
        ids.contact = await b.addContact({ firstName: 'Hans', lastName: 'Muster' });
        ids.appt = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin', location: 'Zürich' });
        ids.task = await b.addTask({ assigneeId: ids.anna, subject: 'Offerte senden' });
        ids.beatsAppt = await b.addAppointment({ ownerId: ids.beat, startsAt: '2026-12-02T09:00:00Z', subject: 'Beats Termin' });
      },
    });
    for (const u of [ANNA, BEAT]) {
      for (const c of [TERMINE(u), AUFGABEN(u), KONTAKTE(u)]) {
        await dav.propfind(c, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1', { user: u });
      }
    }
  });
  afterAll(() => dav?.close());

  it('records an accepted appointment edit: employee, client, resource, each changed field with old and new value', async () => {
    const since = await lastAuditId(dav);
    const href = `${TERMINE(ANNA)}${ids.appt}.ics`;
    const served = await dav.request('GET', href, { user: ANNA });
    const body = editedItem(served.text, (e) => {
      const p = e.getFirstProperty('dtstart')!;
      p.setValue(ICAL.Time.fromDateTimeString('2026-12-01T14:00:00'));
      e.getFirstProperty('dtend')!.setValue(ICAL.Time.fromDateTimeString('2026-12-01T15:00:00'));
      e.updatePropertyWithValue('location', 'Bern');
    });
    const r = await dav.request('PUT', href, { user: ANNA, body, headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')!, 'User-Agent': OUTLOOK } });
    expect(r.status).toBe(204);

    const [row] = await auditSince<AuditRow>(dav, since, 1);
    expect(row).toMatchObject({ employee_id: ids.anna, username: ANNA, user_agent: OUTLOOK, method: 'PUT', resource: href, outcome: 'accepted', status: 204, reason: 'edit' });
    expect(row!.changes).toEqual(
      expect.arrayContaining([
        { field: 'location', old: 'Zürich', new: 'Bern' },
        { field: 'startsAt', old: '2026-12-01T09:00:00.000Z', new: '2026-12-01T13:00:00.000Z' },
        { field: 'endsAt', old: '2026-12-01T10:00:00.000Z', new: '2026-12-01T14:00:00.000Z' },
      ]),
    );
    expect(row!.changes).toHaveLength(3);
  });

  it('records an accepted task completion with its fields', async () => {
    const since = await lastAuditId(dav);
    const href = `${AUFGABEN(ANNA)}${ids.task}.ics`;
    const served = await dav.request('GET', href, { user: ANNA });
    const body = editedItem(served.text, (t) => {
      t.updatePropertyWithValue('status', 'COMPLETED');
      t.updatePropertyWithValue('percent-complete', 100);
      t.updatePropertyWithValue('completed', ICAL.Time.fromDateTimeString('2026-11-24T08:00:00Z'));
    });
    expect((await dav.request('PUT', href, { user: ANNA, body, headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')!, 'User-Agent': IOS } })).status).toBe(204);
    const [row] = await auditSince<AuditRow>(dav, since, 1);
    expect(row).toMatchObject({ username: ANNA, user_agent: IOS, resource: href, outcome: 'accepted', status: 204 });
    expect(row!.changes).toEqual([
      { field: 'status', old: 'open', new: 'done' },
      { field: 'percentComplete', old: 0, new: 100 },
      { field: 'completedAt', old: null, new: '2026-11-24T08:00:00.000Z' },
    ]);
  });

  it('records every refusal with its reason and status (403, 412, 415)', async () => {
    const since = await lastAuditId(dav);
    const appt = `${TERMINE(ANNA)}${ids.appt}.ics`;
    const card = `${KONTAKTE(ANNA)}${ids.contact}.vcf`;
    const sent = [
      await dav.request('DELETE', appt, { user: ANNA, headers: { 'User-Agent': DAVX5 } }),
      await dav.request('PUT', `${TERMINE(ANNA)}neu.ics`, { user: ANNA, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': 'text/calendar', 'If-None-Match': '*', 'User-Agent': DAVX5 } }),
      await dav.request('PUT', appt, { user: ANNA, body: (await dav.request('GET', appt, { user: ANNA })).text, headers: { 'Content-Type': 'text/calendar', 'If-Match': '"veraltet"', 'User-Agent': DAVX5 } }),
      await dav.request('PUT', card, { user: ANNA, body: 'x', headers: { 'Content-Type': 'application/json', 'User-Agent': DAVX5 } }),
      await dav.request('PROPPATCH', TERMINE(ANNA), { user: ANNA, body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>X</D:displayname></D:prop></D:set></D:propertyupdate>', headers: { 'User-Agent': DAVX5 } }),
    ];
    // PROPPATCH answers 207 with a 403 propstat for displayname (docs/writes.md §10), audited as refused with that status.
    expect(sent.map((r) => r.status)).toEqual([403, 403, 412, 415, 207]);
    const rows = await auditSince<AuditRow>(dav, since, 5);
    expect(rows.map((r) => ({ method: r.method, resource: r.resource, outcome: r.outcome, status: r.status, reason: r.reason, username: r.username, user_agent: r.user_agent, employee_id: r.employee_id }))).toEqual([
      { method: 'DELETE', resource: appt, outcome: 'refused', status: 403, reason: 'delete-appointment', username: ANNA, user_agent: DAVX5, employee_id: ids.anna },
      { method: 'PUT', resource: `${TERMINE(ANNA)}neu.ics`, outcome: 'refused', status: 403, reason: 'create-appointment', username: ANNA, user_agent: DAVX5, employee_id: ids.anna },
      { method: 'PUT', resource: appt, outcome: 'refused', status: 412, reason: 'stale: stale If-Match', username: ANNA, user_agent: DAVX5, employee_id: ids.anna },
      { method: 'PUT', resource: card, outcome: 'refused', status: 415, reason: 'wrong-content-type: expected text/vcard, got application/json', username: ANNA, user_agent: DAVX5, employee_id: ids.anna },
      { method: 'PROPPATCH', resource: TERMINE(ANNA), outcome: 'refused', status: 403, reason: 'properties-read-only: {DAV:}displayname', username: ANNA, user_agent: DAVX5, employee_id: ids.anna },
    ]);
    expect(rows.every((r) => r.changes === null)).toBe(true);
  });

  it('records the resource of a refusal as the decoded path, without the query, as for accepted writes', async () => {
    const since = await lastAuditId(dav);
    const escaped = `/dav/calendars/anna%2Emeier/termine/neu%2D1.ics?client=test`;
    const r = await dav.request('PUT', escaped, { user: ANNA, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', headers: { 'Content-Type': 'text/calendar' } });
    expect(r.status).toBe(403);
    const [row] = await auditSince<AuditRow>(dav, since, 1);
    expect(row).toMatchObject({ outcome: 'refused', reason: 'create-appointment', resource: `${TERMINE(ANNA)}neu-1.ics` });
  });

  it('records a refused edit rule by its reason and what the rule saw (making an appointment private)', async () => {
    const since = await lastAuditId(dav);
    const href = `${TERMINE(ANNA)}${ids.appt}.ics`;
    const served = await dav.request('GET', href, { user: ANNA });
    const body = editedItem(served.text, (e) => e.updatePropertyWithValue('class', 'PRIVATE'));
    expect((await dav.request('PUT', href, { user: ANNA, body, headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')! } })).status).toBe(403);
    const [row] = await auditSince<AuditRow>(dav, since, 1);
    expect(row).toMatchObject({
      outcome: 'refused',
      status: 403,
      reason: 'private-appointment: CLASS:PRIVATE on an appointment that is not private',
      resource: href,
      username: ANNA,
    });
  });

  describe('the audit command', () => {
    beforeAll(async () => {
      expect(existsSync(CLI), `${CLI} is missing: run "npm run build" first (npm test does)`).toBe(true);
      firstBatch = await lastAuditId(dav);
      // A boundary strictly between the writes above and Beat's below (the database's clock).
      await new Promise((r) => setTimeout(r, 20));
      sinceSecondBatch = (await dav.db.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`)).rows[0]!.t;
      await new Promise((r) => setTimeout(r, 20));
      const href = `${TERMINE(BEAT)}${ids.beatsAppt}.ics`;
      const served = await dav.request('GET', href, { user: BEAT });
      const body = editedItem(served.text, (e) => e.updatePropertyWithValue('summary', 'Beats Termin (verschoben)'));
      expect((await dav.request('PUT', href, { user: BEAT, body, headers: { 'Content-Type': 'text/calendar', 'If-Match': served.headers.get('etag')!, 'User-Agent': IOS } })).status).toBe(204);
      expect((await dav.request('DELETE', href, { user: BEAT, headers: { 'User-Agent': IOS } })).status).toBe(403);
      await auditSince<AuditRow>(dav, firstBatch, 2);
    });

    it('prints one user\'s accepted writes with their changes and refusals with their reason', async () => {
      const out = await cli(dav, ['--user', ANNA]);
      const lines = out.trim().split('\n');
      const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.audit_log WHERE username = $1`, [ANNA]);
      expect(lines).toHaveLength(rows[0]!.n);
      expect(lines.every((l) => l.includes(` ${ANNA} `))).toBe(true);
      expect(out).not.toContain(BEAT);
      // Newest first.
      expect(lines[0]).toMatch(/refused\s+403 anna\.meier PUT \/dav\/calendars\/anna\.meier\/termine\/\d+\.ics private-appointment: CLASS:PRIVATE on an appointment that is not private \[/);
      const edit = lines.find((l) => l.includes('accepted') && l.includes('location'));
      expect(edit).toContain(`PUT ${TERMINE(ANNA)}${ids.appt}.ics edit; `);
      expect(edit).toContain('location: "Zürich" -> "Bern"');
      expect(edit).toContain('startsAt: "2026-12-01T09:00:00.000Z" -> "2026-12-01T13:00:00.000Z"');
      expect(edit).toContain(`[${OUTLOOK}]`);
      const task = lines.find((l) => l.includes(`${AUFGABEN(ANNA)}${ids.task}.ics`) && l.includes('accepted'));
      expect(task).toContain('edit; status: "open" -> "done"');
      expect(task).toContain(`[${IOS}]`);
      expect(out).toMatch(/refused\s+412 anna\.meier PUT \S+ stale: stale If-Match \[DAVx5/);
      expect(out).toMatch(/refused\s+403 anna\.meier DELETE \S+ delete-appointment \[DAVx5/);
    });

    it('--since shows only what happened from then on', async () => {
      const [out, none, limited] = await Promise.all([
        cli(dav, ['--since', sinceSecondBatch]),
        cli(dav, ['--user', ANNA, '--since', sinceSecondBatch]),
        cli(dav, ['--user', BEAT, '--since', sinceSecondBatch, '--limit', '1']),
      ]);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`refused\\s+403 beat\\.keller DELETE ${TERMINE(BEAT)}${ids.beatsAppt}\\.ics delete-appointment \\[iOS/18\\.1`));
      expect(lines[1]).toMatch(/accepted 204 beat\.keller PUT \S+ edit; subject: "Beats Termin" -> "Beats Termin \(verschoben\)"/);
      expect(none).toBe('No entries.\n');
      expect(limited.trim().split('\n')).toEqual([lines[0]]);
    });

    it('refuses a --since that is not a date, with a usage error', async () => {
      const failed = await run(process.execPath, [CLI, 'audit', '--since', 'gestern'], { env: { ...process.env, DATABASE_URL: dav.db.url } }).catch((e: { code: number; stderr: string }) => e);
      expect(failed).toMatchObject({ code: 2 });
      expect((failed as { stderr: string }).stderr).toContain('--since: not a date: gestern');
    });
  });
});
