// Scenario 7's growth: how the server's peak memory moves with the collection size. A fresh server
// process per MAX_RECORDS on the same data; after the listing (the collection is brought up to
// date, the process warm), the peak is taken over multiget sweeps of 100 and 500 and an initial
// sync-collection with address-data.
import { outlookAddressbookMultiget, outlookContactVersions, thunderbirdAddressbookMultiget, thunderbirdSyncWithData } from './bodies.js';
import { collectionBySlug, discover, expect207, ValidationError } from './discovery.js';
import { keepAliveAgent, request, target } from './http.js';
import { PeakTracker } from './memory.js';
import { CR, D, okProp } from './multistatus.js';
import { startServerProcess } from './server-process.js';
import type { BenchDatabase } from './setup.js';

export interface GrowthResult {
  readonly items: number;
  readonly peakMiB: number;
  readonly startMiB: number;
  readonly seconds: number;
}

export async function measureGrowth(p: { root: string; db: BenchDatabase; cap: number; logFile: string; log: (s: string) => void }): Promise<GrowthResult> {
  const started = performance.now();
  const server = await startServerProcess({ root: p.root, databaseUrl: p.db.url, maxRecords: p.cap, logFile: p.logFile });
  try {
    const t = target(server.origin, p.db.username, p.db.password, keepAliveAgent(2));
    const book = collectionBySlug(await discover(t), 'kontakte').href;
    const listing = expect207(await request(t, 'PROPFIND', book, { headers: { Depth: '1' }, body: outlookContactVersions }), 'growth listing');
    const hrefs = listing.responses.map((r) => r.href).filter((h) => h.replace(/\/+$/, '') !== book.replace(/\/+$/, ''));
    const { rows } = await p.db.pool.query<{ eligible: number; served: number }>(
      `SELECT c.eligible, c.served FROM dav.collection c JOIN brokerstar.employee e ON c.key = 'contacts:' || e.id WHERE e.username = $1`,
      [p.db.username],
    );
    const expected = Math.min(p.cap, rows[0]?.eligible ?? 0);
    if (hrefs.length !== expected || rows[0]?.served !== expected) {
      throw new ValidationError(`MAX_RECORDS=${p.cap}: listing has ${hrefs.length} members, expected ${expected} (served ${rows[0]?.served})`);
    }
    const tracker = new PeakTracker(server.pid).start();
    for (const [batch, body] of [[100, outlookAddressbookMultiget], [500, thunderbirdAddressbookMultiget]] as const) {
      for (let i = 0; i < hrefs.length; i += batch) {
        const chunk = hrefs.slice(i, i + batch);
        const ms = expect207(await request(t, 'REPORT', book, { headers: { Depth: '1' }, body: body(chunk) }), 'growth multiget');
        const ok = ms.responses.filter((r) => okProp(r, D('getetag')) && (okProp(r, CR('address-data'))?.length ?? 0) > 20).length;
        if (ok !== chunk.length) throw new ValidationError(`growth multiget: ${ok} of ${chunk.length} members with data`);
      }
    }
    const sync = expect207(await request(t, 'REPORT', book, { headers: { Depth: '1' }, body: thunderbirdSyncWithData(null) }), 'growth sync');
    const withData = sync.responses.filter((r) => (okProp(r, CR('address-data'))?.length ?? 0) > 20).length;
    if (withData !== expected) throw new ValidationError(`growth initial sync: ${withData} members with data, expected ${expected}`);
    const mem = tracker.stop();
    t.agent.destroy();
    const seconds = (performance.now() - started) / 1000;
    p.log(`  MAX_RECORDS=${p.cap}: ${expected} contacts, RSS ${mem.startMiB.toFixed(0)} → peak ${mem.peakMiB.toFixed(0)} MiB (${seconds.toFixed(0)} s)`);
    return { items: expected, peakMiB: mem.peakMiB, startMiB: mem.startMiB, seconds };
  } finally {
    await server.stop();
  }
}
