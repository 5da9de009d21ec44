// Readable fixtures for protocol tests: typed inserts of exactly the BrokerStar rows a test asserts on.
import pg from 'pg';
import sharp from 'sharp';
import { inTransaction as inPoolTransaction } from '../../src/db/transaction.js';
import { zonedToUtc } from '../../src/demo/time.js';

/**
 * Where builders write: a pool or a TestDatabase (each helper then runs in its own transaction, so
 * the server's change tracking sees a contact and its phones at once), or a client (the caller's
 * transaction, if any).
 */
export type BuilderDb = pg.Pool | pg.ClientBase | { readonly pool: pg.Pool };

/** Ids may be passed back in as returned (strings) or as numbers. */
export type Id = string | number | bigint;

/** An instant, or for all-day values a local date 'YYYY-MM-DD' (midnight in the appointment's zone). */
export type When = Date | string;

type Client = pg.ClientBase;

async function inTransaction<T>(db: BuilderDb, fn: (client: Client) => Promise<T>): Promise<T> {
  const pool = db instanceof pg.Pool ? db : 'pool' in db && db.pool instanceof pg.Pool ? db.pool : undefined;
  return pool ? inPoolTransaction(pool, fn) : fn(db as Client);
}

async function insertReturningId(client: Client, table: string, values: Record<string, unknown>): Promise<string> {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined);
  const columns = entries.map(([k]) => k).join(', ');
  const params = entries.map((_, i) => `$${i + 1}`).join(', ');
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO brokerstar.${table} (${columns}) VALUES (${params}) RETURNING id::text AS id`,
    entries.map(([, v]) => v),
  );
  return (rows[0] as { id: string }).id;
}

async function insert(client: Client, table: string, values: Record<string, unknown>): Promise<void> {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined);
  await client.query(
    `INSERT INTO brokerstar.${table} (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')})`,
    entries.map(([, v]) => v),
  );
}

const idText = (id: Id | null | undefined): string | null | undefined => (id === null || id === undefined ? id : String(id));

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A Date, an ISO instant, or a local date (midnight in `timeZone`). */
function instant(value: When, timeZone: string): Date {
  if (value instanceof Date) return value;
  if (DATE_ONLY.test(value)) {
    const day = Math.round(Date.parse(`${value}T00:00:00Z`) / 86_400_000);
    return zonedToUtc(day, 0, timeZone);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`builders: not a date or instant: ${value}`);
  return d;
}

function timestamp(value: When | null | undefined): Date | null | undefined {
  if (value === null || value === undefined) return value;
  return instant(value, 'UTC');
}

// ---------------------------------------------------------------- employees

export interface EmployeeSpec {
  readonly username: string;
  /** Default: from the username, 'anna.meier' → 'Anna'. */
  readonly firstName?: string;
  /** Default: from the username, 'anna.meier' → 'Meier'. */
  readonly lastName?: string;
  /** Default: USERNAME@example.ch */
  readonly email?: string;
  readonly language?: 'de' | 'fr' | 'it' | 'en';
  readonly active?: boolean;
  readonly timeZone?: string;
}

const capitalized = (s: string | undefined, fallback: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : fallback);

export async function addEmployee(db: BuilderDb, spec: EmployeeSpec): Promise<string> {
  const [first, last] = spec.username.split(/[._]/);
  return inTransaction(db, (c) =>
    insertReturningId(c, 'employee', {
      username: spec.username,
      first_name: spec.firstName ?? capitalized(first, spec.username),
      last_name: spec.lastName ?? capitalized(last, 'Test'),
      email: spec.email ?? `${spec.username}@example.ch`,
      language: spec.language,
      active: spec.active,
      time_zone: spec.timeZone,
    }),
  );
}

// ---------------------------------------------------------------- contacts

export type PhoneKind = 'work' | 'home' | 'mobile' | 'fax' | 'other';
export interface PhoneSpec {
  readonly number: string;
  readonly kind?: PhoneKind;
  readonly primary?: boolean;
}

export type EmailKind = 'work' | 'home' | 'other';
export interface EmailSpec {
  readonly address: string;
  readonly kind?: EmailKind;
  readonly primary?: boolean;
}

export interface AddressSpec {
  readonly kind?: 'work' | 'home' | 'postal' | 'other';
  /** May hold several lines. */
  readonly street?: string | null;
  readonly poBox?: string | null;
  readonly postalCode?: string | null;
  readonly city?: string | null;
  readonly region?: string | null;
  /** Default 'CH'. */
  readonly countryCode?: string | null;
}

export type PhotoSpec =
  | Buffer
  | { readonly data: Buffer; readonly mimeType?: 'image/jpeg' | 'image/png'; readonly updatedAt?: When }
  /** A small generated image of that type. */
  | 'jpeg'
  | 'png';

export interface ContactSpec {
  /** Default: 'company' when only companyName is given, else 'person'. */
  readonly kind?: 'person' | 'company';
  readonly firstName?: string | null;
  /** Persons default to 'Muster' when neither lastName nor companyName is given. */
  readonly lastName?: string | null;
  /** Companies: the name; persons: the employer. */
  readonly companyName?: string | null;
  readonly salutation?: string | null;
  readonly academicTitle?: string | null;
  readonly customerNo?: string | null;
  readonly department?: string | null;
  readonly jobTitle?: string | null;
  /** 'YYYY-MM-DD' */
  readonly birthday?: string | null;
  readonly website?: string | null;
  readonly notes?: string | null;
  readonly advisorId?: Id | null;
  readonly archived?: boolean;
  readonly createdAt?: When;
  readonly updatedAt?: When;
  readonly deletedAt?: When | null;
  /** A string is a work number. Without an explicit primary the first one is primary. */
  readonly phones?: readonly (string | PhoneSpec)[];
  /** A string is a work address. Without an explicit primary the first one is primary. */
  readonly emails?: readonly (string | EmailSpec)[];
  readonly addresses?: readonly AddressSpec[];
  readonly categories?: readonly string[];
  readonly photo?: PhotoSpec;
  /** Visible only to these employees (and the advisor). */
  readonly restrictedTo?: readonly Id[];
  /** Employees who starred the contact. */
  readonly favoriteOf?: readonly Id[];
}

/** A tiny real image (64×64, one colour) for contacts that just need "a photo". */
export async function sampleImage(format: 'jpeg' | 'png' = 'jpeg', size = 64): Promise<Buffer> {
  const img = sharp({ create: { width: size, height: size, channels: 3, background: { r: 40, g: 110, b: 180 } } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg().toBuffer();
}

function sniffMime(data: Buffer): 'image/jpeg' | 'image/png' {
  return data[0] === 0x89 && data[1] === 0x50 ? 'image/png' : 'image/jpeg';
}

/** Primary flags: as given, else the first entry. */
function primaries<T extends { readonly primary?: boolean }>(items: readonly T[]): boolean[] {
  const explicit = items.some((i) => i.primary !== undefined);
  return items.map((i, n) => (explicit ? i.primary === true : n === 0));
}

export async function addContact(db: BuilderDb, spec: ContactSpec = {}): Promise<string> {
  const onlyCompany = spec.companyName && spec.lastName == null && spec.firstName == null;
  const kind = spec.kind ?? (onlyCompany ? 'company' : 'person');
  let photo: { data: Buffer; mimeType: string; updatedAt?: When } | undefined;
  if (spec.photo === 'jpeg' || spec.photo === 'png') {
    photo = { data: await sampleImage(spec.photo), mimeType: `image/${spec.photo}` };
  } else if (Buffer.isBuffer(spec.photo)) {
    photo = { data: spec.photo, mimeType: sniffMime(spec.photo) };
  } else if (spec.photo) {
    photo = { data: spec.photo.data, mimeType: spec.photo.mimeType ?? sniffMime(spec.photo.data), updatedAt: spec.photo.updatedAt };
  }
  return inTransaction(db, async (c) => {
    const id = await insertReturningId(c, 'contact', {
      kind,
      customer_no: spec.customerNo,
      salutation: spec.salutation,
      academic_title: spec.academicTitle,
      first_name: spec.firstName ?? (kind === 'person' && spec.lastName === undefined && !spec.companyName ? 'Hans' : undefined),
      last_name: spec.lastName ?? (kind === 'person' && !spec.companyName ? 'Muster' : undefined),
      company_name: spec.companyName,
      department: spec.department,
      job_title: spec.jobTitle,
      birthday: spec.birthday,
      website: spec.website,
      notes: spec.notes,
      advisor_id: idText(spec.advisorId),
      is_archived: spec.archived,
      created_at: timestamp(spec.createdAt),
      updated_at: timestamp(spec.updatedAt),
      deleted_at: timestamp(spec.deletedAt),
    });
    const phones = (spec.phones ?? []).map((p) => (typeof p === 'string' ? { number: p } : p));
    const phonePrimary = primaries(phones);
    for (const [position, p] of phones.entries()) {
      await insert(c, 'contact_phone', { contact_id: id, kind: p.kind ?? 'work', number: p.number, is_primary: phonePrimary[position], position });
    }
    const emails = (spec.emails ?? []).map((e) => (typeof e === 'string' ? { address: e } : e));
    const emailPrimary = primaries(emails);
    for (const [position, e] of emails.entries()) {
      await insert(c, 'contact_email', { contact_id: id, kind: e.kind ?? 'work', address: e.address, is_primary: emailPrimary[position], position });
    }
    for (const [position, a] of (spec.addresses ?? []).entries()) {
      await insert(c, 'contact_address', {
        contact_id: id,
        kind: a.kind ?? (kind === 'company' ? 'work' : 'home'),
        street: a.street,
        po_box: a.poBox,
        postal_code: a.postalCode,
        city: a.city,
        region: a.region,
        country_code: a.countryCode === undefined ? 'CH' : a.countryCode,
        position,
      });
    }
    for (const category of spec.categories ?? []) await insert(c, 'contact_category', { contact_id: id, category });
    if (photo) {
      await insert(c, 'contact_photo', { contact_id: id, mime_type: photo.mimeType, data: photo.data, updated_at: timestamp(photo.updatedAt) });
    }
    for (const employee of spec.restrictedTo ?? []) await insert(c, 'contact_restriction', { contact_id: id, employee_id: String(employee) });
    for (const employee of spec.favoriteOf ?? []) await insert(c, 'contact_favorite', { contact_id: id, employee_id: String(employee) });
    return id;
  });
}

// ---------------------------------------------------------------- tasks

export type TaskStatus = 'open' | 'in_progress' | 'waiting' | 'done' | 'cancelled';

export interface TaskSpec {
  readonly assigneeId: Id;
  /** Default 'Aufgabe'. */
  readonly subject?: string;
  readonly description?: string | null;
  readonly createdById?: Id | null;
  readonly contactId?: Id | null;
  /** Default 'open'. */
  readonly status?: TaskStatus;
  /** 1 high, 2 normal (default), 3 low. */
  readonly priority?: 1 | 2 | 3;
  /** Default: 100 when done, else 0. */
  readonly percentComplete?: number;
  /** 'YYYY-MM-DD' */
  readonly startsOn?: string | null;
  readonly dueAt?: When | null;
  /** Default: now() when done, else none. */
  readonly completedAt?: When | null;
  readonly createdAt?: When;
  readonly updatedAt?: When;
  readonly deletedAt?: When | null;
}

export async function addTask(db: BuilderDb, spec: TaskSpec): Promise<string> {
  const status = spec.status ?? 'open';
  return inTransaction(db, (c) =>
    insertReturningId(c, 'task', {
      subject: spec.subject ?? 'Aufgabe',
      description: spec.description,
      assignee_id: String(spec.assigneeId),
      created_by_id: idText(spec.createdById),
      contact_id: idText(spec.contactId),
      status,
      priority: spec.priority,
      percent_complete: spec.percentComplete ?? (status === 'done' ? 100 : 0),
      starts_on: spec.startsOn,
      due_at: timestamp(spec.dueAt),
      completed_at: spec.completedAt === undefined ? (status === 'done' ? new Date() : undefined) : timestamp(spec.completedAt),
      created_at: timestamp(spec.createdAt),
      updated_at: timestamp(spec.updatedAt),
      deleted_at: timestamp(spec.deletedAt),
    }),
  );
}

// ---------------------------------------------------------------- appointments

export type Response = 'needs_action' | 'accepted' | 'declined' | 'tentative';

export interface ParticipantSpec {
  readonly employeeId: Id;
  /** Default 'needs_action'. */
  readonly response?: Response;
}

export interface ExceptionSpec {
  /** The occurrence's start per the rule (a local date for all-day series). */
  readonly originalStart: When;
  /** Default: true when no new start is given. */
  readonly cancelled?: boolean;
  readonly startsAt?: When;
  /** Default: startsAt + the series' duration. */
  readonly endsAt?: When;
}

export interface AppointmentSpec {
  readonly ownerId: Id;
  /** An instant, or for all-day appointments a local date 'YYYY-MM-DD'. */
  readonly startsAt: When;
  /** Default: one hour after the start; all-day: the next local midnight (exclusive end). */
  readonly endsAt?: When;
  /** Default 'Termin'. */
  readonly subject?: string;
  readonly location?: string | null;
  readonly description?: string | null;
  readonly contactId?: Id | null;
  readonly allDay?: boolean;
  /** Default 'Europe/Zurich'. */
  readonly timeZone?: string;
  /** An RRULE value, e.g. 'FREQ=WEEKLY;BYDAY=MO;COUNT=10'. */
  readonly recurrenceRule?: string | null;
  readonly isPrivate?: boolean;
  readonly status?: 'confirmed' | 'tentative' | 'cancelled';
  readonly createdAt?: When;
  readonly updatedAt?: When;
  readonly deletedAt?: When | null;
  /** Employee ids (response needs_action) or full participant specs. */
  readonly participants?: readonly (Id | ParticipantSpec)[];
  readonly exceptions?: readonly ExceptionSpec[];
}

const DAY_MS = 86_400_000;

export async function addAppointment(db: BuilderDb, spec: AppointmentSpec): Promise<string> {
  const timeZone = spec.timeZone ?? 'Europe/Zurich';
  const allDay = spec.allDay ?? false;
  const startsAt = instant(spec.startsAt, timeZone);
  let endsAt: Date;
  if (spec.endsAt !== undefined) endsAt = instant(spec.endsAt, timeZone);
  else if (allDay && typeof spec.startsAt === 'string' && DATE_ONLY.test(spec.startsAt)) {
    const day = Math.round(Date.parse(`${spec.startsAt}T00:00:00Z`) / DAY_MS);
    endsAt = zonedToUtc(day + 1, 0, timeZone);
  } else endsAt = new Date(startsAt.getTime() + (allDay ? DAY_MS : 3_600_000));
  const duration = endsAt.getTime() - startsAt.getTime();
  return inTransaction(db, async (c) => {
    const id = await insertReturningId(c, 'appointment', {
      subject: spec.subject ?? 'Termin',
      location: spec.location,
      description: spec.description,
      owner_id: String(spec.ownerId),
      contact_id: idText(spec.contactId),
      starts_at: startsAt,
      ends_at: endsAt,
      all_day: allDay,
      time_zone: timeZone,
      recurrence_rule: spec.recurrenceRule,
      is_private: spec.isPrivate,
      status: spec.status,
      created_at: timestamp(spec.createdAt),
      updated_at: timestamp(spec.updatedAt),
      deleted_at: timestamp(spec.deletedAt),
    });
    for (const p of spec.participants ?? []) {
      const participant: ParticipantSpec = typeof p === 'object' && p !== null && 'employeeId' in p ? p : { employeeId: p as Id };
      await insert(c, 'appointment_participant', {
        appointment_id: id,
        employee_id: String(participant.employeeId),
        response: participant.response,
      });
    }
    for (const x of spec.exceptions ?? []) {
      const cancelled = x.cancelled ?? x.startsAt === undefined;
      const moved = x.startsAt === undefined ? undefined : instant(x.startsAt, timeZone);
      if (!cancelled && !moved) throw new Error('builders: a moved exception needs startsAt');
      await insert(c, 'appointment_exception', {
        appointment_id: id,
        original_start: instant(x.originalStart, timeZone),
        is_cancelled: cancelled,
        starts_at: moved,
        ends_at: x.endsAt !== undefined ? instant(x.endsAt, timeZone) : moved ? new Date(moved.getTime() + duration) : undefined,
      });
    }
    return id;
  });
}

// ---------------------------------------------------------------- calendar shares

/** `viewer` may see `owner`'s calendar read-only. A share has no id of its own: returns 'owner:viewer'. */
export async function addShare(db: BuilderDb, owner: Id, viewer: Id): Promise<string> {
  await inTransaction(db, (c) => insert(c, 'calendar_share', { owner_id: String(owner), viewer_id: String(viewer) }));
  return `${owner}:${viewer}`;
}

/** The builders bound to one database: `const b = builders(db); const anna = await b.addEmployee({ username: 'anna.meier' })`. */
export function builders(db: BuilderDb) {
  return {
    addEmployee: (spec: EmployeeSpec) => addEmployee(db, spec),
    addContact: (spec: ContactSpec = {}) => addContact(db, spec),
    addTask: (spec: TaskSpec) => addTask(db, spec),
    addAppointment: (spec: AppointmentSpec) => addAppointment(db, spec),
    addShare: (owner: Id, viewer: Id) => addShare(db, owner, viewer),
  };
}
