// Who sees what (design.md §3): restricted, deleted and archived contacts, other employees' tasks,
// appointments one neither owns nor attends nor may see through a share, and other employees'
// private appointments in a shared calendar (busy blocks without details, or nothing). Checked
// through every way in: PROPFIND, GET, multiget, sync-collection, calendar-query, addressbook-query.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { builders } from '../support/builders.js';
import { C, CR, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';

const cal = (user: string, slug: string) => `/dav/calendars/${user}/${slug}/`;
const book = (user: string) => `/dav/addressbooks/${user}/kontakte/`;

const PROPFIND_ETAG = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:displayname/></d:prop></d:propfind>';
const ALLPROP = '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>';

const SYNC_CARDS = `<?xml version="1.0" encoding="utf-8"?>
<sync-collection xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><sync-token/><sync-level>1</sync-level><prop><getetag/><CARD:address-data/></prop></sync-collection>`;
const SYNC_EVENTS = `<?xml version="1.0" encoding="utf-8"?>
<sync-collection xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><sync-token/><sync-level>1</sync-level><prop><getetag/><CAL:calendar-data/></prop></sync-collection>`;
const QUERY_EVENTS = `<?xml version="1.0" encoding="utf-8"?>
<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag/><CAL:calendar-data/></prop>
<CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VEVENT"><CAL:time-range start="20200101T000000Z" end="20300101T000000Z"/></CAL:comp-filter></CAL:comp-filter></CAL:filter></CAL:calendar-query>`;
const QUERY_TODOS = `<?xml version="1.0" encoding="utf-8"?>
<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag/><CAL:calendar-data/></prop>
<CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VTODO"/></CAL:comp-filter></CAL:filter></CAL:calendar-query>`;
const QUERY_CARDS = `<?xml version="1.0" encoding="utf-8"?>
<CARD:addressbook-query xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><getetag/><CARD:address-data/></prop>
<CARD:filter test="anyof"><CARD:prop-filter name="FN"><CARD:text-match match-type="contains"></CARD:text-match></CARD:prop-filter><CARD:prop-filter name="UID"/></CARD:filter></CARD:addressbook-query>`;
const multiget = (kind: 'calendar' | 'addressbook', hrefs: string[]) =>
  kind === 'calendar'
    ? `<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`
    : `<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:addressbook-multiget>`;

const members = (hrefs: string[], collection: string) => hrefs.filter((h) => h !== collection).sort();
const parse = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);

/** Strings only the hidden rows carry: none of them may appear in anything served to the viewer. */
const SECRETS = [
  'GEHEIM-KONTAKT-BRUNO',
  'GEHEIM-GELOESCHT',
  'GEHEIM-ARCHIV',
  'GEHEIM-ADVISOR-BRUNO',
  'GEHEIM-AUFGABE-BRUNO',
  'GEHEIM-TERMIN-CARLA',
  'GEHEIM-PRIVAT-BETREFF',
  'GEHEIM-PRIVAT-ORT',
  'GEHEIM-PRIVAT-BESCHREIBUNG',
  'GEHEIM-CARLA-PRIVAT',
  'GEHEIM-GELOESCHTER-TERMIN',
  'geheim-teilnehmer@example.ch',
];

interface Ids {
  anna: string;
  bruno: string;
  carla: string;
  denise: string;
  // contacts
  open: string;
  onlyBruno: string;
  forAnna: string;
  annaAdvises: string;
  brunoAdvises: string;
  deleted: string;
  archived: string;
  // tasks
  annaTask: string;
  brunoTask: string;
  // appointments
  annaOwn: string;
  annaAttends: string;
  carlaOnly: string;
  brunoPublic: string;
  brunoPrivate: string;
  brunoPrivateWithAnna: string;
  brunoAttendsCarla: string;
  carlaPrivateWithBruno: string;
  brunoDeleted: string;
}

async function seedFirm(db: { pool: import('pg').Pool }, out: { ids?: Ids }) {
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: 'anna.meier' });
  const bruno = await b.addEmployee({ username: 'bruno.keller' });
  const carla = await b.addEmployee({ username: 'carla.rossi' });
  const denise = await b.addEmployee({ username: 'denise.dubois', language: 'fr' });
  const secretGuest = await b.addEmployee({ username: 'geheim.gast', email: 'geheim-teilnehmer@example.ch', firstName: 'Gustav', lastName: 'Gast' });
  await b.addShare(bruno, anna);
  await b.addShare(bruno, denise);
  const ids: Ids = {
    anna,
    bruno,
    carla,
    denise,
    open: await b.addContact({ firstName: 'Offen', lastName: 'Sichtbar' }),
    onlyBruno: await b.addContact({ firstName: 'Nur', lastName: 'GEHEIM-KONTAKT-BRUNO', restrictedTo: [bruno] }),
    forAnna: await b.addContact({ firstName: 'Für', lastName: 'Anna', restrictedTo: [anna, carla] }),
    annaAdvises: await b.addContact({ firstName: 'Annas', lastName: 'Kunde', advisorId: anna, restrictedTo: [carla] }),
    brunoAdvises: await b.addContact({ firstName: 'Brunos', lastName: 'GEHEIM-ADVISOR-BRUNO', advisorId: bruno, restrictedTo: [carla] }),
    deleted: await b.addContact({ firstName: 'Weg', lastName: 'GEHEIM-GELOESCHT', deletedAt: '2026-01-01T00:00:00Z' }),
    archived: await b.addContact({ firstName: 'Alt', lastName: 'GEHEIM-ARCHIV', archived: true }),
    annaTask: await b.addTask({ assigneeId: anna, subject: 'Annas Aufgabe' }),
    brunoTask: await b.addTask({ assigneeId: bruno, subject: 'GEHEIM-AUFGABE-BRUNO', createdById: anna }),
    annaOwn: await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Annas Termin' }),
    annaAttends: await b.addAppointment({ ownerId: carla, startsAt: '2026-12-02T09:00:00Z', subject: 'Carla mit Anna', participants: [anna] }),
    carlaOnly: await b.addAppointment({ ownerId: carla, startsAt: '2026-12-03T09:00:00Z', subject: 'GEHEIM-TERMIN-CARLA' }),
    brunoPublic: await b.addAppointment({ ownerId: bruno, startsAt: '2026-12-04T09:00:00Z', subject: 'Brunos Termin', location: 'Büro Bern' }),
    brunoPrivate: await b.addAppointment({
      ownerId: bruno,
      startsAt: '2026-12-05T09:00:00Z',
      endsAt: '2026-12-05T10:30:00Z',
      subject: 'GEHEIM-PRIVAT-BETREFF',
      location: 'GEHEIM-PRIVAT-ORT',
      description: 'GEHEIM-PRIVAT-BESCHREIBUNG',
      isPrivate: true,
      participants: [secretGuest],
      recurrenceRule: 'FREQ=DAILY;COUNT=3',
      exceptions: [{ originalStart: '2026-12-06T09:00:00Z', startsAt: '2026-12-06T13:00:00Z' }],
    }),
    brunoPrivateWithAnna: await b.addAppointment({
      ownerId: bruno,
      startsAt: '2026-12-08T09:00:00Z',
      subject: 'Privat mit Anna',
      location: 'Café',
      isPrivate: true,
      participants: [anna],
    }),
    brunoAttendsCarla: await b.addAppointment({ ownerId: carla, startsAt: '2026-12-09T09:00:00Z', subject: 'Carla lädt Bruno ein', participants: [bruno] }),
    carlaPrivateWithBruno: await b.addAppointment({
      ownerId: carla,
      startsAt: '2026-12-10T09:00:00Z',
      subject: 'GEHEIM-CARLA-PRIVAT',
      isPrivate: true,
      participants: [bruno],
    }),
    brunoDeleted: await b.addAppointment({ ownerId: bruno, startsAt: '2026-12-11T09:00:00Z', subject: 'GEHEIM-GELOESCHTER-TERMIN', deletedAt: '2026-11-01T00:00:00Z' }),
  };
  out.ids = ids;
}

describe('visibility', () => {
  let dav: TestServer;
  const holder: { ids?: Ids } = {};
  const ids = () => holder.ids!;
  /** Every body served to Anna during this file, checked for secrets at the end. */
  const served: string[] = [];

  beforeAll(async () => {
    dav = await startTestServer({ user: 'anna.meier', seed: (db) => seedFirm(db, holder) });
    const request = dav.request.bind(dav);
    dav.request = async (method, path, opts) => {
      const r = await request(method, path, opts);
      if ((opts?.user ?? dav.defaultUser) === 'anna.meier') served.push(r.text);
      return r;
    };
  });
  afterAll(() => dav?.close());

  describe('contacts', () => {
    const visibleToAnna = () => [ids().open, ids().forAnna, ids().annaAdvises].map((id) => `${book('anna.meier')}${id}.vcf`).sort();
    const hiddenFromAnna = () => [ids().onlyBruno, ids().brunoAdvises, ids().deleted, ids().archived].map((id) => `${book('anna.meier')}${id}.vcf`);

    it('PROPFIND Depth 1 lists only what the employee may see', async () => {
      const r = await dav.propfind(book('anna.meier'), PROPFIND_ETAG, '1');
      expect(members(r.ms.hrefs, book('anna.meier'))).toEqual(visibleToAnna());
      const all = await dav.propfind(book('anna.meier'), ALLPROP, '1');
      expect(members(all.ms.hrefs, book('anna.meier'))).toEqual(visibleToAnna());
    });

    it('the advisor and the listed employees see a restricted contact', async () => {
      const bruno = await dav.propfind(book('bruno.keller'), PROPFIND_ETAG, '1', { user: 'bruno.keller' });
      const brunoSees = members(bruno.ms.hrefs, book('bruno.keller'));
      expect(brunoSees).toContain(`${book('bruno.keller')}${ids().onlyBruno}.vcf`);
      expect(brunoSees, 'advisor').toContain(`${book('bruno.keller')}${ids().brunoAdvises}.vcf`);
      expect(brunoSees).not.toContain(`${book('bruno.keller')}${ids().forAnna}.vcf`);
      expect(brunoSees).not.toContain(`${book('bruno.keller')}${ids().annaAdvises}.vcf`);
      const carla = await dav.propfind(book('carla.rossi'), PROPFIND_ETAG, '1', { user: 'carla.rossi' });
      expect(members(carla.ms.hrefs, book('carla.rossi'))).toEqual(
        [ids().open, ids().forAnna, ids().annaAdvises, ids().brunoAdvises].map((id) => `${book('carla.rossi')}${id}.vcf`).sort(),
      );
      const denise = await dav.propfind(book('denise.dubois'), PROPFIND_ETAG, '1', { user: 'denise.dubois' });
      expect(members(denise.ms.hrefs, book('denise.dubois'))).toEqual([`${book('denise.dubois')}${ids().open}.vcf`]);
    });

    it('addressbook-multiget with hidden hrefs answers 404 for each of them', async () => {
      const hrefs = [...visibleToAnna(), ...hiddenFromAnna()];
      const r = await dav.report(book('anna.meier'), multiget('addressbook', hrefs), { depth: '1' });
      expect(r.status).toBe(207);
      for (const h of visibleToAnna()) expect(propText(r.ms.responses.get(h), CR('address-data')), h).toContain('BEGIN:VCARD');
      for (const h of hiddenFromAnna()) {
        const e = r.ms.responses.get(h);
        expect(e?.status, h).toBe('HTTP/1.1 404 Not Found');
        expect(e?.props.size, h).toBe(0);
      }
    });

    it('a multiget naming another user’s address book finds nothing', async () => {
      const h = `${book('bruno.keller')}${ids().onlyBruno}.vcf`;
      const r = await dav.report(book('anna.meier'), multiget('addressbook', [h]), { depth: '1' });
      expect(r.ms.responses.get(h)?.status).toBe('HTTP/1.1 404 Not Found');
    });

    it('sync-collection (initial, with address data) returns only visible cards', async () => {
      const r = await dav.report(book('anna.meier'), SYNC_CARDS, { depth: '1' });
      expect(r.status).toBe(207);
      expect(members(r.ms.hrefs, book('anna.meier'))).toEqual(visibleToAnna());
    });

    it('addressbook-query returns only visible cards', async () => {
      const r = await dav.report(book('anna.meier'), QUERY_CARDS, { depth: '1' });
      expect(r.status).toBe(207);
      expect(members(r.ms.hrefs, book('anna.meier'))).toEqual(visibleToAnna());
    });

    it('GET, HEAD and PROPFIND of a hidden card are 404', async () => {
      for (const h of hiddenFromAnna()) {
        expect((await dav.request('GET', h)).status, h).toBe(404);
        expect((await dav.request('HEAD', h)).status, h).toBe(404);
        expect((await dav.request('PROPFIND', h, { headers: { Depth: '0' }, body: PROPFIND_ETAG })).status, h).toBe(404);
      }
    });

    it('the address book as one .vcf holds only visible cards', async () => {
      const r = await dav.request('GET', book('anna.meier'));
      expect(r.status).toBe(200);
      const uids = [...r.text.matchAll(/^UID:(.+)\r$/gm)].map((m) => m[1]).sort();
      expect(uids).toEqual([ids().open, ids().forAnna, ids().annaAdvises].map((id) => `brokerstar-contact-${id}`).sort());
    });

    it('a contact that becomes restricted to others, deleted or archived disappears', async () => {
      const extra = await builders(dav.db.pool).addContact({ firstName: 'Bald', lastName: 'Versteckt' });
      const h = `${book('anna.meier')}${extra}.vcf`;
      expect((await dav.request('GET', h)).status).toBe(200);
      await dav.db.query('INSERT INTO brokerstar.contact_restriction (contact_id, employee_id) VALUES ($1, $2)', [extra, ids().bruno]);
      expect((await dav.request('GET', h)).status).toBe(404);
      const listed = await dav.propfind(book('anna.meier'), PROPFIND_ETAG, '1');
      expect(listed.ms.hrefs).not.toContain(h);
      await dav.db.query('DELETE FROM brokerstar.contact_restriction WHERE contact_id = $1', [extra]);
      expect((await dav.request('GET', h)).status).toBe(200);
      await dav.db.query('UPDATE brokerstar.contact SET is_archived = true WHERE id = $1', [extra]);
      expect((await dav.request('GET', h)).status).toBe(404);
      await dav.db.query('UPDATE brokerstar.contact SET is_archived = false WHERE id = $1', [extra]);
      expect((await dav.request('GET', h)).status).toBe(200);
      await dav.db.query('UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1', [extra]);
      expect((await dav.request('GET', h)).status).toBe(404);
    });
  });

  describe('tasks', () => {
    it('only the employee’s own tasks, through every way in', async () => {
      const aufgaben = cal('anna.meier', 'aufgaben');
      const mine = [`${aufgaben}${ids().annaTask}.ics`];
      const foreign = `${aufgaben}${ids().brunoTask}.ics`;
      expect(members((await dav.propfind(aufgaben, PROPFIND_ETAG, '1')).ms.hrefs, aufgaben)).toEqual(mine);
      expect(members((await dav.report(aufgaben, QUERY_TODOS, { depth: '1' })).ms.hrefs, aufgaben)).toEqual(mine);
      expect(members((await dav.report(aufgaben, SYNC_EVENTS, { depth: '1' })).ms.hrefs, aufgaben)).toEqual(mine);
      const mg = await dav.report(aufgaben, multiget('calendar', [...mine, foreign]), { depth: '1' });
      expect(mg.ms.responses.get(foreign)?.status).toBe('HTTP/1.1 404 Not Found');
      expect(propText(mg.ms.responses.get(mine[0]!), C('calendar-data'))).toContain('Annas Aufgabe');
      expect((await dav.request('GET', foreign)).status).toBe(404);
      expect((await dav.request('PROPFIND', foreign, { headers: { Depth: '0' }, body: PROPFIND_ETAG })).status).toBe(404);
      const whole = await dav.request('GET', aufgaben);
      expect(whole.text).toContain('Annas Aufgabe');
    });

    it('a reassigned task leaves the old assignee’s list and appears in the new one’s', async () => {
      const t = await builders(dav.db.pool).addTask({ assigneeId: ids().anna, subject: 'Wandert weiter' });
      expect((await dav.request('GET', `${cal('anna.meier', 'aufgaben')}${t}.ics`)).status).toBe(200);
      await dav.db.query('UPDATE brokerstar.task SET assignee_id = $1 WHERE id = $2', [ids().bruno, t]);
      expect((await dav.request('GET', `${cal('anna.meier', 'aufgaben')}${t}.ics`)).status).toBe(404);
      expect((await dav.request('GET', `${cal('bruno.keller', 'aufgaben')}${t}.ics`, { user: 'bruno.keller' })).status).toBe(200);
    });
  });

  describe('appointments', () => {
    it('Termine holds what the employee owns or attends, through every way in', async () => {
      const termine = cal('anna.meier', 'termine');
      const expected = [ids().annaOwn, ids().annaAttends, ids().brunoPrivateWithAnna].map((id) => `${termine}${id}.ics`).sort();
      expect(members((await dav.propfind(termine, PROPFIND_ETAG, '1')).ms.hrefs, termine)).toEqual(expected);
      expect(members((await dav.report(termine, QUERY_EVENTS, { depth: '1' })).ms.hrefs, termine)).toEqual(expected);
      expect(members((await dav.report(termine, SYNC_EVENTS, { depth: '1' })).ms.hrefs, termine)).toEqual(expected);
      const foreign = [ids().carlaOnly, ids().brunoPublic, ids().brunoPrivate, ids().brunoDeleted, ids().carlaPrivateWithBruno].map((id) => `${termine}${id}.ics`);
      const mg = await dav.report(termine, multiget('calendar', [...expected, ...foreign]), { depth: '1' });
      for (const h of expected) expect(propText(mg.ms.responses.get(h), C('calendar-data')), h).toContain('BEGIN:VEVENT');
      for (const h of foreign) {
        expect(mg.ms.responses.get(h)?.status, h).toBe('HTTP/1.1 404 Not Found');
        expect((await dav.request('GET', h)).status, h).toBe(404);
        expect((await dav.request('PROPFIND', h, { headers: { Depth: '0' }, body: PROPFIND_ETAG })).status, h).toBe(404);
      }
    });

    it('a participant sees a private appointment in full', async () => {
      const own = parse((await dav.request('GET', `${cal('anna.meier', 'termine')}${ids().brunoPrivateWithAnna}.ics`)).text);
      const ev = own.getFirstSubcomponent('vevent')!;
      expect(ev.getFirstPropertyValue('summary')).toBe('Privat mit Anna');
      expect(ev.getFirstPropertyValue('location')).toBe('Café');
      expect(ev.getFirstPropertyValue('class')).toBe('PRIVATE');
      expect(ev.getAllProperties('attendee').map((a) => String(a.getFirstValue()).toLowerCase())).toContain('mailto:anna.meier@example.ch');
      // Also in full in the owner's shared calendar.
      const shared = parse((await dav.request('GET', `${cal('anna.meier', 'termine-bruno.keller')}${ids().brunoPrivateWithAnna}.ics`)).text);
      expect(shared.getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe('Privat mit Anna');
    });

    it('a shared calendar shows what the colleague owns or attends; others’ private ones as busy blocks', async () => {
      const shared = cal('anna.meier', 'termine-bruno.keller');
      const expected = [ids().brunoPublic, ids().brunoPrivate, ids().brunoPrivateWithAnna, ids().brunoAttendsCarla, ids().carlaPrivateWithBruno]
        .map((id) => `${shared}${id}.ics`)
        .sort();
      const listing = await dav.propfind(shared, PROPFIND_ETAG, '1');
      expect(members(listing.ms.hrefs, shared)).toEqual(expected);
      expect(members((await dav.report(shared, QUERY_EVENTS, { depth: '1' })).ms.hrefs, shared)).toEqual(expected);
      const sync = await dav.report(shared, SYNC_EVENTS, { depth: '1' });
      expect(members(sync.ms.hrefs, shared)).toEqual(expected);
      const mg = await dav.report(shared, multiget('calendar', [...expected, `${shared}${ids().carlaOnly}.ics`, `${shared}${ids().brunoDeleted}.ics`]), { depth: '1' });
      expect(mg.ms.responses.get(`${shared}${ids().carlaOnly}.ics`)?.status).toBe('HTTP/1.1 404 Not Found');
      expect(mg.ms.responses.get(`${shared}${ids().brunoDeleted}.ics`)?.status).toBe('HTTP/1.1 404 Not Found');

      for (const id of [ids().brunoPrivate, ids().carlaPrivateWithBruno]) {
        const h = `${shared}${id}.ics`;
        const bodies = [
          (await dav.request('GET', h)).text,
          propText(mg.ms.responses.get(h), C('calendar-data'))!,
          propText(sync.ms.responses.get(h), C('calendar-data'))!,
        ];
        for (const body of bodies) {
          const vcal = parse(body);
          const events = vcal.getAllSubcomponents('vevent');
          expect(events.length).toBeGreaterThan(0);
          for (const ev of events) {
            expect(ev.getFirstPropertyValue('summary')).toBe('Besetzt');
            for (const p of ['location', 'description', 'attendee', 'organizer', 'url', 'comment', 'contact', 'categories', 'resources', 'attach']) {
              expect(ev.hasProperty(p), `${h}: ${p}`).toBe(false);
            }
            expect(ev.getFirstPropertyValue('transp')).toBe('OPAQUE');
            expect(ev.getFirstPropertyValue('dtstart')).toBeTruthy();
          }
        }
      }
      // The busy block keeps the times, recurrence and moved occurrence of the private series.
      const series = parse((await dav.request('GET', `${shared}${ids().brunoPrivate}.ics`)).text);
      const parts = series.getAllSubcomponents('vevent');
      expect(parts.map((p) => p.getFirstPropertyValue('rrule')?.toString()).filter(Boolean)).toEqual(['FREQ=DAILY;COUNT=3']);
      expect(parts).toHaveLength(2);
      const master = parts.find((p) => !p.hasProperty('recurrence-id'))!;
      expect((master.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe('2026-12-05T09:00:00.000Z');
      expect((master.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString()).toBe('2026-12-05T10:30:00.000Z');
      // The public appointment is there in full.
      const pub = parse((await dav.request('GET', `${shared}${ids().brunoPublic}.ics`)).text).getFirstSubcomponent('vevent')!;
      expect(pub.getFirstPropertyValue('summary')).toBe('Brunos Termin');
      expect(pub.getFirstPropertyValue('location')).toBe('Büro Bern');
      // And the whole calendar as one .ics carries no details of the private ones.
      const whole = await dav.request('GET', shared);
      expect(whole.status).toBe(200);
      expect(whole.text).toContain('Brunos Termin');
      expect(whole.text.match(/^SUMMARY:Besetzt\r$/gm)?.length).toBe(3); // series master + override + Carla's
    });

    it('busy blocks are labelled in the viewer’s language', async () => {
      const shared = cal('denise.dubois', 'termine-bruno.keller');
      const body = (await dav.request('GET', `${shared}${ids().brunoPrivate}.ics`, { user: 'denise.dubois' })).text;
      const events = parse(body).getAllSubcomponents('vevent');
      expect(events.map((e) => e.getFirstPropertyValue('summary'))).toEqual(['Occupé', 'Occupé']);
      expect(body).not.toContain('GEHEIM');
      // Denise does not attend Bruno's private appointment with Anna: a busy block for her.
      const withAnna = (await dav.request('GET', `${shared}${ids().brunoPrivateWithAnna}.ics`, { user: 'denise.dubois' })).text;
      expect(parse(withAnna).getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe('Occupé');
      expect(withAnna).not.toContain('Café');
    });

    it('renaming a private appointment changes nothing in the busy block, not even its ETag', async () => {
      const h = `${cal('anna.meier', 'termine-bruno.keller')}${ids().carlaPrivateWithBruno}.ics`;
      const before = await dav.request('GET', h);
      await dav.db.query(`UPDATE brokerstar.appointment SET subject = 'GEHEIM-CARLA-PRIVAT-NEU', description = 'GEHEIM-PRIVAT-BESCHREIBUNG' WHERE id = $1`, [
        ids().carlaPrivateWithBruno,
      ]);
      const after = await dav.request('GET', h);
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
      expect(after.text).toBe(before.text);
      // Bruno, a participant, sees the new subject.
      const bruno = await dav.request('GET', `${cal('bruno.keller', 'termine')}${ids().carlaPrivateWithBruno}.ics`, { user: 'bruno.keller' });
      expect(parse(bruno.text).getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe('GEHEIM-CARLA-PRIVAT-NEU');
    });

    it('an appointment made private in BrokerStar turns into a busy block for colleagues', async () => {
      const shared = cal('anna.meier', 'termine-bruno.keller');
      const h = `${shared}${ids().brunoPublic}.ics`;
      const before = await dav.request('GET', h);
      await dav.db.query('UPDATE brokerstar.appointment SET is_private = true WHERE id = $1', [ids().brunoPublic]);
      const after = await dav.request('GET', h);
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
      expect(parse(after.text).getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe('Besetzt');
      expect(after.text).not.toContain('Büro Bern');
      await dav.db.query('UPDATE brokerstar.appointment SET is_private = false WHERE id = $1', [ids().brunoPublic]);
      expect((await dav.request('GET', h)).text).toContain('Büro Bern');
    });

    it("a colleague's calendar that is not shared, and another user's homes, collections and items, are 404", async () => {
      const paths = [
        cal('anna.meier', 'termine-carla.rossi'),
        `${cal('anna.meier', 'termine-carla.rossi')}${ids().carlaOnly}.ics`,
        '/dav/calendars/bruno.keller/',
        cal('bruno.keller', 'termine'),
        cal('bruno.keller', 'aufgaben'),
        `${cal('bruno.keller', 'termine')}${ids().brunoPublic}.ics`,
        `${cal('bruno.keller', 'aufgaben')}${ids().brunoTask}.ics`,
        '/dav/addressbooks/bruno.keller/',
        book('bruno.keller'),
        `${book('bruno.keller')}${ids().onlyBruno}.vcf`,
        `${book('bruno.keller')}${ids().open}.vcf`,
        `${cal('bruno.keller', 'termine-anna.meier')}`,
      ];
      for (const p of paths) {
        expect((await dav.request('GET', p)).status, `GET ${p}`).toBe(404);
        expect((await dav.request('PROPFIND', p, { headers: { Depth: '1' }, body: PROPFIND_ETAG })).status, `PROPFIND ${p}`).toBe(404);
        const report = p.includes('addressbooks') ? SYNC_CARDS : SYNC_EVENTS;
        expect((await dav.request('REPORT', p, { headers: { Depth: '1' }, body: report })).status, `REPORT ${p}`).toBe(404);
      }
    });
  });

  it('nothing served to Anna carries a detail of a row she may not see', () => {
    expect(served.length).toBeGreaterThan(40);
    for (const text of served) {
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${text.slice(0, 300)}`).toBe(false);
    }
  });
});

describe('visibility with privateAppointments: hidden', () => {
  let dav: TestServer;
  const holder: { ids?: Ids } = {};

  beforeAll(async () => {
    dav = await startTestServer({ user: 'anna.meier', config: { privateAppointments: 'hidden' }, seed: (db) => seedFirm(db, holder) });
  });
  afterAll(() => dav?.close());

  it("others' private appointments are not in the shared calendar at all; the participant still sees hers", async () => {
    const ids = holder.ids!;
    const shared = cal('anna.meier', 'termine-bruno.keller');
    const expected = [ids.brunoPublic, ids.brunoPrivateWithAnna, ids.brunoAttendsCarla].map((id) => `${shared}${id}.ics`).sort();
    expect(members((await dav.propfind(shared, PROPFIND_ETAG, '1')).ms.hrefs, shared)).toEqual(expected);
    expect(members((await dav.report(shared, SYNC_EVENTS, { depth: '1' })).ms.hrefs, shared)).toEqual(expected);
    expect(members((await dav.report(shared, QUERY_EVENTS, { depth: '1' })).ms.hrefs, shared)).toEqual(expected);
    for (const id of [ids.brunoPrivate, ids.carlaPrivateWithBruno]) {
      expect((await dav.request('GET', `${shared}${id}.ics`)).status).toBe(404);
    }
    const whole = await dav.request('GET', shared);
    expect(whole.text).not.toContain('Besetzt');
    expect(whole.text).not.toContain('GEHEIM');
    expect(parse((await dav.request('GET', `${shared}${ids.brunoPrivateWithAnna}.ics`)).text).getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe(
      'Privat mit Anna',
    );
  });
});

// Tasks and appointments name their customer (DESCRIPTION line and URL) only when every employee
// may see the contact: their bodies are the same for every viewer, so a restricted or archived
// customer's name must not travel with them, e.g. into a colleague's shared calendar.
describe('customers named in tasks and appointments', () => {
  let dav: TestServer;
  let ids: { bruno: string; restricted: string; archived: string; open: string; brunoRestricted: string; brunoArchived: string; taskRestricted: string; taskArchived: string; annaOpen: string };
  const shared = cal('anna.meier', 'termine-bruno.keller');
  const aufgaben = cal('anna.meier', 'aufgaben');
  const SECRET_NAMES = ['GEHEIM-EINGESCHRAENKT', 'K-R1', 'GEHEIM-ARCHIVIERT', 'K-A1'];
  const urlOf = (contactId: string) => `urn:brokerstar:contact:${contactId}`;

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      const bruno = await b.addEmployee({ username: 'bruno.keller' });
      await b.addShare(bruno, anna);
      const restricted = await b.addContact({ companyName: 'GEHEIM-EINGESCHRAENKT AG', customerNo: 'K-R1', restrictedTo: [bruno] });
      const archived = await b.addContact({ firstName: 'Alois', lastName: 'GEHEIM-ARCHIVIERT', customerNo: 'K-A1', archived: true });
      const open = await b.addContact({ companyName: 'Offen AG', customerNo: 'K-O1' });
      ids = {
        bruno,
        restricted,
        archived,
        open,
        brunoRestricted: await b.addAppointment({ ownerId: bruno, startsAt: '2026-12-04T09:00:00Z', subject: 'Beratung', description: 'Police', contactId: restricted }),
        brunoArchived: await b.addAppointment({ ownerId: bruno, startsAt: '2026-12-05T09:00:00Z', subject: 'Nachfassen', contactId: archived }),
        taskRestricted: await b.addTask({ assigneeId: anna, subject: 'Offerte', contactId: restricted }),
        taskArchived: await b.addTask({ assigneeId: anna, subject: 'Rückruf', description: 'Dringend', contactId: archived }),
        annaOpen: await b.addAppointment({ ownerId: anna, startsAt: '2026-12-06T09:00:00Z', subject: 'Offen', contactId: open }),
      };
    });
  });
  afterAll(() => dav?.close());

  /** The item's one component: its DESCRIPTION (null when absent) and URL (null when absent). */
  function customerFields(body: string): { description: string | null; url: string | null } {
    const comp = parse(body).getAllSubcomponents().find((c) => c.name === 'vevent' || c.name === 'vtodo')!;
    const d = comp.getFirstPropertyValue('description');
    const u = comp.getFirstPropertyValue('url');
    return { description: d == null ? null : String(d), url: u == null ? null : String(u) };
  }

  it('a restricted or archived customer is named nowhere: shared calendar, Aufgaben, every way in, and the owner’s own view', async () => {
    const bodies: string[] = [];
    const items = [`${shared}${ids.brunoRestricted}.ics`, `${shared}${ids.brunoArchived}.ics`, `${aufgaben}${ids.taskRestricted}.ics`, `${aufgaben}${ids.taskArchived}.ics`];
    for (const h of items) {
      const r = await dav.request('GET', h);
      expect(r.status, h).toBe(200);
      bodies.push(r.text);
      expect(customerFields(r.text).url, `${h}: URL`).toBeNull();
    }
    expect(customerFields(bodies[0]!).description).toBe('Police');
    expect(customerFields(bodies[1]!).description).toBeNull();
    expect(customerFields(bodies[2]!).description).toBeNull();
    expect(customerFields(bodies[3]!).description).toBe('Dringend');
    const mg = await dav.report(shared, multiget('calendar', items.slice(0, 2)), { depth: '1' });
    bodies.push(mg.text, (await dav.report(shared, QUERY_EVENTS, { depth: '1' })).text, (await dav.report(shared, SYNC_EVENTS, { depth: '1' })).text);
    bodies.push((await dav.report(aufgaben, QUERY_TODOS, { depth: '1' })).text, (await dav.request('GET', shared)).text, (await dav.request('GET', aufgaben)).text);
    // Bodies are the same for every viewer: Bruno, who may see the restricted contact, gets the same item.
    const brunoOwn = await dav.request('GET', `${cal('bruno.keller', 'termine')}${ids.brunoRestricted}.ics`, { user: 'bruno.keller' });
    expect(brunoOwn.text).toBe(bodies[0]);
    for (const text of bodies) {
      for (const secret of [...SECRET_NAMES, urlOf(ids.restricted), urlOf(ids.archived), 'Kunde:']) expect(text, secret).not.toContain(secret);
    }
    // A customer everyone may see is named, as text and as URL.
    const open = customerFields((await dav.request('GET', `${cal('anna.meier', 'termine')}${ids.annaOpen}.ics`)).text);
    expect(open).toEqual({ description: 'Kunde: Offen AG (K-O1)', url: urlOf(ids.open) });
  });

  it('lifting the restriction or the archiving names the customer again under a new ETag, and restoring them hides it again', async () => {
    const event = `${shared}${ids.brunoRestricted}.ics`;
    const task = `${aufgaben}${ids.taskArchived}.ics`;
    const hidden = { event: await dav.request('GET', event), task: await dav.request('GET', task) };

    await dav.db.query('DELETE FROM brokerstar.contact_restriction WHERE contact_id = $1', [ids.restricted]);
    await dav.db.query('UPDATE brokerstar.contact SET is_archived = false WHERE id = $1', [ids.archived]);
    const named = { event: await dav.request('GET', event), task: await dav.request('GET', task) };
    expect(named.event.headers.get('etag')).not.toBe(hidden.event.headers.get('etag'));
    expect(named.task.headers.get('etag')).not.toBe(hidden.task.headers.get('etag'));
    expect(customerFields(named.event.text)).toEqual({ description: 'Police\n\nKunde: GEHEIM-EINGESCHRAENKT AG (K-R1)', url: urlOf(ids.restricted) });
    expect(customerFields(named.task.text)).toEqual({ description: 'Dringend\n\nKunde: Alois GEHEIM-ARCHIVIERT (K-A1)', url: urlOf(ids.archived) });
    // A client holding the old ETag is told the item changed.
    expect((await dav.request('GET', event, { headers: { 'If-None-Match': hidden.event.headers.get('etag')! } })).status).toBe(200);

    await dav.db.query('INSERT INTO brokerstar.contact_restriction (contact_id, employee_id) VALUES ($1, $2)', [ids.restricted, ids.bruno]);
    await dav.db.query('UPDATE brokerstar.contact SET is_archived = true WHERE id = $1', [ids.archived]);
    const again = { event: await dav.request('GET', event), task: await dav.request('GET', task) };
    expect(again.event.headers.get('etag')).not.toBe(named.event.headers.get('etag'));
    expect(again.task.headers.get('etag')).not.toBe(named.task.headers.get('etag'));
    for (const r of [again.event, again.task]) {
      expect(customerFields(r.text).url).toBeNull();
      for (const secret of SECRET_NAMES) expect(r.text).not.toContain(secret);
    }
  });
});
