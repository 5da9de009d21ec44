// Answering invitations (issue 16, docs/writes.md "Answering invitations") over real HTTP: a
// participant changes his own ATTENDEE's PARTSTAT in his Termine, as iOS, Outlook and Thunderbird
// send it (the whole VEVENT, SCHEDULE-STATUS and X- parameters, new DTSTAMP and SEQUENCE), and
// appointment_participant.response changes in one transaction with the If-Match check; the new
// PARTSTAT is served to everyone who sees the appointment. Every other change, another attendee's
// PARTSTAT and an answer for one occurrence are refused, with nothing stored.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { tableChecksums } from '../support/checksums.js';
import { davError } from '../support/dav-error.js';
import { getItem } from '../support/items.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';

type Component = InstanceType<typeof ICAL.Component>;

const OWNER = 'anna.meier';
const BEAT = 'beat.keller';
const CARLA = 'carla.rossi';
const DORA = 'dora.frei';
const IOS = 'iOS/18.1 (22B83) dataaccessd/1.0';
const BS = 'https://brokerstar-dav.ch/ns/';

const ids: Record<string, string> = {};
let dav: TestServer;

const termine = (user: string, id: string) => `/dav/calendars/${user}/termine/${id}.ics`;

function parse(text: string): Component {
  return new ICAL.Component(ICAL.parse(text));
}

/** Every VEVENT's ATTENDEE for `email` with PARTSTAT set, as a client answering writes it. */
function answer(text: string, email: string, partstat: string, opts: { onlyOverrides?: boolean } = {}): string {
  const cal = parse(text);
  for (const e of cal.getAllSubcomponents('vevent')) {
    const isOverride = e.hasProperty('recurrence-id');
    if (opts.onlyOverrides && !isOverride) continue;
    for (const p of e.getAllProperties('attendee')) {
      if (String(p.getFirstValue()).toLowerCase() === `mailto:${email}`) p.setParameter('partstat', partstat);
    }
  }
  return cal.toString();
}

/** What every client adds on save: a new DTSTAMP and SEQUENCE, iOS's SCHEDULE-STATUS and an X- parameter. */
function asIosSends(text: string): string {
  const cal = parse(text);
  for (const e of cal.getAllSubcomponents('vevent')) {
    e.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString('2026-11-20T12:00:00Z'));
    e.updatePropertyWithValue('sequence', 3);
    for (const p of e.getAllProperties('attendee')) {
      p.setParameter('schedule-status', '1.2');
      p.setParameter('x-calendarserver-dtstamp', '20261120T120000Z');
    }
    e.addPropertyWithValue('x-apple-travel-advisory-behavior', 'AUTOMATIC');
  }
  return cal.toString();
}

function partstatOf(text: string, email: string): string[] {
  return parse(text)
    .getAllSubcomponents('vevent')
    .flatMap((e) => e.getAllProperties('attendee'))
    .filter((p) => String(p.getFirstValue()).toLowerCase() === `mailto:${email}`)
    .map((p) => String(p.getParameter('partstat')));
}

async function responseOf(appointmentId: string, employeeId: string): Promise<string> {
  const { rows } = await dav.db.query<{ response: string }>(
    'SELECT response FROM brokerstar.appointment_participant WHERE appointment_id = $1 AND employee_id = $2',
    [appointmentId, employeeId],
  );
  return rows[0]!.response;
}

function put(user: string, href: string, body: string, ifMatch?: string): Promise<Reply> {
  return dav.request('PUT', href, {
    user,
    body,
    headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'User-Agent': IOS, ...(ifMatch ? { 'If-Match': ifMatch } : {}) },
  });
}

async function getAs(user: string, href: string) {
  const r = await dav.request('GET', href, { user });
  expect(r.status, `GET ${href} as ${user}`).toBe(200);
  return { text: r.text, etag: r.headers.get('etag')! };
}

async function syncToken(user: string, collection: string): Promise<string> {
  const r = await dav.propfind(collection, '<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>', '0', { user });
  expect(r.status).toBe(207);
  return /<[^>]*sync-token[^>]*>([^<]+)</.exec(r.text)![1]!;
}

async function lastAudit(href: string) {
  const { rows } = await dav.db.query(
    `SELECT outcome, status, reason, changes, username FROM dav.audit_log WHERE resource = $1 ORDER BY id DESC LIMIT 1`,
    [href],
  );
  return rows[0] as { outcome: string; status: number; reason: string; changes: unknown; username: string };
}

/** The refusal's precondition element (BS: namespace) and that BrokerStar's tables did not change. */
async function expectRefused(r: Reply, element: string, before: Record<string, string>): Promise<void> {
  expect(r.status, r.text).toBe(403);
  const { names } = await davError(r);
  expect(names).toContain(`{${BS}}${element}`);
  expect(await tableChecksums(dav)).toEqual(before);
}

beforeAll(async () => {
  dav = await startTestServer({
    user: BEAT,
    seed: async (db) => {
      const b = builders(db.pool);
      ids.anna = await b.addEmployee({ username: OWNER });
      ids.beat = await b.addEmployee({ username: BEAT, language: 'en' });
      ids.carla = await b.addEmployee({ username: CARLA });
      ids.dora = await b.addEmployee({ username: DORA });
      await b.addShare(ids.anna, ids.dora); // Dora sees Anna's calendar
      const meeting = (subject: string, startsAt: string, extra: Partial<Parameters<typeof b.addAppointment>[0]> = {}) =>
        b.addAppointment({
          ownerId: ids.anna!,
          startsAt,
          subject,
          location: 'Zürich',
          participants: [ids.beat!, { employeeId: ids.carla!, response: 'accepted' }],
          ...extra,
        });
      ids.meeting = await meeting('Kundentermin Muster', '2026-12-01T09:00:00Z');
      ids.cycle = await meeting('Quartalsgespräch', '2026-12-02T09:00:00Z');
      ids.others = await meeting('Schulung', '2026-12-03T09:00:00Z');
      ids.subject = await meeting('Planung', '2026-12-04T09:00:00Z');
      ids.stale = await meeting('Jahresgespräch', '2026-12-05T09:00:00Z');
      ids.bad = await meeting('Review', '2026-12-06T09:00:00Z');
      ids.series = await meeting('Wochenrapport', '2026-12-07T08:00:00Z', {
        recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
        exceptions: [{ originalStart: '2026-12-14T08:00:00Z', startsAt: '2026-12-14T10:00:00Z' }],
      });
      ids.own = await b.addAppointment({ ownerId: ids.anna!, startsAt: '2026-12-08T09:00:00Z', subject: 'Eigener Termin', participants: [ids.beat!] });
    },
  });
});
afterAll(() => dav?.close());

describe('answering an invitation', () => {
  it('accepts: appointment_participant.response changes, and everyone who sees it gets the new PARTSTAT, ETag and sync token', async () => {
    const href = termine(BEAT, ids.meeting!);
    const mine = await getItem(dav, href);
    expect(partstatOf(mine.text, 'beat.keller@example.ch')).toEqual(['NEEDS-ACTION']);
    const ownerBefore = await getAs(OWNER, termine(OWNER, ids.meeting!));
    const carlaBefore = await getAs(CARLA, termine(CARLA, ids.meeting!));
    const sharedHref = `/dav/calendars/${DORA}/termine-${OWNER}/${ids.meeting}.ics`;
    const sharedBefore = await getAs(DORA, sharedHref);
    const tokens = {
      owner: await syncToken(OWNER, `/dav/calendars/${OWNER}/termine/`),
      shared: await syncToken(DORA, `/dav/calendars/${DORA}/termine-${OWNER}/`),
    };
    const { rows: before } = await dav.db.query('SELECT *, xmin::text AS xmin FROM brokerstar.appointment WHERE id = $1', [ids.meeting]);

    const r = await put(BEAT, href, asIosSends(answer(mine.text, 'beat.keller@example.ch', 'ACCEPTED')), mine.etag);

    expect(r.status, r.text).toBe(204);
    expect(await responseOf(ids.meeting!, ids.beat!)).toBe('accepted');
    expect(await responseOf(ids.meeting!, ids.carla!), "Carla's answer untouched").toBe('accepted');
    const { rows: after } = await dav.db.query('SELECT *, xmin::text AS xmin FROM brokerstar.appointment WHERE id = $1', [ids.meeting]);
    expect(after, 'the appointment row itself is the owner’s and unchanged').toEqual(before);

    const ownerAfter = await getAs(OWNER, termine(OWNER, ids.meeting!));
    expect(partstatOf(ownerAfter.text, 'beat.keller@example.ch')).toEqual(['ACCEPTED']);
    expect(ownerAfter.etag).not.toBe(ownerBefore.etag);
    const carlaAfter = await getAs(CARLA, termine(CARLA, ids.meeting!));
    expect(partstatOf(carlaAfter.text, 'beat.keller@example.ch')).toEqual(['ACCEPTED']);
    expect(carlaAfter.etag).not.toBe(carlaBefore.etag);
    const sharedAfter = await getAs(DORA, sharedHref);
    expect(partstatOf(sharedAfter.text, 'beat.keller@example.ch')).toEqual(['ACCEPTED']);
    expect(sharedAfter.etag).not.toBe(sharedBefore.etag);
    expect(await syncToken(OWNER, `/dav/calendars/${OWNER}/termine/`)).not.toBe(tokens.owner);
    expect(await syncToken(DORA, `/dav/calendars/${DORA}/termine-${OWNER}/`)).not.toBe(tokens.shared);
    expect(partstatOf((await getItem(dav, href)).text, 'beat.keller@example.ch')).toEqual(['ACCEPTED']);

    expect(await lastAudit(href)).toMatchObject({
      outcome: 'accepted',
      status: 204,
      username: BEAT,
      changes: [{ field: 'response', old: 'needs_action', new: 'accepted' }],
    });
  });

  it('declines, marks tentative and resets to needs-action (the address compared case-insensitively); a plain answer is answered with the stored ETag', async () => {
    const href = termine(BEAT, ids.cycle!);
    for (const [partstat, stored] of [
      ['DECLINED', 'declined'],
      ['TENTATIVE', 'tentative'],
      ['NEEDS-ACTION', 'needs_action'],
      ['accepted', 'accepted'],
    ] as const) {
      const served = await getItem(dav, href);
      const body = answer(served.text, 'beat.keller@example.ch', partstat).replace(/mailto:beat\.keller@example\.ch/gi, 'MAILTO:Beat.Keller@EXAMPLE.CH');
      const r = await put(BEAT, href, body, served.etag);
      expect(r.status, `${partstat}: ${r.text}`).toBe(204);
      expect(await responseOf(ids.cycle!, ids.beat!)).toBe(stored);
      const next = await getItem(dav, href);
      expect(r.headers.get('etag'), 'the body says what is now stored').toBe(next.etag);
    }
  });

  it('answers a series as a whole (master and overrides), and refuses an answer for one occurrence only', async () => {
    const href = termine(BEAT, ids.series!);
    const served = await getItem(dav, href);
    expect(parse(served.text).getAllSubcomponents('vevent')).toHaveLength(2);
    const before = await tableChecksums(dav);
    const one = await put(BEAT, href, answer(served.text, 'beat.keller@example.ch', 'DECLINED', { onlyOverrides: true }), served.etag);
    await expectRefused(one, 'answer-whole-series', before);
    expect(await responseOf(ids.series!, ids.beat!)).toBe('needs_action');
    expect((await lastAudit(href)).reason).toMatch(/^answer-one-occurrence: PARTSTAT declined for the occurrence/);

    // A refusal announces the item again (new ETag): the client reads it before answering anew.
    const again = await getItem(dav, href);
    const whole = await put(BEAT, href, answer(again.text, 'beat.keller@example.ch', 'TENTATIVE'), again.etag);
    expect(whole.status, whole.text).toBe(204);
    expect(await responseOf(ids.series!, ids.beat!)).toBe('tentative');
    expect(partstatOf((await getItem(dav, href)).text, 'beat.keller@example.ch')).toEqual(['TENTATIVE', 'TENTATIVE']);
  });
});

describe('what a participant may not do', () => {
  it("refuses another attendee's PARTSTAT, in the participant's language, with nothing stored", async () => {
    const href = termine(BEAT, ids.others!);
    const served = await getItem(dav, href);
    const before = await tableChecksums(dav);
    const r = await put(BEAT, href, answer(answer(served.text, 'beat.keller@example.ch', 'ACCEPTED'), 'carla.rossi@example.ch', 'DECLINED'), served.etag);
    await expectRefused(r, 'answer-own-only', before);
    expect(r.text).toContain("You can only accept, decline or leave open your own participation.");
    expect(await lastAudit(href)).toMatchObject({ outcome: 'refused', status: 403 });
    expect((await lastAudit(href)).reason).toMatch(/^answer-for-other: PARTSTAT of carla\.rossi@example\.ch set to declined/);
  });

  it('refuses every other change of a colleague’s appointment as before (not-owner), also together with an answer', async () => {
    const href = termine(BEAT, ids.subject!);
    const served = await getItem(dav, href);
    const before = await tableChecksums(dav);
    const cal = parse(answer(served.text, 'beat.keller@example.ch', 'ACCEPTED'));
    cal.getFirstSubcomponent('vevent')!.updatePropertyWithValue('summary', 'Meine Planung');
    const r = await put(BEAT, href, cal.toString(), served.etag);
    await expectRefused(r, 'not-owner', before);
    expect((await lastAudit(href)).reason).toMatch(/^not-owner-appointment: appointment \d+ belongs to employee \d+, not \d+; a participant only answers, this PUT changed subject/);

    const again = await getItem(dav, href); // re-announced after the refusal
    const added = parse(again.text);
    added.getFirstSubcomponent('vevent')!.addPropertyWithValue('attendee', 'mailto:dora.frei@example.ch');
    await expectRefused(await put(BEAT, href, added.toString(), again.etag), 'not-owner', before);
  });

  it('answers 412 to a stale If-Match, nothing stored', async () => {
    const href = termine(BEAT, ids.stale!);
    const served = await getItem(dav, href);
    const before = await tableChecksums(dav);
    const r = await put(BEAT, href, answer(served.text, 'beat.keller@example.ch', 'ACCEPTED'), '"not-the-etag"');
    expect(r.status).toBe(412);
    expect(await tableChecksums(dav)).toEqual(before);
    expect(await responseOf(ids.stale!, ids.beat!)).toBe('needs_action');
  });

  it('refuses a PARTSTAT BrokerStar cannot store (DELEGATED) as invalid data', async () => {
    const href = termine(BEAT, ids.bad!);
    const served = await getItem(dav, href);
    const before = await tableChecksums(dav);
    const r = await put(BEAT, href, answer(served.text, 'beat.keller@example.ch', 'DELEGATED'), served.etag);
    expect(r.status, r.text).toBe(403);
    expect((await davError(r)).names).toContain('{urn:ietf:params:xml:ns:caldav}valid-calendar-data');
    expect(await tableChecksums(dav)).toEqual(before);
  });

  it("refuses an answer in a colleague's shared calendar (read-only) and any PUT by someone who is no participant", async () => {
    const before = await tableChecksums(dav);
    const sharedHref = `/dav/calendars/${DORA}/termine-${OWNER}/${ids.own}.ics`;
    const shared = await getAs(DORA, sharedHref);
    const r = await put(DORA, sharedHref, answer(shared.text, 'dora.frei@example.ch', 'ACCEPTED'), shared.etag);
    await expectRefused(r, 'not-owner', before);
  });
});

describe('the owner', () => {
  it("cannot answer for a participant: a changed PARTSTAT in the organizer's PUT is not stored (answered without ETag, the client re-reads)", async () => {
    const href = termine(OWNER, ids.own!);
    const served = await getAs(OWNER, href);
    const before = await tableChecksums(dav);
    const r = await put(OWNER, href, answer(served.text, 'beat.keller@example.ch', 'ACCEPTED'), served.etag);
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('etag')).toBeNull();
    expect(await responseOf(ids.own!, ids.beat!)).toBe('needs_action');
    expect(await tableChecksums(dav)).toEqual(before);
  });
});
