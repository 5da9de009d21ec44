// Three real `brokerstar-dav serve` processes on one PostgreSQL database behind a real haproxy
// (round-robin, health checks, retries of connection failures): the answers are the same whichever
// instance gives them, the lockout and revokes hold on every instance, the pump survives the
// instance running it being killed mid-pass, and a rolling restart drops no request.
// Needs the build (`npm run build`: it runs dist/src/cli.js) and Debian's haproxy (.ci/run).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAppPassword, revokeAppPassword } from '../../src/auth/app-passwords.js';
import { revokeDevice } from '../../src/portal/device-list.js';
import { basicAuth } from '../support/basic-auth.js';
import { addAppointment, addContact, addEmployee, addTask } from '../support/builders.js';
import { startCluster, waitUntil, type Cluster } from '../support/cluster.js';
import { AUFGABEN, KONTAKTE, TERMINE } from '../support/collections.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { CS, D, parseMultistatus, propText } from '../support/multistatus.js';
import { Rng } from '../support/rng.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

const ANNA = 'anna.meier';
const BRUNO = 'bruno.keller';
const LOCKOUT_THRESHOLD = 5;
const COLLECTIONS = [KONTAKTE(ANNA), AUFGABEN(ANNA), TERMINE(ANNA)];

let db: TestDatabase;
let cluster: Cluster;
let annaId: string;
let brunoId: string;
/** Anna's Authorization header for the polling clients (never revoked). */
let anna: string;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * The client address the instances see (X-Forwarded-For from loopback, TRUST_PROXY=loopback): each
 * test its own, so that one test's failed logins (revoked passwords) cannot lock out the next.
 */
let clientAddress = '192.0.2.1';

async function ask(base: string, method: string, path: string, authorization: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: authorization, 'Content-Type': 'application/xml; charset=utf-8', 'X-Forwarded-For': clientAddress, ...headers },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

interface Listing {
  readonly members: Map<string, string>;
  readonly token: string;
  readonly ctag: string;
}

/** PROPFIND Depth 1: every member's ETag, and the collection's sync-token and getctag. */
async function listing(base: string, coll: string): Promise<Listing> {
  const r = await ask(base, 'PROPFIND', coll, anna, LISTING, { Depth: '1' });
  expect(r.status, `PROPFIND ${coll} at ${base}`).toBe(207);
  const ms = await parseMultistatus(r.text);
  const members = new Map<string, string>();
  let token = '';
  let ctag = '';
  for (const [href, e] of ms.responses) {
    if (href === coll) {
      token = propText(e, D('sync-token')) ?? '';
      ctag = propText(e, CS('getctag')) ?? '';
    } else members.set(href, propText(e, D('getetag')) ?? '');
  }
  return { members, token, ctag };
}

/** PROPFIND Depth 0: the collection's sync-token. */
async function collectionToken(base: string, coll: string): Promise<string> {
  const r = await ask(base, 'PROPFIND', coll, anna, LISTING, { Depth: '0' });
  expect(r.status, `PROPFIND ${coll} at ${base}`).toBe(207);
  return propText((await parseMultistatus(r.text)).responses.get(coll), D('sync-token')) ?? '';
}

interface SyncAnswer {
  /** href → ETag, or null for a removal. */
  readonly changes: Map<string, string | null>;
  readonly token: string;
  /** Hrefs listed more than once in the answer. */
  readonly duplicates: string[];
}

async function sync(base: string, coll: string, token: string): Promise<SyncAnswer> {
  const r = await ask(base, 'REPORT', coll, anna, SYNC(token));
  expect(r.status, `sync-collection ${coll} from ${token || 'nothing'} at ${base}`).toBe(207);
  const ms = await parseMultistatus(r.text);
  const changes = new Map<string, string | null>();
  for (const [href, e] of ms.responses) changes.set(href, e.status?.includes(' 404 ') ? null : (propText(e, D('getetag')) ?? ''));
  const seen = new Set<string>();
  const duplicates = ms.hrefs.filter((h) => seen.has(h) || !seen.add(h));
  return { changes, token: ms.syncToken ?? '', duplicates };
}

/** A client's copy of a collection, kept up to date by sync-collection. */
class Client {
  readonly items = new Map<string, string>();
  token = '';
  constructor(readonly coll: string) {}
  apply(a: SyncAnswer): void {
    expect(a.duplicates, `${this.coll}: an href twice in one answer`).toEqual([]);
    for (const [href, etag] of a.changes) {
      if (etag === null) this.items.delete(href);
      else this.items.set(href, etag);
    }
    this.token = a.token;
  }
}

const sorted = (m: ReadonlyMap<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b));
const idsOf = (hrefs: Iterable<string>) => [...hrefs].map((h) => /\/([^/]+)\.(?:vcf|ics)$/.exec(h)?.[1] ?? h).sort();

/** The ids BrokerStar's rows say each of Anna's collections serves (no cap: MAX_RECORDS is high). */
async function expectedIds(coll: string): Promise<string[]> {
  const sql =
    coll === KONTAKTE(ANNA)
      ? `SELECT c.id::text FROM brokerstar.contact c WHERE c.deleted_at IS NULL AND NOT c.is_archived
           AND (c.advisor_id = $1 OR NOT EXISTS (SELECT 1 FROM brokerstar.contact_restriction r WHERE r.contact_id = c.id)
                OR EXISTS (SELECT 1 FROM brokerstar.contact_restriction r WHERE r.contact_id = c.id AND r.employee_id = $1))`
      : coll === AUFGABEN(ANNA)
        ? 'SELECT id::text FROM brokerstar.task WHERE deleted_at IS NULL AND assignee_id = $1'
        : `SELECT a.id::text FROM brokerstar.appointment a WHERE a.deleted_at IS NULL
             AND (a.owner_id = $1 OR EXISTS (SELECT 1 FROM brokerstar.appointment_participant p WHERE p.appointment_id = a.id AND p.employee_id = $1))`;
  const { rows } = await db.query<{ id: string }>(sql, [annaId]);
  return rows.map((r) => r.id).sort();
}

beforeAll(async () => {
  db = await createTestDatabase();
  annaId = await addEmployee(db, { username: ANNA });
  brunoId = await addEmployee(db, { username: BRUNO });
  for (let i = 0; i < 10; i++) await addContact(db, { lastName: `Kunde ${i}`, phones: [`+41 44 000 00 ${10 + i}`] });
  for (let i = 0; i < 4; i++) await addTask(db, { assigneeId: annaId, subject: `Aufgabe ${i}` });
  for (let i = 0; i < 4; i++) await addAppointment(db, { ownerId: annaId, startsAt: new Date(Date.now() + (i + 1) * 86_400_000), subject: `Termin ${i}` });
  anna = basicAuth(ANNA, await createAppPassword(db.pool, ANNA, 'sync'));
  cluster = await startCluster({
    instances: 3,
    databaseUrl: db.url,
    env: {
      // Only the cross-instance notification can make a revoke take effect within the test.
      AUTH_CACHE_SECONDS: '60',
      AUTH_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
      // Each test's client address comes from X-Forwarded-For (haproxy and the test are on loopback).
      TRUST_PROXY: 'loopback',
      MAX_RECORDS: '50000',
      DB_POOL_SIZE: '6',
      SHUTDOWN_GRACE_MS: '5000',
    },
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await db?.drop();
});

describe('three instances behind haproxy on one database', () => {
  let tests = 0;
  beforeEach(() => {
    clientAddress = `192.0.2.${++tests}`;
  });

  it('BrokerStar writes and client syncs through the load balancer give the same answers as each instance alone', async () => {
    const rng = new Rng(15_2026);
    const clients = COLLECTIONS.map((c) => new Client(c));
    for (const c of clients) c.apply(await sync(cluster.url, c.coll, ''));
    let previous = new Map(clients.map((c) => [c.coll, c.token]));
    for (let round = 0; round < 5; round++) {
      // BrokerStar's writes, as SQL from its side.
      for (let w = 0; w < 6; w++) {
        const { rows: contacts } = await db.query<{ id: string }>('SELECT id::text FROM brokerstar.contact WHERE deleted_at IS NULL AND NOT is_archived ORDER BY id');
        const { rows: tasks } = await db.query<{ id: string }>('SELECT id::text FROM brokerstar.task WHERE deleted_at IS NULL ORDER BY id');
        const { rows: appointments } = await db.query<{ id: string }>('SELECT id::text FROM brokerstar.appointment WHERE deleted_at IS NULL ORDER BY id');
        const step = rng.int(0, 7);
        const some = <T>(xs: T[]) => rng.pickOr(xs);
        if (step === 0) await addContact(db, { lastName: `Neu ${round}-${w}`, emails: [`neu${round}${w}@example.ch`] });
        else if (step === 1 && some(contacts)) await db.query("UPDATE brokerstar.contact SET last_name = last_name || 'x' WHERE id = $1", [some(contacts)!.id]);
        else if (step === 2 && some(contacts)) await db.query('UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1', [some(contacts)!.id]);
        else if (step === 3 && some(contacts)) await db.query('UPDATE brokerstar.contact SET is_archived = true WHERE id = $1', [some(contacts)!.id]);
        else if (step === 4) await addTask(db, { assigneeId: rng.chance(0.7) ? annaId : brunoId, subject: `Neu ${round}-${w}` });
        else if (step === 5 && some(tasks)) await db.query("UPDATE brokerstar.task SET subject = subject || '!', status = 'done', completed_at = now() WHERE id = $1", [some(tasks)!.id]);
        else if (step === 6 && some(appointments)) await db.query('UPDATE brokerstar.appointment SET deleted_at = now() WHERE id = $1', [some(appointments)!.id]);
        else await addAppointment(db, { ownerId: annaId, startsAt: new Date(Date.now() + rng.int(1, 60) * 3_600_000), subject: `Neu ${round}-${w}` });
      }
      for (const c of clients) {
        // The client's incremental sync goes through haproxy, so consecutive ones hit different instances.
        c.apply(await sync(cluster.url, c.coll, c.token));
        const lists = await Promise.all(cluster.instances.map((i) => listing(i.url, c.coll)));
        for (const [n, l] of lists.entries()) {
          expect(sorted(l.members), `${c.coll} round ${round}: instance ${n}'s listing vs the synced client`).toEqual(sorted(c.items));
          expect(l.token, `${c.coll} round ${round}: instance ${n}'s sync-token`).toBe(c.token);
          expect(l.ctag, `${c.coll} round ${round}: instance ${n}'s getctag`).toBe(c.token);
        }
        expect(idsOf(c.items.keys()), `${c.coll} round ${round}: what BrokerStar's rows say`).toEqual(await expectedIds(c.coll));
        // The same incremental answer from every instance, for the previous round's token.
        const answers = await Promise.all(cluster.instances.map((i) => sync(i.url, c.coll, previous.get(c.coll) as string)));
        for (const a of answers.slice(1)) {
          expect([...a.changes].sort(), `${c.coll} round ${round}: the same incremental answer everywhere`).toEqual([...(answers[0] as SyncAnswer).changes].sort());
          expect(a.token).toBe((answers[0] as SyncAnswer).token);
        }
      }
      previous = new Map(clients.map((c) => [c.coll, c.token]));
    }
  });

  it('a lockout reached through one instance holds on the others', async () => {
    const address = '198.51.100.15';
    const from = { 'X-Forwarded-For': address };
    const first = cluster.instances[0]!;
    for (let n = 0; n < LOCKOUT_THRESHOLD; n++) {
      // Different wrong passwords: a repeated one is answered from memory and counts once.
      const r = await ask(first.url, 'PROPFIND', KONTAKTE(BRUNO), basicAuth(BRUNO, `wrong-${n}`), LISTING, { Depth: '0', ...from });
      expect(r.status).toBe(401);
    }
    // A right password never used before (so no instance has it cached) is refused everywhere too.
    const fresh = basicAuth(ANNA, await createAppPassword(db.pool, ANNA, 'lockout-check'));
    for (const instance of cluster.instances) {
      const r = await ask(instance.url, 'PROPFIND', KONTAKTE(ANNA), fresh, LISTING, { Depth: '0', ...from });
      expect(r.status, `instance ${instance.index}`).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await ask(cluster.url, 'PROPFIND', KONTAKTE(ANNA), fresh, LISTING, { Depth: '0', ...from })).status).toBe(429);
    // Another address is not locked.
    expect((await ask(cluster.url, 'PROPFIND', KONTAKTE(ANNA), fresh, LISTING, { Depth: '0', 'X-Forwarded-For': '198.51.100.16' })).status).toBe(207);
  });

  it('a revoked app password fails on every instance at once, long before AUTH_CACHE_SECONDS', async () => {
    const labels = ['revoke-cli', 'revoke-portal', 'deleted-silently'];
    const auth = new Map<string, string>();
    for (const label of labels) auth.set(label, basicAuth(ANNA, await createAppPassword(db.pool, ANNA, label)));
    const status = (url: string, label: string) => ask(url, 'PROPFIND', KONTAKTE(ANNA), auth.get(label)!, LISTING, { Depth: '0' }).then((r) => r.status);
    // Warm every instance's login cache with every password.
    for (const instance of cluster.instances) for (const label of labels) expect(await status(instance.url, label)).toBe(207);

    // The control: deleted without a notice (plain SQL), the cached login keeps working for the
    // cache's 60 seconds on every instance, so only the notice explains the revokes below.
    await db.query("DELETE FROM dav.app_password WHERE label = 'deleted-silently'");
    await new Promise((r) => setTimeout(r, 500));
    for (const instance of cluster.instances) expect(await status(instance.url, 'deleted-silently'), `instance ${instance.index}`).toBe(207);

    const revokes: [string, () => Promise<unknown>][] = [
      ['revoke-cli', () => revokeAppPassword(db.pool, ANNA, 'revoke-cli')],
      [
        'revoke-portal',
        async () => {
          const { rows } = await db.query<{ id: string }>("SELECT id::text FROM dav.app_password WHERE label = 'revoke-portal'");
          expect(await revokeDevice(db.pool, annaId, rows[0]!.id)).toBe('revoke-portal');
        },
      ],
    ];
    for (const [n, [label, revoke]] of revokes.entries()) {
      // The polls below fail a login per instance; another address per password keeps them under the lockout.
      clientAddress = `192.0.2.${100 + n}`;
      const started = Date.now();
      await revoke();
      for (const instance of cluster.instances) {
        await waitUntil(`${label} refused by instance ${instance.index}`, 3000, async () => (await status(instance.url, label)) === 401, 20);
      }
      expect(Date.now() - started, `${label}: refused everywhere`).toBeLessThan(3000);
      expect(await status(cluster.url, label)).toBe(401);
    }
    // The password that was never revoked still works everywhere.
    for (const instance of cluster.instances) expect(await status(instance.url, 'deleted-silently')).toBe(207);
  });

  it('the instance running the pump is killed mid-pass; another takes over and every change arrives exactly once', async () => {
    const client = new Client(KONTAKTE(ANNA));
    client.apply(await sync(cluster.url, client.coll, ''));
    const before = client.token;
    // A bulk import in BrokerStar: one statement, thousands of contacts, several pump passes.
    await db.query(`INSERT INTO brokerstar.contact (kind, first_name, last_name, notes)
                    SELECT 'person', 'Bulk', 'Import ' || g, repeat('Notiz ', 20) FROM generate_series(1, 7000) g`);
    const holderSql = `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ${0x62726b70}
                          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    let victim = -1;
    await waitUntil('a pump pass holding the advisory lock', 15_000, async () => {
      const { rows } = await db.query<{ name: string }>(holderSql);
      const m = /^brokerstar-dav-(\d+)$/.exec(rows[0]?.name ?? '');
      if (m) victim = Number(m[1]);
      return victim >= 0;
    }, 10);
    await cluster.kill(victim);
    const { rows: waiting } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.change_log');
    expect(waiting[0]!.n, 'the killed pass had not finished the log').toBeGreaterThan(0);
    // The killed process's backend finishes its current statement before it notices that its client
    // is gone, then rolls back and releases the lock (seconds under load): only then can another take over.
    await waitUntil('the killed instance\'s backends to end', 30_000, async () => {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`brokerstar-dav-${victim}`]);
      return rows[0]!.n === 0;
    }, 50);
    // Another instance finishes the work (its background pass, or a client request).
    const takers = new Set<string>();
    await waitUntil('the change log to be emptied by another instance', 45_000, async () => {
      const { rows } = await db.query<{ name: string }>(holderSql);
      for (const r of rows) takers.add(r.name);
      const { rows: left } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.change_log');
      return left[0]!.n === 0;
    }, 50);
    expect([...takers].filter((t) => t === `brokerstar-dav-${victim}`), 'the killed instance holds nothing').toEqual([]);

    // Every new contact exactly once in one answer (Client.apply checks for duplicates), and the
    // result is exactly BrokerStar's rows; a sync from the new token then reports nothing again.
    const answer = await sync(cluster.url, client.coll, before);
    expect(answer.changes.size).toBeGreaterThanOrEqual(7_000);
    client.apply(answer);
    expect(idsOf(client.items.keys())).toEqual(await expectedIds(client.coll));
    const again = await sync(cluster.url, client.coll, client.token);
    expect(again.changes.size, 'nothing reported twice').toBe(0);
    const survivors = cluster.instances.filter((i) => i.index !== victim);
    expect(sorted((await listing(survivors[0]!.url, client.coll)).members)).toEqual(sorted(client.items));
    for (const instance of survivors) expect(await collectionToken(instance.url, client.coll)).toBe(client.token);
    await cluster.start(victim);
    expect(await collectionToken(cluster.instances[victim]!.url, client.coll)).toBe(client.token);
  }, 90_000);

  it('a rolling restart of all three under a polling load drops no request', async () => {
    const { token } = await sync(cluster.url, KONTAKTE(ANNA), '');
    const outcomes: string[] = [];
    let polling = true;
    const poller = async (n: number) => {
      for (let k = 0; polling; k++) {
        try {
          const r =
            (n + k) % 2 === 0
              ? await ask(cluster.url, 'PROPFIND', KONTAKTE(ANNA), anna, LISTING, { Depth: '0', 'X-Forwarded-For': `203.0.113.${n}` })
              : await ask(cluster.url, 'REPORT', TERMINE(ANNA), anna, SYNC(''), { 'X-Forwarded-For': `203.0.113.${n}` });
          outcomes.push(String(r.status));
        } catch (err) {
          outcomes.push(`error: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(poller));
    const pids = cluster.instances.map((i) => i.pid);
    const during: number[] = [];
    try {
      for (const instance of cluster.instances) {
        await new Promise((r) => setTimeout(r, 300));
        expect(instance.pid, `instance ${instance.index} runs\n${instance.output()}`).toBeDefined();
        await cluster.stop(instance.index);
        const served = outcomes.length;
        await cluster.start(instance.index);
        during.push(outcomes.length - served);
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      polling = false;
      await load;
    }
    // Each instance really was replaced, and the others answered while it was away.
    expect(cluster.instances.map((i) => i.pid).filter((pid, n) => pid === undefined || pid === pids[n])).toEqual([]);
    for (const n of during) expect(n).toBeGreaterThan(0);
    expect(outcomes.length).toBeGreaterThan(30);
    expect(outcomes.filter((o) => o !== '207'), 'every request answered 207').toEqual([]);
    // The clients' token still works on every restarted instance.
    for (const instance of cluster.instances) expect((await sync(instance.url, KONTAKTE(ANNA), token)).token).toBeTruthy();
  }, 90_000);
});
