// Appointments (Termine): customer meetings, internal ones with participants, private, all-day, recurring with exceptions.
import type { ContactRef } from './contacts.js';
import {
  ALL_DAY_SUBJECTS,
  FIRM,
  INTERNAL_LOCATIONS,
  INTERNAL_SUBJECTS,
  LONG_LOCATION_TAILS,
  LONG_SUBJECT_TAILS,
  MEETING_SUBJECTS,
  PRIVATE_SUBJECTS,
  RECURRING_CUSTOMER_SUBJECTS,
  RECURRING_SUBJECTS,
  TRAVEL,
  WEEKLY_ALL_DAY_SUBJECTS,
  type Lang,
} from './names.js';
import type { Random } from './random.js';
import { WEEKDAYS, formatRule, occurrences, type RuleSpec, type Weekday } from './recurrence.js';
import type { EmployeeRow } from './staff.js';
import { type Day, addMinutes, weekdayOf, ymdOf, zonedToUtc } from './time.js';
import type { AppointmentStatus, ParticipantResponse } from '../domain/records.js';
import { TEXT_LIMIT, cutTo, daysBefore, instantBetween, pickOwner, type World } from './world.js';

export interface AppointmentRow {
  readonly id: number;
  readonly subject: string;
  readonly location: string | null;
  readonly description: string | null;
  readonly owner_id: number;
  readonly contact_id: number | null;
  readonly starts_at: Date;
  readonly ends_at: Date;
  readonly all_day: boolean;
  readonly time_zone: string;
  readonly recurrence_rule: string | null;
  readonly is_private: boolean;
  readonly status: AppointmentStatus;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly deleted_at: Date | null;
}

export interface ExceptionRow {
  readonly appointment_id: number;
  readonly original_start: Date;
  readonly is_cancelled: boolean;
  readonly starts_at: Date | null;
  readonly ends_at: Date | null;
}

export interface ParticipantRow {
  readonly appointment_id: number;
  readonly employee_id: number;
  readonly response: ParticipantResponse;
}

export interface AppointmentPlan {
  readonly appointments: AppointmentRow[];
  readonly exceptions: ExceptionRow[];
  readonly participants: ParticipantRow[];
}

export interface AppointmentOptions {
  readonly count: number;
  /** Share of recurring series among the appointments (default 0.1). */
  readonly recurringFraction: number;
  /** Share of recurring series that have exceptions (cancelled or moved occurrences). */
  readonly exceptionFraction: number;
  readonly daysBack: number;
  readonly daysAhead: number;
}

type Shape = 'customer' | 'internal' | 'private' | 'allday-single' | 'allday-multi' | 'recurring' | 'travel';
type Series = 'weekly-count' | 'weekly-open' | 'weekly-multi' | 'monthly' | 'daily-until' | 'yearly-allday' | 'weekly-allday';

interface Spec {
  readonly shape: Shape;
  readonly series?: Series;
  readonly status?: AppointmentStatus;
  readonly deleted?: boolean;
  readonly participants?: boolean;
  readonly exceptions?: boolean;
  readonly longSubject?: number;
  readonly longLocation?: boolean;
  readonly emoji?: boolean;
}

/**
 * The first appointments, owned by the demo login (or the focus employee), show every case once,
 * so even a tiny run holds each shape the server must render.
 */
const SHOWCASE: readonly Spec[] = [
  { shape: 'customer', participants: true },
  { shape: 'private' },
  { shape: 'allday-single' },
  { shape: 'allday-multi' },
  { shape: 'recurring', series: 'weekly-count', exceptions: true },
  { shape: 'recurring', series: 'monthly', exceptions: true },
  { shape: 'recurring', series: 'daily-until', exceptions: true },
  { shape: 'customer', status: 'cancelled' },
  { shape: 'internal', status: 'tentative', participants: true },
  { shape: 'customer', longSubject: TEXT_LIMIT },
  { shape: 'customer', longLocation: true },
  { shape: 'internal', deleted: true },
  { shape: 'travel' },
  { shape: 'recurring', series: 'yearly-allday', exceptions: true },
  { shape: 'internal', emoji: true, participants: true },
  { shape: 'recurring', series: 'weekly-multi', exceptions: true, participants: true },
  { shape: 'recurring', series: 'weekly-allday', exceptions: true },
  { shape: 'recurring', series: 'weekly-open', participants: true },
];

const RESPONSES: readonly (readonly [ParticipantResponse, number])[] = [
  ['accepted', 50],
  ['needs_action', 25],
  ['tentative', 12],
  ['declined', 13],
];

const EMOJI_SUBJECT: Record<Lang, string> = {
  de: 'Apéro 🥂 Team Zürich',
  fr: 'Apéro 🥂 équipe Lausanne',
  it: 'Aperitivo 🥂 team Lugano',
  en: 'Team drinks 🥂',
};

export function planAppointments(rng: Random, world: World, contacts: readonly ContactRef[], opts: AppointmentOptions): AppointmentPlan {
  const plan: AppointmentPlan = { appointments: [], exceptions: [], participants: [] };
  const live = contacts.filter((c) => c.live);
  const showcaseOwner = world.focus ?? world.employees[0];
  const firstDay = world.today - opts.daysBack;
  const lastDay = world.today + opts.daysAhead;

  const randomSpec = (): Spec => {
    const shape = rng.weighted<Shape>([
      ['recurring', opts.recurringFraction * 100],
      ['customer', 45],
      ['internal', 17],
      ['private', 8],
      ['allday-single', 4],
      ['allday-multi', 4],
      ['travel', 0.7],
    ]);
    const series =
      shape === 'recurring'
        ? rng.weighted<Series>([
            ['weekly-count', 25],
            ['weekly-open', 15],
            ['weekly-multi', 15],
            ['monthly', 20],
            ['daily-until', 12],
            ['yearly-allday', 6],
            ['weekly-allday', 7],
          ])
        : undefined;
    const r = rng.next();
    return {
      shape,
      series,
      status: r < 0.03 ? 'cancelled' : r < 0.09 ? 'tentative' : 'confirmed',
      deleted: rng.chance(0.02),
      exceptions: shape === 'recurring' && rng.chance(opts.exceptionFraction),
      participants:
        shape === 'internal' ? rng.chance(0.7) : shape === 'customer' ? rng.chance(0.15) : shape === 'recurring' ? rng.chance(0.4) : false,
      longSubject: rng.chance(0.01) ? rng.int(TEXT_LIMIT - 10, TEXT_LIMIT) : undefined,
      longLocation: rng.chance(0.01),
    };
  };

  /** A working day in [from, to]. */
  const workday = (from: Day, to: Day): Day => {
    const day = rng.int(from, to);
    const wd = weekdayOf(day);
    return wd < 5 ? day : day + (7 - wd);
  };
  /** Minutes after midnight on a quarter-hour grid. */
  const clock = (fromHour: number, toHour: number): number => rng.int(fromHour * 4, toHour * 4) * 15;

  for (let id = 1; id <= opts.count; id++) {
    const showcase = id <= SHOWCASE.length ? SHOWCASE[id - 1] : undefined;
    const spec = showcase ?? randomSpec();
    const owner = showcase && showcaseOwner ? showcaseOwner : pickOwner(rng, world);
    const lang = owner.language;
    let timeZone = owner.time_zone;
    const contact = live.length && (spec.shape === 'customer' || (spec.shape === 'recurring' && rng.chance(0.2))) ? rng.pick(live) : undefined;

    let subject: string;
    let location: string | null = null;
    let description: string | null = null;
    let allDay = false;
    let startDay: Day;
    let minutes = 0;
    let duration: number; // minutes, or days when all-day
    let rule: RuleSpec | undefined;

    switch (spec.shape) {
      case 'customer': {
        const what = rng.pick(MEETING_SUBJECTS[lang]);
        subject = contact ? `${what} ${contact.displayName}` : what;
        const where = rng.next();
        location = where < 0.6 && contact?.location ? contact.location : where < 0.85 ? FIRM.offices[lang] : rng.pick(['Microsoft Teams', 'Telefon', 'Zoom']);
        startDay = workday(firstDay, lastDay);
        minutes = clock(7.5, 17.5);
        duration = rng.pick([30, 45, 60, 60, 90, 120]);
        if (rng.chance(0.35)) description = describeCustomer(lang, contact);
        break;
      }
      case 'internal':
        subject = spec.emoji ? EMOJI_SUBJECT[lang] : rng.pick(INTERNAL_SUBJECTS[lang]);
        location = rng.chance(0.8) ? rng.pick(INTERNAL_LOCATIONS[lang]) : null;
        startDay = workday(firstDay, lastDay);
        minutes = clock(8, 17);
        duration = rng.pick([30, 45, 60, 90]);
        if (rng.chance(0.4)) description = agenda(lang);
        break;
      case 'private':
        subject = rng.pick(PRIVATE_SUBJECTS[lang]);
        location = rng.chance(0.3) ? rng.pick(['Zahnarztpraxis Dr. Keller, Seefeldstrasse 88, 8008 Zürich', 'Schulhaus Lachenzelg', 'Praxis Dr. Rochat, Lausanne']) : null;
        startDay = rng.int(firstDay, lastDay);
        minutes = clock(7, 19);
        duration = rng.pick([30, 45, 60, 90, 120]);
        if (rng.chance(0.2)) description = lang === 'fr' ? 'Ne pas déplacer.' : lang === 'it' ? 'Non spostare.' : 'Nicht verschieben.';
        break;
      case 'allday-single':
        subject = rng.pick(ALL_DAY_SUBJECTS[lang].single);
        allDay = true;
        startDay = workday(firstDay, lastDay);
        duration = 1;
        break;
      case 'allday-multi':
        subject = rng.pick(ALL_DAY_SUBJECTS[lang].multi);
        allDay = true;
        startDay = rng.int(firstDay, lastDay);
        duration = rng.int(2, 14);
        break;
      case 'travel': {
        const trip = rng.pick(TRAVEL);
        subject = trip.subject;
        location = trip.location;
        timeZone = trip.timeZone;
        startDay = workday(firstDay, lastDay);
        minutes = clock(9, 16);
        duration = rng.pick([60, 90, 120, 180]);
        break;
      }
      case 'recurring': {
        const series = spec.series ?? 'weekly-count';
        subject = contact ? `${rng.pick(RECURRING_CUSTOMER_SUBJECTS[lang])} ${contact.displayName}` : rng.pick(RECURRING_SUBJECTS[lang]);
        location = rng.chance(0.6) ? rng.pick(INTERNAL_LOCATIONS[lang]) : null;
        const made = series === 'yearly-allday' || series === 'weekly-allday' ? null : { minutes: clock(7.5, 17), duration: rng.pick([15, 30, 45, 60, 90]) };
        minutes = made?.minutes ?? 0;
        duration = made?.duration ?? 1;
        allDay = !made;
        const seriesStart = rng.int(firstDay, world.today + Math.floor(opts.daysAhead / 2));
        ({ rule, startDay } = planSeries(rng, series, seriesStart, minutes, timeZone));
        if (series === 'yearly-allday') subject = lang === 'fr' ? 'Anniversaire de la société' : lang === 'it' ? 'Anniversario della ditta' : 'Firmenjubiläum';
        if (series === 'weekly-allday') subject = WEEKLY_ALL_DAY_SUBJECTS[lang];
        if (rng.chance(0.3)) description = agenda(lang);
        break;
      }
    }

    if (spec.longSubject) subject = cutTo(`${subject}: ${LONG_SUBJECT_TAILS[lang]}`, spec.longSubject);
    if (spec.longLocation) location = cutTo(`${location ?? FIRM.offices[lang]}, ${LONG_LOCATION_TAILS[lang]}`, rng.int(TEXT_LIMIT - 6, TEXT_LIMIT));
    subject = cutTo(subject, TEXT_LIMIT);
    if (location) location = cutTo(location, TEXT_LIMIT);

    const startsAt = zonedToUtc(startDay, minutes, timeZone);
    const endsAt = allDay ? zonedToUtc(startDay + duration, 0, timeZone) : addMinutes(startsAt, duration);
    const createdLimit = new Date(Math.min(startsAt.getTime(), world.now.getTime()) - 3_600_000);
    const created = instantBetween(rng, daysBefore(createdLimit, 60), createdLimit);
    const updated = rng.chance(0.4) ? instantBetween(rng, created, world.now) : created;
    const deleted = spec.deleted ? instantBetween(rng, updated, world.now) : null;
    const isPrivate = spec.shape === 'private';

    plan.appointments.push({
      id,
      subject,
      location,
      description,
      owner_id: owner.id,
      contact_id: contact?.id ?? null,
      starts_at: startsAt,
      ends_at: endsAt,
      all_day: allDay,
      time_zone: timeZone,
      recurrence_rule: rule ? formatRule(rule) : null,
      is_private: isPrivate,
      status: spec.status ?? 'confirmed',
      created_at: created,
      updated_at: updated,
      deleted_at: deleted,
    });

    if (spec.participants && !isPrivate) {
      const others = world.active.filter((e) => e.id !== owner.id);
      const chosen = rng.sample(others, rng.int(1, Math.min(3, others.length))).sort((a, b) => a.id - b.id);
      if (showcase && id === 1) ensureSecond(chosen, others);
      for (const e of chosen) plan.participants.push({ appointment_id: id, employee_id: e.id, response: rng.weighted(RESPONSES) });
    }

    if (rule && spec.exceptions) {
      // Exceptions fall inside the data's window when the series has occurrences there.
      const all = occurrences(rule, startDay, minutes, timeZone, { lastDay: lastDay + 400, limit: 400 });
      const inWindow = all.filter((o) => o.day <= lastDay);
      const occ = inWindow.length ? inWindow : all;
      const picked = rng.sample(occ, rng.int(1, Math.min(3, Math.max(1, occ.length - 1)))).sort((a, b) => a.day - b.day);
      for (const o of picked) {
        if (rng.chance(0.5)) {
          plan.exceptions.push({ appointment_id: id, original_start: o.start, is_cancelled: true, starts_at: null, ends_at: null });
          continue;
        }
        let movedStart: Date;
        let movedEnd: Date;
        let nextWorkday = o.day + 1;
        while (weekdayOf(nextWorkday) >= 5) nextWorkday++;
        if (allDay) {
          movedStart = zonedToUtc(nextWorkday, 0, timeZone);
          movedEnd = zonedToUtc(nextWorkday + duration, 0, timeZone);
        } else {
          const shift = rng.pick([-120, -60, 60, 90, 180]);
          const moveDay = rng.chance(0.4);
          movedStart = moveDay
            ? zonedToUtc(nextWorkday, minutes, timeZone)
            : zonedToUtc(o.day, Math.min(Math.max(minutes + shift, 7 * 60), 19 * 60), timeZone);
          movedEnd = addMinutes(movedStart, duration);
        }
        plan.exceptions.push({ appointment_id: id, original_start: o.start, is_cancelled: false, starts_at: movedStart, ends_at: movedEnd });
      }
    }
  }
  return plan;
}

/** The first showcase appointment is the demo login's with her next colleague (if there is one). */
function ensureSecond(chosen: EmployeeRow[], others: readonly EmployeeRow[]): void {
  const second = others[0];
  if (second && !chosen.includes(second)) {
    chosen.unshift(second);
    chosen.sort((a, b) => a.id - b.id);
  }
}

/**
 * A rule of the given kind whose first occurrence is DTSTART: the start day is moved forward to
 * the first day the rule produces. UNTIL is either exactly the last occurrence's start or the end
 * of its local day (clients write both).
 */
function planSeries(rng: Random, series: Series, from: Day, minutes: number, timeZone: string): { rule: RuleSpec; startDay: Day } {
  let startDay = from;
  const toWeekday = (wanted: readonly number[]) => {
    while (!wanted.includes(weekdayOf(startDay))) startDay++;
  };
  switch (series) {
    case 'weekly-count':
    case 'weekly-open': {
      toWeekday([0, 1, 2, 3, 4]);
      const byDay = [WEEKDAYS[weekdayOf(startDay)] as Weekday];
      const interval = series === 'weekly-count' && rng.chance(0.25) ? 2 : 1;
      return { startDay, rule: { freq: 'WEEKLY', interval, byDay, count: series === 'weekly-count' ? rng.int(6, 30) : undefined } };
    }
    case 'weekly-multi': {
      const days = rng.pick([[1, 3], [0, 2, 4], [0, 3]] as const);
      toWeekday(days);
      const byDay = days.map((d) => WEEKDAYS[d] as Weekday);
      if (rng.chance(0.5)) return { startDay, rule: { freq: 'WEEKLY', interval: 1, byDay, count: rng.int(8, 40) } };
      const base: RuleSpec = { freq: 'WEEKLY', interval: 1, byDay };
      return { startDay, rule: { ...base, until: untilAfter(rng, base, startDay, minutes, timeZone, rng.int(6, 30)) } };
    }
    case 'monthly': {
      const md = rng.pick([1, 5, 15, 15, 20, 25, 28]);
      while (ymdOf(startDay).date !== md) startDay++;
      return { startDay, rule: { freq: 'MONTHLY', interval: 1, byMonthDay: md, count: rng.chance(0.5) ? 12 : undefined } };
    }
    case 'daily-until': {
      toWeekday([0, 1, 2, 3, 4]);
      const base: RuleSpec = { freq: 'DAILY', interval: rng.pick([1, 2, 2, 3]) };
      return { startDay, rule: { ...base, until: untilAfter(rng, base, startDay, minutes, timeZone, rng.int(4, 20)) } };
    }
    case 'yearly-allday':
      return { startDay, rule: { freq: 'YEARLY', interval: 1 } };
    case 'weekly-allday':
      toWeekday([4]);
      return { startDay, rule: { freq: 'WEEKLY', interval: 1, byDay: ['FR'], count: rng.int(8, 26) } };
  }
}

function untilAfter(rng: Random, base: RuleSpec, startDay: Day, minutes: number, timeZone: string, count: number): Date {
  const occ = occurrences(base, startDay, minutes, timeZone, { lastDay: startDay + 3660, limit: count });
  const last = occ[occ.length - 1] as { day: Day; start: Date };
  return rng.chance(0.5) ? last.start : new Date(zonedToUtc(last.day, 23 * 60 + 59, timeZone).getTime() + 59_000);
}

function agenda(lang: Lang): string {
  switch (lang) {
    case 'fr':
      return 'Ordre du jour :\n1. Nouveaux mandats\n2. Sinistres en cours\n3. Divers';
    case 'it':
      return 'Ordine del giorno:\n1. Nuovi mandati\n2. Sinistri in corso\n3. Varie';
    case 'en':
      return 'Agenda:\n1. New mandates\n2. Open claims\n3. Any other business';
    default:
      return 'Traktanden:\n1. Neue Mandate\n2. Offene Schadenfälle, Stand BVG-Offerten\n3. Varia';
  }
}

function describeCustomer(lang: Lang, contact: ContactRef | undefined): string {
  const who = contact?.displayName ?? '';
  switch (lang) {
    case 'fr':
      return `Apporter les polices actuelles; ${who} souhaite comparer les primes.`;
    case 'it':
      return `Portare le polizze attuali; ${who} desidera confrontare i premi.`;
    case 'en':
      return `Bring the current policies; ${who} wants to compare premiums.`;
    default:
      return `Aktuelle Policen mitnehmen, Deckungsvergleich vorbereiten.\nKunde: ${who}`;
  }
}
