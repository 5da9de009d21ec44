// A series' RRULE compared by its occurrences, not its spelling: Outlook CalDav Synchronizer
// rebuilds every rule from Outlook's pattern (EventEntityMapper.MapRecurrance1To2 in
// aluxnimm/outlookcaldavsynchronizer: WEEKLY always with BYDAY from DayOfWeekMask, MONTHLY with
// BYMONTHDAY, YEARLY with BYMONTHDAY and BYMONTH, an end date as COUNT=Occurrences), so its PUT of
// an unchanged series must be accepted; a rule with other occurrences, or a series start moved
// off the rule's days, is refused.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { decideAppointmentEdit } from '../../../src/policy/edit-rules.js';
import type { AppointmentRecord } from '../../../src/domain/records.js';
import { anna, appointment, opts } from '../ical/fixtures.js';
import { anyUser, edited, masterOf, servedEvent, setDate, setLocal, setText } from './clients.js';

const NOW = new Date('2025-03-20T12:00:00Z');

/** Monday 17 March 2025, 09:00-10:00 Europe/Zurich (CET), with `rule`; the subject is not the one sent. */
const series = (rule: string, extra: Partial<AppointmentRecord> = {}) =>
  appointment({ subject: 'Vorsorge-Sprechstunde', recurrenceRule: rule, ...extra });

/** The served series sent back with `rule` instead (as Outlook writes it) and a new subject. */
function putRule(a: AppointmentRecord, rule: string) {
  const body = edited(servedEvent(a), (cal) => {
    const m = masterOf(cal);
    m.updatePropertyWithValue('rrule', ICAL.Recur.fromString(rule));
    setText(m, 'summary', 'Vorsorge-Sprechstunde (neu)');
  });
  return decideAppointmentEdit(a, body, anyUser(anna), opts, NOW);
}

describe("an RRULE in Outlook's spelling of the stored series is accepted", () => {
  const cases: [string, string, string, Partial<AppointmentRecord>?][] = [
    ['YEARLY gets BYMONTHDAY and BYMONTH', 'FREQ=YEARLY', 'FREQ=YEARLY;BYMONTHDAY=17;BYMONTH=3'],
    ['WEEKLY gets BYDAY from the day-of-week mask', 'FREQ=WEEKLY;COUNT=10', 'FREQ=WEEKLY;COUNT=10;BYDAY=MO'],
    ['an unbounded WEEKLY gets BYDAY', 'FREQ=WEEKLY', 'FREQ=WEEKLY;BYDAY=MO'],
    ['MONTHLY gets BYMONTHDAY', 'FREQ=MONTHLY;COUNT=12', 'FREQ=MONTHLY;COUNT=12;BYMONTHDAY=17'],
    // 17, 19, 21, 23, 25, 27 and 29 March at 09:00 CET (08:00Z): seven.
    ['an UNTIL becomes COUNT (every other day)', 'FREQ=DAILY;INTERVAL=2;UNTIL=20250329T080000Z', 'FREQ=DAILY;INTERVAL=2;COUNT=7'],
    // Mondays 17 March to 12 May: nine; the summer-time switch on 30 March moves nothing on the wall clock.
    ['an UNTIL at the end of the day becomes COUNT (weekly, across DST)', 'FREQ=WEEKLY;BYDAY=MO;UNTIL=20250512T235959Z', 'FREQ=WEEKLY;BYDAY=MO;COUNT=9'],
    [
      'an all-day series: UNTIL as a DATE becomes COUNT with BYDAY',
      'FREQ=WEEKLY;UNTIL=20250414',
      'FREQ=WEEKLY;COUNT=5;BYDAY=MO',
      { allDay: true, startsAt: new Date('2025-03-16T23:00:00Z'), endsAt: new Date('2025-03-17T23:00:00Z') },
    ],
  ];
  for (const [what, stored, sent, extra] of cases) {
    it(`${what}: ${stored} ~ ${sent}`, () => {
      const d = putRule(series(stored, extra), sent);
      if (!d.ok) throw new Error(`refused: ${d.rule}: ${d.detail}`);
      expect(d.patch).toEqual({ subject: 'Vorsorge-Sprechstunde (neu)', exceptions: [] });
      // BrokerStar keeps its own spelling: the client must re-read it.
      expect(d.storedDiffers).toBe(true);
    });
  }
});

it('accepts the stored rule with its parts in another order, WKST and INTERVAL=1 spelled out', () => {
  const d = putRule(series('FREQ=WEEKLY;BYDAY=MO;COUNT=6'), 'COUNT=6;INTERVAL=1;WKST=MO;BYDAY=MO;FREQ=WEEKLY');
  expect(d).toMatchObject({ ok: true, patch: { subject: 'Vorsorge-Sprechstunde (neu)', exceptions: [] } });
});

describe('an RRULE with other occurrences is refused', () => {
  const cases: [string, string, string][] = [
    ['another weekday added', 'FREQ=WEEKLY;BYDAY=MO;COUNT=6', 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6'],
    ['one more occurrence', 'FREQ=WEEKLY;BYDAY=MO;COUNT=10', 'FREQ=WEEKLY;BYDAY=MO;COUNT=11'],
    ['an end added to an endless series (even far beyond the horizon)', 'FREQ=DAILY', 'FREQ=DAILY;COUNT=5000'],
    ['the end removed', 'FREQ=WEEKLY;COUNT=10', 'FREQ=WEEKLY;BYDAY=MO'],
    ['the 17th of each month vs its third Monday (the same in March only)', 'FREQ=MONTHLY;BYMONTHDAY=17', 'FREQ=MONTHLY;BYDAY=3MO'],
    ['another day of the year', 'FREQ=YEARLY', 'FREQ=YEARLY;BYMONTHDAY=18;BYMONTH=3'],
    ['every day instead of every other day', 'FREQ=DAILY;INTERVAL=2;COUNT=7', 'FREQ=DAILY;COUNT=7'],
    ['two bounded rules that differ only at their far end', 'FREQ=DAILY;COUNT=3000', 'FREQ=DAILY;COUNT=3001'],
    ['an UNTIL one occurrence earlier', 'FREQ=WEEKLY;BYDAY=MO;UNTIL=20250512T235959Z', 'FREQ=WEEKLY;BYDAY=MO;COUNT=8'],
  ];
  for (const [what, stored, sent] of cases) {
    it(`${what}: ${stored} vs ${sent}`, () => {
      const d = putRule(series(stored), sent);
      expect(d).toMatchObject({ ok: false, rule: 'change-recurrence' });
      expect(d.ok || d.detail).toContain(stored);
    });
  }

  it('refuses a stored rule that does not parse rather than guessing', () => {
    const a = series('FREQ=WEEKLY;BYDAY=MO;COUNT=6');
    const body = servedEvent(a);
    expect(decideAppointmentEdit({ ...a, recurrenceRule: 'FREQ=SOMETIMES' }, body, anyUser(anna), opts, NOW)).toMatchObject({ ok: false });
  });
});

describe('moving a series start', () => {
  const weekly = series('FREQ=WEEKLY;BYDAY=MO;COUNT=6');
  const move = (a: AppointmentRecord, start: string, end: string, rule?: string) => {
    const body = edited(servedEvent(a), (cal) => {
      const m = masterOf(cal);
      if (start.length === 10) {
        setDate(m, 'dtstart', start);
        setDate(m, 'dtend', end);
      } else {
        setLocal(m, 'dtstart', start);
        setLocal(m, 'dtend', end);
      }
      if (rule) m.updatePropertyWithValue('rrule', ICAL.Recur.fromString(rule));
    });
    return decideAppointmentEdit(a, body, anyUser(anna), opts, NOW);
  };

  it('refuses a start moved to another weekday of a BYDAY rule, also with BYDAY moved along (Thunderbird)', () => {
    expect(move(weekly, '2025-03-18T09:00:00', '2025-03-18T10:00:00')).toMatchObject({ ok: false, rule: 'change-recurrence' });
    expect(move(weekly, '2025-03-18T09:00:00', '2025-03-18T10:00:00', 'FREQ=WEEKLY;BYDAY=TU;COUNT=6')).toMatchObject({
      ok: false,
      rule: 'change-recurrence',
    });
  });

  it('compares from the stored DTSTART: a day-less weekly series moved to Tuesday is kept by Thunderbird, refused from Outlook (BYDAY=TU)', () => {
    const dayless = series('FREQ=WEEKLY;COUNT=6');
    expect(move(dayless, '2025-03-18T09:00:00', '2025-03-18T10:00:00')).toMatchObject({ ok: true });
    expect(move(dayless, '2025-03-18T09:00:00', '2025-03-18T10:00:00', 'FREQ=WEEKLY;COUNT=6;BYDAY=TU')).toMatchObject({
      ok: false,
      rule: 'change-recurrence',
    });
  });

  it('accepts a start moved within its day, with the rule in Outlook spelling', () => {
    const d = move(series('FREQ=WEEKLY;COUNT=6'), '2025-03-17T11:00:00', '2025-03-17T12:00:00', 'FREQ=WEEKLY;COUNT=6;BYDAY=MO');
    if (!d.ok) throw new Error(`refused: ${d.rule}: ${d.detail}`);
    expect(d.patch).toMatchObject({ startsAt: new Date('2025-03-17T10:00:00Z'), endsAt: new Date('2025-03-17T11:00:00Z') });
  });
});
