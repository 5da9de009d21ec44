// Private subscription links over real HTTP (docs/subscription-links.md): a link serves its
// calendar as one .ics without credentials (parsed by ical.js, with VTIMEZONEs), every private
// appointment as "busy" (the owner's own too), conditional GET (304) and HEAD; revoked, guessed and
// malformed links, an inactive employee and a revoked share are one and the same 404 naming nobody;
// other methods are 405; the first use in an hour is audited and later polls are not; the token
// never reaches a log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createLink, revokeLinkById } from '../../src/storage/postgres/subscription-links.js';
import { ANNA, startAnnaServer } from '../support/anna.js';
import type { TestServer } from '../support/server.js';
import { daysFromNow, fetchLink, linkUrl, parseCalendar } from './support.js';

const logLines: string[] = [];
let dav: TestServer;
const ids = { anna: '', bruno: '' };
/** Link tokens by name, made per test where a test changes a link. */
const tokens: Record<string, string> = {};

async function newLink(employeeId: string, calendar: string, label: string): Promise<{ id: string; token: string }> {
  const created = await createLink(dav.db.pool, employeeId, calendar, label);
  if (!created) throw new Error(`label ${label} taken`);
  tokens[label] = created.token;
  return { id: created.link.id, token: created.token };
}

beforeAll(async () => {
  dav = await startAnnaServer(
    async ({ b, anna }) => {
      const bruno = await b.addEmployee({ username: 'bruno.keller' });
      await b.addShare(bruno, anna);
      await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(1), subject: 'Kundentermin Müller', location: 'Bahnhofstrasse 1' });
      await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(2), subject: 'Arzt Dr. Geheim', location: 'Praxis', description: 'Vertraulich', isPrivate: true });
      await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(3), subject: 'Call New York', timeZone: 'America/New_York' });
      await b.addAppointment({ ownerId: bruno, startsAt: daysFromNow(1, 13), subject: 'Bruno Teamsitzung' });
      await b.addAppointment({ ownerId: bruno, startsAt: daysFromNow(2, 13), subject: 'Bruno Zahnarzt', isPrivate: true });
      ids.anna = anna;
      ids.bruno = bruno;
    },
    { log: createLogger('debug', { write: (s: string) => logLines.push(...s.split('\n').filter(Boolean)) }) },
  );
  await newLink(ids.anna, 'termine', 'Google');
  await newLink(ids.anna, 'termine-bruno.keller', 'Bruno an der Wand');
});

afterAll(async () => {
  await dav?.close();
  // No link token reaches a log line (the request log writes the path without it).
  const all = logLines.join('\n');
  for (const t of Object.values(tokens)) expect(all).not.toContain(t);
});

describe('a link serves its calendar', () => {
  it('as one .ics without credentials: public appointments in full, VTIMEZONEs, the calendar as named in the file name', async () => {
    const r = await fetchLink(linkUrl(dav, tokens.Google!));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('inline; filename="termine.ics"');
    expect(r.headers.get('cache-control')).toBe('private, no-cache');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    const cal = parseCalendar(r.text);
    expect(cal.summaries).toContain('Kundentermin Müller');
    expect(cal.summaries).toContain('Call New York');
    expect(cal.timezones).toEqual(expect.arrayContaining(['Europe/Zurich', 'America/New_York']));
    expect(cal.events).toHaveLength(3);
  });

  it("shows the owner's own private appointment only as busy (a link can end up on a wall); with his password he sees it in full", async () => {
    const r = await fetchLink(linkUrl(dav, tokens.Google!));
    const cal = parseCalendar(r.text);
    expect(cal.summaries.filter((s) => s === 'Besetzt')).toHaveLength(1);
    expect(r.text).not.toMatch(/Arzt|Geheim|Praxis|Vertraulich/);
    const busy = cal.events.find((e) => e.getFirstPropertyValue('summary') === 'Besetzt')!;
    expect(busy.getFirstPropertyValue('class')).toBe('PRIVATE');
    expect(busy.getFirstPropertyValue('location')).toBeNull();
    expect(busy.getFirstPropertyValue('description')).toBeNull();
    // The same calendar through the DAV GET the link reuses, with the password: in full.
    const own = await dav.request('GET', '/dav/calendars/anna.meier/termine/');
    expect(own.status).toBe(200);
    expect(parseCalendar(own.text).summaries).toContain('Arzt Dr. Geheim');
    // A different representation, so a different ETag.
    expect(own.headers.get('etag')).not.toBe(r.headers.get('etag'));
  });

  it("serves a colleague's shared calendar he sees, private appointments as busy", async () => {
    const r = await fetchLink(linkUrl(dav, tokens['Bruno an der Wand']!));
    expect(r.status).toBe(200);
    const cal = parseCalendar(r.text);
    expect(cal.summaries.sort()).toEqual(['Besetzt', 'Bruno Teamsitzung']);
    expect(r.text).not.toContain('Zahnarzt');
  });

  it('answers If-None-Match with 304 until the calendar changes, then 200 with a new ETag', async () => {
    const url = linkUrl(dav, tokens.Google!);
    const first = await fetchLink(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetchLink(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    await dav.db.query(`INSERT INTO brokerstar.appointment (subject, owner_id, starts_at, ends_at, time_zone) VALUES ('Neu von BrokerStar', $1, $2, $3, 'Europe/Zurich')`, [
      ids.anna,
      daysFromNow(4),
      daysFromNow(4, 10),
    ]);
    const changed = await fetchLink(url, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(parseCalendar(changed.text).summaries).toContain('Neu von BrokerStar');
  });

  it('answers HEAD with the length a GET of the same state has, and no body', async () => {
    const url = linkUrl(dav, tokens.Google!);
    // The plain coding, so the length compares with the text (a gzip answer's is the coded size).
    const plain = { 'Accept-Encoding': 'identity' };
    const get = await fetchLink(url, { headers: plain });
    const head = await fetchLink(url, { method: 'HEAD', headers: plain });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(get.text));
    // A calendar app asking for gzip gets the same headers on HEAD as on GET.
    const gzip = { 'Accept-Encoding': 'gzip' };
    const [zget, zhead] = [await fetch(url, { headers: gzip }), await fetch(url, { method: 'HEAD', headers: gzip })];
    expect(zhead.headers.get('content-encoding')).toBe(zget.headers.get('content-encoding'));
    expect(zhead.headers.get('content-length')).toBe(zget.headers.get('content-length'));
  });
});

describe('what a link refuses, always the same 404 naming nobody', () => {
  const expectAnonymous404 = (r: { status: number; text: string; headers: Headers }) => {
    expect(r.status).toBe(404);
    expect(r.text).toBe('Not found.\n');
    const everything = `${r.text}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
    expect(everything).not.toMatch(/anna|meier|bruno|keller|termine/i);
    expect(r.headers.get('www-authenticate')).toBeNull();
  };

  it('a revoked link: 404, like a link that never existed', async () => {
    const { id, token } = await newLink(ids.anna, 'termine', 'revoked soon');
    expect((await fetchLink(linkUrl(dav, token))).status).toBe(200);
    expect(await revokeLinkById(dav.db.pool, ids.anna, id)).toBe('revoked soon');
    expectAnonymous404(await fetchLink(linkUrl(dav, token)));
  });

  it('a guessed link (well-formed, 128 random bits) and malformed ones: 404', async () => {
    expectAnonymous404(await fetchLink(linkUrl(dav, 'AAAAAAAAAAAAAAAAAAAAAA')));
    // One character changed of a real token.
    const real = tokens.Google!;
    const near = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;
    expectAnonymous404(await fetchLink(linkUrl(dav, near)));
    for (const path of ['/subscriptions/', '/subscriptions/short.ics', `/subscriptions/${real}`, `/subscriptions/${real}.ics.ics`, `/subscriptions/${real}/x.ics`, `/subscriptions/${'x'.repeat(5000)}.ics`]) {
      expectAnonymous404(await fetchLink(`${dav.url}${path}`));
    }
  });

  it("an inactive employee's links stop working at once, and work again when he is active", async () => {
    const { token } = await newLink(ids.anna, 'termine', 'inactive test');
    expect((await fetchLink(linkUrl(dav, token))).status).toBe(200);
    await dav.db.query('UPDATE brokerstar.employee SET active = false WHERE id = $1', [ids.anna]);
    try {
      expectAnonymous404(await fetchLink(linkUrl(dav, token)));
    } finally {
      await dav.db.query('UPDATE brokerstar.employee SET active = true WHERE id = $1', [ids.anna]);
    }
    expect((await fetchLink(linkUrl(dav, token))).status).toBe(200);
  });

  it("a link to a colleague's calendar stops when the share is revoked", async () => {
    const { token } = await newLink(ids.anna, 'termine-bruno.keller', 'share test');
    expect((await fetchLink(linkUrl(dav, token))).status).toBe(200);
    await dav.db.query('DELETE FROM brokerstar.calendar_share WHERE owner_id = $1 AND viewer_id = $2', [ids.bruno, ids.anna]);
    try {
      expectAnonymous404(await fetchLink(linkUrl(dav, token)));
    } finally {
      await dav.db.query('INSERT INTO brokerstar.calendar_share (owner_id, viewer_id) VALUES ($1, $2)', [ids.bruno, ids.anna]);
    }
  });

  it('a link naming the tasks (not subscribable) is a 404 too', async () => {
    const { token } = await newLink(ids.anna, 'aufgaben', 'tasks');
    expectAnonymous404(await fetchLink(linkUrl(dav, token)));
  });

  it('other methods: 405 with Allow GET, HEAD, nothing changed', async () => {
    for (const method of ['PUT', 'DELETE', 'PROPFIND', 'POST']) {
      const r = await fetchLink(linkUrl(dav, tokens.Google!), { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    expect((await fetchLink(linkUrl(dav, tokens.Google!))).status).toBe(200);
  });
});

interface UseRow {
  readonly username: string;
  readonly method: string;
  readonly resource: string;
  readonly outcome: string;
  readonly status: number;
  readonly user_agent: string;
  readonly reason: string;
}

describe('audited on use, bounded', () => {
  it('writes one audit row for the first use in an hour, none for the polls after it, and never the token', async () => {
    const { id, token } = await newLink(ids.anna, 'termine', 'audit test');
    const before = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.audit_log WHERE reason LIKE $1`, [`subscription link ${id} used%`]);
    expect(before.rows[0]!.n).toBe(0);
    for (let i = 0; i < 5; i++) expect((await fetchLink(linkUrl(dav, token), { headers: { 'User-Agent': 'Google-Calendar-Importer' } })).status).toBe(200);
    const uses = async () => (await dav.db.query<UseRow>(`SELECT * FROM dav.audit_log WHERE reason LIKE $1 ORDER BY id`, [`subscription link ${id} used%`])).rows;
    /** The rows once there are `count` (the row is written after the answer). */
    const awaitUses = async (count: number) => {
      for (let i = 0; i < 80 && (await uses()).length < count; i++) await new Promise((r) => setTimeout(r, 25));
      return uses();
    };
    await awaitUses(1);
    await new Promise((r) => setTimeout(r, 200)); // a second row, if one were written, would be there by now
    let rows = await uses();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ username: ANNA, method: 'GET', resource: '/subscriptions/[token].ics', outcome: 'accepted', status: 200, user_agent: 'Google-Calendar-Importer' });
    expect(rows[0]!.reason).toMatch(/^subscription link \d+ used \(calendar termine\) from /);
    const all = (await dav.db.query<{ t: string }>(`SELECT string_agg(coalesce(resource, '') || ' ' || coalesce(reason, ''), ' ') AS t FROM dav.audit_log`)).rows[0]!.t;
    expect(all).not.toContain(token);
    // The link's last use is recorded; an hour later the next use is audited again.
    await dav.db.query(`UPDATE dav.subscription_link SET last_used_at = now() - interval '61 minutes' WHERE id = $1`, [id]);
    expect((await fetchLink(linkUrl(dav, token))).status).toBe(200);
    rows = await awaitUses(2);
    expect(rows).toHaveLength(2);
  });

  it('stores only the SHA-256 of the token', async () => {
    const { rows } = await dav.db.query<{ token_hash: Buffer }>(`SELECT token_hash FROM dav.subscription_link`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.token_hash).toHaveLength(32);
    const dump = JSON.stringify((await dav.db.query(`SELECT * FROM dav.subscription_link`)).rows);
    for (const t of Object.values(tokens)) expect(dump).not.toContain(t);
  });
});
