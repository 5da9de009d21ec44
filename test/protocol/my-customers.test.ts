// "Meine Kunden" (issue 16): an address book per employee with the contacts he advises and his
// favourites, uncapped (Kontakte is capped at MAX_RECORDS), the same visibility as Kontakte
// (restricted, archived, deleted), the same cards and ETags, MY_CUSTOMERS_BOOK=on|off, refused writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { davError } from '../support/dav-error.js';
import { CR, D, parseMultistatus, propText } from '../support/multistatus.js';
import { startSecondServer } from '../support/second-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { SYNC } from '../support/sync-requests.js';

const ANNA = 'anna.meier';
const BRUNO = 'bruno.keller';
const DENISE = 'denise.dubois';
const CAP = 4;
const KUNDEN = (user: string) => `/dav/addressbooks/${user}/meine-kunden/`;
const KONTAKTE = (user: string) => `/dav/addressbooks/${user}/kontakte/`;
const BOOKS = (user: string) => `/dav/addressbooks/${user}/`;
const card = (book: string, id: string) => `${book}${id}.vcf`;
const memberHrefs = (hrefs: string[], collection: string) => hrefs.filter((h) => h !== collection).sort();

const PROPS = `<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:displayname/><d:resourcetype/>
<d:getetag/><d:current-user-privilege-set/></d:prop></d:propfind>`;
const QUERY = (text: string) => `<?xml version="1.0" encoding="utf-8"?>
<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>
<card:filter><card:prop-filter name="FN"><card:text-match match-type="contains">${text}</card:text-match></card:prop-filter></card:filter></card:addressbook-query>`;

interface Ids {
  anna: string;
  bruno: string;
  advised: string[];
  favorite: string;
  restrictedAdvised: string;
  restrictedFavorite: string;
  archivedAdvised: string;
  deletedAdvised: string;
  brunos: string;
}

async function seed(db: { pool: import('pg').Pool }, out: { ids?: Ids }) {
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: ANNA });
  const bruno = await b.addEmployee({ username: BRUNO });
  await b.addEmployee({ username: DENISE, language: 'fr' });
  // More than the cap of other contacts, recently changed (Kontakte would rank them first after
  // favourites and own customers); Anna's own ones are old.
  for (let i = 0; i < CAP + 3; i++) await b.addContact({ firstName: 'Firma', lastName: `Kontakt ${i}`, updatedAt: '2026-12-01T00:00:00Z' });
  const advised: string[] = [];
  for (let i = 0; i < CAP + 2; i++) advised.push(await b.addContact({ firstName: 'Kunde', lastName: `Nummer ${i}`, advisorId: anna, updatedAt: '2020-01-01T00:00:00Z' }));
  out.ids = {
    anna,
    bruno,
    advised,
    favorite: await b.addContact({ firstName: 'Fritz', lastName: 'Favorit', advisorId: bruno, favoriteOf: [anna] }),
    restrictedAdvised: await b.addContact({ firstName: 'Geheim', lastName: 'Aber Annas', advisorId: anna, restrictedTo: [bruno] }),
    restrictedFavorite: await b.addContact({ firstName: 'Geheim', lastName: 'Brunos', advisorId: bruno, restrictedTo: [bruno], favoriteOf: [anna] }),
    archivedAdvised: await b.addContact({ firstName: 'Alt', lastName: 'Archiviert', advisorId: anna, archived: true }),
    deletedAdvised: await b.addContact({ firstName: 'Weg', lastName: 'Geloescht', advisorId: anna, deletedAt: '2026-01-01T00:00:00Z' }),
    brunos: await b.addContact({ firstName: 'Brunos', lastName: 'Kunde', advisorId: bruno }),
  };
}

describe('the "my customers" address book', () => {
  let dav: TestServer;
  const holder: { ids?: Ids } = {};
  const ids = () => holder.ids!;
  const annasCustomers = () => [...ids().advised, ids().favorite, ids().restrictedAdvised];

  beforeAll(async () => {
    dav = await startTestServer({ user: ANNA, config: { maxRecords: CAP }, seed: (db) => seed(db, holder) });
  });
  afterAll(() => dav?.close());

  it('is listed in the address book home, named in the employee language, read-only; not a calendar', async () => {
    const r = await dav.propfind(BOOKS(ANNA), PROPS, '1');
    const entry = r.ms.responses.get(KUNDEN(ANNA));
    expect(propText(entry, D('displayname'))).toBe('Meine Kunden');
    expect(entry?.props.get(D('resourcetype'))?.el.children.map((c) => c.name)).toContain(CR('addressbook'));
    const privileges = entry?.props.get(D('current-user-privilege-set'))?.el.children.flatMap((p) => p.children.map((c) => c.name));
    expect(privileges?.sort()).toEqual([D('read'), D('read-current-user-privilege-set')].sort());
    const fr = await dav.propfind(BOOKS(DENISE), PROPS, '1', { user: DENISE });
    expect(propText(fr.ms.responses.get(KUNDEN(DENISE)), D('displayname'))).toBe('Mes clients');
    const calendars = await dav.propfind(`/dav/calendars/${ANNA}/`, PROPS, '1');
    expect(calendars.ms.hrefs.some((h) => h.includes('meine-kunden'))).toBe(false);
    expect((await dav.propfind(`/dav/calendars/${ANNA}/meine-kunden/`, PROPS, '0')).status).toBe(404);
  });

  it('holds the contacts he advises and his favourites, visible ones only, never capped (Kontakte is)', async () => {
    const r = await dav.propfind(KUNDEN(ANNA), PROPS, '1');
    expect(memberHrefs(r.ms.hrefs, KUNDEN(ANNA))).toEqual(annasCustomers().map((id) => card(KUNDEN(ANNA), id)).sort());
    expect(annasCustomers().length).toBeGreaterThan(CAP);
    const kontakte = await dav.propfind(KONTAKTE(ANNA), PROPS, '1');
    expect(memberHrefs(kontakte.ms.hrefs, KONTAKTE(ANNA))).toHaveLength(CAP);
    for (const hidden of [ids().restrictedFavorite, ids().archivedAdvised, ids().deletedAdvised, ids().brunos]) {
      expect((await dav.request('GET', card(KUNDEN(ANNA), hidden))).status, hidden).toBe(404);
    }
    const bruno = await dav.propfind(KUNDEN(BRUNO), PROPS, '1', { user: BRUNO });
    expect(memberHrefs(bruno.ms.hrefs, KUNDEN(BRUNO))).toEqual(
      [ids().favorite, ids().restrictedFavorite, ids().brunos].map((id) => card(KUNDEN(BRUNO), id)).sort(),
    );
  });

  it('serves the same cards and ETags as Kontakte, in vCard 3.0 and 4.0', async () => {
    const id = ids().favorite;
    for (const accept of [undefined, 'text/vcard; version=4.0']) {
      const headers: Record<string, string> = accept ? { Accept: accept } : {};
      const mine = await dav.request('GET', card(KUNDEN(ANNA), id), { headers });
      const all = await dav.request('GET', card(KONTAKTE(ANNA), id), { headers });
      expect(mine.status).toBe(200);
      expect(mine.headers.get('etag')).toBe(all.headers.get('etag'));
      expect(mine.text).toBe(all.text);
      expect(mine.text).toContain(accept ? 'VERSION:4.0' : 'VERSION:3.0');
    }
    const q = await dav.report(KUNDEN(ANNA), QUERY('Favorit'), { depth: '1' });
    expect(q.ms.hrefs).toEqual([card(KUNDEN(ANNA), id)]);
    expect(propText(q.ms.responses.get(card(KUNDEN(ANNA), id)), CR('address-data'))).toContain('FN:Fritz Favorit');
  });

  it('follows advisor changes and favourites in sync-collection', async () => {
    const initial = await dav.report(KUNDEN(ANNA), SYNC(''));
    const [first, second] = ids().advised;
    const b = builders(dav.db.pool);
    const starred = await b.addContact({ firstName: 'Neu', lastName: 'Gemerkt' });
    await dav.db.pool.query('UPDATE brokerstar.contact SET advisor_id = $2 WHERE id = $1', [first, ids().bruno]);
    await dav.db.pool.query('UPDATE brokerstar.contact SET is_archived = true WHERE id = $1', [second]);
    await dav.db.pool.query('DELETE FROM brokerstar.contact_favorite WHERE contact_id = $1 AND employee_id = $2', [ids().favorite, ids().anna]);
    await dav.db.pool.query('INSERT INTO brokerstar.contact_favorite (contact_id, employee_id) VALUES ($1, $2)', [starred, ids().anna]);
    const next = await dav.report(KUNDEN(ANNA), SYNC(initial.ms.syncToken!));
    expect(next.status).toBe(207);
    const removed = next.ms.hrefs.filter((h) => next.ms.responses.get(h)?.status === 'HTTP/1.1 404 Not Found').sort();
    const added = next.ms.hrefs.filter((h) => !next.ms.responses.get(h)?.status);
    expect(removed).toEqual([first!, second!, ids().favorite].map((id) => card(KUNDEN(ANNA), id)).sort());
    expect(added).toEqual([card(KUNDEN(ANNA), starred)]);
  });

  it('refuses PUT, a new card and DELETE with a DAV:error, and stores nothing', async () => {
    const href = card(KUNDEN(ANNA), ids().restrictedAdvised);
    const before = await dav.request('GET', href);
    const vcard = (uid: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:Umbenannt\r\nN:Umbenannt;;;;\r\nEND:VCARD\r\n`;
    const tries = [
      await dav.request('PUT', href, { body: vcard(`brokerstar-contact-${ids().restrictedAdvised}`), headers: { 'Content-Type': 'text/vcard', 'If-Match': before.headers.get('etag')! } }),
      await dav.request('PUT', `${KUNDEN(ANNA)}neu.vcf`, { body: vcard('neu-1'), headers: { 'Content-Type': 'text/vcard' } }),
      await dav.request('DELETE', href),
      await dav.request('DELETE', KUNDEN(ANNA)),
    ];
    for (const r of tries) {
      expect(r.status, r.text).toBe(403);
      await davError(r);
    }
    expect(tries[0]!.text).toContain('Kontakte');
    expect((await dav.request('GET', `${KUNDEN(ANNA)}neu.vcf`)).status).toBe(404);
    const after = await dav.request('GET', href);
    expect(after.text).toContain('FN:Geheim Aber Annas');
    const { rows } = await dav.db.pool.query('SELECT last_name, deleted_at FROM brokerstar.contact WHERE id = $1', [ids().restrictedAdvised]);
    expect(rows[0]).toEqual({ last_name: 'Aber Annas', deleted_at: null });
  });

  it('MY_CUSTOMERS_BOOK=off: not listed, 404', async () => {
    const off = await startSecondServer(dav, { config: { myCustomersBook: false } });
    try {
      const headers = { Authorization: await off.authorization(ANNA), 'Content-Type': 'application/xml' };
      const home = await fetch(`${off.url}${BOOKS(ANNA)}`, { method: 'PROPFIND', headers: { ...headers, Depth: '1' }, body: PROPS });
      const hrefs = (await parseMultistatus(await home.text())).hrefs;
      expect(hrefs).toContain(KONTAKTE(ANNA));
      expect(hrefs).not.toContain(KUNDEN(ANNA));
      const direct = await fetch(`${off.url}${KUNDEN(ANNA)}`, { method: 'PROPFIND', headers: { ...headers, Depth: '0' }, body: PROPS });
      expect(direct.status).toBe(404);
      await direct.text();
    } finally {
      await off.close();
    }
  });
});
