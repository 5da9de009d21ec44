// Turns a loaded record into the row the server stores in dav.entity: the served text, its ETag,
// and the stamps (SEQUENCE, LAST-MODIFIED) that move only when the served content changes. The
// content is compared by rendering with neutral stamps, so a BrokerStar write that changes nothing
// served (updated_at alone, an unserved column) changes no ETag.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { eventInstances, type EventInstances } from '../../calendar/event-instances.js';
import { boundedIterator } from '../../calendar/bounded-recurrence.js';
import { parseRendered } from '../../ical/parse-rendered.js';
import { birthdaySeries, RENDERER_VERSION, renderAppointment, renderBirthday, renderTask, renderVcard, type RenderOptions } from '../../ical/index.js';
import type { AppointmentRecord, ContactRecord, Language, RenderStamp, TaskRecord } from '../../domain/records.js';

/** 'birthday': a contact's event in the birthdays calendar, kept under the contact's id. */
export type EntityKind = 'contact' | 'task' | 'appointment' | 'birthday';

/** What the store already holds for an entity (without its bodies). */
export interface EntityStamps {
  readonly contentHash: string;
  readonly sequence: number;
  readonly changedAt: Date;
  readonly contentChangedAt: Date;
  readonly busy: BusyStamps | null;
}

export interface BusyStamps {
  readonly hash: string;
  readonly sequence: number;
  readonly changedAt: string;
}

export interface BusyState extends BusyStamps {
  readonly views: Record<Language, { etag: string; body: string; size: number }>;
}

export interface EntityRow {
  readonly kind: EntityKind;
  readonly id: string;
  readonly contentHash: string;
  readonly sequence: number;
  readonly changedAt: Date;
  readonly contentChangedAt: Date;
  readonly etag: string;
  readonly body: string;
  readonly size: number;
  readonly bodyV4: string | null;
  readonly busy: BusyState | null;
  readonly rangeStart: Date | null;
  readonly rangeEnd: Date | null;
  /** Appointments: the instances a time-range query is answered from (dav.occurrence). */
  readonly instances: EventInstances | null;
  readonly dateZone: string | null;
}

const NEUTRAL: RenderStamp = { lastModified: new Date(0), sequence: 0 };
const LANGUAGES: readonly Language[] = ['de', 'fr', 'it', 'en'];

const sha = (s: string) => createHash('sha256').update(s).digest('base64url');
/** Strong, quoted, derived from the exact bytes served: GET, PROPFIND and REPORT always agree. */
export const etagOf = (body: string) => `"${sha(body).slice(0, 27)}"`;
const contentHashOf = (neutral: string) => sha(`${RENDERER_VERSION}\n${neutral}`);

interface Stamped {
  readonly contentHash: string;
  readonly sequence: number;
  readonly changedAt: Date;
  readonly contentChangedAt: Date;
}

/**
 * Stamps after this pass: unchanged when the content is the same and nothing forces a new
 * announcement; otherwise SEQUENCE + 1 and LAST-MODIFIED = now.
 */
function nextStamps(hash: string, prior: Stamped | undefined, force: boolean, now: Date, firstSeen: Date): Stamped | undefined {
  if (prior && prior.contentHash === hash && !force) return undefined;
  return {
    contentHash: hash,
    sequence: prior ? prior.sequence + 1 : 0,
    changedAt: now,
    contentChangedAt: prior ? (prior.contentHash === hash ? prior.contentChangedAt : now) : firstSeen,
  };
}

/**
 * content_changed_at of a contact the server renders for the first time: it has not seen it change,
 * so the cap ranks it by BrokerStar's own updated_at alone (greatest() with this), read live, so a
 * later correction of updated_at in BrokerStar still counts.
 */
export const NEVER_SEEN_CHANGING = new Date(0);

/** Renders `render` if its content changed (or `force`); undefined = keep the stored row. */
function renderStamped(
  render: (stamp: RenderStamp) => string,
  prior: EntityStamps | undefined,
  force: boolean,
  now: Date,
  firstSeen: Date = now,
): { stamps: Stamped; body: string } | undefined {
  const hash = contentHashOf(render(NEUTRAL));
  const stamps = nextStamps(hash, prior, force, now, firstSeen);
  if (!stamps) return undefined;
  return { stamps, body: render({ lastModified: stamps.changedAt, sequence: stamps.sequence }) };
}

function row(kind: EntityKind, id: string, r: { stamps: Stamped; body: string }, extra: Partial<EntityRow> = {}): EntityRow {
  return {
    kind,
    id,
    ...r.stamps,
    etag: etagOf(r.body),
    body: r.body,
    size: Buffer.byteLength(r.body),
    bodyV4: null,
    busy: null,
    rangeStart: null,
    rangeEnd: null,
    instances: null,
    dateZone: null,
    ...extra,
  };
}

export function renderContactEntity(
  c: ContactRecord,
  prior: EntityStamps | undefined,
  force: boolean,
  now: Date,
  opts: RenderOptions,
): EntityRow | undefined {
  const r = renderStamped((s) => renderVcard(c, s, '3.0', opts), prior, force, now, NEVER_SEEN_CHANGING);
  if (!r) return undefined;
  const stamp = { lastModified: r.stamps.changedAt, sequence: r.stamps.sequence };
  return row('contact', c.id, r, { bodyV4: renderVcard(c, stamp, '4.0', opts) });
}

/**
 * A contact's birthday event, or undefined to keep the stored row (unchanged); the caller drops the
 * row of a contact without a birthday. Its ETag moves only when the event does (name, date), not
 * with every edit of the contact. The range starts on the first birthday and never ends; its
 * instances are left to the reference matcher (date_zone '': never decided in SQL alone).
 */
export function renderBirthdayEntity(
  c: ContactRecord,
  prior: EntityStamps | undefined,
  force: boolean,
  now: Date,
  opts: RenderOptions,
): EntityRow | undefined {
  const series = c.birthday === null ? undefined : birthdaySeries(c.birthday);
  if (!series) throw new Error('contact has no birthday to render');
  const r = renderStamped((s) => renderBirthday(c, s, opts)!, prior, force, now);
  if (!r) return undefined;
  const first = new Date(Date.UTC(series.start.year, series.start.month - 1, series.start.day));
  return row('birthday', c.id, r, { rangeStart: first, rangeEnd: null, dateZone: '' });
}

export function renderTaskEntity(t: TaskRecord, prior: EntityStamps | undefined, force: boolean, now: Date, opts: RenderOptions): EntityRow | undefined {
  const r = renderStamped((s) => renderTask(t, s, opts), prior, force, now);
  return r && row('task', t.id, r);
}

/**
 * Appointments carry two views: the full one, and for private appointments the busy block that
 * colleagues see, stamped on its own so a change of subject does not show in the busy block.
 */
export function renderAppointmentEntity(
  a: AppointmentRecord,
  prior: EntityStamps | undefined,
  force: boolean,
  now: Date,
  opts: RenderOptions,
): EntityRow | undefined {
  const render = (s: RenderStamp) => renderAppointment(a, s, { kind: 'full' }, opts);
  const full = renderStamped(render, prior, force, now);
  const busy = a.isPrivate ? renderBusy(a, prior?.busy ?? null, force, now, opts) : null;
  const busyChanged = busy ? busy.changed : prior?.busy != null;
  if (!full && !busyChanged) return undefined;
  // Only the busy view changed: the full view keeps its stamps (and so its bytes and ETag).
  const stamped = full ?? { stamps: prior!, body: render({ lastModified: prior!.changedAt, sequence: prior!.sequence }) };
  const span = occurrenceSpan(a);
  const instances = instancesOf(a, stamped.body, now);
  return row('appointment', a.id, stamped, {
    busy: busy?.state ?? null,
    rangeStart: span.start,
    rangeEnd: span.end,
    instances,
    dateZone: dateZoneOf(instances, a.timeZone),
  });
}

function renderBusy(
  a: AppointmentRecord,
  prior: BusyStamps | null,
  force: boolean,
  now: Date,
  opts: RenderOptions,
): { state: BusyState; changed: boolean } {
  const render = (lang: Language, s: RenderStamp) => renderAppointment(a, s, { kind: 'busy', language: lang }, opts);
  const hash = contentHashOf(render('de', NEUTRAL));
  const changed = !prior || prior.hash !== hash || force;
  const sequence = prior ? prior.sequence + (changed ? 1 : 0) : 0;
  const changedAt = changed ? now : new Date(prior!.changedAt);
  const views = {} as BusyState['views'];
  for (const lang of LANGUAGES) {
    const body = render(lang, { lastModified: changedAt, sequence });
    views[lang] = { etag: etagOf(body), body, size: Buffer.byteLength(body) };
  }
  return { state: { hash, sequence, changedAt: changedAt.toISOString(), views }, changed };
}

const DAY_MS = 86_400_000;
/** Instances are kept from a year back to two years ahead; the pump moves the window along. */
export const INSTANCE_WINDOW = { backMs: 400 * DAY_MS, aheadMs: 800 * DAY_MS } as const;

/**
 * The instances of an appointment as the matcher sees them. A timed single appointment is its
 * own one instance; anything else (series, all-day, moved occurrences) is expanded from the body.
 */
export function instancesOf(a: AppointmentRecord, body: string, now: Date): EventInstances {
  if (!a.recurrenceRule && !a.allDay && a.exceptions.length === 0) {
    return { spans: [{ start: a.startsAt.getTime(), end: a.endsAt.getTime() }], from: null, until: null, zoneDependent: false };
  }
  const t = now.getTime();
  try {
    return eventInstances(parseRendered(body), a.timeZone, { from: t - INSTANCE_WINDOW.backMs, until: t + INSTANCE_WINDOW.aheadMs });
  } catch {
    return UNKNOWN_INSTANCES;
  }
}

/**
 * Instances that could not be worked out: marked dependent on a zone no calendar has, so every
 * time-range query re-checks the object with the reference matcher instead of trusting SQL.
 */
const UNKNOWN_INSTANCES: EventInstances = { spans: [], from: null, until: null, zoneDependent: true };

/** dav.entity.date_zone: the zone the instants were read in, '' when unknown (never exact), or null. */
export function dateZoneOf(instances: EventInstances, zone: string): string | null {
  return instances === UNKNOWN_INSTANCES ? '' : instances.zoneDependent ? zone : null;
}

/**
 * First start and last end over all occurrences (the cap order; a time-range prefilter widens them
 * by the slack of this estimate: DST shifts of a series, all-day dates read in another zone).
 */
export function occurrenceSpan(a: AppointmentRecord): { start: Date; end: Date | null } {
  let start = a.startsAt.getTime();
  let end: number | null = a.endsAt.getTime();
  for (const x of a.exceptions) {
    if (x.isCancelled || !x.startsAt) continue;
    start = Math.min(start, x.startsAt.getTime());
    if (end !== null && x.endsAt) end = Math.max(end, x.endsAt.getTime());
  }
  if (a.recurrenceRule) end = seriesEnd(a, end);
  return { start: new Date(start), end: end === null ? null : new Date(end) };
}

const MAX_COUNTED = 10_000;

/**
 * End of the last occurrence (walked in UTC, so up to an hour off across DST); null = never ends,
 * also when the walk gives up (a rule that stops matching): nothing is filtered out wrongly.
 */
function seriesEnd(a: AppointmentRecord, end: number | null): number | null {
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromString(a.recurrenceRule!);
  } catch {
    return null; // unreadable rule: treat as unbounded so nothing is filtered out wrongly
  }
  const duration = a.endsAt.getTime() - a.startsAt.getTime();
  if (recur.until) return Math.max(end ?? 0, recur.until.toJSDate().getTime() + duration);
  if (!recur.count) return null;
  if (recur.count > MAX_COUNTED) return null;
  let last = a.startsAt.getTime();
  try {
    const it = boundedIterator(recur, ICAL.Time.fromJSDate(a.startsAt, true));
    for (let i = 0; i < recur.count; i++) {
      const next = it.next();
      if (!next) break;
      last = next.toJSDate().getTime();
    }
  } catch {
    return null;
  }
  return Math.max(end ?? 0, last + duration);
}
