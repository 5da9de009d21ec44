// What clients send back: the served text re-serialised and edited as ical.js (Thunderbird), ical4j
// (DAVx5) and CalDav Synchronizer (Outlook) do, built from the real renderers' output.
import ICAL from 'ical.js';
import { renderAppointment } from '../../../src/ical/vevent.js';
import { renderTask } from '../../../src/ical/vtodo.js';
import type { AppointmentRecord, TaskRecord } from '../../../src/domain/records.js';
import { opts, stamp, type Component } from '../ical/fixtures.js';

export const anyUser = (e: { id: string; email: string }) => ({ id: e.id, email: e.email });

/** The body BrokerStar serves for a record, as the client got it. */
export const servedEvent = (a: AppointmentRecord): string => renderAppointment(a, stamp, { kind: 'full' }, opts);
export const servedTodo = (t: TaskRecord): string => renderTask(t, stamp, opts);

/** Parses, lets `edit` change the calendar, serialises again (ical.js folds and orders as Thunderbird does). */
export function edited(text: string, edit: (cal: Component) => void): string {
  const cal = new ICAL.Component(ICAL.parse(text));
  edit(cal);
  return cal.toString();
}

export function masterOf(cal: Component): Component {
  const m = cal.getAllSubcomponents().find((c) => (c.name === 'vevent' || c.name === 'vtodo') && !c.hasProperty('recurrence-id'));
  if (!m) throw new Error('no master component');
  return m;
}

/** Like `edited`, with the master VEVENT/VTODO (the one without RECURRENCE-ID) handed to `edit`. */
export function editedItem(text: string, edit: (item: Component, cal: Component) => void): string {
  return edited(text, (cal) => edit(masterOf(cal), cal));
}

/** Sets a DATE-TIME keeping the property's TZID (`local` is `YYYY-MM-DDTHH:MM:SS` wall clock). */
export function setLocal(c: Component, name: string, local: string): void {
  const p = c.getFirstProperty(name) ?? c.addPropertyWithValue(name, '');
  p.resetType('date-time');
  p.setValue(ICAL.Time.fromDateTimeString(local));
}

/** Sets a DATE (`YYYY-MM-DD`), dropping any TZID. */
export function setDate(c: Component, name: string, day: string): void {
  const p = c.getFirstProperty(name) ?? c.addPropertyWithValue(name, '');
  p.removeParameter('tzid');
  p.resetType('date');
  p.setValue(ICAL.Time.fromDateString(day));
}

export function setText(c: Component, name: string, value: string): void {
  c.updatePropertyWithValue(name, value);
}

/** A new bookkeeping stamp and SEQUENCE, as every client writes on save. */
export function bumpStamps(c: Component, sequence: number): void {
  c.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString('2025-03-20T12:00:00Z'));
  c.updatePropertyWithValue('last-modified', ICAL.Time.fromDateTimeString('2025-03-20T12:00:00Z'));
  c.updatePropertyWithValue('sequence', sequence);
}

/** ical4j as in DAVx5: its own PRODID and a compact VTIMEZONE of Android's tz data. */
const DAVX5_ZURICH = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Zurich',
  'BEGIN:STANDARD',
  'TZNAME:CET',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'DTSTART:19961027T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'TZNAME:CEST',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:19810329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
].join('\r\n');

export function asDavx5(cal: Component): void {
  cal.updatePropertyWithValue('prodid', '+//IDN bitfire.at//DAVx5/4.5.19-ose ical4j/3.2.19');
  for (const tz of cal.getAllSubcomponents('vtimezone')) cal.removeSubcomponent(tz);
  cal.addSubcomponent(new ICAL.Component(ICAL.parse(DAVX5_ZURICH)));
}

/** Outlook's zone as CalDav Synchronizer writes it (Windows id, rules from 1601). */
export const OUTLOOK_ZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16011028T030000',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010325T020000',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

/** TEXT escaping (RFC 5545 §3.3.11) of a value CalDav Synchronizer writes. */
const escapedText = (v: string) => v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** `YYYYMMDD` of a DATE or DATE-TIME as written (DDay's `.Date`: the day in the value's own zone). */
const writtenDay = (t: InstanceType<typeof ICAL.Time>) => `${t.year}${String(t.month).padStart(2, '0')}${String(t.day).padStart(2, '0')}`;

/** Outlook's importance as CalDav Synchronizer maps it (CommonEntityMapper.MapPriority2To1/1To2). */
const outlookPriority = (p: number) => (p >= 1 && p <= 4 ? 1 : p >= 6 ? 9 : 5);

/**
 * A VTODO as CalDav Synchronizer rebuilds it from the Outlook task that holds `served` (TaskMapper.cs:
 * Map2To1 on download, Map1To2 on upload): only the UID survives; SUMMARY and DESCRIPTION as
 * Outlook holds them (the body with CRLF), DTSTART the start day as a DATE, DUE 23:59:59 of the due
 * day in Outlook's own zone, PRIORITY through Outlook's three importances; no ORGANIZER, ATTENDEE,
 * RELATED-TO, URL or X- properties; STATUS, PERCENT-COMPLETE, COMPLETED, CLASS and a VALARM.
 * `served` defaults to what the server renders for `t`.
 */
export function outlookTodo(
  t: Pick<TaskRecord, 'id'>,
  fields: { status: string; percent: number; completed?: string },
  served: string = servedTodo(t as TaskRecord),
): string {
  const todo = new ICAL.Component(ICAL.parse(served)).getFirstSubcomponent('vtodo')!;
  const text = (name: string) => todo.getFirstPropertyValue(name) as string | null;
  const time = (name: string) => todo.getFirstPropertyValue(name) as InstanceType<typeof ICAL.Time> | null;
  const start = time('dtstart');
  const due = time('due');
  const description = text('description');
  return [
    'BEGIN:VCALENDAR',
    'PRODID:-//github.com/aluxnimm/outlookcaldavsynchronizer//NONSGML v4.4//EN',
    'VERSION:2.0',
    ...OUTLOOK_ZONE,
    'BEGIN:VTODO',
    'DTSTAMP:20250314T153012Z',
    'LAST-MODIFIED:20250314T153012Z',
    ...(start ? [`DTSTART;VALUE=DATE:${writtenDay(start)}`] : []),
    ...(due ? [`DUE;TZID=W. Europe Standard Time:${writtenDay(due)}T235959`] : []),
    `UID:brokerstar-task-${t.id}`,
    `SUMMARY:${escapedText(text('summary') ?? '')}`,
    ...(description ? [`DESCRIPTION:${escapedText(description.replace(/\n/g, '\r\n'))}`] : []),
    `PRIORITY:${outlookPriority(Number(todo.getFirstPropertyValue('priority') ?? 0))}`,
    `STATUS:${fields.status}`,
    `PERCENT-COMPLETE:${fields.percent}`,
    ...(fields.completed ? [`COMPLETED:${fields.completed}`] : []),
    'CLASS:PUBLIC',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Reminder',
    'TRIGGER;RELATED=END:-PT15M',
    'END:VALARM',
    'END:VTODO',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/**
 * A VEVENT as Outlook CalDav Synchronizer PUTs it (EventEntityMapper): its PRODID, the Windows
 * zone, DTSTAMP/LAST-MODIFIED of the save, and after `lines` its fixed tail (CLASS, PRIORITY,
 * SEQUENCE, TRANSP, busy status, a 15-minute reminder).
 */
export function outlookEvent(uid: string, lines: readonly string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'PRODID:-//github.com/aluxnimm/outlookcaldavsynchronizer//NONSGML v4.4//EN',
    'VERSION:2.0',
    ...OUTLOOK_ZONE,
    'BEGIN:VEVENT',
    'DTSTAMP:20261120T101500Z',
    'LAST-MODIFIED:20261120T101500Z',
    `UID:${uid}`,
    ...lines,
    'CLASS:PUBLIC',
    'PRIORITY:5',
    'SEQUENCE:1',
    'TRANSP:OPAQUE',
    'X-MICROSOFT-CDO-BUSYSTATUS:BUSY',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Reminder',
    'TRIGGER:-PT15M',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
