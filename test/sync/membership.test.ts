// Membership changes are changes (issue 4): every way an item leaves or enters a collection shows
// in sync-collection as a bare 404 response or as an addition, with a new getctag; ETags change
// exactly when the served representation changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { CS, D, propText, type ResponseEntry } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const CARLA = 'carla.rossi';
/** beat's view of anna's calendar */
const SHARED = `/dav/calendars/${BEAT}/termine-${ANNA}/`;

interface Position {
  readonly token: string;
  readonly ctag: string;
  /** href → ETag */
  readonly etags: Map<string, string>;
}

interface Changes {
  readonly token: string;
  /** Every href in the answer, in document order. */
  readonly hrefs: string[];
  readonly responses: Map<string, ResponseEntry>;
}

/** A removal exactly as Outlook and Thunderbird need it: href and a 404 status, nothing else. */
const REMOVED = (href: string) => ({ href, status: 'HTTP/1.1 404 Not Found', props: new Map(), propstatStatuses: [] });

describe('membership changes show up in sync-collection', () => {
  let dav: TestServer;
  let anna: string;
  let beat: string;
  let carla: string;

  async function position(path: string, user: string): Promise<Position> {
    const r = await dav.propfind(path, LISTING, '1', { user });
    expect(r.status, `PROPFIND ${path}`).toBe(207);
    const etags = new Map<string, string>();
    for (const [href, e] of r.ms.responses) if (href !== path) etags.set(href, propText(e, D('getetag'))!);
    const self = r.ms.responses.get(path);
    return { token: propText(self, D('sync-token'))!, ctag: propText(self, CS('getctag'))!, etags };
  }

  async function changes(path: string, user: string, token: string): Promise<Changes> {
    const r = await dav.report(path, SYNC(token), { user, depth: '0' });
    expect(r.status, `sync-collection ${path}: ${r.text.slice(0, 300)}`).toBe(207);
    return { token: r.ms.syncToken!, hrefs: r.ms.hrefs, responses: r.ms.responses };
  }

  /** Position before, run the BrokerStar write, then the incremental answer and the new position. */
  async function across(path: string, user: string, write: () => Promise<unknown>) {
    const before = await position(path, user);
    await write();
    const answer = await changes(path, user, before.token);
    const after = await position(path, user);
    expect(answer.token, 'the answer carries the current token').toBe(after.token);
    return { before, answer, after };
  }

  /** `name` left the collection: a bare 404 and nothing else, a new getctag, gone from the listing. */
  async function expectRemoval(path: string, user: string, name: string, write: () => Promise<unknown>) {
    const { before, answer, after } = await across(path, user, write);
    expect(before.etags.has(`${path}${name}`), `${name} was a member of ${path}`).toBe(true);
    expect(answer.hrefs).toEqual([`${path}${name}`]);
    expect(answer.responses.get(`${path}${name}`)).toEqual(REMOVED(`${path}${name}`));
    expect(after.ctag).not.toBe(before.ctag);
    expect(after.token).not.toBe(before.token);
    expect(after.etags.has(`${path}${name}`)).toBe(false);
    return { before, answer, after };
  }

  /** `name` entered the collection: one response with its ETag, a new getctag, in the listing. */
  async function expectAddition(path: string, user: string, name: string, write: () => Promise<unknown>) {
    const { before, answer, after } = await across(path, user, write);
    expect(before.etags.has(`${path}${name}`), `${name} was not yet a member of ${path}`).toBe(false);
    expect(answer.hrefs).toEqual([`${path}${name}`]);
    const entry = answer.responses.get(`${path}${name}`)!;
    expect(entry.status).toBeUndefined();
    expect(propText(entry, D('getetag'))).toBe(after.etags.get(`${path}${name}`));
    expect(after.ctag).not.toBe(before.ctag);
    return { before, answer, after };
  }

  /** Nothing served changed: same token and getctag, same ETags, an empty incremental answer. */
  async function expectNothing(paths: [string, string][], write: () => Promise<unknown>) {
    const before = await Promise.all(paths.map(([p, u]) => position(p, u)));
    await write();
    for (const [i, [p, u]] of paths.entries()) {
      const answer = await changes(p, u, before[i]!.token);
      expect(answer.hrefs, `${p}: no change reported`).toEqual([]);
      expect(answer.token, `${p}: token unchanged`).toBe(before[i]!.token);
      const after = await position(p, u);
      expect(after.ctag, `${p}: getctag unchanged`).toBe(before[i]!.ctag);
      expect(after.etags, `${p}: ETags unchanged`).toEqual(before[i]!.etags);
    }
  }

  /** Exactly `name` changed: one response with a new ETag, a new getctag. */
  async function expectChange(path: string, user: string, name: string, write: () => Promise<unknown>) {
    const { before, answer, after } = await across(path, user, write);
    expect(answer.hrefs, `${path}: only ${name} reported`).toEqual([`${path}${name}`]);
    const etag = propText(answer.responses.get(`${path}${name}`), D('getetag'));
    expect(etag).toBe(after.etags.get(`${path}${name}`));
    expect(etag, `${name}: new ETag`).not.toBe(before.etags.get(`${path}${name}`));
    expect(after.ctag).not.toBe(before.ctag);
    return { before, answer, after };
  }

  const sql = (text: string, params: unknown[] = []) => dav.db.query(text, params);
  const b = () => builders(dav.db.pool);

  beforeAll(async () => {
    dav = await startTestServer({
      config: { authCacheSeconds: 600 },
      seed: async (db) => {
        const x = builders(db.pool);
        anna = await x.addEmployee({ username: ANNA });
        beat = await x.addEmployee({ username: BEAT });
        carla = await x.addEmployee({ username: CARLA });
        await x.addShare(anna, beat);
      },
    });
  });
  afterAll(() => dav?.close());

  describe('contacts', () => {
    it('a contact soft-deleted in BrokerStar leaves every address book; undeleted, it comes back', async () => {
      const id = await b().addContact({ lastName: 'Gelöscht', phones: ['+41 44 111 11 11'] });
      await position(KONTAKTE(BEAT), BEAT);
      await expectRemoval(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [id]));
      // beat's address book moved too, although nobody asked it in between
      expect((await position(KONTAKTE(BEAT), BEAT)).etags.has(`${KONTAKTE(BEAT)}${id}.vcf`)).toBe(false);
      await expectAddition(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET deleted_at = NULL WHERE id = $1`, [id]));
    });

    it('a contact hard-deleted in BrokerStar (children cascading) is a 404', async () => {
      const id = await b().addContact({ lastName: 'Weg', phones: ['+41 44 222 22 22'], emails: ['weg@example.ch'], categories: ['Kunde'], photo: 'jpeg' });
      await expectRemoval(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`DELETE FROM brokerstar.contact WHERE id = $1`, [id]));
    });

    it('an archived contact leaves; unarchived, it comes back', async () => {
      const id = await b().addContact({ lastName: 'Archiv' });
      await expectRemoval(KONTAKTE(BEAT), BEAT, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET is_archived = true WHERE id = $1`, [id]));
      await expectAddition(KONTAKTE(BEAT), BEAT, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET is_archived = false WHERE id = $1`, [id]));
    });

    it('a contact restricted to others leaves the address books of everyone else; unrestricted, it comes back', async () => {
      const id = await b().addContact({ lastName: 'Vertraulich', advisorId: carla });
      await position(KONTAKTE(BEAT), BEAT);
      // restricted to anna: beat loses it, anna keeps it (unchanged)
      const annaBefore = await position(KONTAKTE(ANNA), ANNA);
      await expectRemoval(KONTAKTE(BEAT), BEAT, `${id}.vcf`, () => sql(`INSERT INTO brokerstar.contact_restriction VALUES ($1, $2)`, [id, anna]));
      const annaAnswer = await changes(KONTAKTE(ANNA), ANNA, annaBefore.token);
      expect(annaAnswer.hrefs, 'nothing changes for anna, who may still see it').toEqual([]);
      // the restriction is removed: beat gets it back
      await expectAddition(KONTAKTE(BEAT), BEAT, `${id}.vcf`, () => sql(`DELETE FROM brokerstar.contact_restriction WHERE contact_id = $1`, [id]));
      // restricted to carla only: anna loses it; carla is its advisor anyway
      await expectRemoval(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`INSERT INTO brokerstar.contact_restriction VALUES ($1, $2)`, [id, carla]));
      expect((await position(KONTAKTE(CARLA), CARLA)).etags.has(`${KONTAKTE(CARLA)}${id}.vcf`)).toBe(true);
      // the advisor changes to anna: the advisor always sees his restricted contacts
      await expectAddition(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET advisor_id = $2 WHERE id = $1`, [id, anna]));
    });
  });

  describe('tasks', () => {
    it('a task reassigned in BrokerStar leaves the old assignee and enters the new one with the same ETag', async () => {
      const id = await b().addTask({ assigneeId: anna, subject: 'Police prüfen', dueAt: '2030-01-15T09:00:00Z' });
      const annaBefore = await position(AUFGABEN(ANNA), ANNA);
      const etag = annaBefore.etags.get(`${AUFGABEN(ANNA)}${id}.ics`)!;
      const { after } = await expectAddition(AUFGABEN(BEAT), BEAT, `${id}.ics`, () => sql(`UPDATE brokerstar.task SET assignee_id = $2 WHERE id = $1`, [id, beat]));
      expect(after.etags.get(`${AUFGABEN(BEAT)}${id}.ics`), 'nothing served changed (same zone), so the same ETag').toBe(etag);
      const annaAnswer = await changes(AUFGABEN(ANNA), ANNA, annaBefore.token);
      expect(annaAnswer.hrefs).toEqual([`${AUFGABEN(ANNA)}${id}.ics`]);
      expect(annaAnswer.responses.get(`${AUFGABEN(ANNA)}${id}.ics`)).toEqual(REMOVED(`${AUFGABEN(ANNA)}${id}.ics`));
    });

    it('a task soft-deleted or hard-deleted in BrokerStar is a 404', async () => {
      const soft = await b().addTask({ assigneeId: anna, subject: 'Weich' });
      const hard = await b().addTask({ assigneeId: anna, subject: 'Hart' });
      await expectRemoval(AUFGABEN(ANNA), ANNA, `${soft}.ics`, () => sql(`UPDATE brokerstar.task SET deleted_at = now() WHERE id = $1`, [soft]));
      await expectRemoval(AUFGABEN(ANNA), ANNA, `${hard}.ics`, () => sql(`DELETE FROM brokerstar.task WHERE id = $1`, [hard]));
      await expectAddition(AUFGABEN(ANNA), ANNA, `${soft}.ics`, () => sql(`UPDATE brokerstar.task SET deleted_at = NULL WHERE id = $1`, [soft]));
    });
  });

  describe('appointments', () => {
    it('an appointment deleted in BrokerStar leaves the owner, the participants and the colleagues who share the calendar', async () => {
      const id = await b().addAppointment({ ownerId: anna, startsAt: '2030-03-04T08:00:00Z', subject: 'Jahresgespräch', participants: [carla] });
      const carlaBefore = await position(TERMINE(CARLA), CARLA);
      const sharedBefore = await position(SHARED, BEAT);
      await expectRemoval(TERMINE(ANNA), ANNA, `${id}.ics`, () => sql(`UPDATE brokerstar.appointment SET deleted_at = now() WHERE id = $1`, [id]));
      for (const [path, user, before] of [
        [TERMINE(CARLA), CARLA, carlaBefore],
        [SHARED, BEAT, sharedBefore],
      ] as const) {
        const answer = await changes(path, user, before.token);
        expect(answer.hrefs).toEqual([`${path}${id}.ics`]);
        expect(answer.responses.get(`${path}${id}.ics`)).toEqual(REMOVED(`${path}${id}.ics`));
      }
      await expectAddition(SHARED, BEAT, `${id}.ics`, () => sql(`UPDATE brokerstar.appointment SET deleted_at = NULL WHERE id = $1`, [id]));
      await expectRemoval(SHARED, BEAT, `${id}.ics`, () => sql(`DELETE FROM brokerstar.appointment WHERE id = $1`, [id]));
    });

    it('a participant removed in BrokerStar loses the appointment; added again, he gets it back', async () => {
      const id = await b().addAppointment({ ownerId: anna, startsAt: '2030-03-05T08:00:00Z', subject: 'Teamsitzung', participants: [beat, carla] });
      const carlaBefore = await position(TERMINE(CARLA), CARLA);
      await expectRemoval(TERMINE(BEAT), BEAT, `${id}.ics`, () => sql(`DELETE FROM brokerstar.appointment_participant WHERE appointment_id = $1 AND employee_id = $2`, [id, beat]));
      // carla still has it, with a new ETag: beat is no longer an ATTENDEE
      const carla2 = await changes(TERMINE(CARLA), CARLA, carlaBefore.token);
      expect(carla2.hrefs).toEqual([`${TERMINE(CARLA)}${id}.ics`]);
      expect(propText(carla2.responses.get(`${TERMINE(CARLA)}${id}.ics`), D('getetag'))).not.toBe(carlaBefore.etags.get(`${TERMINE(CARLA)}${id}.ics`));
      expect((await dav.request('GET', `${TERMINE(CARLA)}${id}.ics`, { user: CARLA })).text).not.toContain('beat.keller@');
      await expectAddition(TERMINE(BEAT), BEAT, `${id}.ics`, () =>
        sql(`INSERT INTO brokerstar.appointment_participant (appointment_id, employee_id) VALUES ($1, $2)`, [id, beat]),
      );
    });

    it('made private, an appointment becomes a busy block for colleagues (same href, new ETag); public again, it is shown in full', async () => {
      const id = await b().addAppointment({ ownerId: anna, startsAt: '2030-03-06T08:00:00Z', subject: 'Arzttermin Müller', location: 'Praxis' });
      const href = `${SHARED}${id}.ics`;
      const get = async () => (await dav.request('GET', href, { user: BEAT })).text;
      expect(await get()).toContain('SUMMARY:Arzttermin Müller');
      await expectChange(SHARED, BEAT, `${id}.ics`, () => sql(`UPDATE brokerstar.appointment SET is_private = true WHERE id = $1`, [id]));
      const busy = await get();
      expect(busy).toContain('SUMMARY:Besetzt');
      expect(busy).not.toContain('Arzttermin');
      expect(busy).not.toContain('Praxis');
      // the owner sees it in full, now CLASS:PRIVATE
      expect((await dav.request('GET', `${TERMINE(ANNA)}${id}.ics`, { user: ANNA })).text).toContain('CLASS:PRIVATE');
      // a change of subject does not show in the busy block: nothing changes for beat
      await expectNothing([[SHARED, BEAT]], () => sql(`UPDATE brokerstar.appointment SET subject = 'Arzttermin Meier' WHERE id = $1`, [id]));
      await expectChange(SHARED, BEAT, `${id}.ics`, () => sql(`UPDATE brokerstar.appointment SET is_private = false WHERE id = $1`, [id]));
      expect(await get()).toContain('SUMMARY:Arzttermin Meier');
    });

    it('a colleague invited to a private appointment sees it in full, in his own calendar and in the shared one', async () => {
      const id = await b().addAppointment({ ownerId: anna, startsAt: '2030-03-07T08:00:00Z', subject: 'Vertrauliche Offerte', isPrivate: true });
      const busy = (await dav.request('GET', `${SHARED}${id}.ics`, { user: BEAT })).text;
      expect(busy).toContain('SUMMARY:Besetzt');
      await expectAddition(TERMINE(BEAT), BEAT, `${id}.ics`, () =>
        sql(`INSERT INTO brokerstar.appointment_participant (appointment_id, employee_id) VALUES ($1, $2)`, [id, beat]),
      );
      expect((await dav.request('GET', `${TERMINE(BEAT)}${id}.ics`, { user: BEAT })).text).toContain('SUMMARY:Vertrauliche Offerte');
      expect((await dav.request('GET', `${SHARED}${id}.ics`, { user: BEAT })).text).toContain('SUMMARY:Vertrauliche Offerte');
    });
  });

  describe('calendar shares', () => {
    it('a revoked share leaves the home listing, but its URL still answers, with every item as a 404; re-granted, they come back', async () => {
      const id = await b().addAppointment({ ownerId: anna, startsAt: '2030-03-09T08:00:00Z', subject: 'Geteilt' });
      const before = await position(SHARED, BEAT);
      expect(before.etags.size).toBeGreaterThan(0);
      expect(before.etags.has(`${SHARED}${id}.ics`)).toBe(true);
      const home = async () => (await dav.propfind(`/dav/calendars/${BEAT}/`, `<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>`, '1', { user: BEAT })).ms.hrefs;
      expect(await home()).toContain(SHARED);

      await sql(`DELETE FROM brokerstar.calendar_share WHERE owner_id = $1 AND viewer_id = $2`, [anna, beat]);
      expect(await home()).not.toContain(SHARED);
      const answer = await changes(SHARED, BEAT, before.token);
      expect([...answer.hrefs].sort()).toEqual([...before.etags.keys()].sort());
      for (const href of before.etags.keys()) expect(answer.responses.get(href)).toEqual(REMOVED(href));
      const empty = await position(SHARED, BEAT);
      expect(empty.etags.size).toBe(0);
      expect(empty.ctag).not.toBe(before.ctag);
      // beat's own calendar is untouched
      expect((await dav.propfind(TERMINE(BEAT), LISTING, '0', { user: BEAT })).status).toBe(207);

      await sql(`INSERT INTO brokerstar.calendar_share VALUES ($1, $2)`, [anna, beat]);
      expect(await home()).toContain(SHARED);
      const back = await changes(SHARED, BEAT, empty.token);
      expect([...back.hrefs].sort()).toEqual([...before.etags.keys()].sort());
      for (const [href, etag] of before.etags) expect(propText(back.responses.get(href), D('getetag')), 'the same items, unchanged').toBe(etag);
    });

    it("a colleague's calendar that was never shared is not listed and answers 404", async () => {
      const r = await dav.propfind(`/dav/calendars/${BEAT}/termine-${CARLA}/`, LISTING, '0', { user: BEAT });
      expect(r.status).toBe(404);
      const home = await dav.propfind(`/dav/calendars/${BEAT}/`, `<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>`, '1', { user: BEAT });
      expect(home.ms.hrefs.sort()).toEqual([`/dav/calendars/${BEAT}/`, AUFGABEN(BEAT), TERMINE(BEAT), `/dav/calendars/${BEAT}/geburtstage/`, SHARED].sort());
    });
  });

  describe('ETags change exactly when the served representation changes', () => {
    it('updated_at alone, or a column that is not served, changes nothing anywhere', async () => {
      const contact = await b().addContact({ lastName: 'Ruhig', salutation: 'Herr' });
      const task = await b().addTask({ assigneeId: anna, subject: 'Ruhige Aufgabe', contactId: contact });
      const appt = await b().addAppointment({ ownerId: anna, startsAt: '2030-04-01T08:00:00Z', subject: 'Ruhiger Termin' });
      const all: [string, string][] = [
        [KONTAKTE(ANNA), ANNA],
        [AUFGABEN(ANNA), ANNA],
        [TERMINE(ANNA), ANNA],
        [SHARED, BEAT],
      ];
      await expectNothing(all, () => sql(`UPDATE brokerstar.contact SET updated_at = now() + interval '1 second' WHERE id = $1`, [contact]));
      await expectNothing(all, () => sql(`UPDATE brokerstar.contact SET salutation = 'Frau', created_at = now() - interval '9 years' WHERE id = $1`, [contact]));
      await expectNothing(all, () => sql(`UPDATE brokerstar.task SET updated_at = now(), created_by_id = $2 WHERE id = $1`, [task, carla]));
      await expectNothing(all, () => sql(`UPDATE brokerstar.appointment SET updated_at = now() WHERE id = $1`, [appt]));
      await expectNothing(all, () => sql(`UPDATE brokerstar.employee SET updated_at = now() WHERE id = $1`, [anna]));
      // an UPDATE that writes the values already there
      await expectNothing(all, () => sql(`UPDATE brokerstar.contact SET first_name = first_name WHERE id = $1`, [contact]));
    });

    it("a phone number change changes the card's ETag, and only that card", async () => {
      const id = await b().addContact({ lastName: 'Telefon', phones: ['+41 44 333 33 33'] });
      await expectChange(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact_phone SET number = '+41 44 333 33 34' WHERE contact_id = $1`, [id]));
      const card = (await dav.request('GET', `${KONTAKTE(ANNA)}${id}.vcf`, { user: ANNA })).text;
      expect(card).toContain('+41 44 333 33 34');
    });

    it('a photo change changes the ETag; rewriting the same photo does not', async () => {
      const id = await b().addContact({ lastName: 'Foto', photo: 'jpeg' });
      await expectNothing([[KONTAKTE(ANNA), ANNA]], () => sql(`UPDATE brokerstar.contact_photo SET updated_at = now(), data = data WHERE contact_id = $1`, [id]));
      await expectChange(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`DELETE FROM brokerstar.contact_photo WHERE contact_id = $1`, [id]));
    });

    it('a contact rename changes the ETag of the card and of the task and appointment that name the customer', async () => {
      const id = await b().addContact({ companyName: 'Alt AG', customerNo: 'K-100200' });
      const task = await b().addTask({ assigneeId: anna, subject: 'Offerte', contactId: id });
      const appt = await b().addAppointment({ ownerId: anna, startsAt: '2030-04-02T08:00:00Z', subject: 'Besuch', contactId: id });
      const before = await Promise.all([position(AUFGABEN(ANNA), ANNA), position(TERMINE(ANNA), ANNA), position(SHARED, BEAT)]);
      await expectChange(KONTAKTE(ANNA), ANNA, `${id}.vcf`, () => sql(`UPDATE brokerstar.contact SET company_name = 'Neu AG' WHERE id = $1`, [id]));
      for (const [i, [path, user, name]] of ([
        [AUFGABEN(ANNA), ANNA, `${task}.ics`],
        [TERMINE(ANNA), ANNA, `${appt}.ics`],
        [SHARED, BEAT, `${appt}.ics`],
      ] as const).entries()) {
        const answer = await changes(path, user, before[i]!.token);
        expect(answer.hrefs, `${path}: only the item naming the customer`).toEqual([`${path}${name}`]);
        expect(propText(answer.responses.get(`${path}${name}`), D('getetag'))).not.toBe(before[i]!.etags.get(`${path}${name}`));
        const body = (await dav.request('GET', `${path}${name}`, { user })).text;
        expect(body).toContain('Kunde: Neu AG (K-100200)');
      }
    });

    it('a task status change changes its ETag; a change of a contact nobody names changes no task', async () => {
      const task = await b().addTask({ assigneeId: anna, subject: 'Status' });
      await expectChange(AUFGABEN(ANNA), ANNA, `${task}.ics`, () => sql(`UPDATE brokerstar.task SET status = 'done', percent_complete = 100, completed_at = now() WHERE id = $1`, [task]));
      const other = await b().addContact({ lastName: 'Unbeteiligt' });
      await expectNothing([[AUFGABEN(ANNA), ANNA], [TERMINE(ANNA), ANNA]], () => sql(`UPDATE brokerstar.contact SET last_name = 'Anders' WHERE id = $1`, [other]));
    });
  });
});

describe('PRIVATE_APPOINTMENTS=hidden and the cap: membership changes', () => {
  let dav: TestServer;
  let anna: string;
  let beat: string;

  beforeAll(async () => {
    dav = await startTestServer({
      config: { authCacheSeconds: 600, maxRecords: 3, privateAppointments: 'hidden' },
      seed: async (db) => {
        const x = builders(db.pool);
        anna = await x.addEmployee({ username: ANNA });
        beat = await x.addEmployee({ username: BEAT });
        await x.addShare(anna, beat);
      },
    });
  });
  afterAll(() => dav?.close());

  const sync = async (path: string, user: string, token: string) => {
    const r = await dav.report(path, SYNC(token), { user });
    expect(r.status).toBe(207);
    return r.ms;
  };
  const state = async (path: string, user: string) => {
    const r = await dav.propfind(path, LISTING, '1', { user });
    expect(r.status).toBe(207);
    return { token: propText(r.ms.responses.get(path), D('sync-token'))!, ctag: propText(r.ms.responses.get(path), CS('getctag'))!, hrefs: r.ms.hrefs.filter((h) => h !== path).sort() };
  };

  it('made private, an appointment leaves the colleague\'s view of the calendar (404); public again, it comes back', async () => {
    const id = await builders(dav.db.pool).addAppointment({ ownerId: anna, startsAt: '2030-05-01T08:00:00Z', subject: 'Privat?' });
    const href = `${SHARED}${id}.ics`;
    const before = await state(SHARED, BEAT);
    expect(before.hrefs).toEqual([href]);
    await dav.db.query(`UPDATE brokerstar.appointment SET is_private = true WHERE id = $1`, [id]);
    const gone = await sync(SHARED, BEAT, before.token);
    expect(gone.hrefs).toEqual([href]);
    expect(gone.responses.get(href)).toEqual(REMOVED(href));
    const hidden = await state(SHARED, BEAT);
    expect(hidden.hrefs).toEqual([]);
    expect(hidden.ctag).not.toBe(before.ctag);
    // the owner still has it
    expect((await state(TERMINE(ANNA), ANNA)).hrefs).toEqual([`${TERMINE(ANNA)}${id}.ics`]);
    await dav.db.query(`UPDATE brokerstar.appointment SET is_private = false WHERE id = $1`, [id]);
    const back = await sync(SHARED, BEAT, hidden.token);
    expect(back.hrefs).toEqual([href]);
    expect(propText(back.responses.get(href), D('getetag'))).toMatch(/^"/);
  });

  it('a contact entering the cap pushes the last one out (404), and one leaving it lets the next one back in', async () => {
    const book = KONTAKTE(ANNA);
    const h = (id: string) => `${book}${id}.vcf`;
    // Three contacts, created (and seen by the server) one after the other: Drei is the most recent.
    const id: Record<string, string> = {};
    for (const name of ['Eins', 'Zwei', 'Drei']) {
      id[name] = await builders(dav.db.pool).addContact({ lastName: name });
      await state(book, ANNA);
    }
    const before = await state(book, ANNA);
    expect(before.hrefs).toEqual([h(id.Eins!), h(id.Zwei!), h(id.Drei!)].sort());
    // A fourth one is the most recently changed: it enters, the least recent (Eins) falls out.
    const vier = await builders(dav.db.pool).addContact({ lastName: 'Vier' });
    const entered = await sync(book, ANNA, before.token);
    expect([...entered.hrefs].sort()).toEqual([h(vier), h(id.Eins!)].sort());
    expect(entered.responses.get(h(id.Eins!))).toEqual(REMOVED(h(id.Eins!)));
    expect(propText(entered.responses.get(h(vier)), D('getetag'))).toMatch(/^"/);
    const four = await state(book, ANNA);
    expect(four.ctag).not.toBe(before.ctag);
    // anna stars Eins: favorites come first, so Eins is back and Zwei falls out
    await dav.db.query(`INSERT INTO brokerstar.contact_favorite VALUES ($1, $2)`, [anna, id.Eins]);
    const starred = await sync(book, ANNA, four.token);
    expect([...starred.hrefs].sort()).toEqual([h(id.Eins!), h(id.Zwei!)].sort());
    expect(starred.responses.get(h(id.Zwei!))).toEqual(REMOVED(h(id.Zwei!)));
    const withFavorite = await state(book, ANNA);
    expect(withFavorite.hrefs).toEqual([h(id.Eins!), h(id.Drei!), h(vier)].sort());
    // beat did not star it: his address book did not move
    const beatBook = await state(KONTAKTE(BEAT), BEAT);
    expect(beatBook.hrefs).toEqual(four.hrefs.map((x) => x.replace(ANNA, BEAT)));
    // unstarred: Eins leaves again, Zwei comes back
    await dav.db.query(`DELETE FROM brokerstar.contact_favorite WHERE employee_id = $1`, [anna]);
    const left = await sync(book, ANNA, withFavorite.token);
    expect([...left.hrefs].sort()).toEqual([h(id.Eins!), h(id.Zwei!)].sort());
    expect(left.responses.get(h(id.Eins!))).toEqual(REMOVED(h(id.Eins!)));
    expect((await state(book, ANNA)).hrefs).toEqual(four.hrefs);
    expect((await sync(KONTAKTE(BEAT), BEAT, beatBook.token)).hrefs, 'beat: still nothing').toEqual([]);
  });
});
