// The demo-data generator: reproducible for a seed, every case present, photos decodable, recurrences exact.
import ICAL from 'ical.js';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERNAME, DemoDataError, generateDemoData, type DemoSummary } from '../../src/demo/generate.js';
import { FIRST_NAMES } from '../../src/demo/names.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Mid-March: the two years around it cross four DST changes in Europe/Zurich.
const NOW = new Date('2025-03-15T00:00:00Z');
const OPTIONS = { seed: 'test-seed', now: NOW };

const TABLES: Record<string, string> = {
  employee: 'id',
  contact: 'id',
  contact_phone: 'id',
  contact_email: 'id',
  contact_address: 'id',
  contact_category: 'contact_id, category',
  contact_restriction: 'contact_id, employee_id',
  contact_favorite: 'employee_id, contact_id',
  task: 'id',
  appointment: 'id',
  appointment_exception: 'appointment_id, original_start',
  appointment_participant: 'appointment_id, employee_id',
  calendar_share: 'owner_id, viewer_id',
};

async function dump(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    const { rows } = await db.query(`SELECT to_jsonb(t) AS row FROM brokerstar.${table} t ORDER BY ${order}`);
    out[table] = rows.map((r) => r.row);
  }
  const { rows } = await db.query(
    `SELECT contact_id, mime_type, md5(data) AS md5, updated_at FROM brokerstar.contact_photo ORDER BY contact_id`,
  );
  out.contact_photo = rows;
  return out;
}

// Europe/Zurich as clients send it, so ical.js expands rules in the zone independently of our code.
const ZURICH = `BEGIN:VTIMEZONE
TZID:Europe/Zurich
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE`;

describe('demo data generator', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let summary: DemoSummary;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    summary = await generateDemoData(a.pool, OPTIONS);
  });
  afterAll(async () => {
    await Promise.all([a?.drop(), b?.drop()]);
  });

  it('is reproducible: the same seed and now give identical rows in another database', async () => {
    await generateDemoData(b.pool, OPTIONS);
    const [first, second] = await Promise.all([dump(a), dump(b)]);
    for (const table of Object.keys(first)) {
      expect(second[table], table).toEqual(first[table]);
    }
    expect(first.appointment?.length).toBe(200);
  });

  it('has the default sizes, the demo login first and one inactive employee', async () => {
    expect(summary).toMatchObject({ employees: 8, contacts: 300, tasks: 120, appointments: 200, demoUsername: 'anna.meier' });
    const { rows } = await a.query(
      `SELECT (SELECT count(*)::int FROM brokerstar.employee) AS employees,
              (SELECT count(*)::int FROM brokerstar.contact) AS contacts,
              (SELECT count(*)::int FROM brokerstar.task) AS tasks,
              (SELECT count(*)::int FROM brokerstar.appointment) AS appointments`,
    );
    expect(rows[0]!).toEqual({ employees: 8, contacts: 300, tasks: 120, appointments: 200 });
    const staff = await a.query(`SELECT id, username, first_name, language, active, email FROM brokerstar.employee ORDER BY id`);
    expect(staff.rows[0]!).toMatchObject({ id: '1', username: DEMO_USERNAME, active: true });
    expect(staff.rows.filter((e) => !e.active)).toHaveLength(1);
    expect(new Set(staff.rows.map((e) => e.language.trim()))).toEqual(new Set(['de', 'fr', 'it', 'en']));
    expect(staff.rows.map((e) => e.username)).toContain('chloe.dubois');
    expect(staff.rows.some((e) => /[éü]/.test(e.first_name))).toBe(true);
    for (const e of staff.rows) {
      expect(e.username).toMatch(/^[a-z0-9.-]+$/);
      expect(e.email).toBe(`${e.username}@alpenblick-broker.example`);
    }
  });

  it('mixes persons and companies, restricted, archived and deleted contacts', async () => {
    const { rows } = await a.query(`
      SELECT count(*) FILTER (WHERE kind = 'company')::int AS companies,
             count(*) FILTER (WHERE kind = 'person')::int AS persons,
             count(*) FILTER (WHERE kind = 'person' AND company_name IS NOT NULL)::int AS employed,
             count(*) FILTER (WHERE kind = 'company' AND company_name IS NULL)::int AS nameless_companies,
             count(*) FILTER (WHERE kind = 'person' AND last_name IS NULL)::int AS nameless_persons,
             count(*) FILTER (WHERE is_archived)::int AS archived,
             count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
             count(*) FILTER (WHERE academic_title IS NOT NULL)::int AS titled,
             count(*) FILTER (WHERE birthday IS NOT NULL)::int AS birthdays,
             count(*) FILTER (WHERE notes LIKE '%' || chr(10) || '%')::int AS multiline_notes,
             count(*) FILTER (WHERE notes ~ '[,;]')::int AS punctuated_notes,
             count(*) FILTER (WHERE customer_no ~ '^K-0\\d{5}$')::int AS customer_nos,
             count(DISTINCT customer_no)::int AS distinct_customer_nos,
             count(*) FILTER (WHERE customer_no IS NOT NULL)::int AS with_customer_no,
             (SELECT count(DISTINCT contact_id)::int FROM brokerstar.contact_restriction) AS restricted,
             (SELECT count(*)::int FROM brokerstar.contact_favorite) AS favorites
      FROM brokerstar.contact`);
    const c = rows[0]!;
    expect(c.companies / 300).toBeGreaterThan(0.15);
    expect(c.companies / 300).toBeLessThan(0.4);
    expect(c.employed).toBeGreaterThan(10);
    expect(c.nameless_companies).toBe(0);
    expect(c.nameless_persons).toBe(0);
    expect(c.archived).toBeGreaterThan(0);
    expect(c.deleted).toBeGreaterThan(0);
    expect(c.restricted).toBeGreaterThan(0);
    expect(c.titled).toBeGreaterThan(0);
    expect(c.birthdays).toBeGreaterThan(100);
    expect(c.multiline_notes).toBeGreaterThan(0);
    expect(c.punctuated_notes).toBeGreaterThan(0);
    expect(c.customer_nos).toBe(c.with_customer_no);
    expect(c.distinct_customer_nos).toBe(c.with_customer_no);
    expect(c.favorites).toBeGreaterThan(0);

    const categories = await a.query(`SELECT DISTINCT category FROM brokerstar.contact_category ORDER BY 1`);
    expect(categories.rows.map((r) => r.category)).toEqual(['Interessent', 'Kunde', 'Partner', 'VIP', 'Versicherer']);

    const phones = await a.query(`
      SELECT contact_id, count(*) FILTER (WHERE is_primary)::int AS primaries FROM brokerstar.contact_phone GROUP BY contact_id`);
    expect(phones.rows.every((r) => r.primaries === 1)).toBe(true);
    const kinds = await a.query(`SELECT DISTINCT kind FROM brokerstar.contact_phone ORDER BY 1`);
    expect(kinds.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['fax', 'home', 'mobile', 'work']));
    const numbers = await a.query(`SELECT number FROM brokerstar.contact_phone`);
    expect(numbers.rows.filter((r) => /^\+41 \d{2} \d{3} \d{2} \d{2}$/.test(r.number)).length).toBeGreaterThan(numbers.rows.length / 2);

    const addresses = await a.query(`
      SELECT count(*) FILTER (WHERE street LIKE '%' || chr(10) || '%')::int AS multiline,
             count(*) FILTER (WHERE po_box IS NOT NULL)::int AS po_boxes,
             count(*) FILTER (WHERE country_code <> 'CH')::int AS foreign,
             count(*) FILTER (WHERE country_code = 'CH' AND postal_code !~ '^\\d{4}$')::int AS bad_postal_codes
      FROM brokerstar.contact_address`);
    expect(addresses.rows[0]!).toMatchObject({ bad_postal_codes: 0 });
    expect(addresses.rows[0]!.multiline).toBeGreaterThan(0);
    expect(addresses.rows[0]!.po_boxes).toBeGreaterThan(0);
    expect(addresses.rows[0]!.foreign).toBeGreaterThan(0);
    const zurich = await a.query(`SELECT DISTINCT region FROM brokerstar.contact_address WHERE city = 'Zürich'`);
    expect(zurich.rows.map((r) => r.region)).toEqual(['ZH']);
  });

  it('stores about 10% photos as decodable JPEG images, and a PNG', async () => {
    const { rows } = await a.query<{ contact_id: string; mime_type: string; data: Buffer }>(
      `SELECT contact_id, mime_type, data FROM brokerstar.contact_photo ORDER BY contact_id`,
    );
    expect(rows).toHaveLength(30);
    expect(summary.photos).toBe(30);
    const mimes = new Set(rows.map((r) => r.mime_type));
    expect(mimes).toEqual(new Set(['image/jpeg', 'image/png']));
    for (const r of rows) {
      const meta = await sharp(r.data).metadata();
      expect(meta.format).toBe(r.mime_type === 'image/png' ? 'png' : 'jpeg');
      expect(meta.width).toBeGreaterThanOrEqual(400);
      expect(meta.width).toBeLessThanOrEqual(600); // small: what a phone camera crop would be
      expect(r.data.length).toBeLessThan(200 * 1024);
    }
  });

  it('shares calendars between colleagues, and names contacts in the languages of the country', async () => {
    const { rows: shares } = await a.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE owner_id = viewer_id)::int AS own FROM brokerstar.calendar_share`,
    );
    expect(shares[0]!.n).toBeGreaterThan(0);
    expect(shares[0]!.own).toBe(0);
    const { rows: names } = await a.query<{ first_name: string }>(`SELECT DISTINCT first_name FROM brokerstar.contact WHERE first_name IS NOT NULL`);
    const first = new Set(names.map((r) => r.first_name));
    const french = FIRST_NAMES.fr.female.concat(FIRST_NAMES.fr.male).filter((n) => first.has(n));
    const italian = FIRST_NAMES.it.female.concat(FIRST_NAMES.it.male).filter((n) => first.has(n));
    const german = FIRST_NAMES.de.female.concat(FIRST_NAMES.de.male).filter((n) => first.has(n));
    expect(french.length, 'French first names').toBeGreaterThan(2);
    expect(italian.length, 'Italian first names').toBeGreaterThan(2);
    expect(german.length, 'German first names').toBeGreaterThan(2);
  });

  it('has tasks in every status with consistent percent complete and completion', async () => {
    const { rows } = await a.query(`
      SELECT status, count(*)::int AS n,
             bool_and(CASE status WHEN 'done' THEN percent_complete = 100 AND completed_at IS NOT NULL
                                  WHEN 'open' THEN percent_complete = 0 AND completed_at IS NULL
                                  ELSE percent_complete < 100 AND completed_at IS NULL END) AS consistent,
             bool_and(completed_at IS NULL OR completed_at <= $1) AS completed_in_past,
             bool_and(starts_on IS NULL OR due_at IS NULL OR starts_on <= (due_at AT TIME ZONE 'Europe/Zurich')::date) AS starts_before_due
      FROM brokerstar.task GROUP BY status ORDER BY status`,
      [NOW],
    );
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'done', 'in_progress', 'open', 'waiting']);
    for (const r of rows) expect(r, r.status).toMatchObject({ consistent: true, completed_in_past: true, starts_before_due: true });
    const mix = await a.query(`
      SELECT count(DISTINCT priority)::int AS priorities,
             count(*) FILTER (WHERE due_at IS NULL)::int AS undated,
             count(*) FILTER (WHERE contact_id IS NOT NULL)::int AS with_contact,
             count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
             count(*) FILTER (WHERE char_length(subject) >= 140)::int AS long_subjects,
             max(char_length(subject))::int AS longest
      FROM brokerstar.task`);
    expect(mix.rows[0]!.priorities).toBe(3);
    expect(mix.rows[0]!.undated).toBeGreaterThan(0);
    expect(mix.rows[0]!.with_contact).toBeGreaterThan(60);
    expect(mix.rows[0]!.deleted).toBeGreaterThan(0);
    expect(mix.rows[0]!.long_subjects).toBeGreaterThan(0);
    expect(mix.rows[0]!.longest).toBeLessThanOrEqual(150);
    const french = await a.query(`
      SELECT t.subject FROM brokerstar.task t JOIN brokerstar.employee e ON e.id = t.assignee_id WHERE e.language = 'fr'`);
    expect(french.rows.length).toBeGreaterThan(0);
  });

  it('has every kind of appointment, spread around now', async () => {
    const { rows } = await a.query(`
      SELECT count(*) FILTER (WHERE is_private)::int AS private,
             count(*) FILTER (WHERE all_day AND ends_at - starts_at <= interval '25 hours')::int AS all_day_single,
             count(*) FILTER (WHERE all_day AND ends_at - starts_at > interval '25 hours')::int AS all_day_multi,
             count(*) FILTER (WHERE recurrence_rule IS NOT NULL)::int AS recurring,
             count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
             count(*) FILTER (WHERE status = 'tentative')::int AS tentative,
             count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
             count(*) FILTER (WHERE time_zone <> 'Europe/Zurich')::int AS other_zones,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id))::int AS with_participants,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM brokerstar.appointment_exception x WHERE x.appointment_id = a.id))::int AS with_exceptions,
             count(*) FILTER (WHERE starts_at < $1)::int AS past,
             count(*) FILTER (WHERE starts_at > $1)::int AS future,
             min(starts_at) > $1::timestamptz - interval '367 days' AS not_too_old,
             max(starts_at) < $1::timestamptz + interval '367 days' AS not_too_far,
             max(char_length(subject))::int AS longest_subject,
             max(char_length(location))::int AS longest_location,
             count(DISTINCT owner_id)::int AS owners,
             bool_and(ends_at >= starts_at) AS ordered
      FROM brokerstar.appointment a`,
      [NOW],
    );
    const r = rows[0]!;
    for (const key of ['private', 'all_day_single', 'all_day_multi', 'recurring', 'cancelled', 'tentative', 'deleted', 'other_zones', 'with_participants', 'with_exceptions']) {
      expect(r[key], key).toBeGreaterThan(0);
    }
    expect(r.past).toBeGreaterThan(50);
    expect(r.future).toBeGreaterThan(50);
    expect(r).toMatchObject({ not_too_old: true, not_too_far: true, longest_subject: 150, ordered: true });
    expect(r.longest_location).toBeGreaterThanOrEqual(140);
    expect(r.longest_location).toBeLessThanOrEqual(150);
    expect(r.owners).toBeGreaterThan(4);

    const rules = await a.query(`SELECT DISTINCT split_part(recurrence_rule, ';', 1) AS freq FROM brokerstar.appointment WHERE recurrence_rule IS NOT NULL`);
    expect(rules.rows.map((x) => x.freq).sort()).toEqual(['FREQ=DAILY', 'FREQ=MONTHLY', 'FREQ=WEEKLY', 'FREQ=YEARLY']);
    const shapes = await a.query(`SELECT recurrence_rule FROM brokerstar.appointment WHERE recurrence_rule IS NOT NULL`);
    const texts = shapes.rows.map((x) => x.recurrence_rule as string);
    expect(texts.some((t) => /COUNT=\d+/.test(t))).toBe(true);
    expect(texts.some((t) => /UNTIL=\d{8}T\d{6}Z/.test(t))).toBe(true);
    expect(texts.some((t) => /INTERVAL=\d/.test(t))).toBe(true);
    expect(texts.some((t) => /BYMONTHDAY=\d+/.test(t))).toBe(true);

    // All-day: local midnights in the appointment's zone, the end exclusive.
    const allDay = await a.query(`
      SELECT bool_and((starts_at AT TIME ZONE time_zone)::time = '00:00' AND (ends_at AT TIME ZONE time_zone)::time = '00:00'
                      AND ends_at > starts_at) AS midnights
      FROM brokerstar.appointment WHERE all_day`);
    expect(allDay.rows[0]!.midnights).toBe(true);

    const exceptions = await a.query(`
      SELECT count(*) FILTER (WHERE is_cancelled AND starts_at IS NULL AND ends_at IS NULL)::int AS cancelled,
             count(*) FILTER (WHERE NOT is_cancelled AND starts_at IS NOT NULL AND ends_at > starts_at)::int AS moved,
             count(*)::int AS total
      FROM brokerstar.appointment_exception`);
    expect(exceptions.rows[0]!.cancelled).toBeGreaterThan(0);
    expect(exceptions.rows[0]!.moved).toBeGreaterThan(0);
    expect(exceptions.rows[0]!.cancelled + exceptions.rows[0]!.moved).toBe(exceptions.rows[0]!.total);

    const responses = await a.query(`SELECT DISTINCT response FROM brokerstar.appointment_participant`);
    expect(responses.rows.length).toBeGreaterThanOrEqual(3);
    const privateWithParticipants = await a.query(`
      SELECT count(*)::int AS n FROM brokerstar.appointment a JOIN brokerstar.appointment_participant p ON p.appointment_id = a.id WHERE a.is_private`);
    expect(privateWithParticipants.rows[0]!.n).toBe(0);
    const ownParticipation = await a.query(`
      SELECT count(*)::int AS n FROM brokerstar.appointment a JOIN brokerstar.appointment_participant p ON p.appointment_id = a.id AND p.employee_id = a.owner_id`);
    expect(ownParticipation.rows[0]!.n).toBe(0);
  });

  it("puts every exception on a real occurrence of its series (expanded by ical.js in the series' zone)", async () => {
    ICAL.TimezoneService.register(new ICAL.Component(ICAL.parse(ZURICH)));
    const { rows } = await a.query(`
      SELECT a.id, a.recurrence_rule, a.all_day, a.time_zone,
             to_char(a.starts_at AT TIME ZONE a.time_zone, 'YYYYMMDD"T"HH24MISS') AS dtstart,
             array_agg(to_char(x.original_start AT TIME ZONE a.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS') ORDER BY x.original_start) AS originals
      FROM brokerstar.appointment a JOIN brokerstar.appointment_exception x ON x.appointment_id = a.id
      GROUP BY a.id ORDER BY a.id`);
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) {
      expect(r.time_zone).toBe('Europe/Zurich');
      const dtstart = r.all_day ? `DTSTART;VALUE=DATE:${r.dtstart.slice(0, 8)}` : `DTSTART;TZID=Europe/Zurich:${r.dtstart}`;
      const ics = `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${r.id}\r\n${dtstart}\r\nRRULE:${r.recurrence_rule}\r\nEND:VEVENT\r\nEND:VCALENDAR`;
      const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
      const last = r.originals[r.originals.length - 1] as string;
      const seen = new Set<string>();
      const it = event.iterator();
      for (let next = it.next(); next && seen.size < 2000; next = it.next()) {
        const local = r.all_day ? `${next.toString()}T00:00:00` : next.toString();
        seen.add(local);
        if (local > last) break;
      }
      for (const original of r.originals as string[]) {
        expect(seen.has(original), `appointment ${r.id} ${r.recurrence_rule} from ${r.dtstart}: ${original}`).toBe(true);
      }
    }
  });

  it('leaves the identity sequences past the generated ids', async () => {
    const { rows } = await a.query(
      `INSERT INTO brokerstar.employee (username, first_name, last_name, email) VALUES ('new.hire', 'New', 'Hire', 'new@x.ch') RETURNING id`,
    );
    expect(rows[0]!.id).toBe('9');
    await a.query(`DELETE FROM brokerstar.employee WHERE id = 9`);
    const c = await a.query(`INSERT INTO brokerstar.contact (kind, last_name) VALUES ('person', 'Neu') RETURNING id`);
    expect(c.rows[0]!.id).toBe('301');
    await a.query(`DELETE FROM brokerstar.contact WHERE id = 301`);
  });

  it('refuses to run on a database that already has BrokerStar data', async () => {
    const err = await generateDemoData(a.pool, OPTIONS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoDataError);
    expect((err as DemoDataError).code).toBe('not-empty');
    const { rows } = await a.query(`SELECT count(*)::int AS n FROM brokerstar.employee`);
    expect(rows[0]!.n).toBe(8);
  });

  it('rejects bad options with a clear message', async () => {
    await expect(generateDemoData(b.pool, { contacts: -1 })).rejects.toThrow(/contacts must be a whole number/);
    await expect(generateDemoData(b.pool, { photoFraction: 2 })).rejects.toThrow(/photoFraction must be a number between 0 and 1/);
    await expect(generateDemoData(b.pool, { focusUser: 'nobody' })).rejects.toThrow(/focusUser 'nobody' is not one of/);
  });
});

describe('demo data at scale', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('generates 3,000 contacts and 3,000 appointments, most of them for a focus employee', async () => {
    const phases = new Set<string>();
    let last = 0;
    let lastTotal = 0;
    const s = await generateDemoData(
      db.pool,
      { seed: 'scale', now: NOW, contacts: 3000, appointments: 3000, tasks: 600, employees: 12, photoFraction: 0.02, focusUser: 'luca.rossi', focusShare: 0.8 },
      (done, total, phase) => {
        expect(done).toBeGreaterThanOrEqual(last);
        phases.add(phase);
        last = done;
        lastTotal = total;
      },
    );
    expect(last).toBe(lastTotal);
    expect([...phases]).toEqual(['employees', 'contacts', 'photos', 'tasks', 'appointments', 'shares']);
    expect(s).toMatchObject({ contacts: 3000, appointments: 3000, tasks: 600, employees: 12, photos: 60 });
    const { rows } = await db.query(`
      SELECT (SELECT count(*)::int FROM brokerstar.contact) AS contacts,
             (SELECT count(*)::int FROM brokerstar.appointment) AS appointments,
             (SELECT count(*)::int FROM brokerstar.task) AS tasks,
             (SELECT count(*)::int FROM brokerstar.employee) AS employees,
             (SELECT count(*)::int FROM brokerstar.contact_photo) AS photos,
             (SELECT count(*)::int FROM brokerstar.appointment a JOIN brokerstar.employee e ON e.id = a.owner_id WHERE e.username = 'luca.rossi') AS focus_appointments,
             (SELECT count(*)::int FROM brokerstar.appointment WHERE recurrence_rule IS NOT NULL) AS recurring,
             (SELECT count(DISTINCT username)::int FROM brokerstar.employee) AS usernames`);
    expect(rows[0]!).toMatchObject({ contacts: 3000, appointments: 3000, tasks: 600, employees: 12, photos: 60, usernames: 12 });
    expect(rows[0]!.focus_appointments).toBeGreaterThan(2300);
    expect(rows[0]!.recurring).toBeGreaterThan(200);
    expect(rows[0]!.recurring).toBeLessThan(420);
  });
});

describe('demo data edge sizes', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db?.drop());

  it('makes a one-person firm with nothing else', async () => {
    const s = await generateDemoData(db.pool, { seed: 'tiny', now: NOW, employees: 1, contacts: 0, tasks: 0, appointments: 0 });
    expect(s).toMatchObject({ employees: 1, activeEmployees: 1, contacts: 0, tasks: 0, appointments: 0, shares: 0, photos: 0 });
    const { rows } = await db.query(`SELECT username, active FROM brokerstar.employee`);
    expect(rows).toEqual([{ username: DEMO_USERNAME, active: true }]);
  });

  it('makes a small firm with fewer appointments than the showcase list', async () => {
    const s = await generateDemoData(db.pool, { seed: 'small', now: NOW, employees: 2, contacts: 5, tasks: 3, appointments: 5 });
    expect(s).toMatchObject({ employees: 2, activeEmployees: 1, contacts: 5, tasks: 3, appointments: 5 });
  });

  it('stores large photos of 1-3 MB: one rendered image reused, each copy a distinct file that decodes the same', async () => {
    await generateDemoData(db.pool, { seed: 'large', now: NOW, contacts: 20, tasks: 0, appointments: 0, photoFraction: 0.1, largePhotos: true, largePhotoVariants: 1 });
    const { rows } = await db.query<{ mime_type: string; data: Buffer }>(`SELECT mime_type, data FROM brokerstar.contact_photo ORDER BY contact_id`);
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [{ mime_type: string; data: Buffer }, { mime_type: string; data: Buffer }];
    expect(first.data.equals(second.data)).toBe(false);
    for (const r of rows) {
      expect(r.mime_type).toBe('image/jpeg');
      expect(r.data.length).toBeGreaterThan(1_000_000);
      expect(r.data.length).toBeLessThan(3_000_000);
      const meta = await sharp(r.data).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeGreaterThanOrEqual(2000);
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(3000);
    }
    const [a, b] = await Promise.all(rows.map((r) => sharp(r.data).raw().toBuffer()));
    expect(a!.equals(b!)).toBe(true);
  });
});
