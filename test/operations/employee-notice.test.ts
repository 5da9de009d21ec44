// The employee-change notice between instances (issue 15, src/db/notifications.ts): BrokerStar
// changes an employee row, the next pump pass (any instance's: a request's or the background one
// every 2 s) takes the change and sends `employee:<id>` on the channel every instance LISTENs on,
// inside the pass's own transaction; each instance then drops that employee's cached logins. Two
// real `serve` processes on one database (the build in dist/, behind haproxy as in production,
// though these requests go to each instance directly), with AUTH_CACHE_SECONDS at 600: within the
// test only the notice can make a cached login stop working.
// Needs the build (`npm run build`) and Debian's haproxy (.ci/run).
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { CHANNEL } from '../../src/db/notifications.js';
import { collectionText } from '../../src/i18n/collections.js';
import { basicAuth } from '../support/basic-auth.js';
import { addEmployee } from '../support/builders.js';
import { startCluster, waitUntil, type Cluster, type Instance } from '../support/cluster.js';
import { KONTAKTE } from '../support/collections.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { D, parseMultistatus, propHrefs, propText } from '../support/multistatus.js';

/** Generous for a loaded 2-core machine; the cache would hold a login for 600 s. */
const PROMPTLY_MS = 5000;
/** Longer than the background pass's period (2 s): a pass that could have run, has. */
const PASS_PERIOD_MS = 2500;

const ANNA = 'anna.meier';
const WHOAMI = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/><d:displayname/></d:prop></d:propfind>`;
const DISPLAYNAME = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>`;

let db: TestDatabase;
let cluster: Cluster;
let listener: pg.Client;
/** Every notice on the channel, with when this process received it. */
const notices: { payload: string; at: number }[] = [];
const ids = new Map<string, string>();
const passwords = new Map<string, string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  readonly status: number;
  readonly text: string;
}

/** X-Forwarded-For per test (TRUST_PROXY=loopback): one test's failed logins count for no other. */
let clientAddress = '192.0.2.1';

async function ask(instance: Instance, path: string, authorization: string, body: string): Promise<Reply> {
  const res = await fetch(instance.url + path, {
    method: 'PROPFIND',
    headers: { Authorization: authorization, Depth: '0', 'Content-Type': 'application/xml; charset=utf-8', 'X-Forwarded-For': clientAddress },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Basic credentials: `username` with the app password made for `owner` (the same one before a rename). */
const auth = (username: string, owner = username) => basicAuth(username, passwords.get(owner)!);
/** PROPFIND on the DAV root: works for any signed-in employee, whatever his name. */
const whoami = (instance: Instance, authorization: string) => ask(instance, '/dav/', authorization, WHOAMI);

/** A request that reads a collection's state, so the instance first runs a pump pass. */
async function poke(instance: Instance): Promise<void> {
  expect((await ask(instance, KONTAKTE(ANNA), auth(ANNA), DISPLAYNAME)).status).toBe(207);
}

/** One sample of the instance's /metrics, e.g. `brokerstar_dav_logins_total{outcome="failed"}`. */
async function sample(instance: Instance, series: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? 0);
}

/** The instance's failed Basic logins so far: each is a password check. */
const failedLogins = (instance: Instance) => sample(instance, 'brokerstar_dav_logins_total{outcome="failed"}');
/** Requests whose login was not in the instance's cache. */
const cacheMisses = (instance: Instance) => sample(instance, 'brokerstar_dav_login_cache_total{result="miss"}');

const noticesFor = (username: string) => notices.filter((n) => n.payload === `employee:${ids.get(username)}` || n.payload === 'employee:*');

/** Polls each instance until `check` holds there; returns how long each took after `since`. */
async function everywhere(what: string, since: number, check: (i: Instance) => Promise<boolean>): Promise<number[]> {
  return Promise.all(
    cluster.instances.map(async (i) => {
      await waitUntil(`${what} on instance ${i.index}`, PROMPTLY_MS * 2, () => check(i), 20);
      return Date.now() - since;
    }),
  );
}

/** BrokerStar's connections a test opened (closed in afterAll if a failed test left one open). */
const brokerstarClients = new Set<pg.Client>();

/** SQL as BrokerStar runs it: one transaction on a connection of its own. */
async function brokerstarTransaction(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => undefined); // dropped with the database after a failed test
  brokerstarClients.add(c);
  await c.connect();
  await c.query('BEGIN');
  return c;
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (const username of [ANNA, 'carla.kurz', 'dora.lang', 'emil.weiss', 'fritz.muster', 'gina.roth']) {
    ids.set(username, await addEmployee(db, { username, language: 'de' }));
    passwords.set(username, await createAppPassword(db.pool, username, 'phone'));
  }
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (m) => {
    if (m.channel === CHANNEL) notices.push({ payload: m.payload ?? '', at: Date.now() });
  });
  await listener.query(`LISTEN ${CHANNEL}`);
  cluster = await startCluster({
    instances: 2,
    databaseUrl: db.url,
    env: {
      AUTH_CACHE_SECONDS: '600',
      TRUST_PROXY: 'loopback',
      // Refused logins are polled here; no address or username may be locked or slowed meanwhile.
      AUTH_LOCKOUT_THRESHOLD: '1000',
      AUTH_LOCKOUT_USER_THRESHOLD: '1000',
      DB_POOL_SIZE: '4',
      SHUTDOWN_GRACE_MS: '5000',
    },
  });
  // The first pass renders everything (the template's log says "all"): every cached login goes.
  await waitUntil('the first pass\'s notice for every employee', PROMPTLY_MS, async () => notices.some((n) => n.payload === 'employee:*'));
}, 60_000);

beforeEach(() => {
  // From here on: the first pass's `employee:*` (every row is new to it) is not a test's notice.
  notices.length = 0;
});

afterAll(async () => {
  for (const c of brokerstarClients) await c.end().catch(() => undefined);
  await listener?.end();
  await cluster?.close();
  await db?.drop();
});

describe('an employee changed in BrokerStar, on every instance', () => {
  it('a changed username stops working everywhere within seconds, though logins are cached for 600 s', async () => {
    clientAddress = '192.0.2.11';
    const [first, second] = cluster.instances as [Instance, Instance];
    for (const i of cluster.instances) {
      for (const user of ['carla.kurz', 'dora.lang']) expect((await whoami(i, auth(user))).status, `${user} on instance ${i.index}`).toBe(207);
    }

    // The control: renamed in a transaction that also removes the change log's row, so no pass
    // ever sees it and no notice goes out. Both instances keep serving the old name from their cache.
    const silent = await brokerstarTransaction();
    await silent.query("UPDATE brokerstar.employee SET username = 'carla.neu' WHERE id = $1", [ids.get('carla.kurz')]);
    await silent.query("DELETE FROM dav.change_log WHERE kind = 'employee' AND entity_id = $1", [ids.get('carla.kurz')]);
    await silent.query('COMMIT');
    await silent.end();
    await poke(first);
    await sleep(PASS_PERIOD_MS);
    for (const i of cluster.instances) expect((await whoami(i, auth('carla.kurz'))).status, `the old name, cached, on instance ${i.index}`).toBe(207);
    expect(noticesFor('carla.kurz')).toEqual([]);

    // As BrokerStar renames: the first instance's pass sends the notice, the second drops the login too.
    const committed = Date.now();
    await db.query("UPDATE brokerstar.employee SET username = 'dora.neu' WHERE id = $1", [ids.get('dora.lang')]);
    await poke(first);
    const took = await everywhere('the old username refused', committed, async (i) => (await whoami(i, auth('dora.lang'))).status === 401);
    for (const [n, ms] of took.entries()) expect(ms, `instance ${n}: the old username refused after ${ms} ms`).toBeLessThan(PROMPTLY_MS);
    expect(noticesFor('dora.lang').length, 'the pass sent the notice').toBeGreaterThan(0);
    // The new name logs in with the same app password and is the same principal.
    for (const i of [second, first]) {
      const r = await whoami(i, auth('dora.neu', 'dora.lang'));
      expect(r.status, `the new name on instance ${i.index}`).toBe(207);
      expect(propHrefs((await parseMultistatus(r.text)).responses.get('/dav/'), D('current-user-principal'))).toEqual(['/dav/principals/dora.neu/']);
      expect((await whoami(i, auth('dora.lang'))).status, `the old name stays refused on instance ${i.index}`).toBe(401);
    }
  }, 60_000);

  it('a deactivated employee is refused everywhere at once, his cached logins dropped; reactivated, he syncs again', async () => {
    clientAddress = '192.0.2.12';
    const [first] = cluster.instances as [Instance, Instance];
    for (const i of cluster.instances) expect((await whoami(i, auth('emil.weiss'))).status).toBe(207);
    const failedBefore = await Promise.all(cluster.instances.map(failedLogins));

    const changed = Date.now();
    await db.query('UPDATE brokerstar.employee SET active = false WHERE id = $1', [ids.get('emil.weiss')]);
    await poke(first);
    // Refused at once (each request reads the employee: an inactive one is no principal), and
    // the notice empties the cache: the instance checks the password again, and it fails. With
    // the login still cached (600 s) it would never be checked again.
    const answers: string[] = [];
    const took = await everywhere('the deactivated employee refused after a password check', changed, async (i) => {
      answers.push(`${i.index}:${(await whoami(i, auth('emil.weiss'))).status}`);
      return (await failedLogins(i)) > failedBefore[i.index]!;
    });
    expect(answers.filter((a) => !a.endsWith(':401')), 'never a 207 once inactive').toEqual([]);
    for (const [n, ms] of took.entries()) expect(ms, `instance ${n}: cached login dropped after ${ms} ms`).toBeLessThan(PROMPTLY_MS);
    expect(noticesFor('emil.weiss').length, 'the pass sent the notice').toBeGreaterThan(0);

    const reactivated = Date.now();
    await db.query('UPDATE brokerstar.employee SET active = true WHERE id = $1', [ids.get('emil.weiss')]);
    const back = await everywhere('the reactivated employee signed in', reactivated, async (i) => (await whoami(i, auth('emil.weiss'))).status === 207);
    for (const [n, ms] of back.entries()) expect(ms, `instance ${n}: signed in again after ${ms} ms`).toBeLessThan(PROMPTLY_MS);
  }, 60_000);

  it('a new display name and language reach every instance promptly', async () => {
    clientAddress = '192.0.2.13';
    const [first] = cluster.instances as [Instance, Instance];
    const FRITZ = 'fritz.muster';
    const names = async (i: Instance) => {
      const principal = await ask(i, `/dav/principals/${FRITZ}/`, auth(FRITZ), DISPLAYNAME);
      const book = await ask(i, KONTAKTE(FRITZ), auth(FRITZ), DISPLAYNAME);
      expect([principal.status, book.status], `instance ${i.index}`).toEqual([207, 207]);
      return {
        person: propText((await parseMultistatus(principal.text)).responses.get(`/dav/principals/${FRITZ}/`), D('displayname')),
        book: propText((await parseMultistatus(book.text)).responses.get(KONTAKTE(FRITZ)), D('displayname')),
      };
    };
    for (const i of cluster.instances) expect(await names(i)).toEqual({ person: 'Fritz Muster', book: collectionText('de', 'contacts-name') });

    const changed = Date.now();
    await db.query("UPDATE brokerstar.employee SET first_name = 'Friedrich', language = 'fr' WHERE id = $1", [ids.get(FRITZ)]);
    await poke(first);
    const want = { person: 'Friedrich Muster', book: collectionText('fr', 'contacts-name') };
    const took = await everywhere('the new name and language', changed, async (i) => JSON.stringify(await names(i)) === JSON.stringify(want));
    for (const [n, ms] of took.entries()) expect(ms, `instance ${n}: new name and language after ${ms} ms`).toBeLessThan(PROMPTLY_MS);
  }, 60_000);

  it('a change to many employees at once empties every instance\'s login cache', async () => {
    clientAddress = '192.0.2.15';
    const [first] = cluster.instances as [Instance, Instance];
    for (const i of cluster.instances) expect((await whoami(i, auth(ANNA))).status).toBe(207);
    const missesBefore = await Promise.all(cluster.instances.map(cacheMisses));
    // An import of 60 employees in one statement: one notice for all of them, not 60.
    await db.query(`INSERT INTO brokerstar.employee (username, first_name, last_name, email)
                    SELECT 'import.' || g, 'Import', 'Nr ' || g, 'import' || g || '@example.ch' FROM generate_series(1, 60) g`);
    await poke(first);
    await waitUntil('the notice for every employee', PROMPTLY_MS, async () => notices.some((n) => n.payload === 'employee:*'), 20);
    expect(notices.filter((n) => n.payload.startsWith('employee:')).map((n) => n.payload)).toEqual(['employee:*']);
    // Anna's login, cached on both, has to be checked again there (and is still good).
    const answers: string[] = [];
    await everywhere("Anna's login checked again", Date.now(), async (i) => {
      answers.push(`${i.index}:${(await whoami(i, auth(ANNA))).status}`);
      return (await cacheMisses(i)) > missesBefore[i.index]!;
    });
    expect(answers.filter((a) => !a.endsWith(':207')), 'Anna signed in throughout').toEqual([]);
  }, 60_000);

  it('the notice goes out only when the change commits: a rolled-back change notifies nobody', async () => {
    clientAddress = '192.0.2.14';
    const [first] = cluster.instances as [Instance, Instance];
    const GINA = 'gina.roth';
    for (const i of cluster.instances) expect((await whoami(i, auth(GINA))).status).toBe(207);

    // Renamed, then rolled back: while open, passes run (a request's and the background ones) and
    // cannot see it; after the rollback there is nothing to see.
    const rolledBack = await brokerstarTransaction();
    await rolledBack.query("UPDATE brokerstar.employee SET username = 'gina.weg' WHERE id = $1", [ids.get(GINA)]);
    await poke(first);
    await sleep(PASS_PERIOD_MS);
    expect(noticesFor(GINA), 'no notice while the change is open').toEqual([]);
    await rolledBack.query('ROLLBACK');
    await rolledBack.end();
    await poke(first);
    await sleep(PASS_PERIOD_MS);
    expect(noticesFor(GINA), 'no notice for a rolled-back change').toEqual([]);
    for (const i of cluster.instances) expect((await whoami(i, auth(GINA))).status, `instance ${i.index} still serves her`).toBe(207);

    // The same change committed: the notice arrives after the COMMIT, not before.
    const open = await brokerstarTransaction();
    await open.query("UPDATE brokerstar.employee SET username = 'gina.neu' WHERE id = $1", [ids.get(GINA)]);
    await poke(first);
    await sleep(PASS_PERIOD_MS);
    expect(noticesFor(GINA), 'no notice before the commit').toEqual([]);
    const committing = Date.now();
    await open.query('COMMIT');
    await open.end();
    await poke(first);
    await waitUntil('the notice after the commit', PROMPTLY_MS, async () => noticesFor(GINA).length > 0, 20);
    expect(noticesFor(GINA)[0]!.at).toBeGreaterThanOrEqual(committing);
    const took = await everywhere('the old username refused', committing, async (i) => (await whoami(i, auth(GINA))).status === 401);
    for (const [n, ms] of took.entries()) expect(ms, `instance ${n}: refused after ${ms} ms`).toBeLessThan(PROMPTLY_MS);
  }, 60_000);
});
