// Address books caught up from the contacts BrokerStar changed (incremental-refresh.ts) instead of
// ranking every contact anew: the plan's cases on their own, then through a real server with a
// small cap: the same members, ETags and tokens as a full recompute, the fall-backs (a gap below
// the cap, an upgrade, a pruned log), and `status` still counting exactly. The model test
// (model.test.ts) checks both paths against its reference over random writes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planIncremental, type Candidate, type CapState, type Ranked } from '../../src/storage/postgres/incremental-refresh.js';
import { builders } from '../support/builders.js';
import { KONTAKTE as kontakte } from '../support/collections.js';
import { D, propText } from '../support/multistatus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LISTING, SYNC } from '../support/sync-requests.js';

const KONTAKTE = kontakte('anna.meier');
const cand = (name: string, rank: string): Candidate => ({ name, rank, entityId: name.replace('.vcf', ''), etag: `"${name}"` });

describe('the plan of an incremental refresh', () => {
  // Members a..e ranked 1..5 (cap 5), two more eligible contacts beyond the boundary.
  const capped: CapState = { cap: 5, served: 5, eligible: 7, eligibleExact: true, capped: true };
  const kept = (all: Ranked[]) => async (n: number) => all.slice(0, n);
  const members: Ranked[] = ['5', '4', '3', '2', '1'].map((r) => ({ name: `m${r}.vcf`, rank: r })); // largest first

  it('uncapped: touched contacts that are eligible join or stay, the others leave', async () => {
    const plan = await planIncremental(
      { cap: 5, served: 3, eligible: 3, eligibleExact: true, capped: false },
      2,
      new Set(['m1.vcf', 'm2.vcf']),
      [cand('m1.vcf', '1')],
      null,
      kept([]),
    );
    expect(plan).toEqual({ want: [cand('m1.vcf', '1')], gone: ['m2.vcf'], served: 2, eligible: 2, eligibleExact: true });
  });

  it('uncapped: more eligible than the cap is left to the full recompute (it logs the cap)', async () => {
    const plan = await planIncremental({ cap: 3, served: 3, eligible: 3, eligibleExact: true, capped: false }, 1, new Set(), [cand('x.vcf', '0')], null, kept([]));
    expect(plan).toBeUndefined();
  });

  it('capped: a contact ranked before the boundary pushes the last member out', async () => {
    const plan = await planIncremental(capped, 1, new Set(), [cand('x.vcf', '0')], '5', kept(members));
    // Two were beyond the boundary; the touched contact may have been one of them: at least 7.
    expect(plan).toEqual({ want: [cand('x.vcf', '0')], gone: ['m5.vcf'], served: 5, eligible: 7, eligibleExact: false });
  });

  it('capped: two newcomers push out two, the one ranked after both of them stays out', async () => {
    // Ranks compare as bytes: '35' sorts between '3' and '4', '45' between '4' and '5'.
    const plan = await planIncremental(capped, 2, new Set(), [cand('x.vcf', '0'), cand('y.vcf', '35')], '5', kept(members));
    expect(plan?.want).toEqual([cand('x.vcf', '0'), cand('y.vcf', '35')]);
    expect(plan?.gone).toEqual(['m5.vcf', 'm4.vcf']);
    const three = await planIncremental(capped, 3, new Set(), [cand('x.vcf', '0'), cand('y.vcf', '35'), cand('z.vcf', '45')], '5', kept(members));
    expect(three?.want).toEqual([cand('x.vcf', '0'), cand('y.vcf', '35')]);
    expect(three?.gone).toEqual(['m5.vcf', 'm4.vcf']);
  });

  it('capped: a contact ranked after the boundary stays out, nothing changes', async () => {
    const plan = await planIncremental(capped, 1, new Set(), [cand('x.vcf', '9')], '5', kept(members));
    expect(plan).toEqual({ want: [], gone: [], served: 5, eligible: 7, eligibleExact: false });
  });

  it('capped: a member changed in place keeps its place and the count stays exact', async () => {
    const plan = await planIncremental(capped, 1, new Set(['m3.vcf']), [cand('m3.vcf', '0')], '5', kept(members.filter((m) => m.name !== 'm3.vcf')));
    expect(plan).toEqual({ want: [cand('m3.vcf', '0')], gone: [], served: 5, eligible: 7, eligibleExact: true });
  });

  it('capped: a member that left opens a gap only the full recompute can fill', async () => {
    expect(await planIncremental(capped, 1, new Set(['m3.vcf']), [], '5', kept(members))).toBeUndefined();
    // ... also when it moved beyond the boundary
    expect(await planIncremental(capped, 1, new Set(['m3.vcf']), [cand('m3.vcf', '7')], '5', kept(members))).toBeUndefined();
  });

  it('capped: when the book could stop being capped, the full recompute counts', async () => {
    // One contact beyond the boundary before; the touched non-member may have been it.
    const edge: CapState = { ...capped, eligible: 6 };
    expect(await planIncremental(edge, 1, new Set(), [], '5', kept(members))).toBeUndefined();
  });

  it('capped without a stored boundary (ranks not yet written): full recompute', async () => {
    expect(await planIncremental(capped, 1, new Set(), [cand('x.vcf', '0')], null, kept(members))).toBeUndefined();
  });
});

describe('incremental refresh through the server (MAX_RECORDS = 4)', () => {
  let dav: TestServer;
  let anna: string;
  const ids: string[] = [];

  const listing = async () => {
    const r = await dav.propfind(KONTAKTE, LISTING, '1');
    expect(r.status).toBe(207);
    const members = new Map<string, string>();
    for (const [href, e] of r.ms.responses) if (href !== KONTAKTE) members.set(href, propText(e, D('getetag'))!);
    return { members, token: propText(r.ms.responses.get(KONTAKTE), D('sync-token'))! };
  };
  const contactRefreshes = () => ({ ...dav.store.refreshes });
  /** What a full recompute serves now: `status` forces one when the count is a lower bound. */
  const recomputeInFull = async () => {
    await dav.db.query(`UPDATE dav.collection SET eligible_exact = false WHERE key = $1`, [`contacts:${anna}`]);
    const home = (await dav.store.principalByUsername('anna.meier'))!;
    return (await dav.store.status(home)).find((s) => s.collection.type === 'contacts')!;
  };
  const touch = (id: string) => dav.db.query(`UPDATE brokerstar.contact SET notes = coalesce(notes, '') || '.' WHERE id = $1`, [id]);

  beforeAll(async () => {
    dav = await startTestServer({
      config: { maxRecords: 4 },
      user: 'anna.meier',
      seed: async (db) => {
        const b = builders(db.pool);
        anna = await b.addEmployee({ username: 'anna.meier' });
        const beat = await b.addEmployee({ username: 'beat.keller' });
        // Oldest first: the most recently changed ones are served.
        for (let i = 0; i < 7; i++) {
          ids.push(await b.addContact({ lastName: `Kunde ${i}`, updatedAt: new Date(Date.UTC(2026, 0, 1 + i)) }));
        }
        ids.push(await b.addContact({ lastName: 'Geheim', restrictedTo: [beat], updatedAt: new Date(Date.UTC(2026, 0, 20)) }));
      },
    });
  });
  afterAll(async () => {
    await dav?.close();
  });
  beforeEach(async () => {
    await listing(); // up to date before each case
  });

  it('a contact beyond the cap that changed comes in, the last one goes, in one incremental refresh', async () => {
    const before = await listing();
    expect(before.members.size).toBe(4);
    const oldest = ids[0]!; // the least recently changed: beyond the cap
    expect(before.members.has(`${KONTAKTE}${oldest}.vcf`)).toBe(false);
    const counts = contactRefreshes();
    await touch(oldest);
    const after = await listing();
    expect(contactRefreshes().incremental).toBe(counts.incremental + 1);
    expect(contactRefreshes().full).toBe(counts.full);
    expect(after.members.has(`${KONTAKTE}${oldest}.vcf`)).toBe(true);
    expect(after.members.size).toBe(4);
    const left = [...before.members.keys()].filter((h) => !after.members.has(h));
    expect(left).toHaveLength(1);
    // A client syncing from the old token learns exactly that.
    const sync = await dav.report(KONTAKTE, SYNC(before.token));
    expect(sync.status).toBe(207);
    expect([...sync.ms.responses.keys()].sort()).toEqual([`${KONTAKTE}${oldest}.vcf`, left[0]].sort());
    expect(sync.ms.responses.get(left[0]!)?.status).toContain('404');
    // A full recompute serves the same: no member, ETag or token moves.
    const status = await recomputeInFull();
    const again = await listing();
    expect(again).toEqual(after);
    expect(status).toMatchObject({ eligible: 7, served: 4, capped: true });
  });

  it('a member changed in place: new ETag, same members, incremental', async () => {
    const before = await listing();
    const member = [...before.members.keys()][0]!;
    const id = member.slice(KONTAKTE.length).replace('.vcf', '');
    const counts = contactRefreshes();
    await touch(id);
    const after = await listing();
    expect(contactRefreshes().incremental).toBe(counts.incremental + 1);
    expect([...after.members.keys()].sort()).toEqual([...before.members.keys()].sort());
    expect(after.members.get(member)).not.toBe(before.members.get(member));
    expect(after.token).not.toBe(before.token);
    await recomputeInFull();
    expect(await listing()).toEqual(after);
  });

  it('a contact she may not see changes: nothing moves', async () => {
    const before = await listing();
    const counts = contactRefreshes();
    await touch(ids[7]!); // restricted to Beat
    const after = await listing();
    expect(contactRefreshes().incremental).toBe(counts.incremental + 1);
    expect(after).toEqual(before);
  });

  it('a member deleted in BrokerStar leaves a gap: recomputed in full, the next one comes in', async () => {
    const before = await listing();
    const member = [...before.members.keys()][1]!;
    const id = member.slice(KONTAKTE.length).replace('.vcf', '');
    const counts = contactRefreshes();
    await dav.db.query(`UPDATE brokerstar.contact SET deleted_at = now() WHERE id = $1`, [id]);
    const after = await listing();
    expect(contactRefreshes().full).toBe(counts.full + 1);
    expect(after.members.size).toBe(4);
    expect(after.members.has(member)).toBe(false);
  });

  it('after an upgrade (members without ranks, settings of the old version): one full recompute, no token moves', async () => {
    const before = await listing();
    await dav.db.query(`UPDATE dav.member SET rank = NULL WHERE collection = $1`, [`contacts:${anna}`]);
    await dav.db.query(`UPDATE dav.collection SET settings = replace(settings, ';rank=1', '') WHERE key = $1`, [`contacts:${anna}`]);
    const counts = contactRefreshes();
    const after = await listing();
    expect(contactRefreshes().full).toBe(counts.full + 1);
    expect(after).toEqual(before);
    const { rows } = await dav.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dav.member WHERE collection = $1 AND etag IS NOT NULL AND rank IS NULL`,
      [`contacts:${anna}`],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('a collection that missed changes now pruned from the log recomputes in full', async () => {
    await touch(ids[1]!);
    await dav.store.pump.catchUp(); // logged, but the address book has not seen it
    await dav.db.query(`UPDATE dav.generation_log SET logged_at = now() - interval '8 days'`);
    await dav.store.pump.prune();
    expect((await dav.db.query(`SELECT 1 FROM dav.generation_log`)).rowCount).toBe(0);
    const counts = contactRefreshes();
    await listing();
    expect(contactRefreshes().full).toBe(counts.full + 1);
    expect(contactRefreshes().incremental).toBe(counts.incremental);
    // From then on the log covers it again.
    await touch(ids[2]!);
    await listing();
    expect(contactRefreshes().incremental).toBe(counts.incremental + 1);
  });

  it('a generation bumped without its contacts logged (an older server during an upgrade): full recompute, the change is seen', async () => {
    const before = await listing();
    const member = [...before.members.keys()][0]!;
    const id = member.slice(KONTAKTE.length).replace('.vcf', '');
    await touch(id);
    await dav.store.pump.catchUp();
    // What a server without migration 007's logging leaves: the change rendered, the generation
    // bumped, nothing in the log about it.
    await dav.db.query(`DELETE FROM dav.generation_log WHERE scope = 'contact' AND generation = (SELECT value FROM dav.generation WHERE scope = 'contact')`);
    await dav.db.query(`UPDATE dav.generation SET value = nextval('dav.generation_seq') WHERE scope = 'contact'`);
    const counts = contactRefreshes();
    const after = await listing();
    expect(contactRefreshes().full).toBe(counts.full + 1);
    expect(after.members.get(member)).not.toBe(before.members.get(member));
    expect(after.token).not.toBe(before.token);
    const sync = await dav.report(KONTAKTE, SYNC(before.token));
    expect([...sync.ms.responses.keys()]).toEqual([member]);
  });

  it("BrokerStar's 'infinity' and '-infinity' as updated_at: ranked first and last, no error", async () => {
    const { rows: visible } = await dav.db.query<{ id: string }>(
      `SELECT id::text AS id FROM brokerstar.contact WHERE deleted_at IS NULL AND id = ANY($1::bigint[]) AND id <> $2 ORDER BY id LIMIT 2`,
      [ids, ids[7]],
    );
    const [newest, oldest] = visible.map((r) => r.id) as [string, string];
    await dav.db.query(`UPDATE brokerstar.contact SET updated_at = 'infinity' WHERE id = $1`, [newest]);
    await dav.db.query(`UPDATE brokerstar.contact SET updated_at = '-infinity' WHERE id = $1`, [oldest]);
    const incremental = await listing();
    await recomputeInFull();
    const full = await listing();
    expect(full).toEqual(incremental);
    expect(full.members.has(`${KONTAKTE}${newest}.vcf`)).toBe(true);
    const { rows } = await dav.db.query<{ name: string }>(
      `SELECT name FROM dav.member WHERE collection = $1 AND etag IS NOT NULL ORDER BY rank LIMIT 1`,
      [`contacts:${anna}`],
    );
    expect(rows[0]!.name).toBe(`${newest}.vcf`);
  });

  it('a bulk change (more contacts than an incremental refresh is worth) recomputes in full', async () => {
    const { rows } = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.generation_log WHERE ids IS NULL`);
    await dav.db.query(`UPDATE brokerstar.employee SET first_name = first_name WHERE id = $1`, [anna]); // employees: everything
    const counts = contactRefreshes();
    await listing();
    expect(contactRefreshes().full).toBe(counts.full + 1);
    const after = await dav.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dav.generation_log WHERE ids IS NULL`);
    expect(after.rows[0]!.n).toBeGreaterThan(rows[0]!.n);
  });
});
