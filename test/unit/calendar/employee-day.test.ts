// The employee's day (src/calendar/employee-day.ts): the appointment cap's "today" is the date where
// the employee is, so it turns at his midnight, not at UTC's.
import { describe, expect, it } from 'vitest';
import { localToday, startOfToday } from '../../../src/calendar/employee-day.js';

describe("the employee's day", () => {
  it('turns at local midnight: 23:30 UTC on 7 December is already the 8th in Zurich', () => {
    const now = new Date('2026-12-07T23:30:00Z');
    expect(localToday('Europe/Zurich', now)).toBe('2026-12-08');
    expect(startOfToday('Europe/Zurich', now).toISOString()).toBe('2026-12-07T23:00:00.000Z');
    expect(localToday('America/New_York', now)).toBe('2026-12-07');
    expect(startOfToday('America/New_York', now).toISOString()).toBe('2026-12-07T05:00:00.000Z');
  });

  it('starts a summer day at the summer offset', () => {
    const now = new Date('2026-07-01T10:00:00Z');
    expect(startOfToday('Europe/Zurich', now).toISOString()).toBe('2026-06-30T22:00:00.000Z');
  });

  it('falls back to UTC for a zone Node does not know (BrokerStar stores free text)', () => {
    const now = new Date('2026-12-07T23:30:00Z');
    expect(localToday('Mars/Olympus_Mons', now)).toBe('2026-12-07');
    expect(startOfToday('', now).toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });
});
