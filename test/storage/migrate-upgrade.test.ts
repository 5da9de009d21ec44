// Upgrading a running installation: migration 005 moves the served texts out of dav.entity and adds
// stored instances, without changing a single ETag or body a client already has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerstarSchema, loadMigrations, migrate } from '../../src/db/migrate.js';
import { testConfig } from '../../src/config.js';
import { createStore } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { builders } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DAY = 86_400_000;
// One instant for both seeds: the two databases must hold the very same rows.
const SOON = Math.floor(Date.now() / DAY) * DAY + 3 * DAY + 9 * 3_600_000;

/** The same firm in both databases, inserted in the same order so the ids agree. */
async function seed(db: TestDatabase): Promise<void> {
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: 'anna.meier' });
  const luca = await b.addEmployee({ username: 'luca.rossi', language: 'it' });
  await b.addShare(anna, luca);
  const soon = SOON;
  await b.addAppointment({ ownerId: anna, startsAt: new Date(soon), endsAt: new Date(soon + 3_600_000), subject: 'Beratung' });
  await b.addAppointment({ ownerId: anna, startsAt: new Date(soon), endsAt: new Date(soon + 3_600_000), subject: 'Arzt', isPrivate: true });
  await b.addAppointment({
    ownerId: anna,
    startsAt: new Date(soon - 20 * DAY),
    endsAt: new Date(soon - 20 * DAY + 1_800_000),
    recurrenceRule: 'FREQ=WEEKLY;COUNT=10',
    subject: 'Teamsitzung',
    exceptions: [{ originalStart: new Date(soon - 20 * DAY), cancelled: true }],
  });
  await b.addAppointment({ ownerId: anna, startsAt: new Date(soon).toISOString().slice(0, 10), allDay: true, subject: 'Messe' });
  await b.addContact({ firstName: 'Heidi', lastName: 'Frei', photo: 'jpeg' });
  await b.addTask({ assigneeId: anna, subject: 'Offerte nachfassen' });
}

interface Rendered {
  kind: string;
  id: string;
  etag: string;
  body: string;
  body_v4: string | null;
  busy_bodies: Record<string, string> | null;
  busy: unknown;
}

const RENDERED = `SELECT e.kind, e.id::text AS id, e.etag, b.body, b.body_v4, b.busy_bodies, e.busy
                    FROM dav.entity e JOIN dav.entity_body b USING (kind, id) ORDER BY e.kind, e.id`;

describe('migration 005 on an installation that ran 001-004', () => {
  let current: TestServer;
  let old: TestDatabase;
  let before: Rendered[];

  beforeAll(async () => {
    // What the current version renders for the firm: the reference.
    current = await startTestServer({ seed });
    await current.store.pump.catchUp();
    before = (await current.db.query<Rendered>(RENDERED)).rows;

    // The same firm on the schema of 001-004, with the rendered rows as that version stored them.
    old = await createTestDatabase({ template: false });
    await createBrokerstarSchema(old.pool);
    const all = await loadMigrations();
    await migrate(old.pool, all.filter((m) => m.version <= 4));
    await seed(old);
    for (const r of before) {
      const busy = r.busy as { views: Record<string, object> } | null;
      const oldBusy = busy && {
        ...busy,
        views: Object.fromEntries(Object.entries(busy.views).map(([lang, v]) => [lang, { ...v, body: r.busy_bodies![lang] }])),
      };
      const src = await current.db.query(
        `SELECT content_hash, sequence, changed_at, content_changed_at, size, range_start, range_end FROM dav.entity WHERE kind = $1 AND id = $2`,
        [r.kind, r.id],
      );
      const s = src.rows[0]!;
      await old.query(
        `INSERT INTO dav.entity (kind, id, content_hash, sequence, changed_at, content_changed_at, etag, body, size, body_v4, busy,
                                 range_start, range_end, span_exact)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false)`,
        [r.kind, r.id, s.content_hash, s.sequence, s.changed_at, s.content_changed_at, r.etag, r.body, s.size, r.body_v4,
         oldBusy ? JSON.stringify(oldBusy) : null, s.range_start, s.range_end],
      );
    }
    // That version had processed everything: nothing left in the log.
    await old.query('DELETE FROM dav.change_log');
  });
  afterAll(async () => {
    await current?.close();
    await old?.drop();
  });

  it('keeps every body, busy text and ETag, and marks the appointments as not yet expanded', async () => {
    const result = await migrate(old.pool);
    expect(result.applied).toEqual(['005_entity_bodies_and_instances', '006_escaped_bodies', '007_incremental_address_books', '008_setup_portal',
      '009_webdav_push', '010_birthday_events', '011_collection_preferences', '012_subscription_links']);
    const migrated = (await old.query<Rendered>(RENDERED)).rows;
    expect(migrated).toEqual(before);
    const { rows: marked } = await old.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE date_zone = '')::int AS n FROM dav.entity WHERE kind = 'appointment'`,
    );
    expect(marked[0]?.n).toBe(4);
  });

  it('after the first upkeep: instances stored as a fresh render stores them, still the same ETags and bodies', async () => {
    const config = testConfig({});
    const store = createStore(config, old.pool, createLogger('silent'));
    const anna = (await store.principalByUsername('anna.meier'))!;
    const termine = (await store.findCollection(anna, 'calendar', 'termine'))!;
    // A week around the appointments: the series' cancelled first occurrence is outside it.
    const inRange = async () => {
      const out: { name: string; exact: boolean | undefined }[] = [];
      const range = { start: new Date(SOON - 2 * DAY), end: new Date(SOON + 2 * DAY) };
      for await (const o of store.queryCalendar(termine, { component: 'VEVENT', timeRange: range }, { withBody: false })) {
        out.push({ name: o.name, exact: o.timeRangeExact });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    };
    await store.refreshState(termine); // the collection's members, as a first request would
    const beforeUpkeep = await inRange();
    expect(beforeUpkeep.every((o) => o.exact !== true), 'not yet expanded: the matcher re-checks each').toBe(true);
    await store.pump.catchUp();
    await store.pump.maintainIfDue();
    const afterUpkeep = await inRange();
    expect(afterUpkeep.every((o) => o.exact === true), 'expanded: decided in SQL').toBe(true);
    expect(afterUpkeep.map((o) => o.name)).toEqual(beforeUpkeep.map((o) => o.name));
    expect(afterUpkeep.map((o) => o.name)).toEqual(['1.ics', '2.ics', '3.ics', '4.ics']);
    expect((await old.query<Rendered>(RENDERED)).rows).toEqual(before);
    const { rows } = await old.query<{ zone: string | null; n: number }>(
      `SELECT e.date_zone AS zone, (SELECT count(*) FROM dav.occurrence o WHERE o.entity_id = e.id)::int AS n
         FROM dav.entity e WHERE e.kind = 'appointment' ORDER BY e.id`,
    );
    const reference = await current.db.query<{ zone: string | null; n: number }>(
      `SELECT e.date_zone AS zone, (SELECT count(*) FROM dav.occurrence o WHERE o.entity_id = e.id)::int AS n
         FROM dav.entity e WHERE e.kind = 'appointment' ORDER BY e.id`,
    );
    expect(rows).toEqual(reference.rows);
    expect(rows.map((r) => r.n)).toEqual([1, 1, 9, 1]); // the series lost its cancelled occurrence
  });
});
