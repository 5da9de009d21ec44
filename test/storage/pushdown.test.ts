// The store's SQL time-range answer (exact for timed single appointments, a superset otherwise)
// must give the same calendar-query result as the reference matcher run over every object.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesCalendarFilter, parseCalendarFilter } from '../../src/dav/filters/calendar-filter.js';
import { parseXml } from '../../src/dav/xml/parse.js';
import { builders } from '../support/builders.js';
import { startTestServer, type TestServer } from '../support/server.js';

const BASE = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A small deterministic PRNG (mulberry32) so a failure is reproducible.
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');

function query(start: number | null, end: number | null): string {
  const attrs = `${start !== null ? ` start="${stamp(start)}"` : ''}${end !== null ? ` end="${stamp(end)}"` : ''}`;
  return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range${attrs}/></C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`;
}

describe('calendar-query: SQL time-range pushdown equals the reference matcher', () => {
  let dav: TestServer;
  const TERMINE = '/dav/calendars/anna.meier/termine/';
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      config: { authCacheSeconds: 300 },
      seed: async (db) => {
        const b = builders(db.pool);
        const anna = await b.addEmployee({ username: 'anna.meier' });
        const rnd = prng(4711);
        for (let i = 0; i < 60; i++) {
          const start = BASE + Math.floor(rnd() * 40) * DAY + Math.floor(rnd() * 24) * HOUR;
          const kind = rnd();
          if (kind < 0.15) {
            await b.addAppointment({ ownerId: anna, startsAt: new Date(start).toISOString().slice(0, 10), allDay: true, subject: `ganztags ${i}` });
          } else if (kind < 0.3) {
            await b.addAppointment({
              ownerId: anna,
              startsAt: new Date(start),
              endsAt: new Date(start + HOUR),
              recurrenceRule: rnd() < 0.5 ? 'FREQ=WEEKLY;COUNT=5' : 'FREQ=DAILY;INTERVAL=3',
              subject: `Serie ${i}`,
            });
          } else {
            const length = rnd() < 0.1 ? 0 : Math.floor(1 + rnd() * 6) * HOUR;
            await b.addAppointment({ ownerId: anna, startsAt: new Date(start), endsAt: new Date(start + length), subject: `Termin ${i}` });
          }
        }
      },
    });
    const all = await dav.report(TERMINE, query(null, null).replace('<C:time-range/>', ''));
    for (const href of all.ms.hrefs) {
      const get = await dav.request('GET', href);
      bodies.set(href, get.text);
    }
  });
  afterAll(() => dav?.close());

  it('agrees on 40 random ranges, open-ended ones included', async () => {
    expect(bodies.size).toBe(60);
    const parsed = new Map([...bodies].map(([href, body]) => [href, new ICAL.Component(ICAL.parse(body))] as const));
    const rnd = prng(99);
    for (let i = 0; i < 40; i++) {
      const a = BASE + Math.floor(rnd() * 45) * DAY + Math.floor(rnd() * 24) * HOUR;
      const b = a + Math.floor(1 + rnd() * 72) * HOUR;
      const start = i % 7 === 3 ? null : a;
      const end = i % 5 === 2 && start !== null ? null : b;
      const answer = await dav.report(TERMINE, query(start, end), { depth: '1' });
      expect(answer.status).toBe(207);
      const filter = parseCalendarFilter(parseXml(query(start, end)).children.find((c) => c.name.endsWith('filter'))!);
      const expected = [...parsed]
        .filter(([, vcalendar]) => matchesCalendarFilter(filter, vcalendar, 'Europe/Zurich'))
        .map(([href]) => href)
        .sort();
      expect([...answer.ms.hrefs].sort(), `range ${start && stamp(start)} .. ${end && stamp(end)}`).toEqual(expected);
    }
  });
});
