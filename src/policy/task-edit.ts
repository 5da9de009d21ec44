// What the assignee's PUT of a task may change (design.md §4): status, percent complete and
// completion. Subject, description, due date and priority are BrokerStar's: a real change of them is
// refused, while what Outlook's rebuilt VTODO (docs/client-compatibility.md, Outlook) and the other
// clients rewrite without the user (DUE at 23:59:59 or as a DATE, CRLF, the customer line) is
// representation, not a change (docs/writes.md, "Every property, by class"). Everything else is
// ignored, and an explicit other assignee or organizer is refused.
import ICAL from 'ical.js';
import type { RenderOptions } from '../ical/index.js';
import { uidOf } from '../ical/uid.js';
import { zoneOrUtc } from '../ical/vcalendar.js';
import { renderTask } from '../ical/vtodo.js';
import { localDateTime } from '../calendar/wall-clock.js';
import type { TaskRecord, TaskStatus } from '../domain/records.js';
import { canonicalLine, canonicalText, descriptionWithoutCustomer, sameContent } from './canonical.js';
import { auditValue, refusedBy, refusingInvalidData, type EditDecision, type FieldChange, type RuleRefusal, type TaskPatch } from './edit-types.js';
import {
  addressesOf,
  InvalidCalendarData,
  keywordOf,
  normalizeAddress,
  objectParts,
  parseCalendar,
  textOf,
  TimeReader,
  type Component,
} from './ical-input.js';

/** Floating and DATE values of a body are read in the assignee's zone. */
const readerFor = (t: TaskRecord) => new TimeReader(zoneOrUtc(t.assignee.timeZone) ?? 'UTC');

/** What the body says about the fields a client may change; undefined = not sent = unchanged. */
interface TaskInput {
  readonly status: string | undefined;
  readonly percent: number | undefined;
  readonly completed: Date | undefined;
}

function readInput(todo: Component, reader: TimeReader): TaskInput {
  const pct = todo.getFirstPropertyValue('percent-complete');
  const percent = pct == null || !Number.isFinite(Number(pct)) ? undefined : Math.min(100, Math.max(0, Math.round(Number(pct))));
  const completed = reader.time(todo, 'completed');
  return { status: keywordOf(todo, 'status'), percent, completed: completed && new Date(completed.ms) };
}

/**
 * Any ATTENDEE other than the logged-in employee hands the task to someone else; an ORGANIZER other
 * than him says someone else gave it (BrokerStar's created_by, which the server does not serve and
 * cannot take from a client). Missing ones are never a change: Outlook drops both.
 */
function checkAssignee(user: { email: string }, todos: readonly Component[]): RuleRefusal | undefined {
  const me = normalizeAddress(user.email);
  for (const t of todos) {
    const other = addressesOf(t, 'attendee').find((a) => a !== me);
    if (other !== undefined) return refusedBy('reassign-task', `ATTENDEE ${other} is not the assignee ${me}`);
    const organizer = addressesOf(t, 'organizer').find((a) => a !== me);
    if (organizer !== undefined) return refusedBy('change-task-organizer', `ORGANIZER ${organizer} on a task of ${me}`);
  }
  return undefined;
}

/** `YYYY-MM-DD` */
const isoDay = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Tasks.org marks a due time by its seconds (:01): a minute apart is the same due. */
const SAME_DUE_MS = 60_000;

/**
 * Whether the DUE sent names the stored due. The same instant (within a minute), or the same day
 * where the client holds only a day: a DATE (Tasks.org, iOS all-day), or 23:59:59 of that day in
 * the client's own zone (Outlook: `TaskMapper` keeps `Due.Date`, the day as served in the
 * assignee's zone, and writes 23:59:59 of it, `W. Europe Standard Time` or any other zone).
 */
function sameDue(stored: Date, sent: { t: ICAL.Time; ms: number }, tzid: string | null, reader: TimeReader): boolean {
  if (Math.abs(sent.ms - stored.getTime()) < SAME_DUE_MS) return true;
  const { t } = sent;
  if (!t.isDate && !(t.hour === 23 && t.minute === 59 && t.second === 59)) return false;
  const local = localDateTime(stored, reader.zone);
  if (isoDay(t.year, t.month, t.day) === isoDay(local.year, local.month, local.day)) return true;
  // A DUE served in UTC (no zone known for the assignee) is read as a day in the client's zone.
  const dayStart = ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: 0, minute: 0, second: 0, isDate: false });
  const dayEnd = dayStart.clone();
  dayEnd.adjust(1, 0, 0, 0);
  return stored.getTime() >= reader.ms(dayStart, tzid) && stored.getTime() < reader.ms(dayEnd, tzid);
}

/** RFC 5545 PRIORITY → BrokerStar's 1 high / 2 normal / 3 low (0, "undefined", is normal as in Outlook). */
function priorityClass(value: unknown): 1 | 2 | 3 {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 9) throw new InvalidCalendarData(`PRIORITY ${String(value)} is not a number from 0 to 9`);
  return n >= 1 && n <= 4 ? 1 : n >= 6 ? 3 : 2;
}

const DETAIL_TEXT_MAX = 80;
const quoted = (text: string) => JSON.stringify(text.length > DETAIL_TEXT_MAX ? `${text.slice(0, DETAIL_TEXT_MAX)}…` : text);

/**
 * SUMMARY, DESCRIPTION, DUE and PRIORITY are BrokerStar's: one that says something else than the
 * stored task, after what clients rewrite on their own, is refused. Missing (or an empty SUMMARY)
 * is never a change: Outlook leaves out what it does not map. DTSTART is not compared: Apple
 * clients set it to the due date (docs/writes.md, "Every property, by class").
 */
function checkDetails(t: TaskRecord, todo: Component, reader: TimeReader): RuleRefusal | undefined {
  const refuse = (detail: string) => refusedBy('change-task-details', detail);
  const summary = textOf(todo, 'summary');
  if (summary !== undefined && canonicalLine(summary) !== '' && canonicalLine(summary) !== canonicalLine(t.subject)) {
    return refuse(`SUMMARY ${quoted(summary)} instead of ${quoted(t.subject)}`);
  }
  const description = textOf(todo, 'description');
  if (description !== undefined) {
    const sent = canonicalText(descriptionWithoutCustomer(description, t.contact));
    const stored = canonicalText(t.description ?? '');
    if (sent !== stored) return refuse(`DESCRIPTION ${quoted(sent)} instead of ${quoted(stored)}`);
  }
  const due = reader.time(todo, 'due');
  if (due) {
    const tzid = todo.getFirstProperty('due')?.getParameter('tzid');
    if (!t.dueAt) return refuse(`DUE ${new Date(due.ms).toISOString()} on a task without due date`);
    if (!sameDue(t.dueAt, due, typeof tzid === 'string' ? tzid : null, reader)) {
      return refuse(`DUE ${new Date(due.ms).toISOString()} instead of ${t.dueAt.toISOString()}`);
    }
  }
  const priority = todo.getFirstPropertyValue('priority');
  if (priority != null && priorityClass(priority) !== t.priority) {
    return refuse(`PRIORITY ${String(priority)} instead of BrokerStar's ${t.priority} (1 high, 2 normal, 3 low)`);
  }
  return undefined;
}

/**
 * RFC 5545 STATUS → BrokerStar status; undefined = unchanged (also for values a VTODO cannot have).
 * NEEDS-ACTION keeps open and waiting: waiting is served as NEEDS-ACTION plus an X- property that
 * Outlook drops (src/ical/vtodo.ts).
 */
function statusFrom(sent: string | undefined, stored: TaskStatus): TaskStatus | undefined {
  switch (sent) {
    case 'NEEDS-ACTION':
      return stored === 'open' || stored === 'waiting' ? undefined : 'open';
    case 'IN-PROCESS':
      return 'in_progress';
    case 'COMPLETED':
      return 'done';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return undefined;
  }
}

function patchOf(t: TaskRecord, input: TaskInput, now: Date): TaskPatch {
  const status = statusFrom(input.status, t.status) ?? t.status;
  let percent = input.percent ?? t.percentComplete;
  let completedAt = t.completedAt;
  if (status === 'done') {
    const finishing = t.status !== 'done';
    completedAt = input.completed ?? (finishing ? now : t.completedAt);
    // A client that only sets STATUS:COMPLETED sends the served percentage back unchanged
    // (python-caldav's complete()): that is not a choice of percentage, so done means 100.
    if (finishing && (input.percent === undefined || input.percent === t.percentComplete)) percent = 100;
  } else if (t.status === 'done' && (status === 'open' || status === 'in_progress')) {
    completedAt = null;
  }
  const patch: TaskPatch = {};
  if (status !== t.status) patch.status = status;
  if (percent !== t.percentComplete) patch.percentComplete = percent;
  if ((completedAt?.getTime() ?? null) !== (t.completedAt?.getTime() ?? null)) patch.completedAt = completedAt;
  return patch;
}

const FIELDS = ['status', 'percentComplete', 'completedAt'] as const;

function changesOf(t: TaskRecord, patch: TaskPatch): FieldChange[] {
  return FIELDS.filter((f) => patch[f] !== undefined).map((f) => ({ field: f, old: auditValue(t[f]), new: auditValue(patch[f]) }));
}

/** The record with the patch applied: the version BrokerStar holds after the write. */
export function applyTaskPatch(stored: TaskRecord, patch: TaskPatch): TaskRecord {
  return {
    ...stored,
    status: patch.status ?? stored.status,
    percentComplete: patch.percentComplete ?? stored.percentComplete,
    completedAt: patch.completedAt !== undefined ? patch.completedAt : stored.completedAt,
  };
}

function decide(t: TaskRecord, body: string, user: { email: string }, opts: RenderOptions, now: Date): EditDecision<TaskPatch> {
  const cal = parseCalendar(body);
  const parts = objectParts(cal, 'vtodo', uidOf('task', t.id));
  if ('rule' in parts) return refusedBy(parts.rule, parts.detail);
  const reader = readerFor(t);
  const refusal = checkAssignee(user, [parts.master, ...parts.overrides]) ?? checkDetails(t, parts.master, reader);
  if (refusal) return refusal;
  const patch = patchOf(t, readInput(parts.master, reader), now);
  const after = parseCalendar(renderTask(applyTaskPatch(t, patch), { lastModified: now, sequence: 0 }, opts));
  return {
    ok: true,
    patch,
    changes: changesOf(t, patch),
    truncated: false,
    storedDiffers: !sameContent(after, cal, reader),
  };
}

/** The assignee's PUT of a task: a refusal with its rule, or the fields to write. Pure. */
export function decideTaskEdit(
  stored: TaskRecord,
  body: string,
  user: { id: string; email: string },
  opts: RenderOptions,
  now: Date,
): EditDecision<TaskPatch> {
  if (stored.assignee.id !== user.id) {
    return refusedBy('not-owner', `task ${stored.id} is assigned to employee ${stored.assignee.id}, not ${user.id}`);
  }
  return refusingInvalidData(() => decide(stored, body, user, opts, now));
}

/**
 * Whether a version of `t` the server rendered says the same as the body the assignee PUT: the
 * check behind `storedDiffers`, made again on what the change pump actually rendered.
 */
export function taskMatchesBody(t: TaskRecord, rendered: string, body: string): boolean {
  return sameContent(parseCalendar(rendered), parseCalendar(body), readerFor(t));
}
