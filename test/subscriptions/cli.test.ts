// `brokerstar-dav subscription create|list|revoke USER` through the built CLI (npm run build first,
// as for test/foundation/cli-operations.test.ts) against a real database: the URL printed once on
// the last line (under PUBLIC_URL) serves the calendar through a running server, --json on list,
// times in TIME_ZONE with the offset, revoke makes the link 404, and the exit codes: 0 done, 1 an
// unknown or inactive user, an unknown calendar, a taken or unknown label, 2 wrong usage and
// SUBSCRIPTION_LINKS=off. No command creates DATA_DIR.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/compose.js';
import { testConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { builders } from '../support/builders.js';
import { neverCreatedDataDir, runBuiltCli, type CliRun } from '../support/built-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { listenOnLoopback } from '../support/listen.js';
import { daysFromNow, fetchLink, parseCalendar } from './support.js';

const DATA_DIR = neverCreatedDataDir('subscription-cli');
const PUBLIC_URL = 'https://dav.firm.example';
const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

let db: TestDatabase;
let env: Record<string, string>;
let server: { url: string; close(): Promise<void> };

const run = (args: string[], extra: Record<string, string | undefined> = {}): Promise<CliRun> => runBuiltCli(args, DATA_DIR, { ...env, ...extra });

/** The one line on stderr, no stack. */
function failedWith(r: CliRun, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  db = await createTestDatabase();
  const b = builders(db.pool);
  const anna = await b.addEmployee({ username: 'anna.meier' });
  const bruno = await b.addEmployee({ username: 'bruno.keller' });
  await b.addEmployee({ username: 'otto.alt', active: false });
  await b.addShare(bruno, anna);
  await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(1), subject: 'Kundentermin' });
  await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(2), subject: 'Arzt privat', isPrivate: true });
  await b.addAppointment({ ownerId: bruno, startsAt: daysFromNow(1), subject: 'Bruno Sitzung' });
  env = { DATABASE_URL: db.url, PUBLIC_URL };
  // A running server on the same database, to fetch what the command printed.
  const config = testConfig({ databaseUrl: db.url });
  const { app } = createApp(config, db.pool, createLogger('warn'));
  server = await listenOnLoopback(app);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
  expect(existsSync(DATA_DIR)).toBe(false);
});

/** The path of the URL a create printed on its last line. */
function printedPath(r: CliRun): string {
  const last = r.stdout.trimEnd().split('\n').pop()!;
  expect(last).toMatch(/^https:\/\/dav\.firm\.example\/subscriptions\/[A-Za-z0-9_-]{22}\.ics$/);
  return new URL(last).pathname;
}

describe('subscription create', () => {
  it('prints the URL once, on the last line alone, under PUBLIC_URL; it serves the calendar with private appointments busy', async () => {
    const r = await run(['subscription', 'create', 'Anna.Meier', '--label', 'Google']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Subscription link "Google" for anna.meier\'s calendar "Termine"');
    expect(r.stdout).toContain('shown only this once');
    const ics = await fetchLink(`${server.url}${printedPath(r)}`);
    expect(ics.status).toBe(200);
    expect(parseCalendar(ics.text).summaries.sort()).toEqual(['Besetzt', 'Kundentermin']);
  });

  it("makes a link to a colleague's calendar he sees with --calendar; label defaults to the calendar", async () => {
    const r = await run(['subscription', 'create', 'anna.meier', '--calendar', 'termine-bruno.keller']);
    expect(r.code, r.stderr).toBe(0);
    const ics = await fetchLink(`${server.url}${printedPath(r)}`);
    expect(parseCalendar(ics.text).summaries).toEqual(['Bruno Sitzung']);
    const list = await run(['subscription', 'list', 'anna.meier', '--json']);
    expect((JSON.parse(list.stdout) as { label: string }[]).map((l) => l.label)).toContain('termine-bruno.keller');
  });

  it('refuses, exit 1 and nothing made: an unknown or inactive user, a calendar that is not his, the tasks, a taken label', async () => {
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.subscription_link')).rows[0]!.n;
    const before = await count();
    failedWith(await run(['subscription', 'create', 'nobody']), 1, /^brokerstar-dav: no active employee "nobody"$/m);
    failedWith(await run(['subscription', 'create', 'otto.alt']), 1, /no active employee "otto.alt"/);
    failedWith(await run(['subscription', 'create', 'bruno.keller', '--calendar', 'termine-anna.meier']), 1, /bruno\.keller has no calendar "termine-anna\.meier" to subscribe to \(one of: termine\)/);
    failedWith(await run(['subscription', 'create', 'anna.meier', '--calendar', 'aufgaben']), 1, /has no calendar "aufgaben"/);
    failedWith(await run(['subscription', 'create', 'anna.meier', '--label', 'Google']), 1, /already has a subscription link "Google"/);
    expect(await count()).toBe(before);
  });
});

describe('subscription list and revoke', () => {
  it('lists with --json: user, id, label, calendar, times in TIME_ZONE with the offset; the table too; never a token', async () => {
    await run(['subscription', 'create', 'bruno.keller', '--label', 'Wand']);
    const r = await run(['subscription', 'list', 'bruno.keller', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user: 'bruno.keller', label: 'Wand', calendar: 'termine', lastUsedAt: null, lastAddress: null });
    expect(rows[0]!.id).toMatch(/^\d+$/);
    expect(rows[0]!.createdAt).toMatch(LOCAL);
    expect(Object.keys(rows[0]!).sort()).toEqual(['calendar', 'createdAt', 'id', 'label', 'lastAddress', 'lastUsedAt', 'user']);
    const ny = await run(['subscription', 'list', 'bruno.keller'], { TIME_ZONE: 'America/New_York' });
    expect(ny.stdout).toMatch(/^Wand\s+termine\s+created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00 {2}last used never$/m);
    const none = await run(['subscription', 'list', 'otto.alt']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('otto.alt has no subscription links.\n');
    expect((await run(['subscription', 'list', 'otto.alt', '--json'])).stdout).toBe('[]\n');
    failedWith(await run(['subscription', 'list', 'nobody']), 1, /no active employee "nobody"/);
  });

  it('records the last use, shown by list', async () => {
    const created = await run(['subscription', 'create', 'bruno.keller', '--label', 'Empfang']);
    expect((await fetchLink(`${server.url}${printedPath(created)}`)).status).toBe(200);
    const rows = JSON.parse((await run(['subscription', 'list', 'bruno.keller', '--json'])).stdout) as { label: string; lastUsedAt: string | null; lastAddress: string | null }[];
    const used = rows.find((l) => l.label === 'Empfang')!;
    expect(used.lastUsedAt).toMatch(LOCAL);
    expect(used.lastAddress).toMatch(/127\.0\.0\.1/);
  });

  it('revoke: the link answers 404 at once; an unknown label is exit 1', async () => {
    const created = await run(['subscription', 'create', 'anna.meier', '--label', 'to revoke']);
    const path = printedPath(created);
    expect((await fetchLink(`${server.url}${path}`)).status).toBe(200);
    const r = await run(['subscription', 'revoke', 'anna.meier', 'to revoke']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Revoked subscription link "to revoke" of anna.meier: it answers 404 from now on.\n');
    expect((await fetchLink(`${server.url}${path}`)).status).toBe(404);
    failedWith(await run(['subscription', 'revoke', 'anna.meier', 'to revoke']), 1, /anna\.meier has no subscription link "to revoke"/);
  });
});

describe('usage', () => {
  it.each([
    [['subscription'], /Usage:/],
    [['subscription', 'delete', 'anna.meier'], /Usage:/],
    [['subscription', 'create'], /subscription create needs a USER/],
    [['subscription', 'list', '--all'], /subscription list: unknown option --all/],
    [['subscription', 'revoke', 'anna.meier'], /subscription revoke needs USER and LABEL/],
    [['subscription', 'create', 'anna.meier', 'extra'], /unexpected argument "extra"/],
    [['subscription', 'create', 'anna.meier', '--label'], /--label needs a value/],
  ])('%j: exit 2', async (args, message) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('SUBSCRIPTION_LINKS=off: the command says so, exit 2, nothing made', async () => {
    const r = await run(['subscription', 'create', 'anna.meier', '--label', 'off'], { SUBSCRIPTION_LINKS: 'off' });
    failedWith(r, 2, /^brokerstar-dav: subscription: subscription links are off \(SUBSCRIPTION_LINKS=off\)$/m);
    expect((await db.query(`SELECT 1 FROM dav.subscription_link WHERE label = 'off'`)).rowCount).toBe(0);
  });

  it('is in the help', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toContain('subscription create USER [--calendar SLUG] [--label LABEL]');
    const own = await run(['subscription', '--help']);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('brokerstar-dav subscription list USER [--json]');
  });
});
