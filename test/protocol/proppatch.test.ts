// PROPPATCH of a calendar's colour and order (issue 16, docs/writes.md "Colours and order"): iOS,
// macOS and Outlook set Apple's calendar-color / calendar-order; the server keeps them per employee
// and collection and serves them back, answering 207 per RFC 4918 §9.2. Everything else is 403
// for that property and 424 for the rest, nothing stored; bad values, bad XML, items, address
// books and other users' URLs are refused. The sync token and ctag never move: it is not content.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { davError } from '../support/dav-error.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const TERMINE = `/dav/calendars/${ANNA}/termine/`;
const AUFGABEN = `/dav/calendars/${ANNA}/aufgaben/`;
const SHARED = `/dav/calendars/${ANNA}/termine-${BEAT}/`;
const KONTAKTE = `/dav/addressbooks/${ANNA}/kontakte/`;
const IOS = 'iOS/18.1 (22B83) dataaccessd/1.0';
const BS = 'https://brokerstar-dav.ch/ns/';
const APPLE_NS = 'http://apple.com/ns/ical/';

const ids: Record<string, string> = {};
let dav: TestServer;

function update(ops: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:I="${APPLE_NS}" xmlns:C="urn:ietf:params:xml:ns:caldav">${ops}</A:propertyupdate>`;
}
const set = (props: string) => `<A:set><A:prop>${props}</A:prop></A:set>`;
const remove = (props: string) => `<A:remove><A:prop>${props}</A:prop></A:remove>`;

function proppatch(path: string, body: string, user = ANNA): Promise<Reply> {
  return dav.request('PROPPATCH', path, { user, body, headers: { 'User-Agent': IOS } });
}

/** `{status: [local names]}` of the one response of a 207. */
function propstats(r: Reply): Record<number, string[]> {
  expect(r.status, r.text).toBe(207);
  const out: Record<number, string[]> = {};
  for (const ps of r.text.split(/<d:propstat>/).slice(1)) {
    const status = Number(/HTTP\/1\.1 (\d{3})/.exec(ps)![1]);
    const prop = /<d:prop>([\s\S]*?)<\/d:prop>/.exec(ps)![1]!;
    out[status] = [...prop.matchAll(/<[\w-]+:([\w-]+)(?:\s+xmlns:\w+="[^"]*")?\s*\/>/g)].map((m) => m[1]!).sort();
  }
  return out;
}

async function display(path: string, user = ANNA): Promise<{ color?: string; order?: string; ctag?: string; token?: string }> {
  const r = await dav.propfind(
    path,
    `<propfind xmlns="DAV:" xmlns:I="${APPLE_NS}" xmlns:CS="http://calendarserver.org/ns/"><prop><I:calendar-color/><I:calendar-order/><CS:getctag/><sync-token/></prop></propfind>`,
    '0',
    { user },
  );
  expect(r.status).toBe(207);
  const ok = r.text.split(/<d:propstat>/).find((p) => p.includes('200 OK')) ?? '';
  const value = (name: string) => new RegExp(`<[\\w-]+:${name}>([^<]*)</`).exec(ok)?.[1];
  return { color: value('calendar-color'), order: value('calendar-order'), ctag: value('getctag'), token: value('sync-token') };
}

async function preferenceRows(): Promise<unknown[]> {
  const { rows } = await dav.db.query('SELECT employee_id::text, collection_key, color, sort_order FROM dav.collection_preference ORDER BY 1, 2');
  return rows;
}

async function lastAudit(resource: string) {
  const { rows } = await dav.db.query(
    `SELECT outcome, status, reason, changes, username, method FROM dav.audit_log WHERE resource = $1 ORDER BY id DESC LIMIT 1`,
    [resource],
  );
  return rows[0] as { outcome: string; status: number; reason: string; changes: unknown; username: string; method: string } | undefined;
}

beforeAll(async () => {
  dav = await startTestServer({
    user: ANNA,
    seed: async (db) => {
      const b = builders(db.pool);
      ids.anna = await b.addEmployee({ username: ANNA });
      ids.beat = await b.addEmployee({ username: BEAT, language: 'fr' });
      await b.addShare(ids.beat, ids.anna);
      ids.appointment = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
      await b.addAppointment({ ownerId: ids.beat, startsAt: '2026-12-02T09:00:00Z', subject: 'Termin Beat' });
    },
  });
});
afterAll(() => dav?.close());

describe('setting colour and order', () => {
  it("keeps iOS's calendar-color and calendar-order per employee and serves them back; sync token and ctag stay", async () => {
    const before = await display(TERMINE);
    expect(before.color).toBe('#1E88E5FF'); // the server's default
    expect(before.order).toBeUndefined();
    const beatsBefore = await display(`/dav/calendars/${BEAT}/termine/`, BEAT);

    const r = await proppatch(TERMINE, update(set('<I:calendar-color>#FF2968FF</I:calendar-color><I:calendar-order>3</I:calendar-order>')));

    expect(propstats(r)).toEqual({ 200: ['calendar-color', 'calendar-order'] });
    const after = await display(TERMINE);
    expect(after).toEqual({ color: '#FF2968FF', order: '3', ctag: before.ctag, token: before.token });
    expect(await display(`/dav/calendars/${BEAT}/termine/`, BEAT), "Beat's own Termine keep their colour").toEqual(beatsBefore);
    expect(await lastAudit(TERMINE)).toMatchObject({
      outcome: 'accepted',
      status: 207,
      method: 'PROPPATCH',
      username: ANNA,
      changes: [
        { field: 'calendar-color', old: null, new: '#FF2968FF' },
        { field: 'calendar-order', old: null, new: 3 },
      ],
    });
  });

  it("takes Outlook's #RRGGBB in any case (stored as #RRGGBBAA), on any calendar of the home: a colleague's one too", async () => {
    expect(propstats(await proppatch(AUFGABEN, update(set('<I:calendar-color>#80ff00</I:calendar-color>'))))).toEqual({ 200: ['calendar-color'] });
    expect((await display(AUFGABEN)).color).toBe('#80FF00FF');
    expect(propstats(await proppatch(SHARED, update(set('<I:calendar-color>#00897bcc</I:calendar-color>'))))).toEqual({ 200: ['calendar-color'] });
    expect((await display(SHARED)).color).toBe('#00897BCC');
  });

  it('removes a setting (the default colour again) and applies set and remove in document order', async () => {
    await proppatch(AUFGABEN, update(set('<I:calendar-order>7</I:calendar-order>')));
    const r = await proppatch(AUFGABEN, update(remove('<I:calendar-color/>') + set('<I:calendar-order>2</I:calendar-order>') + remove('<I:calendar-order/>')));
    expect(propstats(r)).toEqual({ 200: ['calendar-color', 'calendar-order', 'calendar-order'] });
    expect(await display(AUFGABEN)).toMatchObject({ color: '#43A047FF', order: undefined });
  });

  it('advertises write-properties and PROPPATCH only beside write-content (Thunderbird reads write-properties as writable), not on items', async () => {
    const privileges = async (path: string) =>
      (await dav.propfind(path, '<propfind xmlns="DAV:"><prop><current-user-privilege-set/></prop></propfind>', '0')).text;
    expect(await privileges(TERMINE)).toContain('write-properties');
    expect(await privileges(AUFGABEN)).toContain('write-properties');
    expect(await privileges(SHARED), "a colleague's calendar stays read-only to Thunderbird").not.toContain('write-properties');
    expect(await privileges(`${TERMINE}${ids.appointment}.ics`)).not.toContain('write-properties');
    expect(await privileges(KONTAKTE)).not.toContain('write-properties');
    const allow = async (path: string) => (await dav.request('OPTIONS', path)).headers.get('allow') ?? '';
    expect(await allow(TERMINE)).toContain('PROPPATCH');
    expect(await allow(SHARED)).not.toContain('PROPPATCH');
    expect(await allow(`${TERMINE}${ids.appointment}.ics`)).not.toContain('PROPPATCH');
    expect(await allow(KONTAKTE)).not.toContain('PROPPATCH');
  });

  it('keeps colour and order with CLIENT_EDITS=off too (display settings, not content), while every calendar stays read-only', async () => {
    const ro = await startTestServer({
      user: ANNA,
      config: { clientEdits: false },
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: ANNA });
      },
    });
    try {
      const r = await ro.request('PROPPATCH', TERMINE, { body: update(set('<I:calendar-color>#FF2968</I:calendar-color>')) });
      expect(propstats(r)).toEqual({ 200: ['calendar-color'] });
      const after = await ro.propfind(TERMINE, `<propfind xmlns="DAV:" xmlns:I="${APPLE_NS}"><prop><I:calendar-color/><current-user-privilege-set/></prop></propfind>`, '0');
      expect(after.text).toContain('#FF2968FF');
      expect(after.text).not.toContain('write-properties');
      expect(after.text).not.toContain('write-content');
    } finally {
      await ro.close();
    }
  });
});

describe('refusals: nothing stored', () => {
  it('answers a colour that is not a colour with 409 for it and 424 for the rest, in the employee’s language, audited', async () => {
    const rows = await preferenceRows();
    for (const bad of ['red', '#12345', '#1234567', '#GG0000', '', '#FF0000FF00', 'rgb(1,2,3)']) {
      const r = await proppatch(TERMINE, update(set(`<I:calendar-color>${bad}</I:calendar-color><I:calendar-order>1</I:calendar-order>`)));
      expect(propstats(r), bad).toEqual({ 409: ['calendar-color'], 424: ['calendar-order'] });
      expect(r.text).toContain(`<bs:valid-property-value/>`);
      expect(r.text).toContain('Dieser Wert ist ungültig');
    }
    expect(await preferenceRows()).toEqual(rows);
    expect(await lastAudit(TERMINE)).toMatchObject({ outcome: 'refused', status: 409, reason: 'invalid-property-value: {http://apple.com/ns/ical/}calendar-color' });
  });

  it('answers an order that is no non-negative integer with 409', async () => {
    const rows = await preferenceRows();
    for (const bad of ['-1', '1.5', 'first', '99999999999', '']) {
      const r = await proppatch(TERMINE, update(set(`<I:calendar-order>${bad}</I:calendar-order>`)));
      expect(propstats(r), bad).toEqual({ 409: ['calendar-order'] });
    }
    expect(await preferenceRows()).toEqual(rows);
  });

  it('answers displayname, calendar-description and unknown properties with 403 (read-only) and 424 for the colour', async () => {
    const rows = await preferenceRows();
    const r = await proppatch(
      TERMINE,
      update(
        set(
          '<A:displayname>Meine Termine</A:displayname><C:calendar-description>x</C:calendar-description><I:calendar-color>#000000FF</I:calendar-color><X:mine xmlns:X="urn:x">1</X:mine>',
        ),
      ),
    );
    expect(propstats(r)).toEqual({ 403: ['calendar-description', 'displayname', 'mine'], 424: ['calendar-color'] });
    expect(r.text).toContain('<bs:properties-read-only/>');
    expect(r.text).toContain('Eigenschaften der Sammlungen werden von BrokerStar verwaltet.');
    expect(await preferenceRows()).toEqual(rows);
    expect(await lastAudit(TERMINE)).toMatchObject({ outcome: 'refused', status: 403 });
    expect((await lastAudit(TERMINE))!.reason).toMatch(/^properties-read-only: \{DAV:\}displayname/);
  });

  it('refuses PROPPATCH of an item, an address book and a home as a whole (403, properties-read-only)', async () => {
    const rows = await preferenceRows();
    for (const path of [`${TERMINE}${ids.appointment}.ics`, KONTAKTE, `/dav/calendars/${ANNA}/`]) {
      const r = await proppatch(path, update(set('<I:calendar-color>#FF0000FF</I:calendar-color>')));
      expect(r.status, path).toBe(403);
      const { names } = await davError(r);
      expect(names, path).toEqual(expect.arrayContaining(['{DAV:}need-privileges', `{${BS}}properties-read-only`]));
    }
    expect(await preferenceRows()).toEqual(rows);
  });

  it("answers 404 for another user's calendar, whether it exists or not", async () => {
    const rows = await preferenceRows();
    for (const path of [`/dav/calendars/${BEAT}/termine/`, '/dav/calendars/nobody/termine/']) {
      expect((await proppatch(path, update(set('<I:calendar-color>#FF0000FF</I:calendar-color>')))).status, path).toBe(404);
    }
    expect(await preferenceRows()).toEqual(rows);
  });

  it('answers malformed XML, another root, an empty update and an empty body with 400; an oversized body with 413', async () => {
    const rows = await preferenceRows();
    for (const body of [
      update(set('<I:calendar-color>#FF0000FF</I:calendar-color>')).slice(0, -10),
      '<A:propfind xmlns:A="DAV:"><A:prop/></A:propfind>',
      update(''),
      '',
      '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    ]) {
      const r = await proppatch(TERMINE, body);
      expect(r.status, body).toBe(400);
    }
    const big = update(set(`<I:calendar-color>#FF0000FF</I:calendar-color>${'<X:p xmlns:X="urn:x">1</X:p>'.repeat(60_000)}`));
    const r = await proppatch(TERMINE, big);
    expect(r.status).toBe(413);
    expect(await preferenceRows()).toEqual(rows);
  });
});
