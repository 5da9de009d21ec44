// Issue 12: with PRIVATE_APPOINTMENTS=busy a cancelled private appointment still blocked
// colleagues' time, and every busy block carried CREATED (when the appointment was entered). Now a
// cancelled one is served TRANSPARENT and CANCELLED (free/busy and clients skip it), no busy block
// has CREATED, and invited participants keep seeing the appointment in full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import type { TestServer } from '../support/server.js';

const ANNA = 'anna.meier';
const BEAT = 'beat.keller';
const CARLA = 'carla.rossi';
const DAY = 86_400_000;

/** The VEVENT lines of a body (its VTIMEZONE has DTSTART and TZNAME of its own). */
const eventLines = (body: string) => body.slice(body.indexOf('BEGIN:VEVENT')).split('\r\n');

describe('private appointments seen by colleagues (PRIVATE_APPOINTMENTS=busy)', () => {
  let dav: TestServer;
  const ids: Record<string, string> = {};
  const shared = (viewer: string, id: string) => `/dav/calendars/${viewer}/termine-${ANNA}/${id}.ics`;
  /** GET of an item of anna's calendar shared with `viewer`, as `viewer`: the body and its VEVENT lines. */
  const seenBy = async (viewer: string, id: string) => {
    const r = await dav.request('GET', shared(viewer, id), { user: viewer });
    expect(r.status).toBe(200);
    return { text: r.text, lines: eventLines(r.text) };
  };

  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      const beat = await b.addEmployee({ username: BEAT });
      const carla = await b.addEmployee({ username: CARLA });
      await b.addShare(anna, beat);
      await b.addShare(anna, carla);
      const t0 = Date.now();
      const secret = { subject: 'Arzt', location: 'Praxis Dr. Weber', description: 'Kontrolle', isPrivate: true, createdAt: '2026-01-15T10:11:12Z' };
      ids.active = await b.addAppointment({ ownerId: anna, ...secret, startsAt: new Date(t0 + DAY), participants: [carla] });
      ids.cancelled = await b.addAppointment({ ownerId: anna, ...secret, startsAt: new Date(t0 + 2 * DAY), status: 'cancelled', participants: [carla] });
    }, { config: { privateAppointments: 'busy' } });
  });
  afterAll(() => dav?.close());

  it('a busy block carries times, no creation time and no details', async () => {
    const { text, lines } = await seenBy(BEAT, ids.active!);
    expect(lines).toContain('SUMMARY:Besetzt');
    expect(lines).toContain('TRANSP:OPAQUE');
    expect(lines.some((l) => l.startsWith('DTSTART'))).toBe(true);
    expect(lines.some((l) => l.startsWith('CREATED'))).toBe(false);
    expect(text).not.toContain('20260115T101112Z');
    for (const secret of ['Arzt', 'Praxis', 'Kontrolle', 'ATTENDEE', 'ORGANIZER', 'STATUS']) expect(text).not.toContain(secret);
  });

  it('a cancelled one no longer blocks the time: TRANSPARENT and CANCELLED, still without details', async () => {
    const { text, lines } = await seenBy(BEAT, ids.cancelled!);
    expect(lines).toContain('TRANSP:TRANSPARENT');
    expect(lines).toContain('STATUS:CANCELLED');
    expect(lines).not.toContain('TRANSP:OPAQUE');
    expect(lines.some((l) => l.startsWith('CREATED'))).toBe(false);
    for (const secret of ['Arzt', 'Praxis', 'Kontrolle', 'ATTENDEE']) expect(text).not.toContain(secret);
  });

  it('an invited participant sees both in full, CREATED included, in the shared calendar', async () => {
    for (const id of [ids.active!, ids.cancelled!]) {
      const { lines } = await seenBy(CARLA, id);
      expect(lines).toContain('SUMMARY:Arzt');
      expect(lines).toContain('LOCATION:Praxis Dr. Weber');
      expect(lines).toContain('CLASS:PRIVATE');
      expect(lines).toContain('CREATED:20260115T101112Z');
    }
  });

  it('the owner sees the cancelled one as it is', async () => {
    const r = await dav.request('GET', `/dav/calendars/${ANNA}/termine/${ids.cancelled}.ics`, { user: ANNA });
    const lines = eventLines(r.text);
    expect(lines).toContain('SUMMARY:Arzt');
    expect(lines).toContain('STATUS:CANCELLED');
  });
});
