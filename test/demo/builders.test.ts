// The fixture builders other tests use: one smoke test each, against a real BrokerStar schema.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAppointment, addContact, addEmployee, addShare, addTask, builders, sampleImage } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('test builders', () => {
  let db: TestDatabase;
  let anna: string;
  let luca: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    anna = await addEmployee(db, { username: 'anna.meier' });
    luca = await addEmployee(db.pool, { username: 'luca.rossi', firstName: 'Luca', lastName: 'Rossi', language: 'it', timeZone: 'Europe/Rome' });
  });
  afterAll(() => db?.drop());

  it('addEmployee derives names and email from the username and returns the id as a string', async () => {
    expect(anna).toMatch(/^\d+$/);
    const off = await addEmployee(db, { username: 'beat.schnyder', active: false, email: 'beat@firm.ch' });
    const { rows } = await db.query(`SELECT id::text, username, first_name, last_name, email, language, time_zone, active FROM brokerstar.employee ORDER BY id`);
    expect(rows).toEqual([
      { id: anna, username: 'anna.meier', first_name: 'Anna', last_name: 'Meier', email: 'anna.meier@example.ch', language: 'de', time_zone: 'Europe/Zurich', active: true },
      { id: luca, username: 'luca.rossi', first_name: 'Luca', last_name: 'Rossi', email: 'luca.rossi@example.ch', language: 'it', time_zone: 'Europe/Rome', active: true },
      { id: off, username: 'beat.schnyder', first_name: 'Beat', last_name: 'Schnyder', email: 'beat@firm.ch', language: 'de', time_zone: 'Europe/Zurich', active: false },
    ]);
  });

  it('addContact writes the contact with phones, emails, addresses, categories, photo, restriction and favorites', async () => {
    const id = await addContact(db, {
      firstName: 'Jürg',
      lastName: 'Müller',
      companyName: 'Garage Huber AG',
      birthday: '1980-02-29',
      advisorId: anna,
      phones: ['+41 44 123 45 67', { number: '+41 79 765 43 21', kind: 'mobile', primary: true }],
      emails: ['j.mueller@garage-huber.ch'],
      addresses: [{ street: 'c/o Huber\nBahnhofstrasse 1', postalCode: '8001', city: 'Zürich', region: 'ZH' }],
      categories: ['Kunde', 'VIP'],
      photo: 'jpeg',
      restrictedTo: [luca],
      favoriteOf: [anna, luca],
    });
    const contact = await db.query(`SELECT kind, first_name, last_name, company_name, birthday::text, advisor_id::text FROM brokerstar.contact WHERE id = $1`, [id]);
    expect(contact.rows).toEqual([{ kind: 'person', first_name: 'Jürg', last_name: 'Müller', company_name: 'Garage Huber AG', birthday: '1980-02-29', advisor_id: anna }]);
    const phones = await db.query(`SELECT kind, number, is_primary, position FROM brokerstar.contact_phone WHERE contact_id = $1 ORDER BY position`, [id]);
    expect(phones.rows).toEqual([
      { kind: 'work', number: '+41 44 123 45 67', is_primary: false, position: 0 },
      { kind: 'mobile', number: '+41 79 765 43 21', is_primary: true, position: 1 },
    ]);
    const emails = await db.query(`SELECT kind, address, is_primary FROM brokerstar.contact_email WHERE contact_id = $1`, [id]);
    expect(emails.rows).toEqual([{ kind: 'work', address: 'j.mueller@garage-huber.ch', is_primary: true }]);
    const addresses = await db.query(`SELECT kind, street, city, country_code FROM brokerstar.contact_address WHERE contact_id = $1`, [id]);
    expect(addresses.rows).toEqual([{ kind: 'home', street: 'c/o Huber\nBahnhofstrasse 1', city: 'Zürich', country_code: 'CH' }]);
    const categories = await db.query(`SELECT category FROM brokerstar.contact_category WHERE contact_id = $1 ORDER BY 1`, [id]);
    expect(categories.rows.map((r) => r.category)).toEqual(['Kunde', 'VIP']);
    const photo = await db.query<{ mime_type: string; data: Buffer }>(`SELECT mime_type, data FROM brokerstar.contact_photo WHERE contact_id = $1`, [id]);
    expect(photo.rows[0]?.mime_type).toBe('image/jpeg');
    expect((await sharp(photo.rows[0]!.data).metadata()).format).toBe('jpeg');
    const restricted = await db.query(`SELECT employee_id::text AS e FROM brokerstar.contact_restriction WHERE contact_id = $1`, [id]);
    expect(restricted.rows).toEqual([{ e: luca }]);
    const favorites = await db.query(`SELECT employee_id::text AS e FROM brokerstar.contact_favorite WHERE contact_id = $1 ORDER BY employee_id`, [id]);
    expect(favorites.rows).toEqual([{ e: anna }, { e: luca }]);

    const company = await addContact(db.pool, { companyName: 'Säntis Versicherungen AG', photo: await sampleImage('png'), archived: true });
    const c = await db.query(`SELECT c.kind, c.last_name, c.is_archived, p.mime_type FROM brokerstar.contact c JOIN brokerstar.contact_photo p ON p.contact_id = c.id WHERE c.id = $1`, [company]);
    expect(c.rows).toEqual([{ kind: 'company', last_name: null, is_archived: true, mime_type: 'image/png' }]);
  });

  it('addTask fills consistent defaults for the status', async () => {
    const open = await addTask(db, { assigneeId: anna });
    const done = await addTask(db, { assigneeId: anna, subject: 'Police prüfen', status: 'done', priority: 1, dueAt: '2025-03-01T16:00:00Z', createdById: luca });
    const { rows } = await db.query(
      `SELECT id::text, subject, status, priority, percent_complete, completed_at IS NOT NULL AS completed, due_at, created_by_id::text AS by
       FROM brokerstar.task ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: open, subject: 'Aufgabe', status: 'open', priority: 2, percent_complete: 0, completed: false, due_at: null, by: null },
      { id: done, subject: 'Police prüfen', status: 'done', priority: 1, percent_complete: 100, completed: true, due_at: new Date('2025-03-01T16:00:00Z'), by: luca },
    ]);
  });

  it('addAppointment writes participants and exceptions; all-day dates become local midnights', async () => {
    const weekly = await addAppointment(db, {
      ownerId: anna,
      subject: 'Wochenrapport',
      startsAt: '2025-03-24T08:00:00Z',
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
      participants: [{ employeeId: luca, response: 'accepted' }],
      exceptions: [
        { originalStart: '2025-03-31T07:00:00Z' },
        { originalStart: '2025-04-07T07:00:00Z', startsAt: '2025-04-08T07:00:00Z' },
      ],
    });
    const a = await db.query(`SELECT subject, starts_at, ends_at, all_day, time_zone, recurrence_rule, is_private, status FROM brokerstar.appointment WHERE id = $1`, [weekly]);
    expect(a.rows[0]).toEqual({
      subject: 'Wochenrapport',
      starts_at: new Date('2025-03-24T08:00:00Z'),
      ends_at: new Date('2025-03-24T09:00:00Z'),
      all_day: false,
      time_zone: 'Europe/Zurich',
      recurrence_rule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
      is_private: false,
      status: 'confirmed',
    });
    const p = await db.query(`SELECT employee_id::text AS e, response FROM brokerstar.appointment_participant WHERE appointment_id = $1`, [weekly]);
    expect(p.rows).toEqual([{ e: luca, response: 'accepted' }]);
    const x = await db.query(`SELECT original_start, is_cancelled, starts_at, ends_at FROM brokerstar.appointment_exception WHERE appointment_id = $1 ORDER BY original_start`, [weekly]);
    expect(x.rows).toEqual([
      { original_start: new Date('2025-03-31T07:00:00Z'), is_cancelled: true, starts_at: null, ends_at: null },
      { original_start: new Date('2025-04-07T07:00:00Z'), is_cancelled: false, starts_at: new Date('2025-04-08T07:00:00Z'), ends_at: new Date('2025-04-08T08:00:00Z') },
    ]);

    const meeting = await addAppointment(db, { ownerId: luca, startsAt: new Date('2025-05-05T12:00:00Z'), participants: [anna] });
    const mp = await db.query(`SELECT employee_id::text AS e, response FROM brokerstar.appointment_participant WHERE appointment_id = $1`, [meeting]);
    expect(mp.rows).toEqual([{ e: anna, response: 'needs_action' }]);

    // The day DST starts in Zurich has 23 hours: the exclusive end is the next local midnight.
    const holiday = await addAppointment(db, { ownerId: luca, subject: 'Ferien', startsAt: '2025-03-30', allDay: true, isPrivate: true });
    const h = await db.query(`SELECT starts_at, ends_at, all_day, is_private FROM brokerstar.appointment WHERE id = $1`, [holiday]);
    expect(h.rows[0]).toEqual({ starts_at: new Date('2025-03-29T23:00:00Z'), ends_at: new Date('2025-03-30T22:00:00Z'), all_day: true, is_private: true });
  });

  it('addShare lets a viewer see an owner; builders(db) binds every helper', async () => {
    expect(await addShare(db, anna, luca)).toBe(`${anna}:${luca}`);
    const b = builders(db);
    const chloe = await b.addEmployee({ username: 'chloe.dubois', language: 'fr' });
    await b.addShare(luca, chloe);
    const { rows } = await db.query(`SELECT owner_id::text AS o, viewer_id::text AS v FROM brokerstar.calendar_share ORDER BY owner_id, viewer_id`);
    expect(rows).toEqual([
      { o: anna, v: luca },
      { o: luca, v: chloe },
    ]);
  });
});
