// Who sees what (design.md §3) and the 5,000 cap (issue 4): for each collection, the SQL that
// yields its eligible items in cap order, limited to the cap, with the ETag of the view served.
// Every row has: name, entity_kind, entity_id, view ('full' | 'busy'), etag, rank (contacts only:
// the cap order as text), eligible (count before the cap). Named parameters (see named.ts): :viewer, :cap, :today (start of today, the cap order
// of appointments), :owner (shared calendars), :lang (busy blocks), :mode (PRIVATE_APPOINTMENTS),
// :past_from / :past_from_date and :done_from (the sync windows, null = no window).

import { BIRTHDAYS, MY_CUSTOMERS } from './personal-membership.js';

export type MembershipKind = 'contacts' | 'my-customers' | 'events' | 'tasks' | 'shared-events' | 'birthdays';

const IS_PARTICIPANT = (employee: string) =>
  `EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id AND p.employee_id = ${employee})`;

// Appointments nearest to today: upcoming (or still running) first by their next instance, then the
// recent past, most recent first. range_start/range_end span all occurrences of a series; the next
// instance comes from the stored instances (dav.occurrence), and where none is stored (beyond the
// window, not yet expanded) from the series' start. An instance running today counts as today.
const NEXT_START = `coalesce((SELECT min(o.starts_at) FROM dav.occurrence o
                               WHERE o.entity_id = a.id AND o.ends_at >= :today::timestamptz), e.range_start)`;
const NEAREST_TODAY = `(coalesce(e.range_end, 'infinity') < :today::timestamptz),
  CASE WHEN coalesce(e.range_end, 'infinity') >= :today::timestamptz THEN greatest(${NEXT_START}, :today::timestamptz) END ASC,
  CASE WHEN coalesce(e.range_end, 'infinity') < :today::timestamptz THEN e.range_end END DESC,
  a.id`;

// SYNC_PAST_DAYS: an appointment is served while the end of its last occurrence (range_end; null:
// a series that never ends) lies after the start of the window's first day in the viewer's zone
// (:past_from). An all-day appointment ends at a midnight of its own zone, which may not be one the
// database knows: its end date is read as the UTC date half a day later (exact for offsets up to
// ±12 hours) and compared with the window's first date (:past_from_date).
const IN_PAST_WINDOW = `(:past_from::timestamptz IS NULL OR e.range_end IS NULL
    OR CASE WHEN a.all_day THEN ((e.range_end AT TIME ZONE 'UTC') + interval '12 hours')::date > :past_from_date::date
            ELSE e.range_end > :past_from::timestamptz END)`;

// SYNC_DONE_TASKS_DAYS: a done or cancelled task is served while it was closed on the window's first
// day or later; a cancelled (or done) task without completed_at counts from its last change.
const IN_DONE_WINDOW = `(:done_from::timestamptz IS NULL OR t.status NOT IN ('done', 'cancelled')
    OR coalesce(t.completed_at, t.updated_at) >= :done_from::timestamptz)`;

// A contact's place in the cap order as one text that sorts like it (byte order, COLLATE "C"):
// favorites, then the employee's own customers, then the most recently changed (microseconds
// before the year 2255, clamped to 17 digits before the cast: 'infinity' counts as the most recent,
// '-infinity' as the oldest), then the id. Unique per contact, so the address book refreshes
// incrementally by comparing a changed contact's rank with the last served one.
const CONTACT_RANK = `(CASE WHEN f.contact_id IS NOT NULL THEN '0' ELSE '1' END
    || CASE WHEN c.advisor_id IS NOT DISTINCT FROM :viewer::bigint THEN '0' ELSE '1' END
    || lpad(greatest(0, least(99999999999999999, 9000000000000000
         - extract(epoch FROM greatest(c.updated_at, e.content_changed_at)) * 1000000))::bigint::text, 17, '0')
    || lpad(c.id::text, 19, '0')) COLLATE "C"`;

// Hash joins rather than a probe per contact: restrictions and favorites are small tables, the
// contacts many (a refresh of an 18,000-contact book went from ~160 to ~110 ms). `only` narrows
// to some contacts (an incremental refresh: every one of them that is eligible, uncapped).
const contacts = (only?: string) => `
  WITH restricted AS (
         SELECT contact_id, bool_or(employee_id = :viewer::bigint) AS allowed
           FROM brokerstar.contact_restriction ${only ? `WHERE contact_id = ANY(${only})` : ''} GROUP BY contact_id),
       favorite AS (SELECT contact_id FROM brokerstar.contact_favorite WHERE employee_id = :viewer::bigint)
  SELECT c.id::text || '.vcf' AS name, 'contact' AS entity_kind, c.id AS entity_id, 'full' AS view, e.etag,
         ${CONTACT_RANK} AS rank, count(*) OVER () AS eligible
    FROM brokerstar.contact c
    JOIN dav.entity e ON e.kind = 'contact' AND e.id = c.id
    LEFT JOIN restricted r ON r.contact_id = c.id
    LEFT JOIN favorite f ON f.contact_id = c.id
   WHERE c.deleted_at IS NULL AND NOT c.is_archived ${only ? `AND c.id = ANY(${only})` : ''}
     -- restricted contacts: only the listed employees and the advisor
     AND (r.contact_id IS NULL OR r.allowed OR c.advisor_id = :viewer::bigint)
   ${only ? '' : 'ORDER BY rank LIMIT :cap::int'}`;

const CONTACTS = contacts();

/** The eligible ones among some contacts (:ids), with their rank, for an incremental refresh. */
export const CONTACTS_AMONG = contacts(':ids::bigint[]');

const EVENTS_FROM = `
    FROM brokerstar.appointment a
    JOIN dav.entity e ON e.kind = 'appointment' AND e.id = a.id
   WHERE a.deleted_at IS NULL AND (a.owner_id = :viewer::bigint OR ${IS_PARTICIPANT(':viewer::bigint')})`;

const EVENTS = `
  SELECT a.id::text || '.ics' AS name, 'appointment' AS entity_kind, a.id AS entity_id, 'full' AS view, e.etag,
         NULL::text AS rank, count(*) OVER () AS eligible
  ${EVENTS_FROM} AND ${IN_PAST_WINDOW}
   ORDER BY ${NEAREST_TODAY}
   LIMIT :cap::int`;

// A colleague's calendar: what he owns or attends. Someone's private appointment shows in full
// only to its owner and participants; the viewer gets a busy block, or nothing (PRIVATE_APPOINTMENTS).
const SHARED_EVENTS_FROM = `
    FROM brokerstar.calendar_share s
    JOIN brokerstar.employee o ON o.id = s.owner_id AND o.active
    JOIN brokerstar.appointment a ON a.deleted_at IS NULL AND (a.owner_id = s.owner_id OR ${IS_PARTICIPANT('s.owner_id')})
    JOIN dav.entity e ON e.kind = 'appointment' AND e.id = a.id
    CROSS JOIN LATERAL (SELECT CASE WHEN a.is_private AND a.owner_id <> :viewer::bigint AND NOT ${IS_PARTICIPANT(':viewer::bigint')}
                                    THEN 'busy' ELSE 'full' END AS view) v
   WHERE s.owner_id = :owner::bigint AND s.viewer_id = :viewer::bigint
     AND (v.view = 'full' OR (:mode::text = 'busy' AND e.busy IS NOT NULL))`;

const SHARED_EVENTS = `
  SELECT a.id::text || '.ics' AS name, 'appointment' AS entity_kind, a.id AS entity_id, v.view,
         CASE WHEN v.view = 'busy' THEN e.busy -> 'views' -> :lang::text ->> 'etag' ELSE e.etag END AS etag,
         NULL::text AS rank, count(*) OVER () AS eligible
  ${SHARED_EVENTS_FROM} AND ${IN_PAST_WINDOW}
   ORDER BY ${NEAREST_TODAY}
   LIMIT :cap::int`;

// Tasks: open ones first by due date, then the most recently completed.
const TASKS_FROM = `
    FROM brokerstar.task t
    JOIN dav.entity e ON e.kind = 'task' AND e.id = t.id
   WHERE t.deleted_at IS NULL AND t.assignee_id = :viewer::bigint`;

const TASKS = `
  SELECT t.id::text || '.ics' AS name, 'task' AS entity_kind, t.id AS entity_id, 'full' AS view, e.etag,
         NULL::text AS rank, count(*) OVER () AS eligible
  ${TASKS_FROM} AND ${IN_DONE_WINDOW}
   ORDER BY (t.status IN ('done', 'cancelled')),
            CASE WHEN t.status NOT IN ('done', 'cancelled') THEN t.due_at END ASC NULLS LAST,
            t.completed_at DESC NULLS LAST,
            t.id
   LIMIT :cap::int`;

export const MEMBERSHIP_SQL: Record<MembershipKind, string> = {
  contacts: CONTACTS,
  'my-customers': MY_CUSTOMERS,
  events: EVENTS,
  tasks: TASKS,
  'shared-events': SHARED_EVENTS,
  birthdays: BIRTHDAYS,
};

/** Which kinds of BrokerStar data a collection's members depend on (for cheap no-change polls). */
export const MEMBERSHIP_SCOPES: Record<MembershipKind, readonly ('contact' | 'task' | 'appointment')[]> = {
  contacts: ['contact'],
  'my-customers': ['contact'],
  events: ['appointment'],
  tasks: ['task'],
  'shared-events': ['appointment'],
  birthdays: ['contact'],
};

/**
 * For `brokerstar-dav status`: how many items a collection would hold but for its sync window
 * (one row, `outside`). Kinds without a window are absent.
 */
export const OUTSIDE_WINDOW_SQL: Partial<Record<MembershipKind, string>> = {
  events: `SELECT count(*)::int AS outside ${EVENTS_FROM} AND NOT ${IN_PAST_WINDOW}`,
  'shared-events': `SELECT count(*)::int AS outside ${SHARED_EVENTS_FROM} AND NOT ${IN_PAST_WINDOW}`,
  tasks: `SELECT count(*)::int AS outside ${TASKS_FROM} AND NOT ${IN_DONE_WINDOW}`,
};
