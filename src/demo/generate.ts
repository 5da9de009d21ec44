// generateDemoData: plans a whole broker firm from a seed, then writes it into BrokerStar's empty tables in one transaction.
import type pg from 'pg';
import { type AppointmentPlan, planAppointments } from './appointments.js';
import { type ContactPlan, type PhotoPlan, planContacts } from './contacts.js';
import { type Photo, largePhoto, smallAvatar, smallLogo, withJpegComment } from './photos.js';
import { Random } from './random.js';
import { type Column, type PhotoInsert, insertPhotos, insertRows, syncIdentity } from './sql.js';
import { DEMO_USERNAME, type EmployeeRow, type ShareRow, planEmployees, planShares } from './staff.js';
import { TASK_STATUSES, type TaskRow, type TaskStatus, planTasks } from './tasks.js';
import { localDayOf } from './time.js';
import { FIRM_TIME_ZONE, type World } from './world.js';

export { DEMO_USERNAME } from './staff.js';

export interface DemoOptions {
  /** Same seed and same `now` → the same rows, byte for byte. Default 'brokerstar'. */
  readonly seed?: string | number;
  /** Everything is placed relative to this instant. Default: today 00:00 UTC, so data looks current. */
  readonly now?: Date;
  /** Default 8: the demo login first, one inactive employee last. */
  readonly employees?: number;
  /** Default 300. */
  readonly contacts?: number;
  /** Default 120. */
  readonly tasks?: number;
  /** Default 200. */
  readonly appointments?: number;
  /** Share of contacts with a photo, 0–1. Default 0.1. */
  readonly photoFraction?: number;
  /** Photos of 1–3 MB (2000–3000 px JPEGs) as BrokerStar stores them, instead of small avatars. */
  readonly largePhotos?: boolean;
  /** How many distinct large images are rendered and reused (each copy gets its own JPEG comment). Default 6. */
  readonly largePhotoVariants?: number;
  /** Share of appointments that are recurring series, 0–1. Default 0.1. */
  readonly recurringFraction?: number;
  /** Share of recurring series with cancelled or moved occurrences, 0–1. Default 0.7. */
  readonly exceptionFraction?: number;
  /** Username of an employee who gets `focusShare` of all appointments and tasks (benchmarks). */
  readonly focusUser?: string;
  /** 0–1, default 0 (or 0.5 when only focusUser is given). */
  readonly focusShare?: number;
  /** Appointments are spread over [now − daysBack, now + daysAhead]. Defaults 365 and 365. */
  readonly daysBack?: number;
  readonly daysAhead?: number;
}

export type ResolvedDemoOptions = Required<Omit<DemoOptions, 'focusUser' | 'seed'>> & {
  readonly seed: string;
  readonly focusUser: string | undefined;
};

export const DEMO_DEFAULTS = {
  seed: 'brokerstar',
  employees: 8,
  contacts: 300,
  tasks: 120,
  appointments: 200,
  photoFraction: 0.1,
  largePhotos: false,
  largePhotoVariants: 6,
  recurringFraction: 0.1,
  exceptionFraction: 0.7,
  focusShare: 0,
  daysBack: 365,
  daysAhead: 365,
} as const;

export interface DemoSummary {
  readonly seed: string;
  readonly now: Date;
  readonly demoUsername: string;
  readonly employees: number;
  readonly activeEmployees: number;
  readonly contacts: number;
  readonly persons: number;
  readonly companies: number;
  readonly restrictedContacts: number;
  readonly archivedContacts: number;
  readonly deletedContacts: number;
  readonly phones: number;
  readonly emails: number;
  readonly addresses: number;
  readonly categories: number;
  readonly favorites: number;
  readonly photos: number;
  readonly photoBytes: number;
  readonly tasks: number;
  readonly tasksByStatus: Readonly<Record<TaskStatus, number>>;
  readonly appointments: number;
  readonly recurringAppointments: number;
  readonly appointmentExceptions: number;
  readonly appointmentParticipants: number;
  readonly privateAppointments: number;
  readonly allDayAppointments: number;
  readonly shares: number;
  readonly durationMs: number;
}

/** 'usage' comes from the command line parser (exit code 2 territory); the rest from the generator. */
export type DemoDataErrorCode = 'not-empty' | 'missing-schema' | 'invalid-option' | 'usage';

export class DemoDataError extends Error {
  override readonly name = 'DemoDataError';
  constructor(
    readonly code: DemoDataErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `done` and `total` count work units: one per row inserted, PHOTO_WORK per photo rendered and stored. */
export type DemoProgress = (done: number, total: number, phase: string) => void;
export const PHOTO_WORK = 25;

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function resolveDemoOptions(opts: DemoOptions = {}): ResolvedDemoOptions {
  const count = (name: keyof typeof DEMO_DEFAULTS, min: number): number => {
    const v = (opts as Record<string, unknown>)[name] ?? DEMO_DEFAULTS[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new DemoDataError('invalid-option', `${name} must be a whole number of at least ${min}, got ${String(v)}`);
    }
    return v;
  };
  const fraction = (name: keyof typeof DEMO_DEFAULTS, fallback: number): number => {
    const v = (opts as Record<string, unknown>)[name] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new DemoDataError('invalid-option', `${name} must be a number between 0 and 1, got ${String(v)}`);
    }
    return v;
  };
  const now = opts.now ?? startOfUtcDay(new Date());
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new DemoDataError('invalid-option', 'now must be a valid date');
  return {
    seed: String(opts.seed ?? DEMO_DEFAULTS.seed),
    now,
    employees: count('employees', 1),
    contacts: count('contacts', 0),
    tasks: count('tasks', 0),
    appointments: count('appointments', 0),
    photoFraction: fraction('photoFraction', DEMO_DEFAULTS.photoFraction),
    largePhotos: opts.largePhotos ?? false,
    largePhotoVariants: count('largePhotoVariants', 1),
    recurringFraction: fraction('recurringFraction', DEMO_DEFAULTS.recurringFraction),
    exceptionFraction: fraction('exceptionFraction', DEMO_DEFAULTS.exceptionFraction),
    focusUser: opts.focusUser,
    focusShare: fraction('focusShare', opts.focusUser ? 0.5 : 0),
    daysBack: count('daysBack', 1),
    daysAhead: count('daysAhead', 1),
  };
}

/** Everything the generator will write, computed without touching the database. */
export interface DemoPlan {
  readonly options: ResolvedDemoOptions;
  readonly employees: EmployeeRow[];
  readonly contacts: ContactPlan;
  readonly tasks: TaskRow[];
  readonly appointments: AppointmentPlan;
  readonly shares: ShareRow[];
}

export function planDemoData(opts: DemoOptions = {}): DemoPlan {
  const options = resolveDemoOptions(opts);
  const rng = new Random(options.seed);
  const employees = planEmployees(rng.fork('employees'), options.employees, options.now);
  const focus = options.focusUser === undefined ? undefined : employees.find((e) => e.username === options.focusUser);
  if (options.focusUser !== undefined && !focus) {
    throw new DemoDataError(
      'invalid-option',
      `focusUser '${options.focusUser}' is not one of the generated employees (${employees.map((e) => e.username).join(', ')})`,
    );
  }
  const world: World = {
    now: options.now,
    today: localDayOf(options.now, FIRM_TIME_ZONE),
    employees,
    active: employees.filter((e) => e.active),
    focus,
    focusShare: focus ? options.focusShare : 0,
  };
  const contacts = planContacts(rng.fork('contacts'), world, {
    count: options.contacts,
    photoFraction: options.photoFraction,
    largePhotos: options.largePhotos,
    largeVariants: options.largePhotoVariants,
  });
  const tasks = planTasks(rng.fork('tasks'), world, contacts.refs, options.tasks);
  const appointments = planAppointments(rng.fork('appointments'), world, contacts.refs, {
    count: options.appointments,
    recurringFraction: options.recurringFraction,
    exceptionFraction: options.exceptionFraction,
    daysBack: options.daysBack,
    daysAhead: options.daysAhead,
  });
  const shares = planShares(rng.fork('shares'), employees);
  return { options, employees, contacts, tasks, appointments, shares };
}

const EMPLOYEE_COLUMNS: Column<EmployeeRow>[] = [
  ['id', 'bigint'], ['username', 'text'], ['first_name', 'text'], ['last_name', 'text'], ['email', 'text'],
  ['language', 'text'], ['time_zone', 'text'], ['active', 'boolean'], ['updated_at', 'timestamptz'],
];
const CONTACT_COLUMNS: Column<ContactPlan['contacts'][number]>[] = [
  ['id', 'bigint'], ['kind', 'text'], ['customer_no', 'text'], ['salutation', 'text'], ['academic_title', 'text'],
  ['first_name', 'text'], ['last_name', 'text'], ['company_name', 'text'], ['department', 'text'], ['job_title', 'text'],
  ['birthday', 'date'], ['website', 'text'], ['notes', 'text'], ['advisor_id', 'bigint'], ['is_archived', 'boolean'],
  ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['deleted_at', 'timestamptz'],
];
const PHONE_COLUMNS: Column<ContactPlan['phones'][number]>[] = [
  ['id', 'bigint'], ['contact_id', 'bigint'], ['kind', 'text'], ['number', 'text'], ['is_primary', 'boolean'], ['position', 'integer'],
];
const EMAIL_COLUMNS: Column<ContactPlan['emails'][number]>[] = [
  ['id', 'bigint'], ['contact_id', 'bigint'], ['kind', 'text'], ['address', 'text'], ['is_primary', 'boolean'], ['position', 'integer'],
];
const ADDRESS_COLUMNS: Column<ContactPlan['addresses'][number]>[] = [
  ['id', 'bigint'], ['contact_id', 'bigint'], ['kind', 'text'], ['street', 'text'], ['po_box', 'text'], ['postal_code', 'text'],
  ['city', 'text'], ['region', 'text'], ['country_code', 'text'], ['position', 'integer'],
];
const CATEGORY_COLUMNS: Column<ContactPlan['categories'][number]>[] = [['contact_id', 'bigint'], ['category', 'text']];
const RESTRICTION_COLUMNS: Column<ContactPlan['restrictions'][number]>[] = [['contact_id', 'bigint'], ['employee_id', 'bigint']];
const FAVORITE_COLUMNS: Column<ContactPlan['favorites'][number]>[] = [['employee_id', 'bigint'], ['contact_id', 'bigint']];
const TASK_COLUMNS: Column<TaskRow>[] = [
  ['id', 'bigint'], ['subject', 'text'], ['description', 'text'], ['assignee_id', 'bigint'], ['created_by_id', 'bigint'],
  ['contact_id', 'bigint'], ['status', 'text'], ['priority', 'smallint'], ['percent_complete', 'smallint'], ['starts_on', 'date'],
  ['due_at', 'timestamptz'], ['completed_at', 'timestamptz'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
  ['deleted_at', 'timestamptz'],
];
const APPOINTMENT_COLUMNS: Column<AppointmentPlan['appointments'][number]>[] = [
  ['id', 'bigint'], ['subject', 'text'], ['location', 'text'], ['description', 'text'], ['owner_id', 'bigint'], ['contact_id', 'bigint'],
  ['starts_at', 'timestamptz'], ['ends_at', 'timestamptz'], ['all_day', 'boolean'], ['time_zone', 'text'], ['recurrence_rule', 'text'],
  ['is_private', 'boolean'], ['status', 'text'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['deleted_at', 'timestamptz'],
];
const EXCEPTION_COLUMNS: Column<AppointmentPlan['exceptions'][number]>[] = [
  ['appointment_id', 'bigint'], ['original_start', 'timestamptz'], ['is_cancelled', 'boolean'], ['starts_at', 'timestamptz'], ['ends_at', 'timestamptz'],
];
const PARTICIPANT_COLUMNS: Column<AppointmentPlan['participants'][number]>[] = [
  ['appointment_id', 'bigint'], ['employee_id', 'bigint'], ['response', 'text'],
];
const SHARE_COLUMNS: Column<ShareRow>[] = [['owner_id', 'bigint'], ['viewer_id', 'bigint']];

/** Renders photos a few at a time (sharp works on its own threads); large images are made once and reused. */
class PhotoRenderer {
  private readonly large = new Map<number, Promise<Photo>>();
  constructor(private readonly rng: Random) {}

  async render(p: PhotoPlan): Promise<Photo> {
    switch (p.kind) {
      case 'avatar':
        return smallAvatar(p.initials, p.hue);
      case 'logo-jpeg':
        return smallLogo(p.initials, p.hue, 'jpeg');
      case 'logo-png':
        return smallLogo(p.initials, p.hue, 'png');
      case 'large': {
        const base = await this.largeVariant(p.variant);
        return { mimeType: base.mimeType, data: withJpegComment(base.data, `BrokerStar demo photo, contact ${p.contact_id}`) };
      }
    }
  }

  /** Variants are rendered in order from their own streams, so the bytes do not depend on timing. */
  private largeVariant(variant: number): Promise<Photo> {
    let photo = this.large.get(variant);
    if (!photo) {
      photo = largePhoto(this.rng.fork(`large-${variant}`), variant);
      this.large.set(variant, photo);
    }
    return photo;
  }
}

/**
 * Fills BrokerStar's tables (schema `brokerstar`) of an empty database with a believable small
 * Swiss broker firm. Deterministic for a given seed and `now`. Refuses (DemoDataError 'not-empty')
 * when employees, contacts, tasks or appointments already exist. One transaction: either the whole
 * firm or nothing.
 */
export async function generateDemoData(pool: pg.Pool, opts: DemoOptions = {}, onProgress?: DemoProgress): Promise<DemoSummary> {
  const started = performance.now();
  const plan = planDemoData(opts);
  const { contacts, appointments } = plan;
  const rowCount =
    plan.employees.length +
    contacts.contacts.length +
    contacts.phones.length +
    contacts.emails.length +
    contacts.addresses.length +
    contacts.categories.length +
    contacts.restrictions.length +
    contacts.favorites.length +
    plan.tasks.length +
    appointments.appointments.length +
    appointments.exceptions.length +
    appointments.participants.length +
    plan.shares.length;
  const total = rowCount + contacts.photos.length * PHOTO_WORK;
  let done = 0;
  const progress = (phase: string) => (n: number) => {
    done += n;
    onProgress?.(done, total, phase);
  };

  const client = await pool.connect();
  let photoBytes = 0;
  try {
    await client.query('BEGIN');
    const { rows: schema } = await client.query<{ ok: boolean }>(`SELECT to_regclass('brokerstar.employee') IS NOT NULL AS ok`);
    if (!schema[0]?.ok) throw new DemoDataError('missing-schema', "BrokerStar's tables (schema brokerstar) do not exist in this database");
    // Two servers starting on one fresh demo database: the second waits here, then finds data.
    await client.query('LOCK TABLE brokerstar.employee IN EXCLUSIVE MODE');
    const { rows: existing } = await client.query<{ employees: number; contacts: number; tasks: number; appointments: number }>(
      `SELECT (SELECT count(*) FROM brokerstar.employee)::int AS employees,
              (SELECT count(*) FROM (SELECT 1 FROM brokerstar.contact LIMIT 1) c)::int AS contacts,
              (SELECT count(*) FROM (SELECT 1 FROM brokerstar.task LIMIT 1) t)::int AS tasks,
              (SELECT count(*) FROM (SELECT 1 FROM brokerstar.appointment LIMIT 1) a)::int AS appointments`,
    );
    const e = existing[0];
    if (e && (e.employees || e.contacts || e.tasks || e.appointments)) {
      throw new DemoDataError(
        'not-empty',
        `BrokerStar's tables already hold data (${e.employees} employees${e.contacts ? ', contacts' : ''}${e.tasks ? ', tasks' : ''}${
          e.appointments ? ', appointments' : ''
        }); demo data is only generated into an empty database`,
      );
    }

    await insertRows(client, 'employee', EMPLOYEE_COLUMNS, plan.employees, progress('employees'));
    const onContacts = progress('contacts');
    await insertRows(client, 'contact', CONTACT_COLUMNS, contacts.contacts, onContacts);
    await insertRows(client, 'contact_phone', PHONE_COLUMNS, contacts.phones, onContacts);
    await insertRows(client, 'contact_email', EMAIL_COLUMNS, contacts.emails, onContacts);
    await insertRows(client, 'contact_address', ADDRESS_COLUMNS, contacts.addresses, onContacts);
    await insertRows(client, 'contact_category', CATEGORY_COLUMNS, contacts.categories, onContacts);
    await insertRows(client, 'contact_restriction', RESTRICTION_COLUMNS, contacts.restrictions, onContacts);
    await insertRows(client, 'contact_favorite', FAVORITE_COLUMNS, contacts.favorites, onContacts);

    const renderer = new PhotoRenderer(new Random(plan.options.seed).fork('photos'));
    const onPhotos = progress('photos');
    const CONCURRENCY = 8;
    const MAX_BATCH_BYTES = 32 * 1024 * 1024;
    let pending: PhotoInsert[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      await insertPhotos(client, pending);
      onPhotos(pending.length * PHOTO_WORK);
      pending = [];
      pendingBytes = 0;
    };
    for (let i = 0; i < contacts.photos.length; i += CONCURRENCY) {
      const group = contacts.photos.slice(i, i + CONCURRENCY);
      const rendered = await Promise.all(group.map((p) => renderer.render(p)));
      for (const [k, photo] of rendered.entries()) {
        const p = group[k] as PhotoPlan;
        pending.push({ contact_id: p.contact_id, mime_type: photo.mimeType, data: photo.data, updated_at: p.updated_at });
        pendingBytes += photo.data.length;
        photoBytes += photo.data.length;
        if (pendingBytes >= MAX_BATCH_BYTES || pending.length >= 50) await flush();
      }
    }
    await flush();

    await insertRows(client, 'task', TASK_COLUMNS, plan.tasks, progress('tasks'));
    const onAppointments = progress('appointments');
    await insertRows(client, 'appointment', APPOINTMENT_COLUMNS, appointments.appointments, onAppointments);
    await insertRows(client, 'appointment_exception', EXCEPTION_COLUMNS, appointments.exceptions, onAppointments);
    await insertRows(client, 'appointment_participant', PARTICIPANT_COLUMNS, appointments.participants, onAppointments);
    await insertRows(client, 'calendar_share', SHARE_COLUMNS, plan.shares, progress('shares'));
    await syncIdentity(client, ['employee', 'contact', 'contact_phone', 'contact_email', 'contact_address', 'task', 'appointment']);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  // Fresh statistics, so the server's first queries on a big data set get sensible plans.
  await pool.query(
    'ANALYZE brokerstar.employee, brokerstar.contact, brokerstar.contact_phone, brokerstar.contact_email, brokerstar.contact_address, ' +
      'brokerstar.contact_category, brokerstar.contact_restriction, brokerstar.contact_favorite, brokerstar.contact_photo, brokerstar.task, ' +
      'brokerstar.appointment, brokerstar.appointment_exception, brokerstar.appointment_participant, brokerstar.calendar_share',
  );
  return summarize(plan, photoBytes, performance.now() - started);
}

function summarize(plan: DemoPlan, photoBytes: number, durationMs: number): DemoSummary {
  const { contacts: c, appointments: a } = plan;
  const tasksByStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, plan.tasks.filter((t) => t.status === s).length])) as Record<
    TaskStatus,
    number
  >;
  return {
    seed: plan.options.seed,
    now: plan.options.now,
    demoUsername: DEMO_USERNAME,
    employees: plan.employees.length,
    activeEmployees: plan.employees.filter((e) => e.active).length,
    contacts: c.contacts.length,
    persons: c.contacts.filter((x) => x.kind === 'person').length,
    companies: c.contacts.filter((x) => x.kind === 'company').length,
    restrictedContacts: new Set(c.restrictions.map((r) => r.contact_id)).size,
    archivedContacts: c.contacts.filter((x) => x.is_archived).length,
    deletedContacts: c.contacts.filter((x) => x.deleted_at).length,
    phones: c.phones.length,
    emails: c.emails.length,
    addresses: c.addresses.length,
    categories: c.categories.length,
    favorites: c.favorites.length,
    photos: c.photos.length,
    photoBytes,
    tasks: plan.tasks.length,
    tasksByStatus,
    appointments: a.appointments.length,
    recurringAppointments: a.appointments.filter((x) => x.recurrence_rule).length,
    appointmentExceptions: a.exceptions.length,
    appointmentParticipants: a.participants.length,
    privateAppointments: a.appointments.filter((x) => x.is_private).length,
    allDayAppointments: a.appointments.filter((x) => x.all_day).length,
    shares: plan.shares.length,
    durationMs,
  };
}
