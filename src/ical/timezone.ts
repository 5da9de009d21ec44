// VTIMEZONE (RFC 5545 §3.6.5) and local DATE/DATE-TIME values (§3.3.4-5) of IANA zones from Node's tz data.
//
// Not @touch4it/ical-timezones: its zones are tzdata 2018g (e.g. America/Mexico_City still has
// DST, abolished in 2022) and it reads a file per call; Intl follows the tzdata Node ships.
import { CRLF, foldLine } from './text.js';
import { END_YEAR, FIRST_YEAR, offsetFormatter, offsetSeconds, offsetTable } from '../calendar/offset-table.js';
import { utcFields, type LocalDateTime } from '../calendar/wall-clock.js';

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `20250310` (RFC 5545 §3.3.4). */
export function formatDate(l: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${pad(l.year, 4)}${pad(l.month)}${pad(l.day)}`;
}

/** `20250310T090000`, a local (floating or TZID) DATE-TIME (RFC 5545 §3.3.5 forms 1 and 3). */
export function formatLocalDateTime(l: LocalDateTime): string {
  return `${formatDate(l)}T${pad(l.hour)}${pad(l.minute)}${pad(l.second)}`;
}

/** `20250310T080000Z` (RFC 5545 §3.3.5 form 2). */
export function formatUtcDateTime(d: Date | number): string {
  return `${formatLocalDateTime(utcFields(d))}Z`;
}

/** `+0100`, `-0330`, `+054500` (RFC 5545 §3.3.14); zero is `+0000`. */
function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hh = Math.floor(abs / 3600);
  const mm = Math.floor((abs % 3600) / 60);
  const ss = abs % 60;
  return `${sign}${pad(hh)}${pad(mm)}${ss ? pad(ss) : ''}`;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

interface Observance {
  readonly daylight: boolean;
  readonly from: number;
  readonly to: number;
  readonly name: string | undefined;
  /** Local start per TZOFFSETFROM, as a UTC-based Date (read with getUTC*). */
  readonly local: Date;
  readonly at: number;
}

/** Rule candidates for "this weekday of the month", intersected over the years of a run. */
function weekSpecs(local: Date): Set<string> {
  const day = local.getUTCDate();
  const length = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
  const specs = new Set<string>();
  if (day > length - 7) specs.add('-1');
  if (day <= 28) specs.add(String(Math.ceil(day / 7)));
  // tzdata's "Sun>=8" style: the weekday within a seven-day window of the month.
  for (let w = Math.max(1, day - 6); w <= day && w + 6 <= length; w++) specs.add(`>=${w}`);
  return specs;
}

function chooseSpec(specs: ReadonlySet<string>): string {
  for (const s of ['-1', '1', '2', '3', '4']) if (specs.has(s)) return s;
  const first = [...specs][0];
  if (first === undefined) throw new Error('empty rule candidate set');
  return first;
}

function byDayRule(spec: string, weekday: string): string {
  if (!spec.startsWith('>=')) return `BYDAY=${spec}${weekday}`;
  const w = Number(spec.slice(2));
  const days = Array.from({ length: 7 }, (_, i) => w + i).join(',');
  return `BYMONTHDAY=${days};BYDAY=${weekday}`;
}

const nameFormatters = new Map<string, Intl.DateTimeFormat[]>();

/** An alphabetic abbreviation (CET, CEST, EST) when ICU has one; else none (TZNAME is optional). */
function abbreviation(tzid: string, at: number): string | undefined {
  let fs = nameFormatters.get(tzid);
  if (!fs) {
    fs = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone: tzid, timeZoneName: 'short' }));
    nameFormatters.set(tzid, fs);
  }
  for (const f of fs) {
    const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
    if (name && /^[A-Z]{2,6}$/.test(name)) return name;
  }
  return undefined;
}

function isDaylight(tzid: string, at: number, to: number): boolean {
  const year = new Date(at).getUTCFullYear();
  const standard = Math.min(offsetSeconds(Date.UTC(year, 0, 1), tzid), offsetSeconds(Date.UTC(year, 6, 1), tzid));
  return to > standard;
}

function observanceLines(kind: string, o: Observance, extra: readonly string[]): string[] {
  return [
    `BEGIN:${kind}`,
    `TZOFFSETFROM:${formatOffset(o.from)}`,
    `TZOFFSETTO:${formatOffset(o.to)}`,
    ...(o.name ? [`TZNAME:${o.name}`] : []),
    `DTSTART:${formatLocalDateTime(utcFields(o.local))}`,
    ...extra,
    `END:${kind}`,
  ];
}

interface Run {
  readonly key: string;
  readonly items: Observance[];
  specs: Set<string>;
}

function buildVtimezone(tzid: string): string {
  const start = Date.UTC(FIRST_YEAR, 0, 1);
  const initialOffset = offsetSeconds(start, tzid);
  const initial: Observance = {
    daylight: isDaylight(tzid, start, initialOffset),
    from: initialOffset,
    to: initialOffset,
    name: abbreviation(tzid, start),
    local: new Date(Date.UTC(FIRST_YEAR, 0, 1)),
    at: start,
  };
  const observances: Observance[] = offsetTable(tzid).transitions.map((t) => ({
    daylight: isDaylight(tzid, t.at, t.to),
    from: t.from,
    to: t.to,
    name: abbreviation(tzid, t.at),
    local: new Date(t.at + t.from * 1000),
    at: t.at,
  }));

  // Group yearly repeats (same month, weekday, local time and offsets in consecutive years, with a
  // weekday-of-month rule common to all of them) into one RRULE observance, as vzic does.
  const runs: Run[] = [];
  const open = new Map<string, Run>();
  for (const o of observances) {
    const key = [o.daylight, o.from, o.to, o.name, o.local.getUTCMonth(), o.local.getUTCDay(), o.local.getUTCHours(),
      o.local.getUTCMinutes(), o.local.getUTCSeconds()].join('|');
    const specs = weekSpecs(o.local);
    const run = open.get(key);
    const last = run?.items[run.items.length - 1];
    if (run && last && last.local.getUTCFullYear() === o.local.getUTCFullYear() - 1) {
      const common = new Set([...run.specs].filter((s) => specs.has(s)));
      if (common.size > 0) {
        run.items.push(o);
        run.specs = common;
        continue;
      }
    }
    const fresh: Run = { key, items: [o], specs };
    runs.push(fresh);
    open.set(key, fresh);
  }

  const blocks: { readonly at: number; readonly lines: string[] }[] = [];
  const singles = new Map<string, Observance[]>();
  singles.set('initial', [initial]);
  for (const run of runs) {
    const first = run.items[0];
    const last = run.items[run.items.length - 1];
    if (!first || !last) continue;
    if (run.items.length === 1) {
      const key = [first.daylight, first.from, first.to, first.name].join('|');
      singles.set(key, [...(singles.get(key) ?? []), first]);
      continue;
    }
    const ongoing = last.local.getUTCFullYear() >= END_YEAR - 1;
    const rule =
      `RRULE:FREQ=YEARLY;BYMONTH=${first.local.getUTCMonth() + 1};` +
      byDayRule(chooseSpec(run.specs), WEEKDAYS[first.local.getUTCDay()] ?? 'SU') +
      (ongoing ? '' : `;UNTIL=${formatUtcDateTime(last.at)}`);
    blocks.push({ at: first.at, lines: observanceLines(first.daylight ? 'DAYLIGHT' : 'STANDARD', first, [rule]) });
  }
  // One-off changes with the same offsets share an observance: DTSTART plus RDATEs. The first onset
  // is repeated as an RDATE because ical.js (Thunderbird's parser) ignores DTSTART once RDATE is present.
  for (const group of singles.values()) {
    const [first, ...rest] = group;
    if (!first) continue;
    const rdates = rest.length === 0 ? [] : group.map((o) => `RDATE:${formatLocalDateTime(utcFields(o.local))}`);
    blocks.push({ at: first.at, lines: observanceLines(first.daylight ? 'DAYLIGHT' : 'STANDARD', first, rdates) });
  }
  blocks.sort((a, b) => a.at - b.at);
  const lines = [`BEGIN:VTIMEZONE`, `TZID:${tzid}`, ...blocks.flatMap((b) => b.lines), 'END:VTIMEZONE'];
  return lines.map(foldLine).join(CRLF);
}

const vtimezones = new Map<string, string>();

/**
 * The VTIMEZONE component for an IANA zone, CRLF-separated, without a trailing CRLF. Computed once
 * per zone and process (a few ms), then served from memory. Throws RangeError for an unknown zone.
 */
export function vtimezone(tzid: string): string {
  let text = vtimezones.get(tzid);
  if (text === undefined) {
    offsetFormatter(tzid);
    text = buildVtimezone(tzid);
    vtimezones.set(tzid, text);
  }
  return text;
}
