// Writes that bypass BrokerStar's triggers (maintenance with session_replication_role = replica)
// are not seen until the one-line recheck of docs/change-tracking.md is run; then they show up as usual.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/transaction.js';
import { builders } from '../support/builders.js';
import { KONTAKTE } from '../support/collections.js';
import { D, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

describe('BrokerStar maintenance without triggers', () => {
  let dav: TestServer;
  const ids: string[] = [];
  beforeAll(async () => {
    dav = await startTestServer({
      user: 'anna.meier',
      seed: async (db) => {
        const b = builders(db.pool);
        await b.addEmployee({ username: 'anna.meier' });
        for (const name of ['Frei', 'Graf', 'Huber']) ids.push(await b.addContact({ lastName: name }));
      },
    });
  });
  afterAll(() => dav?.close());

  it('is picked up after the recheck: a changed card gets a new ETag, a deleted one a 404', async () => {
    const book = KONTAKTE('anna.meier');
    const before = await dav.propfind(book, LISTING, '1');
    const token = propText(before.ms.responses.get(book), D('sync-token'))!;
    await inTransaction(dav.db.pool, async (c) => {
      await c.query(`SET LOCAL session_replication_role = replica`); // triggers do not fire
      await c.query(`UPDATE brokerstar.contact SET last_name = 'Frey' WHERE id = $1`, [ids[0]]);
      await c.query(`DELETE FROM brokerstar.contact WHERE id = $1`, [ids[1]]);
    });
    const unseen = await dav.report(book, SYNC(token), { depth: '0' });
    expect(unseen.ms.hrefs, 'without triggers nothing is seen').toEqual([]);

    await dav.db.query(`INSERT INTO dav.change_log (kind, entity_id) VALUES ('all', 0)`); // the recheck of docs/change-tracking.md
    const seen = await dav.report(book, SYNC(token), { depth: '0' });
    expect(seen.status).toBe(207);
    expect(seen.ms.responses.get(`${book}${ids[0]}.vcf`)?.status, 'changed: a member with its ETag').toBeUndefined();
    expect(propText(seen.ms.responses.get(`${book}${ids[0]}.vcf`), D('getetag'))).toBeTruthy();
    expect(seen.ms.responses.get(`${book}${ids[1]}.vcf`)?.status).toBe('HTTP/1.1 404 Not Found');
    expect(seen.ms.hrefs, 'the untouched card is not repeated').not.toContain(`${book}${ids[2]}.vcf`);
  });
});
