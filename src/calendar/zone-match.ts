// The IANA zone a client's own time-zone definition describes, when its TZID names none: Outlook
// sends "Customized Time Zone" (or a localised Windows name) with a VTIMEZONE in Windows' shape,
// one STANDARD and one DAYLIGHT observance, each "the nth weekday of a month" every year. Its
// rules are read, never expanded: a few date computations for this year and the next, checked
// against candidate zones with Intl. Any other shape matches nothing (the PUT is then refused).
import { WINDOWS_ZONES } from './zone-names.js';
import { isKnownTimeZone, utcMs, wallClockMs } from './wall-clock.js';

/** One observance as the client wrote it (values as text, straight from the component). */
export interface ObservanceText {
  readonly kind: 'standard' | 'daylight';
  readonly dtstart: string | undefined;
  readonly offsetFrom: string | undefined;
  readonly offsetTo: string | undefined;
  readonly rrule: string | undefined;
}

interface YearlyRule {
  readonly month: number;
  /** 1..4 or -1 (last). */
  readonly week: number;
  readonly weekday: number;
}

interface Transition {
  readonly rule: YearlyRule;
  readonly hour: number;
  readonly minute: number;
  readonly from: number;
  readonly to: number;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
/** At most this many observances are looked at: a definition with more is no Windows zone. */
const MAX_OBSERVANCES = 8;

/** The candidates in order of preference: the firm's zone first, then Windows' zones. */
const CANDIDATES = [...new Set(['Europe/Zurich', ...Object.values(WINDOWS_ZONES)])].filter(isKnownTimeZone);

function offsetSeconds(text: string | undefined): number | undefined {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -s : s;
}

/** FREQ=YEARLY;BYMONTH=m;BYDAY=nWD (any order), nothing else: no UNTIL, COUNT or INTERVAL. */
function yearlyRule(text: string | undefined): YearlyRule | undefined {
  if (!text || text.length > 200) return undefined;
  const parts = new Map(text.toUpperCase().split(';').map((p) => p.split('=') as [string, string]));
  if (parts.size !== 3 || parts.get('FREQ') !== 'YEARLY') return undefined;
  const month = Number(parts.get('BYMONTH'));
  const day = /^([+-]?\d)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(parts.get('BYDAY') ?? '');
  if (!Number.isInteger(month) || month < 1 || month > 12 || !day?.[2]) return undefined;
  const week = day[1] === undefined ? 1 : Number(day[1]);
  if (!(week === -1 || (week >= 1 && week <= 4))) return undefined;
  return { month, week, weekday: WEEKDAYS.indexOf(day[2]) };
}

function transitionOf(o: ObservanceText): Transition | undefined {
  const rule = yearlyRule(o.rrule);
  const time = /T(\d{2})(\d{2})\d{2}$/.exec(o.dtstart?.trim() ?? '');
  const from = offsetSeconds(o.offsetFrom);
  const to = offsetSeconds(o.offsetTo);
  if (!rule || !time || from === undefined || to === undefined) return undefined;
  return { rule, hour: Number(time[1]), minute: Number(time[2]), from, to };
}

/** The day of month of the rule's weekday in that year. */
function dayOf(rule: YearlyRule, year: number): number {
  if (rule.week > 0) {
    const first = new Date(utcMs(year, rule.month, 1)).getUTCDay();
    return 1 + ((rule.weekday - first + 7) % 7) + 7 * (rule.week - 1);
  }
  const length = new Date(utcMs(year, rule.month + 1, 0)).getUTCDate();
  const last = new Date(utcMs(year, rule.month, length)).getUTCDay();
  return length - ((last - rule.weekday + 7) % 7);
}

const offsetAt = (zone: string, ms: number) => (wallClockMs(ms, zone) - Math.floor(ms / 1000) * 1000) / 1000;

/** Does `zone` change from `from` to `to` at exactly this transition, this year and the next? */
function follows(zone: string, t: Transition, year: number): boolean {
  for (const y of [year, year + 1]) {
    const at = utcMs(y, t.rule.month, dayOf(t.rule, y), t.hour, t.minute) - t.from * 1000;
    if (offsetAt(zone, at - 60_000) !== t.from || offsetAt(zone, at + 60_000) !== t.to) return false;
  }
  return true;
}

/**
 * The first candidate zone that keeps the definition's offsets now and, for a zone with daylight
 * saving time, changes them at the same moments this year and next; undefined when none does.
 * `now` fixes "this year" (tests).
 */
export function zoneMatchingObservances(observances: readonly ObservanceText[], now = Date.now()): string | undefined {
  if (observances.length === 0 || observances.length > MAX_OBSERVANCES) return undefined;
  const year = new Date(now).getUTCFullYear();
  const ruled = observances.filter((o) => o.rrule !== undefined);
  if (ruled.length === 0) {
    // A fixed offset: the observance that starts last is the one in force.
    const latest = [...observances].sort((a, b) => (a.dtstart ?? '').localeCompare(b.dtstart ?? '')).at(-1);
    const offset = offsetSeconds(latest?.offsetTo);
    if (offset === undefined) return undefined;
    return CANDIDATES.find((z) => offsetAt(z, now) === offset && offsetAt(z, now + 182 * 86_400_000) === offset);
  }
  const standard = ruled.filter((o) => o.kind === 'standard');
  const daylight = ruled.filter((o) => o.kind === 'daylight');
  if (standard.length !== 1 || daylight.length !== 1 || ruled.length !== 2) return undefined;
  const transitions = [standard[0], daylight[0]].map((o) => (o ? transitionOf(o) : undefined));
  if (transitions.some((t) => t === undefined)) return undefined;
  return CANDIDATES.find((z) => transitions.every((t) => t !== undefined && follows(z, t, year)));
}
