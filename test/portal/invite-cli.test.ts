// `brokerstar-dav invite` through the built command line (npm run build first, as for
// test/foundation/cli.test.ts) against the test database: one link per employee, names in any
// case, --all, --csv, --expires, nothing created when a name is wrong; a printed link signs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { neverCreatedDataDir, runBuiltCli } from '../support/built-cli.js';
import { PortalClient } from '../support/portal-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const NO_DATA_DIR = neverCreatedDataDir('invite-test');

const run = (args: string[], env: Record<string, string | undefined> = {}) => runBuiltCli(args, NO_DATA_DIR, env);

let ts: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  ts = await startTestServer({
    seed: async (db) => {
      const b = builders(db.pool);
      await b.addEmployee({ username: 'anna.meier' });
      await b.addEmployee({ username: 'marc.dupont', language: 'fr', email: 'Marc.Dupont@Example.ch' });
      await b.addEmployee({ username: 'otto.alt', active: false });
    },
  });
  env = { DATABASE_URL: ts.db.url, PUBLIC_URL: ts.url };
});

afterAll(async () => {
  await ts?.close();
});

const linkCount = async () => (await ts.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.sign_in_link WHERE purpose = 'enrolment'`)).rows[0]!.n;

describe('brokerstar-dav invite', () => {
  it('prints one link per named employee (username or e-mail, any case) that signs him in once', async () => {
    const r = await run(['invite', 'Anna.Meier', 'marc.dupont@example.CH'], env);
    expect(r.stderr).toContain('2 link(s)');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^anna\\.meier +${ts.url}/setup/enrol/[A-Za-z0-9_-]{43}$`));
    expect(lines[1]).toMatch(/^marc\.dupont +http/);
    const link = lines[0]!.split(/ +/)[1]!;
    const c = new PortalClient(ts.url);
    const confirm = await c.get(new URL(link).pathname);
    expect(confirm.status).toBe(200);
    expect((await c.post(new URL(link).pathname, {}, confirm)).status).toBe(303);
    expect((await c.get('/setup/')).text).toContain('Meine Geräte');
    // Only the hash is stored.
    const token = link.split('/').pop()!;
    const { rows } = await ts.db.query(`SELECT 1 FROM dav.sign_in_link WHERE encode(token_hash, 'hex') = $1 OR encode(token_hash, 'escape') LIKE '%' || $2 || '%'`, [token, token]);
    expect(rows).toHaveLength(0);
  });

  it('--all --csv --expires 2d: every active employee, as CSV, valid two days', async () => {
    const r = await run(['invite', '--all', '--csv', '--expires', '2d'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('username,email,name,link,expires');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['anna.meier', 'marc.dupont']); // not the inactive otto.alt
    const expires = new Date(lines[1]!.split(',')[4]!);
    expect(Math.abs(expires.getTime() - Date.now() - 2 * 86400_000)).toBeLessThan(120_000);
  });

  it('refuses an unknown or inactive name, and bad options, creating nothing', async () => {
    const before = await linkCount();
    const r = await run(['invite', 'anna.meier', 'otto.alt', 'nobody'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no active employee: otto.alt, nobody');
    expect((await run(['invite'], env)).code).toBe(2);
    expect((await run(['invite', '--all', 'anna.meier'], env)).code).toBe(2);
    expect((await run(['invite', '--all', '--expires', '1y'], env)).stderr).toContain('--expires');
    expect(await linkCount()).toBe(before);
  });
});
