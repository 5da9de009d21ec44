import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnnaServer } from '../support/anna.js';
import { D, propText } from '../support/multistatus.js';
import type { TestServer } from '../support/server.js';

describe('smoke', () => {
  let dav: TestServer;
  beforeAll(async () => {
    dav = await startAnnaServer(async ({ b, anna }) => {
      await b.addContact({ firstName: 'Hans', lastName: 'Muster', emails: ['hans@muster.ch'] });
      await b.addTask({ assigneeId: anna, subject: 'Offerte senden' });
      await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
    });
  });
  afterAll(() => dav?.close());

  it('lists the address book', async () => {
    const r = await dav.propfind('/dav/addressbooks/anna.meier/kontakte/', '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:displayname/></d:prop></d:propfind>', '1');
    console.log(r.status, r.text.slice(0, 2000));
    expect(r.status).toBe(207);
    expect(propText(r.ms.responses.get('/dav/addressbooks/anna.meier/kontakte/'), D('displayname'))).toBe('Kontakte');
    expect(r.ms.responses.size).toBe(2);
  });
});
