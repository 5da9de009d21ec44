// What an owner's PUT of an appointment may change (design.md §4): times (also all-day and single
// occurrences), subject, location and description. Organizer, participants, privacy, status and
// deleting an occurrence are BrokerStar's; everything else a client adds or drops is ignored. A
// participant may only answer (his own PARTSTAT, invitation-answer.ts).
import ICAL from 'ical.js';
import { zonedToUtc } from '../calendar/clock.js';
import { clip } from '../audit/clip.js';
import { TimeBudget } from '../calendar/bounded-recurrence.js';
import type { RenderOptions } from '../ical/index.js';
import { uidOf } from '../ical/uid.js';
import { zoneOrUtc } from '../ical/vcalendar.js';
import { renderAppointment } from '../ical/vevent.js';
import { localDateTime, wallClockMs } from '../calendar/wall-clock.js';
import type { AppointmentRecord } from '../domain/records.js';
import { descriptionWithoutCustomer, sameContent } from './canonical.js';
import {
  auditValue,
  refusedBy,
  refusingInvalidData,
  type AppointmentPatch,
  type EditDecision,
  type FieldChange,
  type MovedOccurrence,
  type RuleRefusal,
} from './edit-types.js';
import { FULL_LOCATION_MARKER, FULL_SUBJECT_MARKER, withFullTexts, type FullText } from './full-text.js';
import {
  addressesOf,
  InvalidCalendarData,
  keywordOf,
  normalizeAddress,
  objectParts,
  parseCalendar,
  readSpan,
  sameSpan,
  textOf,
  TimeReader,
  type Component,
  type ObjectParts,
} from './ical-input.js';
import { decideInvitationAnswer, isParticipant, withAnswer } from './invitation-answer.js';
import { ServedSeries } from './occurrences.js';
import { moveKeepsRule, RULE_CHECK_BUDGET_MS, sameRule, sentRule } from './rule-comparison.js';
import { cutAt150, singleLine } from './truncate.js';

const FULL = { kind: 'full' } as const;

/** Floating and DATE values of a body are read in the appointment's zone. */
const readerFor = (a: AppointmentRecord) => new TimeReader(zoneOrUtc(a.timeZone) ?? 'UTC');

/** What BrokerStar serves for a record, parsed: the baseline a body is compared with. */
function served(a: AppointmentRecord, opts: RenderOptions, now: Date): ObjectParts & { cal: Component } {
  const cal = parseCalendar(renderAppointment(a, { lastModified: now, sequence: 0 }, FULL, opts));
  const parts = objectParts(cal, 'vevent', uidOf('appointment', a.id));
  if ('rule' in parts) throw new Error(`renderer produced an unusable appointment: ${parts.detail}`);
  return { ...parts, cal };
}

/** ORGANIZER must be the owner; ATTENDEEs, when any are sent, the stored participants (owner aside). */
function checkParticipants(a: AppointmentRecord, events: readonly Component[]): RuleRefusal | undefined {
  const owner = normalizeAddress(a.owner.email);
  const expected = new Set(
    a.participants
      .filter((p) => p.employee.id !== a.owner.id)
      .map((p) => normalizeAddress(p.employee.email))
      .filter((e) => e !== '' && e !== owner),
  );
  for (const e of events) {
    const organizer = addressesOf(e, 'organizer').find((o) => o !== owner);
    if (organizer !== undefined) return refusedBy('change-organizer', `ORGANIZER ${organizer} is not the owner ${owner}`);
    const attendees = addressesOf(e, 'attendee');
    if (attendees.length === 0) continue; // dropped by the client: never a change
    const sent = new Set(attendees.filter((x) => x !== owner));
    const added = [...sent].filter((x) => !expected.has(x));
    const removed = [...expected].filter((x) => !sent.has(x));
    if (added.length > 0 || removed.length > 0) {
      return refusedBy('change-participants', `participants added [${added.join(', ')}], removed [${removed.join(', ')}]`);
    }
  }
  return undefined;
}

function checkPrivacy(a: AppointmentRecord, events: readonly Component[]): RuleRefusal | undefined {
  if (a.isPrivate) return undefined; // CLASS:PUBLIC on a private one is ignored: it stays private
  const cls = events.map((e) => keywordOf(e, 'class')).find((c) => c === 'PRIVATE' || c === 'CONFIDENTIAL');
  return cls ? refusedBy('make-private', `CLASS:${cls} on an appointment that is not private`) : undefined;
}

/**
 * STATUS (confirmed, tentative, cancelled) is BrokerStar's: one that differs from the served one is
 * refused. Missing is no change: Outlook writes STATUS only as CANCELLED, for a subject starting
 * "Cancelled: ", which is how it shows a cancelled appointment served to it
 * (EventEntityMapper); Thunderbird and DAVx5 send the served value back.
 */
function checkStatus(events: readonly Component[], servedMaster: Component): RuleRefusal | undefined {
  const served = keywordOf(servedMaster, 'status');
  const sent = events.map((e) => keywordOf(e, 'status')).find((s) => s !== undefined && s !== served);
  return sent === undefined ? undefined : refusedBy('change-appointment-status', `STATUS:${sent} instead of ${served ?? 'none'}`);
}

/** `YYYY-MM-DD` of an instant in the appointment's zone. */
function dayIn(ms: number, zone: string): string {
  const l = localDateTime(ms, zone);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
}

/**
 * An instant of a body that moves the whole series, taken back to the stored series: clients shift
 * EXDATEs with the series start by the same wall-clock amount (ical.js, Thunderbird), as
 * brokerstar/writes.ts shifts the stored exceptions (`withSeriesShift`).
 */
function towardsStored(a: AppointmentRecord, sentStart: Date, zone: string): (ms: number) => number {
  const shift = wallClockMs(sentStart, zone) - wallClockMs(a.startsAt, zone);
  if (shift === 0) return (ms) => ms;
  return (ms) => {
    const w = new Date(wallClockMs(ms, zone) - shift);
    return zonedToUtc(zone, w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
  };
}

/**
 * An EXDATE naming an occurrence the stored series still has deletes it: BrokerStar's. Not a
 * deletion: an EXDATE BrokerStar serves (a cancelled occurrence, in any spelling, also shifted with
 * a moved series: it is no occurrence any more), one that names no occurrence (nothing to delete),
 * and one on a day from an override's RECURRENCE-ID to its new start: CalDav Synchronizer adds
 * those "to avoid 2 events" whenever it writes a moved occurrence (EventEntityMapper.MapRecurrance1To2).
 */
function checkDeletedOccurrences(
  a: AppointmentRecord,
  master: Component,
  overrides: readonly Component[],
  series: ServedSeries,
  reader: TimeReader,
): RuleRefusal | undefined {
  if (!a.recurrenceRule || !master.hasProperty('exdate')) return undefined;
  const zone = zoneOrUtc(a.timeZone) ?? 'UTC';
  const stored = towardsStored(a, readSpan(master, reader).start, zone);
  const moved = overrides.flatMap((o) => {
    const rid = reader.time(o, 'recurrence-id');
    if (!rid) return [];
    const days = [dayIn(stored(rid.ms), zone), dayIn(readSpan(o, reader).start.getTime(), zone)].sort();
    return [{ from: days[0]!, to: days[1]! }];
  });
  for (const p of master.getAllProperties('exdate')) {
    const tzid = p.getParameter('tzid');
    for (const v of p.getValues()) {
      if (!(v instanceof ICAL.Time)) throw new InvalidCalendarData('EXDATE is not a date or date-time');
      const ms = stored(reader.ms(v, typeof tzid === 'string' ? tzid : null));
      if (!series.occurrence(ms)) continue;
      const day = dayIn(ms, zone);
      if (moved.some((m) => m.from <= day && day <= m.to)) continue;
      return refusedBy('delete-occurrence', `EXDATE ${new Date(ms).toISOString()} deletes an occurrence of the series`);
    }
  }
  return undefined;
}

interface TextResult {
  readonly fields: Pick<AppointmentPatch, 'subject' | 'location' | 'description'>;
  readonly truncated: boolean;
}

const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

const withoutCustomer = (text: string, a: AppointmentRecord): string => descriptionWithoutCustomer(text, a.contact);

/**
 * SUMMARY or LOCATION as the client sent it, when it says something else than is served: on one
 * line (varchar(150) columns; BrokerStar's own text, line breaks and all, sent back unchanged
 * stays as it is) and cut at 150. `full` is the one-line text before the cut.
 */
function editedLine(sent: string, served: string): { full: string; text: string; cut: boolean } | undefined {
  if (sent === served) return undefined;
  const full = singleLine(sent);
  return { full, ...cutAt150(full) };
}

/**
 * SUMMARY (missing or empty = unchanged: a subject is never blanked), LOCATION and DESCRIPTION
 * (missing = cleared); subject and location on one line, cut and marked.
 */
function textFields(a: AppointmentRecord, master: Component, base: Component): TextResult {
  const fields: TextResult['fields'] = {};
  const full: FullText[] = [];

  const sentSummary = textOf(master, 'summary');
  const summary = sentSummary === undefined ? undefined : editedLine(sentSummary, textOf(base, 'summary') ?? '');
  if (summary && summary.text !== '') {
    if (summary.cut) full.push({ marker: FULL_SUBJECT_MARKER, text: summary.full });
    if (summary.text !== (textOf(base, 'summary') ?? '')) fields.subject = summary.text;
  }

  // A missing LOCATION clears it, like an empty one.
  const location = editedLine(textOf(master, 'location') ?? '', textOf(base, 'location') ?? '');
  if (location) {
    if (location.cut) full.push({ marker: FULL_LOCATION_MARKER, text: location.full });
    if (orNull(location.text) !== orNull(textOf(base, 'location'))) fields.location = orNull(location.text);
  }

  const sent = withoutCustomer(textOf(master, 'description') ?? '', a);
  const description = orNull(withFullTexts(sent, full));
  if (description !== orNull(withoutCustomer(textOf(base, 'description') ?? '', a))) {
    fields.description = description;
  }
  return { fields, truncated: full.length > 0 };
}

/** DTSTART/DTEND of the master, as far as they differ from what is served. */
function timeFields(a: AppointmentRecord, master: Component, series: ServedSeries, reader: TimeReader): Partial<AppointmentPatch> {
  const span = readSpan(master, reader);
  if (sameSpan(span, series.span)) return {};
  const out: Partial<AppointmentPatch> = {};
  if (span.start.getTime() !== a.startsAt.getTime()) out.startsAt = span.start;
  if (span.end.getTime() !== a.endsAt.getTime()) out.endsAt = span.end;
  if (span.allDay !== a.allDay) out.allDay = span.allDay;
  return out;
}

/**
 * A series keeps its rule: an RRULE with other occurrences from the served DTSTART, or a start
 * moved off the rule's days, is refused. `servedMaster` is the master as BrokerStar serves it.
 */
function checkRecurrence(
  a: AppointmentRecord,
  master: Component,
  servedMaster: Component,
  reader: TimeReader,
  budget: TimeBudget,
): RuleRefusal | undefined {
  if (!a.recurrenceRule) return undefined;
  const rule = sentRule(master);
  const dtstart = servedMaster.getFirstProperty('dtstart');
  if (rule && (!dtstart || !sameRule(a.recurrenceRule, rule, dtstart, reader, budget))) {
    const why = budget.exhausted ? ` (comparing them took more than ${budget.ms} ms)` : '';
    return refusedBy('change-recurrence', `RRULE ${cutRule(rule.toString())} instead of ${a.recurrenceRule}${why}`);
  }
  const start = readSpan(master, reader).start;
  if (start.getTime() !== a.startsAt.getTime() && !moveKeepsRule(a.recurrenceRule, a.startsAt, start, zoneOrUtc(a.timeZone) ?? 'UTC')) {
    return refusedBy('change-recurrence', `a start of ${start.toISOString()} is off the rule ${a.recurrenceRule}`);
  }
  return undefined;
}

/** A client's rule in a refusal reason: short enough for a log line and an audit row. */
const cutRule = (text: string) => clip(text, 201);

interface Move {
  readonly moved: MovedOccurrence;
  readonly before: { readonly startsAt: Date; readonly endsAt: Date };
}

/**
 * Overrides whose times differ from the occurrence as served. Ignored: overrides of a
 * non-recurring appointment and RECURRENCE-IDs that are no occurrence of the stored rule.
 */
function moves(a: AppointmentRecord, overrides: readonly Component[], series: ServedSeries, reader: TimeReader): Move[] {
  if (!a.recurrenceRule) return [];
  const out: Move[] = [];
  for (const o of overrides) {
    const rid = reader.time(o, 'recurrence-id');
    const occurrence = rid && series.occurrence(rid.ms);
    if (!rid || !occurrence) continue;
    const span = readSpan(o, reader);
    const now = series.current(rid.ms, occurrence);
    if (sameSpan(span, now)) continue;
    out.push({
      moved: { originalStart: new Date(rid.ms), startsAt: span.start, endsAt: span.end },
      before: { startsAt: now.start, endsAt: now.end },
    });
  }
  return out.sort((x, y) => x.moved.originalStart.getTime() - y.moved.originalStart.getTime());
}

/** Every VEVENT readable, overrides with distinct RECURRENCE-IDs; InvalidCalendarData otherwise. */
function checkTimes(parts: ObjectParts, reader: TimeReader): void {
  readSpan(parts.master, reader);
  const seen = new Set<number>();
  for (const o of parts.overrides) {
    readSpan(o, reader);
    const rid = reader.time(o, 'recurrence-id');
    if (!rid || seen.has(rid.ms)) throw new InvalidCalendarData('two overrides of the same occurrence');
    seen.add(rid.ms);
  }
}

const FIELDS = ['subject', 'location', 'description', 'startsAt', 'endsAt', 'allDay'] as const;

function changesOf(a: AppointmentRecord, patch: AppointmentPatch, movesMade: readonly Move[]): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of FIELDS) {
    if (patch[f] !== undefined) out.push({ field: f, old: auditValue(a[f]), new: auditValue(patch[f]) });
  }
  for (const m of movesMade) {
    out.push({
      field: `exception ${m.moved.originalStart.toISOString()}`,
      old: { startsAt: m.before.startsAt.toISOString(), endsAt: m.before.endsAt.toISOString() },
      new: { startsAt: m.moved.startsAt.toISOString(), endsAt: m.moved.endsAt.toISOString() },
    });
  }
  return out;
}

/**
 * Moving a series moves the rule's occurrences, so brokerstar/writes.ts shifts the original start
 * of every stored exception by the same wall-clock amount; the predicted stored version must too.
 */
function withSeriesShift(stored: AppointmentRecord, patch: AppointmentPatch): AppointmentRecord {
  if (!patch.startsAt || !stored.recurrenceRule || patch.startsAt.getTime() === stored.startsAt.getTime()) return stored;
  // On the wall clock, as the rule repeats (a day across a DST switch is 23 or 25 hours).
  const zone = zoneOrUtc(stored.timeZone) ?? 'UTC';
  const shift = wallClockMs(patch.startsAt, zone) - wallClockMs(stored.startsAt, zone);
  const shifted = (d: Date) => {
    const w = new Date(wallClockMs(d, zone) + shift);
    const parts = [w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds()] as const;
    return new Date(zonedToUtc(zone, ...parts));
  };
  return { ...stored, exceptions: stored.exceptions.map((e) => ({ ...e, originalStart: shifted(e.originalStart) })) };
}

/** The record with the patch applied: the version BrokerStar holds after the write. */
export function applyAppointmentPatch(stored: AppointmentRecord, patch: AppointmentPatch): AppointmentRecord {
  const exceptions = new Map(stored.exceptions.map((e) => [e.originalStart.getTime(), e]));
  for (const m of patch.exceptions) {
    exceptions.set(m.originalStart.getTime(), { originalStart: m.originalStart, isCancelled: false, startsAt: m.startsAt, endsAt: m.endsAt });
  }
  return {
    ...stored,
    subject: patch.subject ?? stored.subject,
    location: patch.location !== undefined ? patch.location : stored.location,
    description: patch.description !== undefined ? patch.description : stored.description,
    startsAt: patch.startsAt ?? stored.startsAt,
    endsAt: patch.endsAt ?? stored.endsAt,
    allDay: patch.allDay ?? stored.allDay,
    exceptions: [...exceptions.values()].sort((x, y) => x.originalStart.getTime() - y.originalStart.getTime()),
    participants: withAnswer(stored, patch.answer).participants,
  };
}

function decide(a: AppointmentRecord, body: string, opts: RenderOptions, now: Date): EditDecision<AppointmentPatch> {
  const cal = parseCalendar(body);
  const parts = objectParts(cal, 'vevent', uidOf('appointment', a.id));
  if ('rule' in parts) return refusedBy(parts.rule, parts.detail);
  const reader = readerFor(a);
  checkTimes(parts, reader);
  const events = [parts.master, ...parts.overrides];
  const refusal = checkParticipants(a, events) ?? checkPrivacy(a, events);
  if (refusal) return refusal;

  const base = served(a, opts, now);
  // One allowance for every expansion of this decision: it runs while BrokerStar's row is locked.
  const budget = new TimeBudget(RULE_CHECK_BUDGET_MS);
  const recurrence = checkRecurrence(a, parts.master, base.master, reader, budget);
  if (recurrence) return recurrence;

  const series = new ServedSeries(base.master, base.overrides, reader, budget);
  const kept = checkStatus(events, base.master) ?? checkDeletedOccurrences(a, parts.master, parts.overrides, series, reader);
  if (kept) return kept;
  const text = textFields(a, parts.master, base.master);
  const movesMade = moves(a, parts.overrides, series, reader);
  const patch: AppointmentPatch = {
    ...text.fields,
    ...timeFields(a, parts.master, series, reader),
    exceptions: movesMade.map((m) => m.moved),
  };
  // Served as a single appointment because BrokerStar's rule is unreadable: moving it would move a
  // series BrokerStar still holds, so its times stay BrokerStar's business (texts may change).
  if (a.unreadableRule !== undefined && (patch.startsAt !== undefined || patch.endsAt !== undefined || patch.allDay !== undefined)) {
    return refusedBy('change-recurrence', `the times of a series whose rule is unreadable (${a.unreadableRule}) are changed in BrokerStar`);
  }
  const after = served(applyAppointmentPatch(withSeriesShift(a, patch), patch), opts, now).cal;
  return {
    ok: true,
    patch,
    changes: changesOf(a, patch, movesMade),
    truncated: text.truncated,
    storedDiffers: !sameContent(after, cal, reader),
  };
}

/** A participant's PUT (invitation-answer.ts): his own PARTSTAT, everything else as served. */
function decideAnswer(a: AppointmentRecord, body: string, user: { id: string; email: string }, opts: RenderOptions, now: Date) {
  const parts = objectParts(parseCalendar(body), 'vevent', uidOf('appointment', a.id));
  if ('rule' in parts) return refusedBy(parts.rule, parts.detail);
  return decideInvitationAnswer(a, parts, user, (answered) => decide(answered, body, opts, now));
}

/**
 * The owner's PUT of an appointment (or a participant's answer to it): a refusal with its rule, or
 * the fields to write. Pure.
 */
export function decideAppointmentEdit(
  stored: AppointmentRecord,
  body: string,
  user: { id: string; email: string },
  opts: RenderOptions,
  now: Date,
): EditDecision<AppointmentPatch> {
  if (stored.owner.id !== user.id) {
    if (isParticipant(stored, user.id)) return refusingInvalidData(() => decideAnswer(stored, body, user, opts, now));
    return refusedBy('not-owner', `appointment ${stored.id} belongs to employee ${stored.owner.id}, not ${user.id}`);
  }
  return refusingInvalidData(() => decide(stored, body, opts, now));
}

/**
 * Whether a version of `a` the server rendered says the same as the body the owner PUT: the
 * check behind `storedDiffers`, made again on what the change pump actually rendered.
 */
export function appointmentMatchesBody(a: AppointmentRecord, rendered: string, body: string): boolean {
  return sameContent(parseCalendar(rendered), parseCalendar(body), readerFor(a));
}
