// The stored XML form of each body (dav.entity_body.body_xml, migration 006) is written as it is
// into multiget, sync-collection and calendar-query answers: it must say exactly what GET serves,
// also for text full of XML's special characters, and rows from before it existed must be served
// the same way (escaped per request) until the upkeep has filled them in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { KONTAKTE, TERMINE } from '../support/collections.js';
import { C, CR, propText } from '../support/multistatus.js';
import type { TestServer } from '../support/server.js';

const TRICKY = 'Müller & Söhne <AG> "Zürich"\r\nzweite Zeile; drei > zwei';

const multiget = (kind: 'address' | 'calendar', hrefs: string[]) =>
  kind === 'address'
    ? `<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
         <D:prop><D:getetag/><C:address-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:addressbook-multiget>`
    : `<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
         <D:prop><D:getetag/><C:calendar-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`;

const SYNC_WITH_DATA = `<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/><C:address-data/></D:prop></D:sync-collection>`;

describe('bodies stored escaped for XML', () => {
  let dav: TestServer;
  let cards: string[];
  let events: string[];
  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      const ids = [
        await b.addContact({ companyName: TRICKY, notes: `${TRICKY}\u0001 mit Steuerzeichen` }),
        await b.addContact({ lastName: 'Frei', photo: 'jpeg' }),
      ];
      cards = ids.map((id) => `${KONTAKTE('anna.meier')}${id}.vcf`);
      const ev = await b.addAppointment({ ownerId: anna, startsAt: new Date(Date.now() + 86_400_000), subject: 'A & B <C>', description: TRICKY });
      events = [`${TERMINE('anna.meier')}${ev}.ics`];
    });
  });
  afterAll(() => dav?.close());

  async function served(): Promise<{ gets: Map<string, string>; multiget: Map<string, string>; sync: Map<string, string>; query: Map<string, string> }> {
    const gets = new Map<string, string>();
    for (const h of [...cards, ...events]) gets.set(h, (await dav.request('GET', h)).text);
    const multiget_ = new Map<string, string>();
    const m1 = await dav.report(KONTAKTE('anna.meier'), multiget('address', cards), { depth: '1' });
    for (const h of cards) multiget_.set(h, propText(m1.ms.responses.get(h), CR('address-data'))!);
    const m2 = await dav.report(TERMINE('anna.meier'), multiget('calendar', events), { depth: '1' });
    for (const h of events) multiget_.set(h, propText(m2.ms.responses.get(h), C('calendar-data'))!);
    const sync = new Map<string, string>();
    const s = await dav.report(KONTAKTE('anna.meier'), SYNC_WITH_DATA, { depth: '0' });
    for (const h of cards) sync.set(h, propText(s.ms.responses.get(h), CR('address-data'))!);
    const query = new Map<string, string>();
    const q = await dav.report(
      TERMINE('anna.meier'),
      `<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
        <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`,
      { depth: '1' },
    );
    for (const h of events) query.set(h, propText(q.ms.responses.get(h), C('calendar-data'))!);
    return { gets, multiget: multiget_, sync, query };
  }

  it('serve in every report exactly what GET serves, special characters and CRLF included', async () => {
    const { gets, multiget: m, sync, query } = await served();
    expect(gets.get(cards[0]!)).toContain('Müller & Söhne <AG>');
    expect(gets.get(cards[0]!)).not.toContain('\u0001');
    for (const [h, body] of gets) {
      expect(body).toContain('\r\n');
      expect(m.get(h), `multiget ${h}`).toBe(body);
      if (sync.has(h)) expect(sync.get(h), `sync-collection ${h}`).toBe(body);
      if (query.has(h)) expect(query.get(h), `calendar-query ${h}`).toBe(body);
    }
    const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.entity_body WHERE body_xml IS NULL`);
    expect(rows[0]?.n, 'the pump stores the escaped form with every body').toBe(0);
  });

  it('rows without the escaped form (from before migration 006) are served the same, then filled by the upkeep', async () => {
    const before = await served();
    await dav.db.query(`UPDATE dav.entity_body SET body_xml = NULL`);
    const without = await served();
    expect(without).toEqual(before);
    expect(await dav.store.pump.escapeStoredBodies()).toBe(3);
    const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.entity_body WHERE body_xml IS NULL`);
    expect(rows[0]?.n).toBe(0);
    expect(await served()).toEqual(before);
  });
});
