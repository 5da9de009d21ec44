// The one guarded iterator (src/calendar/bounded-recurrence.ts) and its users: every walk through a
// rule ends within its bounds, whatever the rule. Unbounded, each of these rules hung ical.js
// (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 forever), took 150 ms before the first instance (a YEARLY
// rule that never matches) or seconds (a daily series stepped through second by second).
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { forEachOccurrence } from '../../src/calendar/recurrence.js';
import { Clock } from '../../src/calendar/clock.js';
import { boundedIterator, RecurrenceLimitError, TimeBudget } from '../../src/calendar/bounded-recurrence.js';
import { readableRule } from '../../src/calendar/rule-text.js';
import { occurrenceSpan, renderAppointmentEntity } from '../../src/storage/postgres/render-entity.js';
import { appointment, opts } from '../unit/ical/fixtures.js';

const NEVER = 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30';
const YEARLY_NEVER = 'FREQ=YEARLY;BYMONTH=4;BYDAY=1MO;BYMONTHDAY=15,16,17,18,19,20,21';
const start = () => ICAL.Time.fromData({ year: 2026, month: 3, day: 2, hour: 9, minute: 0, second: 0, isDate: false });

/** The result of `f` and the CPU time it took in ms. */
function cpu<T>(f: () => T): { value: T; ms: number } {
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, ms: (c.user + c.system) / 1000 };
}

describe('boundedIterator', () => {
  it('gives up on a rule that never matches instead of looping forever', () => {
    const it = boundedIterator(ICAL.Recur.fromString(NEVER), start());
    const { value, ms } = cpu(() => {
      try {
        for (let i = 0; i < 10; i++) it.next();
        return undefined;
      } catch (e) {
        return e;
      }
    });
    expect(value).toBeInstanceOf(RecurrenceLimitError);
    expect(ms).toBeLessThan(200);
  });

  it('a YEARLY rule that never matches is searched four centuries ahead, not to the year 20000', () => {
    const { value, ms } = cpu(() => {
      try {
        return boundedIterator(ICAL.Recur.fromString(YEARLY_NEVER), start()).next();
      } catch (e) {
        return e;
      }
    });
    expect(value === null || value instanceof Error).toBe(true);
    expect(ms).toBeLessThan(60);
  });

  it('stops at the shared time budget on a rule that keeps matching slowly', () => {
    const rule = ICAL.Recur.fromString('FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0');
    const budget = new TimeBudget(50);
    const { value, ms } = cpu(() => {
      let n = 0;
      try {
        const it = boundedIterator(rule, start(), budget);
        while (it.next()) n++;
      } catch (e) {
        return { n, e };
      }
      return { n, e: undefined };
    });
    expect(value.e).toBeInstanceOf(RecurrenceLimitError);
    expect(value.n).toBeGreaterThan(0);
    expect(ms).toBeLessThan(50 + 30);
    expect(budget.exhausted).toBe(true);
  });

  it('walks an ordinary rule completely and does not change it', () => {
    const rule = ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10');
    const before = rule.toString();
    const it = boundedIterator(rule, start());
    const seen: string[] = [];
    for (let t = it.next(); t; t = it.next()) seen.push(t.toString());
    expect(seen).toHaveLength(10);
    expect(seen[0]).toBe('2026-03-02T09:00:00');
    expect(rule.toString()).toBe(before);
  });
});

describe('forEachOccurrence (filters, edit checks) on hostile rules', () => {
  it.each([NEVER, YEARLY_NEVER, 'FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0'])('%s: capped or complete within its budget', (rule) => {
    const vevent = new ICAL.Component('vevent');
    const dtstart = vevent.addPropertyWithValue('dtstart', start());
    vevent.addPropertyWithValue('rrule', ICAL.Recur.fromString(rule));
    const { value, ms } = cpu(() => forEachOccurrence(vevent, dtstart, new Clock('Europe/Zurich'), { budget: new TimeBudget(50) }, () => false));
    expect(['capped', 'complete']).toContain(value);
    expect(ms).toBeLessThan(200);
  });
});

describe('forEachOccurrence on rules at the edges', () => {
  it('an UNTIL in the year 9999 (10000 on the Zurich wall clock) is an ordinary open series', () => {
    const vevent = new ICAL.Component('vevent');
    const zurich = ICAL.Time.fromData({ year: 2020, month: 1, day: 6, hour: 9, minute: 0, second: 0, isDate: false });
    const dtstart = vevent.addPropertyWithValue('dtstart', zurich);
    dtstart.setParameter('tzid', 'Europe/Zurich');
    vevent.addPropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=DAILY;UNTIL=99991231T235959Z'));
    const seen: number[] = [];
    const result = forEachOccurrence(vevent, dtstart, new Clock('UTC'), {}, (o) => seen.push(o.startMs) >= 3);
    expect(result).toBe('stopped');
    expect(seen.map((ms) => new Date(ms).toISOString())).toEqual(['2020-01-06T08:00:00.000Z', '2020-01-07T08:00:00.000Z', '2020-01-08T08:00:00.000Z']);
  });

  it('an INTERVAL too large to step (ical.js moves the date day by day) gives up at once', () => {
    const it = () => boundedIterator(ICAL.Recur.fromString('FREQ=DAILY;INTERVAL=999999999'), start()).next();
    expect(it).toThrow(RecurrenceLimitError);
  });
});

describe('readableRule: which BrokerStar rules are served', () => {
  it.each([NEVER, `${NEVER};COUNT=5`, YEARLY_NEVER, 'FREQ=MINUTELY', 'FREQ=DAILY;INTERVAL=999999999', 'FREQ=SECONDLY;COUNT=3', 'FREQ=SOMETIMES', 'BYDAY=MO', 'garbage;;', ''])(
    '%j is served as a single appointment, decided at once',
    (rule) => {
      const { value, ms } = cpu(() => readableRule(rule));
      expect(value).toBeNull();
      expect(ms).toBeLessThan(250);
    },
  );

  it.each([
    'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
    'RRULE:FREQ=MONTHLY;BYDAY=-1FR',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    'FREQ=DAILY;UNTIL=19990101T000000Z',
    'FREQ=HOURLY;COUNT=3',
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29',
  ])('%j is served', (rule) => {
    expect(readableRule(rule)).toBe(rule.replace(/^RRULE:/, ''));
  });
});

describe('the renderer on a rule that slipped through', () => {
  it('a never-matching counted rule: the series end is unknown (never filtered out), rendering answers', () => {
    const a = appointment({ recurrenceRule: `${NEVER};COUNT=5` });
    const { value, ms } = cpu(() => ({ span: occurrenceSpan(a), row: renderAppointmentEntity(a, undefined, false, new Date('2026-03-01T00:00:00Z'), opts) }));
    expect(value.span.end).toBeNull();
    expect(value.row?.body).toContain('BEGIN:VEVENT');
    expect(ms).toBeLessThan(500);
  });
});
