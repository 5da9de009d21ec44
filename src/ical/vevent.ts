// Appointments as VEVENT (RFC 5545 §3.6.1), overrides by RECURRENCE-ID (§3.8.4.4), SCHEDULE-AGENT=CLIENT (RFC 6638).
//
// Not ical-generator: its ORGANIZER cannot carry SCHEDULE-AGENT, it writes EXDATE only for its own
// repeat options (not for a verbatim RRULE), and it writes a plain Date with a TZID in the process's zone.
import type {
  AppointmentException,
  AppointmentRecord,
  AppointmentStatus,
  AppointmentView,
  EmployeeRef,
  Language,
  ParticipantResponse,
  RenderStamp,
} from '../domain/records.js';
import { withCustomerLine } from './customer.js';
import type { RenderOptions } from './render-options.js';
import { ContentLines, rawValue, type Params } from './text.js';
import { uidOf } from './uid.js';
import {
  addDays,
  beginCalendar,
  compareDays,
  dateOnly,
  dateTime,
  dayOf,
  endCalendar,
  isMidnight,
  utcDateTime,
  zoneOrUtc,
  type DateValue,
} from './vcalendar.js';

/** SUMMARY of a busy block, in the viewer's language. */
export const BUSY_SUMMARY: Readonly<Record<Language, string>> = {
  de: 'Besetzt',
  fr: 'Occupé',
  it: 'Occupato',
  en: 'Busy',
};

const STATUS: Readonly<Record<AppointmentStatus, string>> = {
  confirmed: 'CONFIRMED',
  tentative: 'TENTATIVE',
  cancelled: 'CANCELLED',
};

const PARTSTAT: Readonly<Record<ParticipantResponse, string>> = {
  needs_action: 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

/** How the record's instants are written: in its zone, or as calendar days for all-day rows. */
interface Timing {
  readonly allDay: boolean;
  readonly zone: string | null;
}

function pointValue(instant: Date, t: Timing): DateValue {
  return t.allDay ? dateOnly(dayOf(instant, t.zone)) : dateTime(instant, t.zone);
}

/**
 * DTSTART/DTEND values. All-day rows hold local midnights; ends_at is the exclusive midnight after
 * the last day, and ends_at = starts_at means one day. An end that is not a midnight still covers
 * the day it falls on.
 */
function spanValues(start: Date, end: Date, t: Timing): { readonly start: DateValue; readonly end: DateValue } {
  if (!t.allDay) {
    return { start: dateTime(start, t.zone), end: dateTime(end.getTime() < start.getTime() ? start : end, t.zone) };
  }
  const first = dayOf(start, t.zone);
  let after = dayOf(end, t.zone);
  if (!isMidnight(end, t.zone)) after = addDays(after, 1);
  if (compareDays(after, first) <= 0) after = addDays(first, 1);
  return { start: dateOnly(first), end: dateOnly(after) };
}

function put(lines: ContentLines, name: string, v: DateValue, extra: Params = []): void {
  lines.add(name, v.value, [...extra, ...v.params]);
}

function fullName(e: EmployeeRef): string {
  return `${e.firstName} ${e.lastName}`.trim() || e.username;
}

function mailto(e: EmployeeRef): string {
  return `mailto:${rawValue(e.email.trim())}`;
}

/** ORGANIZER and ATTENDEE lines, or none: a lone owner stays a plain appointment in Outlook. */
function writeParticipants(lines: ContentLines, a: AppointmentRecord): void {
  if (a.owner.email.trim() === '') return;
  const attendees = a.participants.filter((p) => p.employee.id !== a.owner.id && p.employee.email.trim() !== '');
  if (attendees.length === 0) return;
  // SCHEDULE-AGENT=CLIENT everywhere: the server does no scheduling, and no client may mail anyone.
  lines.add('ORGANIZER', mailto(a.owner), [
    ['CN', fullName(a.owner)],
    ['SCHEDULE-AGENT', 'CLIENT'],
  ]);
  for (const p of attendees) {
    lines.add('ATTENDEE', mailto(p.employee), [
      ['CN', fullName(p.employee)],
      ['CUTYPE', 'INDIVIDUAL'],
      ['ROLE', 'REQ-PARTICIPANT'],
      ['PARTSTAT', PARTSTAT[p.response]],
      ['SCHEDULE-AGENT', 'CLIENT'],
    ]);
  }
}

interface EventPart {
  readonly start: Date;
  readonly end: Date;
  /** Set on an override: the occurrence it replaces. */
  readonly recurrenceId?: Date;
}

function writeEvent(
  lines: ContentLines,
  a: AppointmentRecord,
  stamp: RenderStamp,
  view: AppointmentView,
  opts: RenderOptions,
  timing: Timing,
  part: EventPart,
): void {
  lines.begin('VEVENT');
  lines.add('UID', uidOf('appointment', a.id));
  lines.add('DTSTAMP', utcDateTime(stamp.lastModified));
  // Not in a busy block: when an appointment was entered says more about it than its times.
  if (view.kind !== 'busy') lines.add('CREATED', utcDateTime(a.createdAt));
  lines.add('LAST-MODIFIED', utcDateTime(stamp.lastModified));
  lines.add('SEQUENCE', String(Math.max(0, Math.trunc(stamp.sequence))));
  if (part.recurrenceId) put(lines, 'RECURRENCE-ID', pointValue(part.recurrenceId, timing));
  const span = spanValues(part.start, part.end, timing);
  put(lines, 'DTSTART', span.start);
  put(lines, 'DTEND', span.end);
  if (!part.recurrenceId && a.recurrenceRule) {
    lines.add('RRULE', rawValue(a.recurrenceRule));
    for (const ex of a.exceptions) if (ex.isCancelled) put(lines, 'EXDATE', pointValue(ex.originalStart, timing));
  }
  if (view.kind === 'busy') {
    // Someone else's private appointment: times only (docs/client-compatibility.md: iOS ignores CLASS).
    lines.text('SUMMARY', BUSY_SUMMARY[view.language]);
    lines.add('CLASS', 'PRIVATE');
    // A cancelled one frees the time: free/busy (RFC 4791 §7.10) and clients skip TRANSPARENT
    // and CANCELLED events, so colleagues no longer see the slot taken.
    if (a.status === 'cancelled') lines.add('STATUS', STATUS.cancelled);
    lines.add('TRANSP', a.status === 'cancelled' ? 'TRANSPARENT' : 'OPAQUE');
  } else {
    lines.text('SUMMARY', a.subject);
    lines.text('LOCATION', a.location);
    lines.text('DESCRIPTION', withCustomerLine(a.description, a.contact));
    if (a.contact) lines.add('URL', rawValue(opts.contactUrl(a.contact)));
    lines.add('STATUS', STATUS[a.status]);
    lines.add('CLASS', a.isPrivate ? 'PRIVATE' : 'PUBLIC');
    lines.add('TRANSP', 'OPAQUE');
    writeParticipants(lines, a);
  }
  lines.end('VEVENT');
}

/** The override for a moved occurrence; undefined for one that only exists to be cancelled or is unchanged. */
function movedPart(ex: AppointmentException, duration: number): EventPart | undefined {
  if (ex.isCancelled || (ex.startsAt === null && ex.endsAt === null)) return undefined;
  const start = ex.startsAt ?? ex.originalStart;
  const end = ex.endsAt ?? new Date(start.getTime() + duration);
  return { start, end, recurrenceId: ex.originalStart };
}

/**
 * One appointment as a complete iCalendar object: VTIMEZONE for its zone (unless all-day), the master
 * VEVENT and one override per moved occurrence, all with the same UID. Pure and synchronous.
 */
export function renderAppointment(
  a: AppointmentRecord,
  stamp: RenderStamp,
  view: AppointmentView,
  opts: RenderOptions,
): string {
  const timing: Timing = { allDay: a.allDay, zone: zoneOrUtc(a.timeZone) };
  const lines = new ContentLines();
  beginCalendar(lines, timing.allDay ? [] : [timing.zone]);
  writeEvent(lines, a, stamp, view, opts, timing, { start: a.startsAt, end: a.endsAt });
  if (a.recurrenceRule) {
    const duration = Math.max(0, a.endsAt.getTime() - a.startsAt.getTime());
    for (const ex of a.exceptions) {
      const part = movedPart(ex, duration);
      if (part) writeEvent(lines, a, stamp, view, opts, timing, part);
    }
  }
  endCalendar(lines);
  return lines.toString();
}
