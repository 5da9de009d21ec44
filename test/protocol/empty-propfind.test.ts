// Discovery when the PROPFIND body is lost (issue 16, docs/client-setup.md "Discovery"): Python's
// requests (under python-caldav) and other HTTP clients drop the body when they follow the 301 of
// /.well-known/caldav, so /dav/ receives an empty PROPFIND. RFC 4918 §9.1 reads that as allprop;
// the server adds DAV:current-user-principal to it (allprop's include, §9.1), so the client still
// finds the principal. Proven with raw requests and with the real python3-caldav.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { describeRun, isolatedEnv, requirePythonWith, run, tempDir, type TempDir } from '../clients/support.js';
import { startTestServer, type TestServer } from '../support/server.js';

const USER = 'anna.meier';
const PRINCIPAL = `/dav/principals/${USER}/`;
const CUP = /<d:current-user-principal><d:href>([^<]+)<\/d:href><\/d:current-user-principal>/;

let dav: TestServer;

beforeAll(async () => {
  dav = await startTestServer({
    user: USER,
    seed: async (db) => {
      const b = builders(db.pool);
      const anna = await b.addEmployee({ username: USER });
      await b.addAppointment({ ownerId: anna, startsAt: '2026-12-01T09:00:00Z', subject: 'Kundentermin' });
    },
  });
});
afterAll(() => dav?.close());

describe('an empty-bodied PROPFIND', () => {
  it('on /dav/ and / answers allprop with the current user principal', async () => {
    for (const path of ['/dav/', '/']) {
      const variants: Record<string, string>[] = [{ Depth: '0' }, {}, { Depth: '0', 'Content-Length': '0' }];
      for (const headers of variants) {
        const r = await dav.request('PROPFIND', path, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(207);
        expect(CUP.exec(r.text)?.[1], path).toBe(PRINCIPAL);
        expect(r.text).toContain('<d:resourcetype><d:collection/></d:resourcetype>');
      }
    }
  });

  it('names the principal with Depth: 1 as well (on every response), and a body of whitespace counts as empty', async () => {
    const r = await dav.request('PROPFIND', '/dav/', { body: ' \r\n ', headers: { Depth: '1' } });
    expect(r.status).toBe(207);
    expect(r.text).toContain('<d:href>/dav/principals/</d:href>');
    expect(r.text.match(new RegExp(CUP.source, 'g'))).toHaveLength(4); // /dav/, principals, the two homes
  });

  it('follows /.well-known/caldav (301 to /dav/, any method) to the same answer', async () => {
    const redirect = await dav.request('PROPFIND', '/.well-known/caldav', { headers: { Depth: '0' } });
    expect(redirect.status).toBe(301);
    const target = new URL(redirect.headers.get('location')!, dav.url).pathname;
    expect(target).toBe('/dav/');
    const r = await dav.request('PROPFIND', target, { headers: { Depth: '0' } });
    expect(CUP.exec(r.text)?.[1]).toBe(PRINCIPAL);
  });

  it('an explicit DAV:allprop stays as RFC 4918 and 5397 have it (no current-user-principal unless included)', async () => {
    const plain = await dav.propfind('/dav/', '<propfind xmlns="DAV:"><allprop/></propfind>', '0');
    expect(plain.text).not.toContain('current-user-principal');
    const included = await dav.propfind('/dav/', '<propfind xmlns="DAV:"><allprop/><include><current-user-principal/></include></propfind>', '0');
    expect(CUP.exec(included.text)?.[1]).toBe(PRINCIPAL);
  });

  it('is still refused without credentials (401), and malformed bodies stay 400', async () => {
    expect((await dav.request('PROPFIND', '/dav/', { user: null, headers: { Depth: '0' } })).status).toBe(401);
    expect((await dav.request('PROPFIND', '/dav/', { body: '<propfind xmlns="DAV:"><prop>', headers: { Depth: '0' } })).status).toBe(400);
  });
});

describe('python-caldav pointed at /.well-known/caldav', () => {
  let home: TempDir;
  beforeAll(async () => {
    home = await tempDir('python-caldav-well-known');
  });
  afterAll(() => home?.remove());

  it('finds the principal, the calendar home and the calendars (requests drops the body on the 301)', async () => {
    const python = requirePythonWith('caldav', 'python3-caldav');
    const script = [
      'import json, os, caldav',
      "c = caldav.DAVClient(url=os.environ['CALDAV_URL'], username=os.environ['CALDAV_USER'], password=os.environ['CALDAV_PASSWORD'])",
      'p = c.principal()',
      "print(json.dumps({'principal': str(p.url.path), 'calendars': sorted(str(x.url.path) for x in p.calendars())}))",
    ].join('\n');
    const result = await run(python, ['-c', script], {
      timeoutMs: 45_000,
      env: isolatedEnv(home.path, {
        CALDAV_URL: `${dav.url}/.well-known/caldav`,
        CALDAV_USER: USER,
        CALDAV_PASSWORD: await dav.passwordOf(USER),
      }),
    });
    expect(result.code, describeRun(result)).toBe(0);
    const out = JSON.parse(result.stdout) as { principal: string; calendars: string[] };
    expect(out.principal).toBe(PRINCIPAL);
    expect(out.calendars).toEqual(expect.arrayContaining([`/dav/calendars/${USER}/aufgaben/`, `/dav/calendars/${USER}/termine/`]));
  }, 60_000);
});
