// Sign-in by e-mail link against a real SMTP server in the test (smtp-server on 127.0.0.1): the
// link is read from the delivered mail and signs in once; replayed, expired and unknown links, an
// unknown user, an inactive employee and too many requests each get a clear answer and no mail;
// in demo mode the mail lands in DATA_DIR/mail. No token ever reaches a log line.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emailSignInRoutes } from '../../src/portal/sign-in/email.js';
import { createSignInLink } from '../../src/portal/sign-in-links.js';
import { addEmployee } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { Browser, csrfOf, startSignInApp, type SignInApp } from '../support/sign-in-deps.js';
import { parseMessage, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const LINK = /(http:\/\/127\.0\.0\.1:\d+\/setup\/sign-in\/email\/([A-Za-z0-9_-]{43}))/;

let db: TestDatabase;
let smtp: TestSmtp;
let app: SignInApp;
let anna: string;
let inactive: string;

beforeAll(async () => {
  db = await createTestDatabase();
  anna = await addEmployee(db, { username: 'anna.meier', email: 'Anna.Meier@example.ch', language: 'fr' });
  inactive = await addEmployee(db, { username: 'max.alt', email: 'max.alt@example.ch', active: false });
  await addEmployee(db, { username: 'luca.rossi', email: 'luca.rossi@example.ch', language: 'it' });
  smtp = await startTestSmtp();
  app = await startSignInApp({ db, config: { smtpUrl: smtp.url, smtpFrom: 'portal@firm.example', firmName: 'Muster & Co' }, routers: (deps) => [emailSignInRoutes(deps)] });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await db?.drop();
});

beforeEach(async () => {
  // Each test starts with fresh rate-limit counters and an empty mailbox.
  await db.query('DELETE FROM dav.sign_in_attempt');
  smtp.mails.length = 0;
});

const formUrl = () => `${app.url}/setup/sign-in/email`;

async function requestLink(browser: Browser, login: string, headers: Record<string, string> = {}) {
  const form = await browser.get(formUrl(), { headers });
  expect(form.status).toBe(200);
  return browser.post(formUrl(), { login }, { csrfFrom: form, headers });
}

const linksOf = async (employeeId: string) =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dav.sign_in_link WHERE employee_id = $1', [employeeId])).rows[0]!.n;
const sessionsOf = async (employeeId: string) =>
  (await db.query<{ method: string }>('SELECT method FROM dav.portal_session WHERE employee_id = $1', [employeeId])).rows;

describe('sign-in by e-mail link', () => {
  it('shows a labelled form with a CSRF field', async () => {
    const page = await new Browser().get(formUrl(), { headers: { 'Accept-Language': 'it' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<label for="login">Nome utente o indirizzo e-mail</label>');
    expect(page.text).toMatch(/<input id="login" name="login"/);
    expect(csrfOf(page)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A way back to the start page (the other ways to sign in), in the page's language.
    expect(page.text).toContain('<a href="/setup/">Tornare alla pagina iniziale</a>');
  });

  it('mails a one-time link in the employee language that signs in once', async () => {
    const browser = new Browser();
    // Typed in another case than BrokerStar holds it: matched case-insensitively.
    const sent = await requestLink(browser, 'ANNA.MEIER', { 'Accept-Language': 'en' });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('If this belongs to an employee, a link is on its way');
    expect(sent.text).not.toContain('Demo mode');
    expect(sent.text).toContain('<a href="/setup/">Back to the start page</a>');

    const [mail] = await smtp.waitForMails(1);
    expect(mail!.to).toEqual(['Anna.Meier@example.ch']);
    expect(mail!.from).toBe('portal@firm.example');
    // In her language (French), the firm named, the validity said.
    expect(mail!.headers.get('subject')).toBe('Votre lien de connexion pour Muster & Co');
    expect(mail!.text).toContain('Bonjour Anna Meier');
    expect(mail!.text).toContain('Il est valable 15 minutes et ne fonctionne qu’une fois.');
    const link = LINK.exec(mail!.text)?.[1];
    expect(link, mail!.text).toBeDefined();

    // Opening the link (as a mail scanner would) signs nobody in: it asks for a click.
    const confirm = await browser.get(link!);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get('cache-control')).toBe('no-store');
    expect(confirm.text).toMatch(/<form method="post">/);
    expect(await sessionsOf(anna)).toEqual([]);

    const signedIn = await browser.post(link!, {}, { csrfFrom: confirm, follow: false });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(`${app.url}/setup/`);
    expect(browser.cookie(app.url, 'portal_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessionsOf(anna)).toEqual([{ method: 'email' }]);

    // A replayed link: a clear 4xx page, no second session.
    const again = await browser.get(link!);
    expect(again.status).toBe(410);
    expect(again.text).toContain('Link nicht mehr gültig');
    const replay = await browser.post(link!, {}, { csrfFrom: confirm, follow: false });
    expect(replay.status).toBe(410);
    expect(replay.text).toContain('wurde bereits verwendet, ist abgelaufen oder unbekannt');
    expect(await sessionsOf(anna)).toHaveLength(1);

    // Only the SHA-256 of the token is stored.
    const token = LINK.exec(mail!.text)![2]!;
    const stored = await db.query<{ token_hash: Buffer }>('SELECT token_hash FROM dav.sign_in_link WHERE employee_id = $1', [anna]);
    expect(stored.rows.some((r) => r.token_hash.toString('latin1').includes(token))).toBe(false);
    // Neither the request log nor any other line carries the token.
    expect(app.logLines.join('\n')).not.toContain(token);
    expect(app.logLines.join('\n')).toContain('/setup/sign-in/email/[token]');
  });

  it('refuses an expired link and an unknown one with a clear 4xx page', async () => {
    const { token } = await createSignInLink(db.pool, anna, 'email', 900);
    await db.query(`UPDATE dav.sign_in_link SET expires_at = now() - interval '1 minute' WHERE employee_id = $1 AND used_at IS NULL`, [anna]);
    const browser = new Browser();
    const expired = await browser.get(`${formUrl()}/${token}`);
    expect(expired.status).toBe(410);
    const form = await browser.get(formUrl());
    const post = await browser.post(`${formUrl()}/${token}`, {}, { csrfFrom: form, follow: false });
    expect(post.status).toBe(410);
    expect(post.text).toContain('Link nicht mehr gültig');
    expect(post.headers.get('set-cookie') ?? '').not.toContain('portal_session');

    const unknown = await browser.post(`${formUrl()}/${'x'.repeat(43)}`, {}, { csrfFrom: form, follow: false });
    expect(unknown.status).toBe(404);
    const malformed = await browser.get(`${formUrl()}/not-a-token`);
    expect(malformed.status).toBe(404);
    expect(await sessionsOf(anna)).toHaveLength(1); // the one from the test before
  });

  it('answers an unknown user exactly as a known one, and mails nobody', async () => {
    const known = await requestLink(new Browser(), 'luca.rossi');
    const unknown = await requestLink(new Browser(), 'nobody.here@example.ch');
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    // Luca's mail arrives; nothing else does.
    const mails = await smtp.waitForMails(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(mails.map((m) => m.to)).toEqual([['luca.rossi@example.ch']]);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.text).toContain('Buongiorno Luca Rossi');
  });

  it('sends no mail to an inactive employee, and a link made before he left no longer signs in', async () => {
    const before = await linksOf(inactive);
    const page = await requestLink(new Browser(), 'max.alt');
    expect(page.status).toBe(200);
    expect(await linksOf(inactive)).toBe(before);
    await requestLink(new Browser(), 'luca.rossi');
    await smtp.waitForMails(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails.map((m) => m.to[0])).toEqual(['luca.rossi@example.ch']);

    const { token } = await createSignInLink(db.pool, inactive, 'email', 900);
    const browser = new Browser();
    const confirm = await browser.get(`${formUrl()}/${token}`);
    const post = await browser.post(`${formUrl()}/${token}`, {}, { csrfFrom: confirm, follow: false });
    expect(post.status).toBe(403);
    expect(post.text).toContain('nicht als aktive Mitarbeiterin');
    expect(await sessionsOf(inactive)).toEqual([]);
  });

  it('refuses an empty form with a 400 page and a forged CSRF token with 403', async () => {
    const browser = new Browser();
    const form = await browser.get(formUrl());
    const empty = await browser.post(formUrl(), { login: '   ' }, { csrfFrom: form });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('role="alert"');
    const forged = await browser.post(formUrl(), { login: 'anna.meier', csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(await db.query('SELECT 1 FROM dav.sign_in_attempt')).toHaveProperty('rowCount', 0);
  });

  it('answers 429 after 5 requests for one address, and mails at most 5 links', async () => {
    const browser = new Browser();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await requestLink(browser, 'anna.meier@example.ch')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    await smtp.waitForMails(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(5);
  });

  it('limits the links per employee silently when username and address are typed in turns', async () => {
    const before = await linksOf(anna);
    const browser = new Browser();
    const pages = [];
    for (let i = 0; i < 8; i++) pages.push(await requestLink(browser, i % 2 ? 'anna.meier' : 'anna.meier@example.ch'));
    // Each typed address stays within its limit (4 each), so no page says anything different...
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    // ...but only 5 links were made and mailed.
    expect((await linksOf(anna)) - before).toBe(5);
    await smtp.waitForMails(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(5);
  });

  it('answers 429 to the 31st request a minute from one client, 100 requests creating no link for unknown names', async () => {
    const browser = new Browser();
    const form = await browser.get(formUrl());
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const page = await browser.post(formUrl(), { login: `guess.${i}@example.ch` }, { csrfFrom: form });
      statuses.push(page.status);
      if (i === 99) {
        expect(page.text).toContain('Zu viele Anfragen');
        expect(page.headers.get('retry-after')).toBe('60');
      }
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    // A known user behind the same client is refused too (the limit is per client, not per name).
    expect((await browser.post(formUrl(), { login: 'luca.rossi' }, { csrfFrom: form })).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('sign-in by e-mail link in demo mode (no SMTP_URL)', () => {
  let dataDir: string;
  let demo: SignInApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'portal-mail-'));
    demo = await startSignInApp({
      config: { smtpUrl: undefined, dataDir },
      seed: async (d) => void (await addEmployee(d, { username: 'anna.meier', language: 'de' })),
      routers: (deps) => [emailSignInRoutes(deps)],
    });
  });

  afterAll(async () => {
    await demo?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the mail into DATA_DIR/mail, says so on the page, and logs where without the token', async () => {
    const browser = new Browser();
    const form = await browser.get(`${demo.url}/setup/sign-in/email`);
    const page = await browser.post(`${demo.url}/setup/sign-in/email`, { login: 'Anna.Meier' }, { csrfFrom: form });
    expect(page.status).toBe(200);
    const folder = path.join(dataDir, 'mail');
    expect(page.text).toContain(`Demo-Modus: Es ist kein Mailserver eingerichtet (SMTP_URL). Die E-Mail wurde in den Ordner ${folder} auf dem Server geschrieben.`);

    let files: string[] = [];
    for (let i = 0; i < 50 && files.length === 0; i++) {
      files = await readdir(folder).catch(() => []);
      if (files.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const mail = parseMessage(await readFile(path.join(folder, files[0]!), 'utf8'));
    expect(mail.headers.get('to')).toBe('anna.meier@example.ch');
    const [, link, token] = LINK.exec(mail.text) ?? [];
    expect(link).toBeDefined();

    const logged = demo.logLines.map((l) => JSON.parse(l) as { msg: string; file?: string });
    expect(logged.find((l) => l.msg.includes('demo mode'))?.file).toBe(path.join(folder, files[0]!));
    expect(demo.logLines.join('\n')).not.toContain(token!);

    // The link from the file signs in.
    const confirm = await browser.get(link!);
    const signedIn = await browser.post(link!, {}, { csrfFrom: confirm, follow: false });
    expect(signedIn.status).toBe(303);
    expect(demo.logLines.join('\n')).not.toContain(token!);
  });
});
