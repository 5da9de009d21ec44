// Everything an employee reads over DAV, in his language, through real HTTP: refusals in DAV:error
// bodies in his BrokerStar language (Accept-Language asking otherwise changes nothing), the 401 and
// 429 bodies by Accept-Language (nobody is signed in), the page at / and the collection names
// (French elision: "Rendez-vous d'Anna Meier"). And usernames in any case: Anna.Meier logs in,
// lands on /dav/calendars/anna.meier/ and syncs; two employees differing only in case are unknown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { AccountError, createAppPassword } from '../../src/auth/app-passwords.js';
import type { Language } from '../../src/i18n/texts.js';
import { createLogger } from '../../src/logger.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { davError } from '../support/dav-error.js';
import { BS, childNamed, D, propHrefs, propText } from '../support/multistatus.js';
import { startTestServer, type Reply, type TestServer } from '../support/server.js';
import { SYNC } from '../support/sync-requests.js';

const USERS: Record<Language, string> = { de: 'anna.meier', fr: 'claire.dubois', it: 'giulia.bernasconi', en: 'emma.smith' };
/** An Accept-Language asking for another language than the employee's, which must not matter. */
const OTHER: Record<Language, string> = { de: 'fr-CH, fr;q=0.9', fr: 'de-CH, de;q=0.9', it: 'en-GB', en: 'it-CH' };
const ids: Record<string, string> = {};

const DELETE_REFUSED: Record<Language, string> = {
  de: 'Termine können nur in BrokerStar unter Termine gelöscht werden. Der Termin wird wiederhergestellt.',
  fr: 'Les rendez-vous ne peuvent être supprimés que dans BrokerStar, rubrique Rendez-vous. Le rendez-vous sera restauré.',
  it: "Gli appuntamenti si possono eliminare solo in BrokerStar, nella sezione Appuntamenti. L'appuntamento verrà ripristinato.",
  en: 'Appointments can only be deleted in BrokerStar under Appointments. The appointment will be restored.',
};
const CREATE_CONTACT_REFUSED: Record<Language, string> = {
  de: 'Kontakte werden nur in BrokerStar erfasst. Bitte legen Sie den Kontakt in BrokerStar unter Kontakte an.',
  fr: 'Les contacts se créent uniquement dans BrokerStar. Veuillez créer le contact dans BrokerStar, rubrique Contacts.',
  it: 'I contatti si creano solo in BrokerStar. Crei il contatto in BrokerStar, nella sezione Contatti.',
  en: 'Contacts are created in BrokerStar only. Please create the contact in BrokerStar under Contacts.',
};
const UNAUTHORIZED: Record<Language, string> = {
  de: 'Anmeldung erforderlich: Ihr BrokerStar-Benutzername und ein App-Passwort.',
  fr: "Authentification requise\u00a0: votre nom d'utilisateur BrokerStar et un mot de passe d'application.",
  it: 'Autenticazione richiesta: il suo nome utente BrokerStar e una password per app.',
  en: 'Authentication required: your BrokerStar username and an app password.',
};
const GET_PASSWORD: Record<Language, string> = {
  de: 'Ein App-Passwort für Ihr Gerät erhalten Sie unter',
  fr: "Vous obtenez un mot de passe d'application pour votre appareil sur",
  it: 'Può ottenere una password per app per il suo dispositivo su',
  en: 'Get an app password for your device at',
};
const ACCEPT: Record<Language, string | undefined> = { de: undefined, fr: 'fr-CH, fr;q=0.9, en;q=0.8', it: 'it-CH, it;q=0.9', en: 'en-US, en;q=0.9, de;q=0.5' };
const SIGNED_IN: Record<Language, string> = {
  de: 'Angemeldet als Anna Meier (anna.meier).',
  fr: 'Connecté en tant que Claire Dubois (claire.dubois).',
  it: 'Accesso effettuato come Giulia Bernasconi (giulia.bernasconi).',
  en: 'Signed in as Emma Smith (emma.smith).',
};
/** The displaynames of the calendar home (own Termine and Aufgaben, the colleagues' calendars). */
const CALENDARS: Record<Language, string[]> = {
  de: ['Aufgaben', 'Geburtstage', 'Termine', 'Termine von Beat Keller'],
  fr: ["Rendez-vous d'Anna Meier", 'Anniversaires', 'Rendez-vous', 'Rendez-vous de Beat Keller', 'Tâches'],
  it: ['Appuntamenti', 'Appuntamenti di Anna Meier', 'Appuntamenti di Beat Keller', 'Attività', 'Compleanni'],
  en: ["Anna Meier's appointments", 'Appointments', "Beat Keller's appointments", 'Birthdays', 'Tasks'],
};
const ADDRESS_BOOK: Record<Language, string> = { de: 'Kontakte', fr: 'Contacts', it: 'Contatti', en: 'Contacts' };
const LANGS = ['de', 'fr', 'it', 'en'] as const;

const newCard = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:neu-1', 'FN:Neue Person', 'N:Person;Neue;;;', 'END:VCARD', ''].join('\r\n');
const PRINCIPAL = '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>';
const DISPLAYNAME = '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>';

async function message(r: Reply): Promise<string | undefined> {
  const { root } = await davError(r);
  return childNamed(root, BS('message'))?.text;
}

let dav: TestServer;

beforeAll(async () => {
  dav = await startTestServer({
    seed: async (db) => {
      const b = builders(db.pool);
      for (const lang of LANGS) ids[lang] = await b.addEmployee({ username: USERS[lang], language: lang });
      ids.beat = await b.addEmployee({ username: 'beat.keller' });
      ids.max = await b.addEmployee({ username: 'max.muster' });
      for (const lang of LANGS) {
        ids[`appointment-${lang}`] = await b.addAppointment({ ownerId: ids[lang]!, startsAt: '2026-12-01T09:00:00Z', subject: `Termin ${lang}` });
        await b.addShare(ids.beat, ids[lang]!);
        if (lang !== 'de') await b.addShare(ids.de!, ids[lang]!);
      }
    },
  });
});
afterAll(() => dav?.close());

describe("refusals in the employee's BrokerStar language", () => {
  it.each(LANGS)('%s: a refused DELETE and a refused PUT, whatever Accept-Language says', async (lang) => {
    const user = USERS[lang];
    const del = await dav.request('DELETE', `/dav/calendars/${user}/termine/${ids[`appointment-${lang}`]}.ics`, {
      user,
      headers: { 'Accept-Language': OTHER[lang] },
    });
    expect(del.status, del.text).toBe(403);
    expect(await message(del)).toBe(DELETE_REFUSED[lang]);
    const put = await dav.request('PUT', `/dav/addressbooks/${user}/kontakte/neu-1.vcf`, {
      user,
      body: newCard,
      headers: { 'Content-Type': 'text/vcard; charset=utf-8', 'If-None-Match': '*', 'Accept-Language': OTHER[lang] },
    });
    expect(put.status, put.text).toBe(403);
    expect(await message(put)).toBe(CREATE_CONTACT_REFUSED[lang]);
  });
});

describe('what someone not signed in reads, by Accept-Language', () => {
  it.each(LANGS)('%s: the 401 body, the same for no, wrong and unknown credentials', async (lang) => {
    const headers: Record<string, string> = ACCEPT[lang] ? { 'Accept-Language': ACCEPT[lang]! } : {};
    const expected = `${UNAUTHORIZED[lang]}\n${GET_PASSWORD[lang]} ${dav.url}/setup/\n`;
    for (const authorization of [undefined, basicAuth('anna.meier', 'Wrong-Passw-ord12-34567'), basicAuth('niemand.da', 'Wrong-Passw-ord12-34567')]) {
      for (const path of ['/', '/dav/calendars/anna.meier/']) {
        const withCredentials: Record<string, string> = authorization ? { ...headers, Authorization: authorization } : headers;
        const r = await dav.request('GET', path, { user: null, headers: withCredentials });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Basic realm="brokerstar-dav", charset="UTF-8"');
        expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(r.headers.get('vary')).toMatch(/Accept-Language/i);
        expect(r.text).toBe(expected);
      }
    }
  });

  it('names no portal when SETUP_PORTAL is off', async () => {
    const off = await startTestServer({ config: { setupPortal: false } });
    try {
      const r = await off.request('GET', '/', { user: null, headers: { 'Accept-Language': 'it' } });
      expect(r.status).toBe(401);
      expect(r.text).toBe(`${UNAUTHORIZED.it}\n`);
    } finally {
      await off.close();
    }
  });

  it('the 429 of a locked-out address', async () => {
    const locked = await startTestServer({
      config: { authLockoutThreshold: 2, authLockoutSeconds: 60 },
      seed: async (db) => {
        await builders(db.pool).addEmployee({ username: 'anna.meier' });
      },
    });
    try {
      // Different wrong passwords: the same one again is answered from memory and not counted.
      const wrong = (n: number) => ({ Authorization: basicAuth('anna.meier', `Wrong-Passw-ord${n}-34567`) });
      for (let i = 0; i < 2; i++) expect((await locked.request('GET', '/dav/', { user: null, headers: wrong(i) })).status).toBe(401);
      const texts: Partial<Record<Language, string>> = {};
      for (const [i, lang] of LANGS.entries()) {
        const r = await locked.request('GET', '/dav/', { user: null, headers: { ...wrong(10 + i), ...(ACCEPT[lang] ? { 'Accept-Language': ACCEPT[lang]! } : {}) } });
        expect(r.status).toBe(429);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        texts[lang] = r.text;
      }
      expect(texts).toEqual({
        de: 'Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später noch einmal.\n',
        fr: 'Trop de connexions échouées. Veuillez réessayer plus tard.\n',
        it: 'Troppi accessi non riusciti. Riprovi più tardi.\n',
        en: 'Too many failed logins; try again later.\n',
      });
    } finally {
      await locked.close();
    }
  });
});

describe("what a signed-in employee reads: his BrokerStar language", () => {
  it.each(LANGS)('%s: the page at / and the collection names', async (lang) => {
    const user = USERS[lang];
    const page = await dav.request('GET', '/', { user, headers: { 'Accept-Language': OTHER[lang] } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<html lang="${lang}">`);
    expect(page.text).toContain(SIGNED_IN[lang]);
    expect(page.text).toContain(`<code>${dav.url}/dav/calendars/${user}/termine/</code>`);
    expect(page.text).toContain('<a href="/setup/">');

    const home = await dav.propfind(`/dav/calendars/${user}/`, DISPLAYNAME, '1', { user });
    expect(home.status).toBe(207);
    const names = [...home.ms.responses.entries()]
      .filter(([href]) => href !== `/dav/calendars/${user}/`)
      .map(([, e]) => propText(e, D('displayname')) ?? '')
      .sort();
    expect(names).toEqual([...CALENDARS[lang]].sort());
    for (const name of names) expect(page.text).toContain(`<li>${name}: `);

    const book = await dav.propfind(`/dav/addressbooks/${user}/kontakte/`, DISPLAYNAME, '0', { user });
    expect(propText(book.ms.responses.get(`/dav/addressbooks/${user}/kontakte/`), D('displayname'))).toBe(ADDRESS_BOOK[lang]);
  });
});

describe('usernames in any case', () => {
  it('Anna.Meier logs in as anna.meier, finds her home at /dav/calendars/anna.meier/ and syncs', async () => {
    const password = await dav.passwordOf('anna.meier');
    for (const typed of ['Anna.Meier', 'ANNA.MEIER']) {
      const as = { user: null, headers: { Authorization: basicAuth(typed, password) } } as const;
      const principal = await dav.propfind('/dav/', PRINCIPAL, '0', as);
      expect(principal.status, typed).toBe(207);
      expect(propHrefs(principal.ms.responses.get('/dav/'), D('current-user-principal'))).toEqual(['/dav/principals/anna.meier/']);
      const home = await dav.propfind('/dav/calendars/anna.meier/', DISPLAYNAME, '1', as);
      expect(home.status).toBe(207);
      expect(home.ms.responses.has('/dav/calendars/anna.meier/termine/')).toBe(true);
      const sync = await dav.report('/dav/calendars/anna.meier/termine/', SYNC(''), as);
      expect(sync.status).toBe(207);
      expect([...sync.ms.responses.keys()]).toContain(`/dav/calendars/anna.meier/termine/${ids['appointment-de']}.ics`);
    }
  });

  it('creates an app password for Anna.Meier (what `password create Anna.Meier` runs), valid as anna.meier', async () => {
    const password = await createAppPassword(dav.db.pool, 'Anna.Meier', 'typed with capitals');
    const r = await dav.propfind('/dav/', PRINCIPAL, '0', { user: null, headers: { Authorization: basicAuth('anna.meier', password) } });
    expect(r.status).toBe(207);
    expect(propHrefs(r.ms.responses.get('/dav/'), D('current-user-principal'))).toEqual(['/dav/principals/anna.meier/']);
  });

  it('finds the audit rows of anna.meier when asked for ANNA.MEIER (what `audit --user` runs)', async () => {
    const refused = await dav.request('DELETE', `/dav/calendars/anna.meier/termine/${ids['appointment-de']}.ics`, { user: 'anna.meier' });
    expect(refused.status).toBe(403);
    const audit = new AuditLog(dav.db.pool, createLogger('silent'));
    let rows: Awaited<ReturnType<AuditLog['list']>> = [];
    // A refusal is audited after its answer: polled briefly.
    for (let i = 0; i < 40 && rows.length === 0; i++) {
      rows = await audit.list({ username: 'ANNA.MEIER' });
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.username))).toEqual(new Set(['anna.meier']));
  });

  it('two employees differing only in case are unknown: no login, no new password', async () => {
    const password = await dav.passwordOf('max.muster');
    const as = (typed: string) => ({ user: null, headers: { Authorization: basicAuth(typed, password) } });
    expect((await dav.request('PROPFIND', '/dav/', { ...as('max.muster'), body: PRINCIPAL })).status).toBe(207);
    await builders(dav.db.pool).addEmployee({ username: 'Max.Muster' });
    for (const typed of ['max.muster', 'Max.Muster', 'MAX.MUSTER']) {
      const r = await dav.request('PROPFIND', '/dav/', { ...as(typed), body: PRINCIPAL });
      expect(r.status, typed).toBe(401);
      await expect(createAppPassword(dav.db.pool, typed, 'another')).rejects.toBeInstanceOf(AccountError);
    }
  });
});
