// Tasks as VTODO (RFC 5545 §3.6.2): status, priority, due in the assignee's zone, the customer as text and URL.
import type { RenderStamp, TaskRecord, TaskStatus } from '../domain/records.js';
import { withCustomerLine } from './customer.js';
import type { RenderOptions } from './render-options.js';
import { ContentLines, rawValue } from './text.js';
import { formatDate } from './timezone.js';
import { uidOf } from './uid.js';
import { beginCalendar, dateOnly, dateTime, endCalendar, parseIsoDay, utcDateTime, zoneOrUtc } from './vcalendar.js';

/**
 * BrokerStar status → VTODO STATUS (RFC 5545 §3.8.1.11). iCalendar has no "waiting": it is
 * NEEDS-ACTION plus `X-BROKERSTAR-STATUS:waiting`, so the write path can tell an unchanged waiting
 * task from one a client re-opened. Outlook drops X- properties on PUT, so the write path must treat
 * NEEDS-ACTION on a waiting task as "unchanged", not as "open".
 */
export const TASK_STATUS: Readonly<Record<TaskStatus, 'NEEDS-ACTION' | 'IN-PROCESS' | 'COMPLETED' | 'CANCELLED'>> = {
  open: 'NEEDS-ACTION',
  in_progress: 'IN-PROCESS',
  waiting: 'NEEDS-ACTION',
  done: 'COMPLETED',
  cancelled: 'CANCELLED',
};

/** BrokerStar 1 high / 2 normal / 3 low → RFC 5545 §3.8.1.9 (1 highest, 5 medium, 9 lowest). */
export const TASK_PRIORITY: Readonly<Record<1 | 2 | 3, number>> = { 1: 1, 2: 5, 3: 9 };

/**
 * One task as a complete iCalendar object. DTSTART is a DATE; when there is a DUE (a DATE-TIME in
 * the assignee's zone) DTSTART becomes that day's local midnight in the same zone, because RFC 5545
 * §3.8.2.3 wants DUE and DTSTART of the same value type and DUE later than DTSTART (a DTSTART not
 * before DUE is left out). COMPLETED is written only for done tasks. Pure and synchronous.
 */
export function renderTask(t: TaskRecord, stamp: RenderStamp, opts: RenderOptions): string {
  const zone = zoneOrUtc(t.assignee.timeZone);
  const lines = new ContentLines();
  beginCalendar(lines, t.dueAt ? [zone] : []);
  lines.begin('VTODO');
  lines.add('UID', uidOf('task', t.id));
  lines.add('DTSTAMP', utcDateTime(stamp.lastModified));
  lines.add('CREATED', utcDateTime(t.createdAt));
  lines.add('LAST-MODIFIED', utcDateTime(stamp.lastModified));
  lines.add('SEQUENCE', String(Math.max(0, Math.trunc(stamp.sequence))));
  lines.text('SUMMARY', t.subject);
  lines.text('DESCRIPTION', withCustomerLine(t.description, t.contact));
  if (t.contact) lines.add('URL', rawValue(opts.contactUrl(t.contact)));

  const startDay = t.startsOn === null ? undefined : parseIsoDay(t.startsOn);
  if (t.dueAt) {
    const due = dateTime(t.dueAt, zone);
    if (startDay) {
      const start = zone === null ? `${formatDate(startDay)}T000000Z` : `${formatDate(startDay)}T000000`;
      // Same form on both sides (local with the same TZID, or UTC), so text order is time order.
      if (start < due.value) lines.add('DTSTART', start, due.params);
    }
    lines.add('DUE', due.value, due.params);
  } else if (startDay) {
    const start = dateOnly(startDay);
    lines.add('DTSTART', start.value, start.params);
  }

  lines.add('PRIORITY', String(TASK_PRIORITY[t.priority]));
  lines.add('STATUS', TASK_STATUS[t.status]);
  if (t.status === 'waiting') lines.add('X-BROKERSTAR-STATUS', 'waiting');
  lines.add('PERCENT-COMPLETE', String(Math.min(100, Math.max(0, Math.round(t.percentComplete)))));
  if (t.status === 'done' && t.completedAt) lines.add('COMPLETED', utcDateTime(t.completedAt));
  lines.add('CLASS', 'PUBLIC');
  lines.end('VTODO');
  endCalendar(lines);
  return lines.toString();
}
