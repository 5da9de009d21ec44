// The ETags a PUT is judged by and answered with stand for exactly what is served (design.md §4,
// RFC 4791 §5.3.4). If-Match is refused when BrokerStar wrote anything the item's rendering reads
// and the server has not rendered yet: the row, its contact, its employees, or a TRUNCATE (an
// 'all' row in the change log). And a PUT is answered with an ETag only when the version the
// change pump actually rendered says what the body says, not merely when the renderer predicted it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { davError } from '../support/dav-error.js';
import { getItem, putCalendar } from '../support/items.js';
import { listEtags } from '../support/listing.js';
import { BS } from '../support/multistatus.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { editedItem } from '../unit/policy/clients.js';
import { waitingOnLock } from './locks.js';

const USER = 'anna.meier';
const TERMINE = `/dav/calendars/${USER}/termine/`;
const AUFGABEN = `/dav/calendars/${USER}/aufgaben/`;

const ids: Record<string, string> = {};

/**
 * The client's PUT (location changed, If-Match as just read) while BrokerStar holds the item's row:
 * once the server's transaction waits for that lock, BrokerStar runs `write` and commits. The
 * server then sees BrokerStar's write in the change log, not yet rendered.
 */
async function putWhileBrokerStarWrites(
  dav: TestServer,
  item: { table: 'appointment' | 'task'; id: string },
  write: (brokerstar: pg.PoolClient) => Promise<unknown>,
): Promise<Reply> {
  const href = `${item.table === 'task' ? AUFGABEN : TERMINE}${item.id}.ics`;
  const seen = await getItem(dav, href);
  const body = editedItem(seen.text, (c) =>
    item.table === 'task' ? c.updatePropertyWithValue('status', 'IN-PROCESS') : c.updatePropertyWithValue('location', 'Vom Client'),
  );
  const brokerstar = await dav.db.pool.connect();
  try {
    await brokerstar.query('BEGIN');
    await brokerstar.query(`SELECT 1 FROM brokerstar.${item.table} WHERE id = $1 FOR UPDATE`, [item.id]);
    const put = putCalendar(dav, href, body, { 'If-Match': seen.etag });
    await waitingOnLock(dav, 'FOR UPDATE');
    await write(brokerstar);
    await brokerstar.query('COMMIT');
    return await put;
  } finally {
    await brokerstar.query('ROLLBACK').catch(() => undefined);
    brokerstar.release();
  }
}

async function expectStale(r: Reply): Promise<void> {
  expect(r.status, r.text).toBe(412);
  expect((await davError(r)).names).toContain(BS('stale-version'));
}

async function column(dav: TestServer, table: 'appointment' | 'task', id: string, name: 'location' | 'status'): Promise<unknown> {
  const { rows } = await dav.db.query(`SELECT ${name} AS v FROM brokerstar.${table} WHERE id = $1`, [id]);
  return rows[0]?.v;
}

describe('If-Match and BrokerStar writes the server has not rendered yet', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.beat = await b.addEmployee({ username: 'beat.keller' });
        ids.carla = await b.addEmployee({ username: 'carla.rossi' });
        ids.muster = await b.addContact({ firstName: 'Hans', lastName: 'Muster', customerNo: 'K-010234' });
        ids.other = await b.addContact({ firstName: 'Eva', lastName: 'Andere' });
        const at = (subject: string, extra: Partial<Parameters<typeof b.addAppointment>[0]> = {}) =>
          b.addAppointment({ ownerId: ids.anna!, startsAt: '2026-12-01T09:00:00Z', subject, location: 'Zürich', ...extra });
        ids.contactChanged = await at('Kundentermin', { contactId: ids.muster });
        ids.participantChanged = await at('Sitzung', { participants: [ids.beat!] });
        ids.ownerChanged = await at('Eigener Termin');
        ids.truncated = await at('Nach TRUNCATE');
        ids.unrelated = await at('Unberührt', { contactId: ids.muster });
        ids.task = await b.addTask({ assigneeId: ids.anna!, subject: 'Offerte senden', createdById: ids.carla });
      },
    });
    await listEtags(dav, TERMINE);
    await listEtags(dav, AUFGABEN);
  });
  afterAll(() => dav?.close());

  it("412 when the appointment's contact (the customer line) changed meanwhile", async () => {
    const r = await putWhileBrokerStarWrites(dav, { table: 'appointment', id: ids.contactChanged! }, (bs) =>
      bs.query(`UPDATE brokerstar.contact SET last_name = 'Muster-Huber' WHERE id = $1`, [ids.muster]),
    );
    await expectStale(r);
    expect(await column(dav, 'appointment', ids.contactChanged!, 'location')).toBe('Zürich');
    expect((await getItem(dav, `${TERMINE}${ids.contactChanged}.ics`)).text).toContain('Muster-Huber');
  });

  // BrokerStar changes an employee the item shows while the client's PUT is on its way.
  it.each([
    ['a participating employee', 'participantChanged', 'appointment', `UPDATE brokerstar.employee SET last_name = 'Keller-Frei' WHERE id = $1`, 'beat'],
    ['the owner', 'ownerChanged', 'appointment', `UPDATE brokerstar.employee SET first_name = 'Annemarie' WHERE id = $1`, 'anna'],
    ["the task's creator", 'task', 'task', `UPDATE brokerstar.employee SET last_name = 'Rossi-Bianchi' WHERE id = $1`, 'carla'],
  ] as const)('412 when %s changed meanwhile', async (_who, item, table, sql, employee) => {
    const r = await putWhileBrokerStarWrites(dav, { table, id: ids[item]! }, (bs) => bs.query(sql, [ids[employee]]));
    await expectStale(r);
    const column_ = table === 'task' ? 'status' : 'location';
    expect(await column(dav, table, ids[item]!, column_)).toBe(table === 'task' ? 'open' : 'Zürich');
  });

  it("412 while a TRUNCATE's 'all' row waits in the change log (everything is rendered anew)", async () => {
    // What dav.log_truncated() writes when BrokerStar truncates any of its tables.
    const r = await putWhileBrokerStarWrites(dav, { table: 'appointment', id: ids.truncated! }, (bs) =>
      bs.query(`INSERT INTO dav.change_log (kind, entity_id) VALUES ('all', 0)`),
    );
    await expectStale(r);
    expect(await column(dav, 'appointment', ids.truncated!, 'location')).toBe('Zürich');
  });

  it('applies the edit when BrokerStar changed only something the item does not show', async () => {
    const r = await putWhileBrokerStarWrites(dav, { table: 'appointment', id: ids.unrelated! }, (bs) =>
      bs.query(`UPDATE brokerstar.contact SET last_name = 'Anders' WHERE id = $1`, [ids.other]),
    );
    expect(r.status, r.text).toBe(204);
    expect(await column(dav, 'appointment', ids.unrelated!, 'location')).toBe('Vom Client');
  });
});

describe('the ETag of an accepted PUT', () => {
  let dav: TestServer;

  beforeAll(async () => {
    dav = await startTestServer({
      user: USER,
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: USER });
        ids.plain = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Beratung', location: 'Zürich' });
        ids.drift = await b.addAppointment({ ownerId: ids.anna, startsAt: '2026-12-02T09:00:00Z', subject: 'Beratung', location: 'Zürich' });
      },
    });
    await listEtags(dav, TERMINE);
    // A renderer the prediction knows nothing of: what the pump stores for one item gets an extra
    // property (the stand-in for any drift between the renderer's two uses).
    await dav.db.query(`CREATE FUNCTION public.test_drift() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF position('X-TEST-DRIFT' IN NEW.body) = 0 THEN
          NEW.body := replace(NEW.body, E'END:VEVENT\\r\\n', E'X-TEST-DRIFT:1\\r\\nEND:VEVENT\\r\\n');
        END IF;
        RETURN NEW;
      END $$`);
    await dav.db.query(`CREATE TRIGGER test_drift BEFORE INSERT OR UPDATE ON dav.entity_body FOR EACH ROW
      WHEN (NEW.kind = 'appointment' AND NEW.id = ${Number(ids.drift)}) EXECUTE FUNCTION public.test_drift()`);
  });
  afterAll(() => dav?.close());

  const moveLocation = async (href: string) => {
    const seen = await getItem(dav, href);
    return putCalendar(dav, href, editedItem(seen.text, (e) => e.updatePropertyWithValue('location', 'Bern')), { 'If-Match': seen.etag });
  };

  it('is the stored version\'s ETag when the rendered version says what the body says', async () => {
    const href = `${TERMINE}${ids.plain}.ics`;
    const r = await moveLocation(href);
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('etag')).not.toBeNull();
    expect(r.headers.get('etag')).toBe((await getItem(dav, href)).etag);
  });

  it('is left out, and the item re-announced, when the rendered version says something else', async () => {
    const href = `${TERMINE}${ids.drift}.ics`;
    const r = await moveLocation(href);
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('etag'), 'the client must re-read the stored version').toBeNull();
    expect((await getItem(dav, href)).text).toContain('X-TEST-DRIFT:1');
    expect(await column(dav, 'appointment', ids.drift!, 'location')).toBe('Bern');
    const { rows } = await dav.db.query(`SELECT reannounce_due FROM dav.entity WHERE kind = 'appointment' AND id = $1`, [ids.drift]);
    expect(rows[0]?.reannounce_due, 'Outlook adopts the ETag it reads after the PUT: announce it again later').not.toBeNull();
  });
});
