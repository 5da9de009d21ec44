// fast-check arbitraries for random but schema-valid BrokerStar rows (contacts with their child
// tables, tasks, appointments with exceptions and participants), the kind of data users type and
// imports leave behind: hostile recurrence rules and time zones, dates at the types' limits, empty,
// huge and control-character texts. Values go to PostgreSQL as text with casts, so 'infinity' and
// BC dates arrive exactly as BrokerStar would store them.
import fc from 'fast-check';
import type pg from 'pg';

// ---------------------------------------------------------------- texts

/** PostgreSQL text cannot hold NUL; everything else can. */
const storable = (s: string) => s.replace(/\0/g, '');

/** At most n characters as PostgreSQL counts them (code points; a cut surrogate pair arrives as U+FFFD). */
const chars = (n: number) => (s: string) => [...s].slice(0, n).join('');

const CONTROL = fc.integer({ min: 1, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));

// Characters that break naive escaping, folding or encoding in vCard, iCalendar and XML.
const ODD = fc.constantFrom(
  '\u2028', '\u2029', '\ufeff', '\u202e', '\u200b', '\u0301', '\ufffd', '\uffff',
  '\ud800', '\udfff', '\udbff\udfff', '👨‍👩‍👧', '𝔘𝔫𝔦', 'ß', 'İ', 'Ⅻ',
  '\\', '\\n', '\\,', ';', ',', ':', '"', "'", '<', '>', '&', ']]>', '&#0;', '\r', '\n', '\r\n', '\t', ' ',
  '\r\nEND:VCALENDAR\r\n', '\nBEGIN:VEVENT\n', 'END:VCARD', '=?utf-8?q?x?=', '%00', '../', 'PHOTO;ENCODING=b:',
);

const piece = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  CONTROL,
  ODD,
);

/** About 100 KB: one long line, or many short ones. */
const HUGE = fc
  .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }), fc.constantFrom('', '\n', '\r\n', ' '))
  .map(([s, sep]) => (s + sep).repeat(Math.ceil(102_400 / (s.length + sep.length))).slice(0, 102_400));

/** Any text BrokerStar could hold: empty, odd, control characters, or huge (when `huge`). */
export function hostileText(opts: { max?: number; huge?: boolean } = {}): fc.Arbitrary<string> {
  const parts = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));
  const text = opts.huge
    ? fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 8, arbitrary: parts }, { weight: 1, arbitrary: HUGE })
    : fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 8, arbitrary: parts });
  return text.map(storable).map(opts.max ? chars(opts.max) : (s) => s);
}

const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 3 });

// ---------------------------------------------------------------- time

const DAY = 86_400_000;

/** A timestamptz literal: near today mostly (inside the instance window), else at the type's limits. */
export const instant: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -500 * 24 * 60, max: 900 * 24 * 60 }).map((min) => new Date(Math.floor(Date.now() / DAY) * DAY + min * 60_000).toISOString()) },
  { weight: 2, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'infinity', '-infinity', '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00 BC', '4713-01-01 00:00:00+00 BC',
      '9999-12-31 23:59:59.999999+00', '1970-01-01 00:00:00+00', '2038-01-19 03:14:08+00', '275760-09-13 00:00:00+00',
      '294276-12-31 23:59:59+00', '2026-03-29 02:30:00 Europe/Zurich', '2026-10-25 02:30:00 Europe/Zurich',
    ),
  },
);

/** A date literal, likewise. */
export const dateOnly: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 1, arbitrary: fc.constantFrom('infinity', '-infinity', '0001-01-01', '4713-01-01 BC', '9999-12-31', '5874897-12-31', '2000-02-29', '1900-02-28') },
);

export const timeZone: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'Europe/Zurich', 'UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham',
      'Pacific/Kiritimati', 'Etc/GMT+12', 'Etc/GMT-14', 'America/Sao_Paulo', 'Africa/Casablanca', 'Antarctica/Troll',
      '', ' ', 'garbage', 'Europe/Nowhere', 'europe/zurich', 'W. Europe Standard Time', '(UTC+01:00) Amsterdam, Berlin, Bern',
      '+02:00', 'CET', 'EST5EDT', 'Europe/Zurich\n', '/etc/passwd', '../../../../tmp', 'Europe/Zurich;X=1',
    ),
  },
  { weight: 1, arbitrary: hostileText({ max: 300 }) },
);

// ---------------------------------------------------------------- recurrence rules

// Rules users type and imports carry: valid, garbage, never matching, too dense, unbounded.
const NAMED_RULES = [
  'FREQ=WEEKLY;BYDAY=MO;COUNT=10', 'FREQ=DAILY', 'FREQ=MONTHLY;BYMONTHDAY=-1', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=5',
  'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31', 'FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31',
  'FREQ=SECONDLY', 'FREQ=MINUTELY', 'FREQ=SECONDLY;COUNT=1000000', 'FREQ=MINUTELY;INTERVAL=1;BYSECOND=0,1,2,3,4,5',
  'FREQ=DAILY;COUNT=2147483647', 'FREQ=DAILY;COUNT=99999999999999999999', 'FREQ=HOURLY;COUNT=100000',
  'FREQ=WEEKLY;UNTIL=19700101T000000Z', 'FREQ=DAILY;UNTIL=00010101', 'FREQ=DAILY;UNTIL=99991231T235959Z',
  'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-366', 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=0', 'FREQ=YEARLY;BYSETPOS=367;BYDAY=SU',
  'FREQ=MONTHLY;BYDAY=1MO,-1FR;BYSETPOS=2,-2,40', 'FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO', 'FREQ=YEARLY;BYYEARDAY=366',
  'FREQ=YEARLY;BYYEARDAY=-366;BYMONTH=2', 'FREQ=DAILY;INTERVAL=0', 'FREQ=DAILY;INTERVAL=-1', 'FREQ=YEARLY;INTERVAL=10000;COUNT=3',
  'FREQ=WEEKLY;BYDAY=XX', 'RRULE:FREQ=DAILY;COUNT=3', 'rrule:freq=daily;count=2', 'jeden Montag', '', '   ', ';;;', 'FREQ=',
  'FREQ=DAILY;COUNT=3;COUNT=4', 'FREQ=HOURLY;BYHOUR=25', 'FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,15,30,45;BYSECOND=0,1,2',
  'FREQ=WEEKLY;WKST=XX;BYDAY=MO', 'FREQ=DAILY;UNTIL=garbage', 'FREQ=DAILY;COUNT=-1', 'FREQ=MONTHLY;BYMONTHDAY=0',
  'FREQ=YEARLY;BYMONTH=13', 'FREQ=DAILY;UNTIL=20200101T000000Z;COUNT=5', 'FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT',
];

const RULE_PART = fc.oneof(
  fc.constantFrom('SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'FORTNIGHTLY', '').map((f) => `FREQ=${f}`),
  fc.constantFrom('0', '1', '2', '-1', '1000000000', 'x').map((n) => `INTERVAL=${n}`),
  fc.constantFrom('0', '1', '3', '1000000', '2147483648', '1e18', '-5').map((n) => `COUNT=${n}`),
  fc.constantFrom('19700101T000000Z', '00010101', '99991231', '20261231T235959Z', 'never').map((u) => `UNTIL=${u}`),
  fc.constantFrom('-366', '0', '1', '-1', '367', '1000000000').map((n) => `BYSETPOS=${n}`),
  fc.constantFrom('MO', 'MO,TU,WE,TH,FR,SA,SU', '1MO', '-1SU', '53MO', '+5FR', 'XX', '').map((d) => `BYDAY=${d}`),
  fc.constantFrom('0', '2', '12', '13', '1,2,3,4,5,6,7,8,9,10,11,12').map((m) => `BYMONTH=${m}`),
  fc.constantFrom('30', '31', '-31', '0', '32', '29').map((d) => `BYMONTHDAY=${d}`),
  fc.constantFrom('366', '-366', '0', '400').map((d) => `BYYEARDAY=${d}`),
  fc.constantFrom('53', '-53', '0', '54').map((w) => `BYWEEKNO=${w}`),
  fc.constantFrom('0', '23', '24', '25').map((h) => `BYHOUR=${h}`),
  fc.constantFrom('0', '59', '60').map((m) => `BYMINUTE=${m}`),
  fc.constantFrom('0', '60', '61').map((s) => `BYSECOND=${s}`),
  fc.constantFrom('MO', 'SU', 'XX').map((w) => `WKST=${w}`),
  hostileText({ max: 40 }),
);

export const recurrenceRule: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.constantFrom(...NAMED_RULES) },
  { weight: 3, arbitrary: fc.array(RULE_PART, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(';')) },
  { weight: 1, arbitrary: hostileText({ huge: true }) },
);

// ---------------------------------------------------------------- rows

export type FuzzPhoto = 'png' | 'garbage-jpeg' | 'empty' | 'truncated-png' | 'huge-dimensions-png';

export interface ContactRow {
  readonly kind: 'person' | 'company';
  readonly texts: Record<(typeof CONTACT_TEXTS)[number], string | null>;
  readonly birthday: string | null;
  readonly archived: boolean;
  readonly updatedAt: string;
  readonly phones: readonly { kind: string; number: string; primary: boolean }[];
  readonly emails: readonly { kind: string; address: string; primary: boolean }[];
  readonly addresses: readonly { kind: string; fields: Record<(typeof ADDRESS_TEXTS)[number], string | null>; countryCode: string | null }[];
  readonly categories: readonly string[];
  readonly photo: FuzzPhoto | null;
  /** Employee keys (indexes into the fixed employees). */
  readonly restrictedTo: readonly number[];
  readonly favoriteOf: readonly number[];
}

const CONTACT_TEXTS = ['customer_no', 'salutation', 'academic_title', 'first_name', 'last_name', 'company_name', 'department', 'job_title', 'website', 'notes'] as const;
const ADDRESS_TEXTS = ['street', 'po_box', 'postal_code', 'city', 'region'] as const;

const textRecord = <K extends string>(keys: readonly K[], huge: readonly K[]): fc.Arbitrary<Record<K, string | null>> =>
  fc.record(Object.fromEntries(keys.map((k) => [k, nullable(hostileText({ huge: huge.includes(k) }))]))) as unknown as fc.Arbitrary<Record<K, string | null>>;

const employeeIndexes = (n: number) => fc.subarray([...Array(n).keys()]);

export const contactRow = (employees: number): fc.Arbitrary<ContactRow> =>
  fc.record({
    kind: fc.constantFrom('person' as const, 'company' as const),
    texts: textRecord(CONTACT_TEXTS, ['notes']),
    birthday: nullable(dateOnly),
    archived: fc.boolean(),
    updatedAt: instant,
    phones: fc.array(fc.record({ kind: fc.constantFrom('work', 'home', 'mobile', 'fax', 'other'), number: hostileText({ huge: true }), primary: fc.boolean() }), { maxLength: 3 }),
    emails: fc.array(fc.record({ kind: fc.constantFrom('work', 'home', 'other'), address: hostileText(), primary: fc.boolean() }), { maxLength: 3 }),
    addresses: fc.array(
      fc.record({
        kind: fc.constantFrom('work', 'home', 'postal', 'other'),
        fields: textRecord(ADDRESS_TEXTS, ['street']),
        countryCode: nullable(fc.oneof(fc.constantFrom('CH', 'DE', 'XX', '  ', '\n\t'), hostileText({ max: 2 }))),
      }),
      { maxLength: 2 },
    ),
    categories: fc.uniqueArray(hostileText({ max: 200 }), { maxLength: 3 }),
    photo: nullable(fc.constantFrom<FuzzPhoto>('png', 'garbage-jpeg', 'empty', 'truncated-png', 'huge-dimensions-png')),
    restrictedTo: employeeIndexes(employees),
    favoriteOf: employeeIndexes(employees),
  });

export interface TaskRow {
  readonly subject: string;
  readonly description: string | null;
  /** Employee keys. */
  readonly assignee: number;
  readonly createdBy: number | null;
  /** Index into the batch's contacts (modulo), or null. */
  readonly contact: number | null;
  readonly status: 'open' | 'in_progress' | 'waiting' | 'done' | 'cancelled';
  readonly priority: 1 | 2 | 3;
  readonly percentComplete: number;
  readonly startsOn: string | null;
  readonly dueAt: string | null;
  readonly completedAt: string | null;
  readonly createdAt: string;
}

export const taskRow = (employees: number, owners: number): fc.Arbitrary<TaskRow> =>
  fc.record({
    subject: hostileText({ max: 150 }),
    description: nullable(hostileText({ huge: true })),
    assignee: fc.nat(owners - 1),
    createdBy: nullable(fc.nat(employees - 1)),
    contact: nullable(fc.nat(5)),
    status: fc.constantFrom('open' as const, 'in_progress' as const, 'waiting' as const, 'done' as const, 'cancelled' as const),
    priority: fc.constantFrom(1 as const, 2 as const, 3 as const),
    percentComplete: fc.integer({ min: 0, max: 100 }),
    startsOn: nullable(dateOnly),
    dueAt: nullable(instant),
    completedAt: nullable(instant),
    createdAt: instant,
  });

export interface AppointmentRow {
  readonly subject: string;
  readonly location: string | null;
  readonly description: string | null;
  readonly owner: number;
  readonly contact: number | null;
  readonly startsAt: string;
  /** Stored as greatest(start, end): the table's CHECK (ends_at >= starts_at). */
  readonly endsAt: string;
  readonly allDay: boolean;
  readonly timeZone: string;
  readonly recurrenceRule: string | null;
  readonly isPrivate: boolean;
  readonly status: 'confirmed' | 'tentative' | 'cancelled';
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Start after end allowed here: the exception table has no CHECK. */
  readonly exceptions: readonly { originalStart: string; cancelled: boolean; startsAt: string | null; endsAt: string | null }[];
  readonly participants: readonly { employee: number; response: 'needs_action' | 'accepted' | 'declined' | 'tentative' }[];
}

export const appointmentRow = (employees: number, owners: number): fc.Arbitrary<AppointmentRow> =>
  fc.record({
    subject: hostileText({ max: 150 }),
    location: nullable(hostileText({ max: 150 })),
    description: nullable(hostileText({ huge: true })),
    owner: fc.nat(owners - 1),
    contact: nullable(fc.nat(5)),
    startsAt: instant,
    endsAt: instant,
    allDay: fc.boolean(),
    timeZone,
    recurrenceRule,
    isPrivate: fc.boolean(),
    status: fc.constantFrom('confirmed' as const, 'tentative' as const, 'cancelled' as const),
    createdAt: instant,
    updatedAt: instant,
    exceptions: fc.array(fc.record({ originalStart: instant, cancelled: fc.boolean(), startsAt: nullable(instant), endsAt: nullable(instant) }), { maxLength: 3 }),
    participants: fc.uniqueArray(
      fc.record({ employee: fc.nat(employees - 1), response: fc.constantFrom('needs_action' as const, 'accepted' as const, 'declined' as const, 'tentative' as const) }),
      { maxLength: employees, selector: (p) => p.employee },
    ),
  });

/** Fields of an existing employee BrokerStar may rewrite: names, e-mail, language, zone. */
export interface EmployeeChange {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly language: 'de' | 'fr' | 'it' | 'en';
  readonly timeZone: string;
}

export const employeeChange: fc.Arbitrary<EmployeeChange> = fc.record({
  firstName: hostileText({ huge: true }),
  lastName: hostileText(),
  email: hostileText(),
  language: fc.constantFrom('de' as const, 'fr' as const, 'it' as const, 'en' as const),
  timeZone,
});

export interface RowBatch {
  readonly contacts: readonly ContactRow[];
  readonly tasks: readonly TaskRow[];
  readonly appointments: readonly AppointmentRow[];
  /** Per employee key: a rewrite of that employee for this batch, or null. */
  readonly employeeChanges: readonly (EmployeeChange | null)[];
}

/** `employees` fixed employees, the first `owners` of them own tasks and appointments. */
export const rowBatch = (employees: number, owners: number): fc.Arbitrary<RowBatch> =>
  fc.record({
    contacts: fc.array(contactRow(employees), { maxLength: 3 }),
    tasks: fc.array(taskRow(employees, owners), { maxLength: 3 }),
    appointments: fc.array(appointmentRow(employees, owners), { minLength: 1, maxLength: 4 }),
    employeeChanges: fc.array(fc.option(employeeChange, { nil: null, freq: 4 }), { minLength: employees, maxLength: employees }),
  });

// ---------------------------------------------------------------- writing

export interface WrittenBatch {
  readonly contacts: readonly string[];
  readonly tasks: readonly string[];
  readonly appointments: readonly string[];
}

// A 1x1 PNG, the same PNG cut short, and one whose header claims 100,000 x 100,000 pixels.
const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
function photoBytes(kind: FuzzPhoto): { mime: string; data: Buffer } {
  switch (kind) {
    case 'png':
      return { mime: 'image/png', data: PNG_1x1 };
    case 'garbage-jpeg':
      return { mime: 'image/jpeg', data: Buffer.from('\xff\xd8\xff\xe0 not really a JPEG', 'latin1') };
    case 'empty':
      return { mime: 'image/jpeg', data: Buffer.alloc(0) };
    case 'truncated-png':
      return { mime: 'image/png', data: PNG_1x1.subarray(0, 40) };
    case 'huge-dimensions-png': {
      const data = Buffer.from(PNG_1x1);
      data.writeUInt32BE(100_000, 16);
      data.writeUInt32BE(100_000, 20);
      return { mime: 'image/png', data };
    }
  }
}

async function insertId(c: pg.ClientBase, table: string, values: Record<string, [unknown, string]>): Promise<string> {
  const entries = Object.entries(values);
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO brokerstar.${table} (${entries.map(([k]) => k).join(', ')})
     VALUES (${entries.map(([, [, type]], i) => `$${i + 1}::${type}`).join(', ')}) RETURNING id::text AS id`,
    entries.map(([, [v]]) => v),
  );
  return rows[0]!.id;
}

/**
 * Writes a batch the way BrokerStar does (one transaction, as the triggers see it), the employee
 * keys resolved through `employeeIds`. Returns the ids per kind.
 */
export async function writeBatch(c: pg.ClientBase, batch: RowBatch, employeeIds: readonly string[]): Promise<WrittenBatch> {
  const emp = (k: number) => employeeIds[k]!;
  const contacts: string[] = [];
  for (const r of batch.contacts) {
    const texts = Object.fromEntries(Object.entries(r.texts).map(([k, v]) => [k, [v, 'text']])) as Record<string, [unknown, string]>;
    const id = await insertId(c, 'contact', {
      kind: [r.kind, 'text'],
      ...texts,
      birthday: [r.birthday, 'date'],
      is_archived: [r.archived, 'boolean'],
      updated_at: [r.updatedAt, 'timestamptz'],
    });
    contacts.push(id);
    for (const [position, p] of r.phones.entries()) {
      await c.query('INSERT INTO brokerstar.contact_phone (contact_id, kind, number, is_primary, position) VALUES ($1, $2, $3, $4, $5)', [id, p.kind, p.number, p.primary, position]);
    }
    for (const [position, e] of r.emails.entries()) {
      await c.query('INSERT INTO brokerstar.contact_email (contact_id, kind, address, is_primary, position) VALUES ($1, $2, $3, $4, $5)', [id, e.kind, e.address, e.primary, position]);
    }
    for (const [position, a] of r.addresses.entries()) {
      await c.query(
        `INSERT INTO brokerstar.contact_address (contact_id, kind, street, po_box, postal_code, city, region, country_code, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, a.kind, a.fields.street, a.fields.po_box, a.fields.postal_code, a.fields.city, a.fields.region, a.countryCode, position],
      );
    }
    for (const category of r.categories) await c.query('INSERT INTO brokerstar.contact_category (contact_id, category) VALUES ($1, $2)', [id, category]);
    if (r.photo) {
      const { mime, data } = photoBytes(r.photo);
      await c.query('INSERT INTO brokerstar.contact_photo (contact_id, mime_type, data) VALUES ($1, $2, $3)', [id, mime, data]);
    }
    for (const k of r.restrictedTo) await c.query('INSERT INTO brokerstar.contact_restriction (contact_id, employee_id) VALUES ($1, $2)', [id, emp(k)]);
    for (const k of r.favoriteOf) await c.query('INSERT INTO brokerstar.contact_favorite (employee_id, contact_id) VALUES ($1, $2)', [emp(k), id]);
  }
  const contactOf = (i: number | null) => (i === null || contacts.length === 0 ? null : contacts[i % contacts.length]!);
  const tasks: string[] = [];
  for (const t of batch.tasks) {
    tasks.push(
      await insertId(c, 'task', {
        subject: [t.subject, 'text'],
        description: [t.description, 'text'],
        assignee_id: [emp(t.assignee), 'bigint'],
        created_by_id: [t.createdBy === null ? null : emp(t.createdBy), 'bigint'],
        contact_id: [contactOf(t.contact), 'bigint'],
        status: [t.status, 'text'],
        priority: [t.priority, 'smallint'],
        percent_complete: [t.percentComplete, 'smallint'],
        starts_on: [t.startsOn, 'date'],
        due_at: [t.dueAt, 'timestamptz'],
        completed_at: [t.completedAt, 'timestamptz'],
        created_at: [t.createdAt, 'timestamptz'],
      }),
    );
  }
  const appointments: string[] = [];
  for (const a of batch.appointments) {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO brokerstar.appointment (subject, location, description, owner_id, contact_id, starts_at, ends_at, all_day,
                                           time_zone, recurrence_rule, is_private, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, greatest($6::timestamptz, $7::timestamptz), $8, $9, $10, $11, $12,
               $13::timestamptz, $14::timestamptz)
       RETURNING id::text AS id`,
      [a.subject, a.location, a.description, emp(a.owner), contactOf(a.contact), a.startsAt, a.endsAt, a.allDay, a.timeZone,
        a.recurrenceRule, a.isPrivate, a.status, a.createdAt, a.updatedAt],
    );
    const id = rows[0]!.id;
    appointments.push(id);
    for (const x of a.exceptions) {
      await c.query(
        `INSERT INTO brokerstar.appointment_exception (appointment_id, original_start, is_cancelled, starts_at, ends_at)
         VALUES ($1, $2::timestamptz, $3, $4::timestamptz, $5::timestamptz) ON CONFLICT DO NOTHING`,
        [id, x.originalStart, x.cancelled, x.startsAt, x.endsAt],
      );
    }
    for (const p of a.participants) {
      await c.query('INSERT INTO brokerstar.appointment_participant (appointment_id, employee_id, response) VALUES ($1, $2, $3)', [id, emp(p.employee), p.response]);
    }
  }
  for (const [k, change] of batch.employeeChanges.entries()) {
    if (!change) continue;
    await c.query('UPDATE brokerstar.employee SET first_name = $2, last_name = $3, email = $4, language = $5, time_zone = $6 WHERE id = $1', [
      emp(k), change.firstName, change.lastName, change.email, change.language, change.timeZone,
    ]);
  }
  return { contacts, tasks, appointments };
}

/**
 * Removes a batch as BrokerStar does, soft or hard (alternating by id), so the next batch starts
 * from the same collections.
 */
export async function removeBatch(c: pg.ClientBase, written: WrittenBatch): Promise<void> {
  for (const [table, ids] of [['appointment', written.appointments], ['task', written.tasks]] as const) {
    const hard = ids.filter((id) => Number(id) % 2 === 0);
    await c.query(`DELETE FROM brokerstar.${table} WHERE id = ANY($1::bigint[])`, [hard]);
    await c.query(`UPDATE brokerstar.${table} SET deleted_at = now() WHERE id = ANY($1::bigint[])`, [ids.filter((id) => !hard.includes(id))]);
  }
  // Contacts last: soft-deleted tasks and appointments may still name them.
  await c.query(`UPDATE brokerstar.task SET contact_id = NULL WHERE contact_id = ANY($1::bigint[])`, [written.contacts]);
  await c.query(`UPDATE brokerstar.appointment SET contact_id = NULL WHERE contact_id = ANY($1::bigint[])`, [written.contacts]);
  const hard = written.contacts.filter((id) => Number(id) % 2 === 0);
  await c.query(`DELETE FROM brokerstar.contact WHERE id = ANY($1::bigint[])`, [hard]);
  await c.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = ANY($1::bigint[])`, [written.contacts.filter((id) => !hard.includes(id))]);
}
