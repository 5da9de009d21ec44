// The sync windows' first day (src/calendar/sync-window.ts): today minus the days, in the employee's
// calendar, beginning at his midnight (across DST changes and month ends), none for 0.
import { describe, expect, it } from 'vitest';
import { windowStart } from '../../../src/calendar/sync-window.js';

describe("the sync window's first day", () => {
  it("counts the employee's days: 23:30 UTC on 7 December is the 8th in Zurich", () => {
    const now = new Date('2026-12-07T23:30:00Z');
    expect(windowStart('Europe/Zurich', 30, now)).toEqual({ date: '2026-11-08', instant: new Date('2026-11-07T23:00:00Z') });
    expect(windowStart('America/New_York', 30, now)).toEqual({ date: '2026-11-07', instant: new Date('2026-11-07T05:00:00Z') });
  });

  it('begins at the midnight of its own day, whatever the offset today (DST)', () => {
    // Today is in summer time, the first day in winter time.
    const now = new Date('2026-04-15T10:00:00Z');
    expect(windowStart('Europe/Zurich', 30, now)).toEqual({ date: '2026-03-16', instant: new Date('2026-03-15T23:00:00Z') });
    expect(windowStart('Europe/Zurich', 365, now)?.date).toBe('2025-04-15');
  });

  it('crosses month and leap-year ends', () => {
    expect(windowStart('UTC', 1, new Date('2028-03-01T08:00:00Z'))?.date).toBe('2028-02-29');
    expect(windowStart('UTC', 365, new Date('2027-01-01T08:00:00Z'))?.date).toBe('2026-01-01');
  });

  it('is none for 0 days (no window)', () => {
    expect(windowStart('Europe/Zurich', 0, new Date())).toBeUndefined();
  });

  it('falls back to UTC for a zone Node does not know (BrokerStar stores free text)', () => {
    expect(windowStart('Mars/Olympus_Mons', 2, new Date('2026-12-07T23:30:00Z'))).toEqual({
      date: '2026-12-05',
      instant: new Date('2026-12-05T00:00:00Z'),
    });
  });
});
