// What the assignee's PUT of a task may change (design.md §4): status, percent complete and
// completion. Outlook rebuilds whole VTODOs (no ORGANIZER/ATTENDEE/RELATED-TO, DUE at 23:59:59,
// docs/client-compatibility.md, Outlook), so everything else is ignored and only an explicit other assignee is refused.
import type { RenderOptions } from '../ical/index.js';
import { uidOf } from '../ical/uid.js';
import { zoneOrUtc } from '../ical/vcalendar.js';
import { renderTask } from '../ical/vtodo.js';
import type { TaskRecord, TaskStatus } from '../domain/records.js';
import { sameContent } from './canonical.js';
import { auditValue, refusedBy, refusingInvalidData, type EditDecision, type FieldChange, type RuleRefusal, type TaskPatch } from './edit-types.js';
import {
  addressesOf,
  keywordOf,
  normalizeAddress,
  objectParts,
  parseCalendar,
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

/** Any ATTENDEE other than the logged-in employee hands the task to someone else. */
function checkAssignee(user: { email: string }, todos: readonly Component[]): RuleRefusal | undefined {
  const me = normalizeAddress(user.email);
  for (const t of todos) {
    const other = addressesOf(t, 'attendee').find((a) => a !== me);
    if (other !== undefined) return refusedBy('reassign-task', `ATTENDEE ${other} is not the assignee ${me}`);
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
  const refusal = checkAssignee(user, [parts.master, ...parts.overrides]);
  if (refusal) return refusal;
  const reader = readerFor(t);
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
