// "Subscribe to calendars" in the setup portal over real HTTP with a cookie jar: the page lists the
// calendars a link may serve (his Termine, the colleagues' he sees; not the tasks), creating a
// link shows its URL once (PUBLIC_URL) and the URL serves the calendar without credentials;
// revoking makes it 404 at once; a forged or missing CSRF token, a bad label, a calendar that is
// not his, a taken label, someone else's link id and no session are refused with nothing created
// or revoked; both are audited. SUBSCRIPTION_LINKS=off: no page, no link on "My devices", no route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { createLink } from '../../src/storage/postgres/subscription-links.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { PortalClient, type PortalReply } from '../support/portal-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { daysFromNow, fetchLink, parseCalendar } from './support.js';

const PUBLIC_URL = 'https://dav.firm.example';

async function signedIn(ts: TestServer, username: string): Promise<PortalClient> {
  const e = await activeEmployeeByLogin(ts.db.pool, username);
  const [inv] = await invite(ts.db.pool, [e!], `${ts.url}/setup`, 3600);
  const path = new URL(inv!.link).pathname;
  const c = new PortalClient(ts.url);
  const confirm = await c.get(path);
  expect(confirm.status).toBe(200);
  expect((await c.post(path, {}, confirm)).status).toBe(303);
  return c;
}

/** The link URL shown once (in the element marked secret). */
function shownLink(html: string): string {
  const m = /<span class="secret" data-copy>([^<]+)<\/span>/.exec(html);
  if (!m?.[1]) throw new Error('no link on the page');
  return m[1];
}

/** The link's path on the test server (PUBLIC_URL is the address outside; the path is the same). */
const onServer = (ts: TestServer, url: string) => `${ts.url}${new URL(url).pathname}`;

const linkCount = async (ts: TestServer) => (await ts.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.subscription_link')).rows[0]!.n;

describe('the portal page', () => {
  let ts: TestServer;
  const ids = { anna: '', bruno: '', marc: '' };

  beforeAll(async () => {
    ts = await startTestServer({
      config: { databaseUrl: 'postgres://unused.invalid/none', publicUrl: PUBLIC_URL },
      seed: async (db) => {
        const b = builders(db.pool);
        ids.anna = await b.addEmployee({ username: 'anna.meier', language: 'de' });
        ids.bruno = await b.addEmployee({ username: 'bruno.keller', language: 'de' });
        ids.marc = await b.addEmployee({ username: 'marc.dupont', language: 'fr' });
        await b.addEmployee({ username: 'eve.other', language: 'en' });
        await b.addShare(ids.bruno, ids.anna);
        await b.addAppointment({ ownerId: ids.anna, startsAt: daysFromNow(1), subject: 'Kundentermin' });
        await b.addAppointment({ ownerId: ids.anna, startsAt: daysFromNow(2), subject: 'Arzt privat', isPrivate: true });
      },
    });
  });

  afterAll(async () => {
    await ts?.close();
  });

  it('is linked from "My devices" and lists the calendars a link may serve, not the tasks', async () => {
    const c = await signedIn(ts, 'anna.meier');
    const start = await c.get('/setup/');
    expect(start.text).toContain('<a href="/setup/subscriptions">Kalender abonnieren');
    const page = await c.get('/setup/subscriptions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Kalender abonnieren</h1>');
    expect(page.text).toContain('<option value="termine">');
    expect(page.text).toContain('<option value="termine-bruno.keller">');
    expect(page.text).not.toContain('value="aufgaben"');
    expect(page.text).toContain('Sie haben noch keine Abonnement-Links.');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('creates a link, shows its URL once (under PUBLIC_URL), and the URL serves the calendar with private appointments busy', async () => {
    const c = await signedIn(ts, 'anna.meier');
    const page = await c.get('/setup/subscriptions');
    const created = await c.post('/setup/subscriptions', { calendar: 'termine', label: 'Google Kalender' }, page);
    expect(created.status).toBe(200);
    expect(created.text).toContain('Er wird nur dieses eine Mal angezeigt');
    const url = shownLink(created.text);
    expect(url).toMatch(/^https:\/\/dav\.firm\.example\/subscriptions\/[A-Za-z0-9_-]{22}\.ics$/);
    const ics = await fetchLink(onServer(ts, url));
    expect(ics.status).toBe(200);
    const summaries = parseCalendar(ics.text).summaries;
    expect(summaries.sort()).toEqual(['Besetzt', 'Kundentermin']);
    // Listed with its label afterwards, never with its URL again.
    const list = await c.get('/setup/subscriptions');
    expect(list.text).toContain('Google Kalender');
    expect(list.text).not.toContain(new URL(url).pathname);
    const audit = await ts.db.query<{ reason: string }>(`SELECT * FROM dav.audit_log WHERE method = 'ADD-SUBSCRIPTION' AND username = 'anna.meier'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.reason).toContain('"Google Kalender" (calendar termine)');
    expect(JSON.stringify(audit.rows)).not.toContain(new URL(url).pathname.slice(15, 37));
  });

  it("revokes a link: it answers 404 at once; another employee's link id is 404 and revokes nothing", async () => {
    const c = await signedIn(ts, 'anna.meier');
    const page = await c.get('/setup/subscriptions');
    const url = shownLink((await c.post('/setup/subscriptions', { calendar: 'termine-bruno.keller', label: 'Bruno Bildschirm' }, page)).text);
    expect((await fetchLink(onServer(ts, url))).status).toBe(200);
    const list = await c.get('/setup/subscriptions');
    const id = (await ts.db.query<{ id: string }>(`SELECT id::text FROM dav.subscription_link WHERE label = 'Bruno Bildschirm'`)).rows[0]!.id;
    expect(list.text).toContain(`action="/setup/subscriptions/${id}/revoke"`);

    // Eve posts Anna's link id with her own valid CSRF token: not hers, so not found, nothing revoked.
    const eve = await signedIn(ts, 'eve.other');
    const evePage = await eve.get('/setup/subscriptions');
    const foreign = await eve.post(`/setup/subscriptions/${id}/revoke`, {}, evePage);
    expect(foreign.status).toBe(404);
    expect(foreign.text).toContain('This subscription link does not exist (any more).');
    expect(foreign.text).not.toContain('Bruno Bildschirm');
    expect((await fetchLink(onServer(ts, url))).status).toBe(200);
    expect((await eve.post('/setup/subscriptions/not-a-number/revoke', {}, evePage)).status).toBe(404);

    const revoked = await c.post(`/setup/subscriptions/${id}/revoke`, {}, list);
    expect(revoked.status).toBe(200);
    expect(revoked.text).toContain('Der Link „Bruno Bildschirm“ wurde widerrufen');
    expect((await fetchLink(onServer(ts, url))).status).toBe(404);
    const audit = await ts.db.query(`SELECT reason FROM dav.audit_log WHERE method = 'REVOKE-SUBSCRIPTION'`);
    expect(audit.rows.map((r) => r.reason)).toEqual([expect.stringContaining('"Bruno Bildschirm"')]);
  });

  it('refuses a forged or missing CSRF token with 403 and creates nothing', async () => {
    const c = await signedIn(ts, 'anna.meier');
    const before = await linkCount(ts);
    const forged = await c.request('POST', '/setup/subscriptions', { form: { _csrf: 'x'.repeat(43), calendar: 'termine', label: 'forged' } });
    expect(forged.status).toBe(403);
    const missing = await c.request('POST', '/setup/subscriptions', { form: { calendar: 'termine', label: 'forged' } });
    expect(missing.status).toBe(403);
    expect(await linkCount(ts)).toBe(before);
  });

  it('refuses a bad label, a calendar that is not his and a taken label with a 4xx on the page, nothing created', async () => {
    const c = await signedIn(ts, 'anna.meier');
    const page = await c.get('/setup/subscriptions');
    await c.post('/setup/subscriptions', { calendar: 'termine', label: 'Wand' }, page);
    const before = await linkCount(ts);
    const cases: [Record<string, string>, number, string][] = [
      [{ calendar: 'termine', label: '' }, 400, 'höchstens 100 Zeichen'],
      [{ calendar: 'termine', label: 'x'.repeat(101) }, 400, 'höchstens 100 Zeichen'],
      [{ calendar: 'termine', label: 'a\u0007b' }, 400, 'höchstens 100 Zeichen'],
      [{ calendar: 'aufgaben', label: 'Aufgaben' }, 400, 'Bitte wählen Sie einen Ihrer Kalender.'],
      [{ calendar: 'termine-eve.other', label: 'Eve' }, 400, 'Bitte wählen Sie einen Ihrer Kalender.'],
      [{ label: 'nothing' }, 400, 'Bitte wählen Sie einen Ihrer Kalender.'],
      [{ calendar: 'termine', label: 'Wand' }, 409, 'Sie haben schon einen Link mit der Bezeichnung „Wand“.'],
    ];
    for (const [form, status, message] of cases) {
      const r = await c.post('/setup/subscriptions', form, page);
      expect(r.status, JSON.stringify(form)).toBe(status);
      expect(r.text).toContain(message);
      expect(r.text).not.toContain('class="secret"');
    }
    expect(await linkCount(ts)).toBe(before);
  });

  it('is refused without a session (403), nothing created', async () => {
    const stranger = new PortalClient(ts.url);
    expect((await stranger.get('/setup/subscriptions')).status).toBe(403);
    // A valid pre-sign-in CSRF token (an enrolment confirmation's form): the CSRF check passes, the session check refuses.
    const e = await activeEmployeeByLogin(ts.db.pool, 'eve.other');
    const [inv] = await invite(ts.db.pool, [e!], `${ts.url}/setup`, 3600);
    const formPage: PortalReply = await stranger.get(new URL(inv!.link).pathname);
    const before = await linkCount(ts);
    const r = await stranger.post('/setup/subscriptions', { calendar: 'termine', label: 'stranger' }, formPage);
    expect(r.status).toBe(403);
    expect(await linkCount(ts)).toBe(before);
  });

  it("speaks the employee's language", async () => {
    const c = await signedIn(ts, 'marc.dupont');
    const page = await c.get('/setup/subscriptions');
    expect(page.text).toContain('<h1>S’abonner aux calendriers</h1>');
    expect(page.text).toContain('<html lang="fr">');
  });
});

describe('SUBSCRIPTION_LINKS=off', () => {
  let ts: TestServer;
  let anna = '';

  beforeAll(async () => {
    ts = await startTestServer({
      config: { databaseUrl: 'postgres://unused.invalid/none', subscriptionLinks: false },
      seed: async (db) => {
        anna = await builders(db.pool).addEmployee({ username: 'anna.meier' });
      },
    });
  });

  afterAll(async () => {
    await ts?.close();
  });

  it('has no portal page and no link to it, and links made before answer 404 (not a password prompt)', async () => {
    const c = await signedIn(ts, 'anna.meier');
    const start = await c.get('/setup/');
    expect(start.status).toBe(200);
    expect(start.text).not.toContain('/setup/subscriptions');
    expect((await c.get('/setup/subscriptions')).status).toBe(404);
    const before = await linkCount(ts);
    expect((await c.post('/setup/subscriptions', { calendar: 'termine', label: 'x' }, start)).status).toBe(404);
    expect(await linkCount(ts)).toBe(before);
    const made = await createLink(ts.db.pool, anna, 'termine', 'from before');
    const r = await fetchLink(`${ts.url}/subscriptions/${made!.token}.ics`);
    expect(r.status).toBe(404);
    expect(r.headers.get('www-authenticate')).toBeNull();
  });
});
