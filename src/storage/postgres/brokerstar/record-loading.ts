// Reads BrokerStar's contacts, tasks and appointments by id into typed records, one query per
// kind whatever the number of ids (children aggregated as JSON in the same statement).
import { readableRule } from '../../../calendar/rule-text.js';
import { named, type Queryable } from '../queryable.js';
import type {
  AppointmentRecord,
  ContactRecord,
  EmployeeRef,
  TaskRecord,
} from '../../../domain/records.js';

/** A contact as loaded, before its photo is attached (photos are scaled and cached separately). */
export interface LoadedContact {
  readonly record: Omit<ContactRecord, 'photo'>;
  /** Whether BrokerStar holds a photo for this contact. */
  readonly hasPhoto: boolean;
}

const EMPLOYEE_JSON = (alias: string) => `json_build_object(
  'id', ${alias}.id::text, 'username', ${alias}.username, 'firstName', ${alias}.first_name,
  'lastName', ${alias}.last_name, 'email', ${alias}.email, 'language', ${alias}.language,
  'timeZone', ${alias}.time_zone)`;

// "Muster AG" for companies, "Dr. Hans Muster" for persons: how BrokerStar names a customer.
const CONTACT_NAME = (alias: string) => `CASE WHEN ${alias}.kind = 'company' THEN coalesce(${alias}.company_name, ${alias}.last_name, '')
  ELSE concat_ws(' ', ${alias}.academic_title, ${alias}.first_name, ${alias}.last_name) END`;

/**
 * Join condition for the customer a task or appointment names. Item bodies are the same for every
 * viewer (they are rendered once), so the customer is named only when every employee may see the
 * contact: not deleted, not archived and restricted to nobody (design.md §3). Otherwise the item is
 * rendered as if it had no customer, and a restricted customer's name never leaks through it.
 */
const PUBLIC_CONTACT = (alias: string) => `${alias}.deleted_at IS NULL AND NOT ${alias}.is_archived
  AND NOT EXISTS (SELECT 1 FROM brokerstar.contact_restriction cr WHERE cr.contact_id = ${alias}.id)`;

const CONTACT_REF_JSON = (alias: string) => `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object(
  'id', ${alias}.id::text, 'customerNo', ${alias}.customer_no, 'displayName', ${CONTACT_NAME(alias)}) END`;

/**
 * A date column as 'YYYY-MM-DD', or NULL when iCalendar and vCard cannot write it (years outside
 * 1-9999, 'infinity', BC). Not to_char alone: it casts to timestamp, and a date past 294276 AD
 * (PostgreSQL's date goes further) fails the whole statement, and with it every item loaded beside.
 */
const ISO_DATE = (column: string) =>
  `CASE WHEN ${column} BETWEEN '0001-01-01'::date AND '9999-12-31'::date THEN to_char(${column}, 'YYYY-MM-DD') END`;

export async function loadContacts(db: Queryable, ids: readonly string[]): Promise<LoadedContact[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT c.id::text AS id, c.kind, c.customer_no, c.salutation, c.academic_title, c.first_name, c.last_name,
            c.company_name, c.department, c.job_title, ${ISO_DATE('c.birthday')} AS birthday, c.website,
            c.notes,
            coalesce((SELECT json_agg(json_build_object('kind', p.kind, 'number', p.number, 'isPrimary', p.is_primary)
                                      ORDER BY p.position, p.id)
                        FROM brokerstar.contact_phone p WHERE p.contact_id = c.id), '[]') AS phones,
            coalesce((SELECT json_agg(json_build_object('kind', e.kind, 'address', e.address, 'isPrimary', e.is_primary)
                                      ORDER BY e.position, e.id)
                        FROM brokerstar.contact_email e WHERE e.contact_id = c.id), '[]') AS emails,
            coalesce((SELECT json_agg(json_build_object('kind', a.kind, 'street', a.street, 'poBox', a.po_box,
                                      'postalCode', a.postal_code, 'city', a.city, 'region', a.region,
                                      'countryCode', a.country_code) ORDER BY a.position, a.id)
                        FROM brokerstar.contact_address a WHERE a.contact_id = c.id), '[]') AS addresses,
            coalesce((SELECT json_agg(g.category ORDER BY g.category)
                        FROM brokerstar.contact_category g WHERE g.contact_id = c.id), '[]') AS categories,
            EXISTS (SELECT 1 FROM brokerstar.contact_photo ph WHERE ph.contact_id = c.id) AS has_photo
       FROM brokerstar.contact c
      WHERE c.id = ANY($1::bigint[]) AND c.deleted_at IS NULL AND NOT c.is_archived`,
    [ids],
  );
  return rows.map((r) => ({
    record: {
      id: r.id,
      kind: r.kind,
      customerNo: r.customer_no,
      salutation: r.salutation,
      academicTitle: r.academic_title,
      firstName: r.first_name,
      lastName: r.last_name,
      companyName: r.company_name,
      department: r.department,
      jobTitle: r.job_title,
      birthday: r.birthday,
      website: r.website,
      notes: r.notes,
      phones: r.phones,
      emails: r.emails,
      addresses: r.addresses,
      categories: r.categories,
    },
    hasPhoto: r.has_photo,
  }));
}

/** Photos whose cached downscaled copy is missing or stale: the originals with their hash. */
export async function loadPhotoOriginals(
  db: Queryable,
  contactIds: readonly string[],
): Promise<{ contactId: string; mimeType: string; data: Buffer; hash: string }[]> {
  if (contactIds.length === 0) return [];
  const { rows } = await db.query(
    `SELECT contact_id::text AS contact_id, mime_type, data, md5(data) AS hash
       FROM brokerstar.contact_photo WHERE contact_id = ANY($1::bigint[])`,
    [contactIds],
  );
  return rows.map((r) => ({ contactId: r.contact_id, mimeType: r.mime_type, data: r.data, hash: r.hash }));
}

export async function loadTasks(db: Queryable, ids: readonly string[]): Promise<TaskRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT t.id::text AS id, t.subject, t.description, t.status, t.priority, t.percent_complete,
            ${ISO_DATE('t.starts_on')} AS starts_on, t.due_at, t.completed_at, t.created_at,
            ${EMPLOYEE_JSON('a')} AS assignee,
            CASE WHEN cb.id IS NULL THEN NULL ELSE ${EMPLOYEE_JSON('cb')} END AS created_by,
            ${CONTACT_REF_JSON('c')} AS contact
       FROM brokerstar.task t
       JOIN brokerstar.employee a ON a.id = t.assignee_id
       LEFT JOIN brokerstar.employee cb ON cb.id = t.created_by_id
       LEFT JOIN brokerstar.contact c ON c.id = t.contact_id AND ${PUBLIC_CONTACT('c')}
      WHERE t.id = ANY($1::bigint[]) AND t.deleted_at IS NULL`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    subject: r.subject,
    description: r.description,
    assignee: r.assignee as EmployeeRef,
    createdBy: r.created_by as EmployeeRef | null,
    contact: r.contact,
    status: r.status,
    priority: r.priority,
    percentComplete: r.percent_complete,
    startsOn: r.starts_on,
    dueAt: r.due_at,
    completedAt: r.completed_at,
    createdAt: r.created_at,
  }));
}

export async function loadAppointments(db: Queryable, ids: readonly string[]): Promise<AppointmentRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT ap.id::text AS id, ap.subject, ap.location, ap.description, ap.starts_at, ap.ends_at, ap.all_day,
            ap.time_zone, ap.recurrence_rule, ap.is_private, ap.status, ap.created_at,
            ${EMPLOYEE_JSON('o')} AS owner,
            ${CONTACT_REF_JSON('c')} AS contact,
            coalesce((SELECT json_agg(json_build_object('originalStart', x.original_start, 'isCancelled', x.is_cancelled,
                                      'startsAt', x.starts_at, 'endsAt', x.ends_at) ORDER BY x.original_start)
                        FROM brokerstar.appointment_exception x WHERE x.appointment_id = ap.id), '[]') AS exceptions,
            coalesce((SELECT json_agg(json_build_object('employee', ${EMPLOYEE_JSON('pe')}, 'response', p.response)
                                      ORDER BY pe.last_name, pe.first_name, pe.id)
                        FROM brokerstar.appointment_participant p
                        JOIN brokerstar.employee pe ON pe.id = p.employee_id
                       WHERE p.appointment_id = ap.id), '[]') AS participants
       FROM brokerstar.appointment ap
       JOIN brokerstar.employee o ON o.id = ap.owner_id
       LEFT JOIN brokerstar.contact c ON c.id = ap.contact_id AND ${PUBLIC_CONTACT('c')}
      WHERE ap.id = ANY($1::bigint[]) AND ap.deleted_at IS NULL`,
    [ids],
  );
  const date = (v: string | null) => (v === null ? null : new Date(v));
  return rows.map((r) => ({
    id: r.id,
    subject: r.subject,
    location: r.location,
    description: r.description,
    owner: r.owner as EmployeeRef,
    contact: r.contact,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    allDay: r.all_day,
    timeZone: r.time_zone,
    ...recurrenceOf(r.recurrence_rule),
    isPrivate: r.is_private,
    status: r.status,
    createdAt: r.created_at,
    exceptions: (r.exceptions as { originalStart: string; isCancelled: boolean; startsAt: string | null; endsAt: string | null }[]).map(
      (x) => ({ originalStart: new Date(x.originalStart), isCancelled: x.isCancelled, startsAt: date(x.startsAt), endsAt: date(x.endsAt) }),
    ),
    participants: r.participants,
  }));
}

/** The rule as served, and BrokerStar's own when no reader understands it (read once). */
function recurrenceOf(raw: string | null): Pick<AppointmentRecord, 'recurrenceRule' | 'unreadableRule'> {
  const rule = readableRule(raw);
  return raw !== null && rule === null ? { recurrenceRule: null, unreadableRule: raw } : { recurrenceRule: rule };
}

/** Ids of every live row of a kind (a full re-render after TRUNCATE or a renderer change). */
export async function allIds(db: Queryable, kind: 'contact' | 'task' | 'appointment'): Promise<string[]> {
  const table = { contact: 'contact', task: 'task', appointment: 'appointment' }[kind];
  const { rows } = await db.query(`SELECT id::text AS id FROM brokerstar.${table} WHERE deleted_at IS NULL`);
  return rows.map((r) => r.id as string);
}

/** Tasks and appointments whose rendering shows these contacts' names or these employees. */
export async function dependents(
  db: Queryable,
  contactIds: readonly string[],
  employeeIds: readonly string[],
): Promise<{ tasks: string[]; appointments: string[] }> {
  if (contactIds.length === 0 && employeeIds.length === 0) return { tasks: [], appointments: [] };
  // Each part only when it has ids: an OR over all of them (the participants' EXISTS included)
  // defeats the indexes and scans every task and appointment (8 ms for a 10-contact edit).
  const parts: string[] = [];
  if (contactIds.length) {
    parts.push(`SELECT 'task' AS kind, id::text AS id FROM brokerstar.task WHERE deleted_at IS NULL AND contact_id = ANY(:contacts::bigint[])`);
    parts.push(`SELECT 'appointment', id::text FROM brokerstar.appointment WHERE deleted_at IS NULL AND contact_id = ANY(:contacts::bigint[])`);
  }
  if (employeeIds.length) {
    parts.push(`SELECT 'task', id::text FROM brokerstar.task
                 WHERE deleted_at IS NULL AND (assignee_id = ANY(:employees::bigint[]) OR created_by_id = ANY(:employees::bigint[]))`);
    parts.push(`SELECT 'appointment', a.id::text FROM brokerstar.appointment a
                 WHERE a.deleted_at IS NULL AND (a.owner_id = ANY(:employees::bigint[])
                   OR EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id AND p.employee_id = ANY(:employees::bigint[])))`);
  }
  const { text, values } = named(`SELECT kind, id FROM (${parts.join(' UNION ALL ')}) d(kind, id) GROUP BY kind, id`, {
    contacts: contactIds,
    employees: employeeIds,
  });
  const { rows } = await db.query(text, values);
  return {
    tasks: rows.filter((r) => r.kind === 'task').map((r) => r.id),
    appointments: rows.filter((r) => r.kind === 'appointment').map((r) => r.id),
  };
}
