// The birthdays calendar's renderer (src/ical/birthday.ts): the series of a birthday (year shown
// from 1900 on, 29 February), the event's text, and no event without a valid date.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { birthdaySeries, renderBirthday } from '../../../src/ical/birthday.js';
import { company, expectWellFormedLines, opts, parse, person, stamp, textOf } from './fixtures.js';

/** The days (YYYY-MM-DD) an event occurs on from `from` to `until` (exclusive). */
function days(text: string, from: string, until: string): string[] {
  const it = new ICAL.Event(parse(text).getFirstSubcomponent('vevent')!).iterator();
  const out: string[] = [];
  for (let next = it.next(); next; next = it.next()) {
    const day = next.toString().slice(0, 10);
    if (day >= until) break;
    if (day >= from) out.push(day);
  }
  return out;
}

describe('birthdaySeries', () => {
  it('starts on the day of birth, every year, with the year shown from 1900 on', () => {
    expect(birthdaySeries('1975-03-14')).toEqual({ start: { year: 1975, month: 3, day: 14 }, rule: 'FREQ=YEARLY', year: 1975 });
    expect(birthdaySeries('1900-01-01')?.year).toBe(1900);
  });

  it('a year before 1900 is not shown and the series starts in 1972', () => {
    expect(birthdaySeries('1899-12-31')).toEqual({ start: { year: 1972, month: 12, day: 31 }, rule: 'FREQ=YEARLY', year: null });
    expect(birthdaySeries('1604-07-01')).toEqual({ start: { year: 1972, month: 7, day: 1 }, rule: 'FREQ=YEARLY', year: null });
    expect(birthdaySeries('0001-05-05')?.year).toBeNull();
  });

  it('29 February recurs on the last day of February, also where the year is unknown (1972 is a leap year)', () => {
    expect(birthdaySeries('1988-02-29')).toEqual({ start: { year: 1988, month: 2, day: 29 }, rule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1', year: 1988 });
    expect(birthdaySeries('1604-02-29')?.start).toEqual({ year: 1972, month: 2, day: 29 });
  });

  it('is undefined for what is not a date', () => {
    for (const bad of ['', '1975-02-30', '1975-13-01', '75-03-14', 'infinity']) expect(birthdaySeries(bad), bad).toBeUndefined();
  });
});

describe('renderBirthday', () => {
  it('renders a transparent yearly all-day event named after the card, with its own UID', () => {
    const text = renderBirthday(person({ birthday: '1978-02-28' }), stamp, opts)!;
    expectWellFormedLines(text);
    const ev = parse(text).getFirstSubcomponent('vevent')!;
    expect(textOf(ev, 'summary')).toBe('Dr. Élodie Lefèvre-Dubois (1978)');
    expect(text).toContain('\r\nDTSTART;VALUE=DATE:19780228\r\nDTEND;VALUE=DATE:19780301\r\nRRULE:FREQ=YEARLY\r\n');
    expect(textOf(ev, 'transp')).toBe('TRANSPARENT');
    expect(String(ev.getFirstPropertyValue('uid'))).toMatch(/^brokerstar-birthday-/);
    expect(String(ev.getFirstPropertyValue('sequence'))).toBe('7');
    expect(days(text, '2027-01-01', '2029-01-01')).toEqual(['2027-02-28', '2028-02-28']);
  });

  it('29 February: 28 February in common years, 29 in leap years; a company by its name, no year before 1900', () => {
    const leap = renderBirthday(company({ birthday: '1848-02-29' }), stamp, opts)!;
    expect(textOf(parse(leap).getFirstSubcomponent('vevent')!, 'summary')).toBe('Müller & Söhne Treuhand AG');
    expect(leap).toContain('DTSTART;VALUE=DATE:19720229\r\n');
    expect(days(leap, '2027-01-01', '2029-01-01')).toEqual(['2027-02-28', '2028-02-29']);
  });

  it('renders nothing without a birthday', () => {
    expect(renderBirthday(person({ birthday: null }), stamp, opts)).toBeUndefined();
    expect(renderBirthday(person({ birthday: '1975-02-30' }), stamp, opts)).toBeUndefined();
  });
});
