// The detailed per-client guides (/setup/guide/<client>) over real HTTP: each of the four clients'
// sections of docs/client-setup.md with this server's address and the signed-in employee's user
// name in place of the placeholders, a note in his language that the steps are English, 404 pages
// for an unknown client and a missing document, the links from the start and setup pages; and the
// small Markdown renderer, which escapes everything and keeps no script.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { guideRoutes, guideSection, personaliser, renderMarkdown, type GuideClient } from '../../src/portal/guides.js';
import { invite } from '../../src/portal/sign-in/enrolment.js';
import { activeEmployeeByLogin } from '../../src/storage/postgres/brokerstar/portal-employees.js';
import { builders } from '../support/builders.js';
import { listenOnLoopback } from '../support/listen.js';
import { PortalClient, shownPassword, type PortalReply } from '../support/portal-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({
    config: { databaseUrl: 'postgres://unused.invalid/none', firmName: 'Muster & Partner AG' },
    seed: async (db) => {
      const b = builders(db.pool);
      await b.addEmployee({ username: 'marc.dupont', language: 'fr', firstName: 'Marc', lastName: 'Dupont' });
      await b.addEmployee({ username: 'eve.other', language: 'en' });
    },
  });
});

afterAll(async () => {
  await ts?.close();
});

/** A client signed in through an enrolment link. */
async function signedIn(username: string): Promise<PortalClient> {
  const employee = await activeEmployeeByLogin(ts.db.pool, username);
  if (!employee) throw new Error(`${username} is not active`);
  const [inv] = await invite(ts.db.pool, [employee], `${ts.url}/setup`, 3600);
  const c = new PortalClient(ts.url);
  const linkPath = new URL(inv!.link).pathname;
  const confirm = await c.get(linkPath);
  expect(confirm.status).toBe(200);
  const done = await c.post(linkPath, {}, confirm);
  expect(done.status).toBe(303);
  return c;
}

async function addDevice(c: PortalClient, kind: string, label: string): Promise<PortalReply> {
  const start = await c.get('/setup/');
  const r = await c.post('/setup/devices', { kind, label }, start);
  expect(r.status).toBe(200);
  shownPassword(r.text); // it is the setup page
  return r;
}

const HEADINGS: Record<GuideClient, string> = {
  outlook: 'Outlook (CalDav Synchronizer)',
  iphone: 'iPhone and iPad (Calendar, Reminders, Contacts)',
  android: 'Android (DAVx5)',
  thunderbird: 'Thunderbird',
};
/** A step of each guide that carries the server address, as the page must show it. */
const ADDRESS_STEP: Record<GuideClient, (base: string) => string> = {
  outlook: (base) => `<em>DAV URL</em>: <code>${base}/</code>`,
  iphone: (base) => `<em>Server</em>: <code>${base}/</code> (or <code>${base}/</code>)`,
  android: (base) => `<em>Base URL</em>: <code>${base}/</code>`,
  thunderbird: (base) => `<em>Location</em>: <code>${base}/</code>`,
};

/** The page's main content (without the layout's header). */
function mainOf(html: string): string {
  const m = /<main id="main">([\s\S]*)<\/main>/.exec(html);
  if (!m?.[1]) throw new Error('no main element');
  return m[1];
}

describe('the guide of each client', () => {
  it.each(Object.keys(HEADINGS) as GuideClient[])('%s: the section with the real address and the signed-in user name, a French note', async (client) => {
    const c = await signedIn('marc.dupont');
    const r = await c.get(`/setup/guide/${client}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const main = mainOf(r.text);
    expect(main).toContain(`<h1 lang="en">${HEADINGS[client]}</h1>`);
    // Only this client's section: no other client's heading, nothing from the document's start.
    for (const other of Object.values(HEADINGS)) if (other !== HEADINGS[client]) expect(main).not.toContain(`>${other}<`);
    expect(main).not.toContain('App passwords');
    // The placeholders are gone: the server's own address and Marc's user name instead.
    expect(main).toContain(ADDRESS_STEP[client](ts.url));
    expect(main).not.toMatch(/\bHOST\b(?!=)/);
    expect(main).toContain('<code>marc.dupont</code>');
    expect(main).not.toContain('anna.meier');
    expect(main).toMatch(/<ol>\n<li>/);
    // The note in his language, the guide marked as English, nothing executable.
    expect(main).toContain('Le guide détaillé n’existe qu’en anglais.');
    expect(main).toContain(`nom d’utilisateur marc.dupont`);
    expect(main).toContain('<div class="guide" lang="en">');
    expect(r.text).not.toMatch(/<script/i);
    expect(r.text).toContain('<html lang="fr">');
  });

  it('shows the example user name to someone not signed in, in the browser’s language, with a way to sign in', async () => {
    const r = await new PortalClient(ts.url, { acceptLanguage: 'it-CH' }).get('/setup/guide/android');
    expect(r.status).toBe(200);
    const main = mainOf(r.text);
    expect(main).toContain('Le istruzioni dettagliate esistono solo in inglese.');
    expect(main).toContain('<code>anna.meier</code>');
    expect(main).toContain(`<code>${ts.url}/</code>`);
    expect(main).toContain('<a href="/setup/">Accedi</a>');
  });

  it('leaves out the "in English" note for an English-speaking employee', async () => {
    const c = await signedIn('eve.other');
    const r = await c.get('/setup/guide/thunderbird');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain('in English only');
    expect(mainOf(r.text)).toContain('<code>eve.other</code>');
  });

  it('keeps the demo note about the environment variable HOST=0.0.0.0 as written', async () => {
    const r = await new PortalClient(ts.url).get('/setup/guide/iphone');
    expect(r.text).toContain('<code>HOST=0.0.0.0</code>');
  });

  it('makes relative links to other documents plain text', async () => {
    const r = await new PortalClient(ts.url).get('/setup/guide/thunderbird');
    expect(r.text).toContain('known limits: client-compatibility.md.');
    expect(r.text).not.toContain('href="client-compatibility.md"');
  });

  it.each(['/setup/guide/windows', '/setup/guide/OUTLOOK', '/setup/guide/..%2Fpackage.json', '/setup/guide/outlook/more', '/setup/guide/%3Cscript%3E'])(
    'answers %s with a 404 page listing the guides',
    async (p) => {
      const r = await new PortalClient(ts.url, { acceptLanguage: 'de' }).get(p);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.text).not.toMatch(/<script/i);
      expect(r.text).not.toContain('Basic realm');
    },
  );

  it('lists the guides on an unknown client’s page and at /setup/guide', async () => {
    const unknown = await new PortalClient(ts.url, { acceptLanguage: 'de' }).get('/setup/guide/windows');
    expect(unknown.text).toContain('Anleitung nicht gefunden');
    for (const c of Object.keys(HEADINGS)) expect(unknown.text).toContain(`href="/setup/guide/${c}"`);
    const index = await new PortalClient(ts.url, { acceptLanguage: 'de' }).get('/setup/guide');
    expect(index.status).toBe(200);
    for (const c of Object.keys(HEADINGS)) expect(index.text).toContain(`href="/setup/guide/${c}"`);
  });
});

describe('links to the guides', () => {
  it('from the setup page of an Outlook device, and of each other kind to its own guide', async () => {
    const c = await signedIn('marc.dupont');
    const outlook = await addDevice(c, 'outlook', 'Bureau');
    expect(outlook.text).toContain('<a href="/setup/guide/outlook">Guide détaillé pour Outlook (CalDav Synchronizer)</a>');
    for (const kind of ['iphone', 'android', 'thunderbird'] as const) {
      const r = await addDevice(c, kind, `Appareil ${kind}`);
      expect(r.text).toContain(`<a href="/setup/guide/${kind}">`);
      expect(r.text).not.toContain('href="/setup/guide/outlook"');
    }
    const other = await addDevice(c, 'other', 'Autre');
    expect(other.text).not.toContain('/setup/guide/');
  });

  it('from the start page, signed in or not', async () => {
    const signedInStart = await (await signedIn('eve.other')).get('/setup/');
    const anonymousStart = await new PortalClient(ts.url).get('/setup/');
    for (const page of [signedInStart, anonymousStart]) {
      expect(page.status).toBe(200);
      for (const c of Object.keys(HEADINGS)) expect(page.text).toContain(`<a href="/setup/guide/${c}">`);
    }
    expect(signedInStart.text).toContain('Detailed guides');
  });
});

describe('a missing or incomplete document', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'guides-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The guide routes alone over HTTP, with a stand-in layout, reading `file`. */
  async function serve(file: string) {
    const app = express();
    app.use(
      '/setup',
      guideRoutes({
        sendPage: (_req, res, page) => void res.status(page.status ?? 200).type('text/html').send(`<title>${page.title}</title>${page.body}`),
        languageOf: () => 'de',
        baseUrl: () => 'https://dav.example.ch',
        usernameOf: () => undefined,
        log: createLogger('silent'),
        file,
      }),
    );
    app.use((_req, res) => void res.status(500).send('fell through'));
    return listenOnLoopback(app);
  }

  it('answers 404 with a clear page when the file is missing, and serves it once it exists', async () => {
    const file = path.join(dir, 'client-setup.md');
    const server = await serve(file);
    try {
      const missing = await fetch(`${server.url}/setup/guide/outlook`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('Anleitung nicht verfügbar');
      await writeFile(file, '# Client setup\n\n## Outlook (x)\n\nUse `https://HOST/`.\n\n## Thunderbird\n\nLater.\n');
      const there = await fetch(`${server.url}/setup/guide/outlook`);
      expect(there.status).toBe(200);
      const html = await there.text();
      expect(html).toContain('<code>https://dav.example.ch/</code>');
      expect(html).not.toContain('Later.');
      // A client the document has no section for: the same clear 404.
      const android = await fetch(`${server.url}/setup/guide/android`);
      expect(android.status).toBe(404);
      expect(await android.text()).toContain('Anleitung nicht verfügbar');
    } finally {
      await server.close();
    }
  });
});

describe('the Markdown renderer', () => {
  it('escapes every piece of text, a crafted heading included, and lets no markup through', () => {
    const html = renderMarkdown(
      [
        '### <script>alert(1)</script> & Co',
        '',
        'Tom & Jerry <img src=x onerror=alert(1)> "quoted" **<b>bold</b>** *it & al* `<code> & x`',
        '',
        '1. [click](javascript:alert(1)) and [doc](other.md) and [site](https://example.ch/a?b=1&c=2)',
        '   - nested <i>',
        '',
        '| a | <b> |',
        '|---|---|',
        '| `x<y` | 1 & 2 |',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<script|<img|<b>|<i>|javascript:/i);
    expect(html).toContain('<h2>&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co</h2>');
    expect(html).toContain('Tom &#38; Jerry &#60;img src=x onerror=alert(1)&#62; &#34;quoted&#34;');
    expect(html).toContain('<strong>&#60;b&#62;bold&#60;/b&#62;</strong>');
    expect(html).toContain('<em>it &#38; al</em>');
    expect(html).toContain('<code>&#60;code&#62; &#38; x</code>');
    expect(html).toContain('<li>click and doc and <a href="https://example.ch/a?b=1&#38;c=2" rel="noopener">site</a>');
    expect(html).toContain('<ul>\n<li>nested &#60;i&#62;</li>\n</ul>');
    expect(html).toContain('<th scope="col">&#60;b&#62;</th>');
    expect(html).toContain('<td><code>x&#60;y</code></td><td>1 &#38; 2</td>');
  });

  it('nests lists by indentation, keeps continuation lines in their item, numbers from the start given', () => {
    const html = renderMarkdown(
      ['2. First', '   goes on', '   - a', '     still a', '   - b', '3. Second', '', 'After.'].join('\n'),
    );
    expect(html).toBe(
      '<ol start="2">\n<li>First\ngoes on\n<ul>\n<li>a\nstill a</li>\n<li>b</li>\n</ul>\n</li>\n<li>Second</li>\n</ol>\n<p>After.</p>',
    );
  });

  it('renders fenced code literally and maps heading levels (## → h1, ### → h2, #### → h3)', () => {
    const html = renderMarkdown('## A\n\n### B\n\n#### C\n\n```sh\nnpx x **not bold** <tag>\n```\n');
    expect(html).toBe('<h1>A</h1>\n<h2>B</h2>\n<h3>C</h3>\n<pre><code>npx x **not bold** &#60;tag&#62;</code></pre>');
  });
});

describe('cutting and filling in a section', () => {
  const doc = '# T\n\nIntro\n\n## Outlook (CalDav)\n\nO\n\n```\n## not a heading\n```\n\nstill O\n\n## iPhone\n\nI\n';

  it('ends a section at the next "## " heading outside fenced code', () => {
    expect(guideSection(doc, 'outlook')).toEqual({ heading: 'Outlook (CalDav)', body: '\nO\n\n```\n## not a heading\n```\n\nstill O\n' });
    expect(guideSection(doc, 'iphone')).toEqual({ heading: 'iPhone', body: '\nI\n' });
    expect(guideSection(doc, 'android')).toBeUndefined();
  });

  it('puts the host without scheme where a bare HOST stands for https, and the user name', () => {
    const fill = personaliser({ baseUrl: 'https://dav.firm.ch', username: 'marc.dupont' });
    expect(fill('`HOST` or `https://HOST/dav/calendars/anna.meier/`; start with `HOST=0.0.0.0`; hanna.meiers')).toBe(
      '`dav.firm.ch` or `https://dav.firm.ch/dav/calendars/marc.dupont/`; start with `HOST=0.0.0.0`; hanna.meiers',
    );
    expect(personaliser({ baseUrl: 'http://127.0.0.1:8008' })('HOST, anna.meier')).toBe('http://127.0.0.1:8008/, anna.meier');
  });
});
