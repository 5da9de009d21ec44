// The limits of subscription links over real HTTP: a link polled too often gets 429 with
// Retry-After (other links go on working), and a client address sending unknown links gets 429
// after SUBSCRIPTION_LIMITS.unknownPerAddress of them, while its valid links still work. The
// window's arithmetic (reset, bounded memory) in RequestWindow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestWindow } from '../../src/http/request-window.js';
import { SUBSCRIPTION_LIMITS } from '../../src/http/subscription-route.js';
import { createLink } from '../../src/storage/postgres/subscription-links.js';
import { startAnnaServer } from '../support/anna.js';
import type { TestServer } from '../support/server.js';
import { daysFromNow, fetchLink, linkUrl } from './support.js';

let dav: TestServer;
let annaId = '';

beforeAll(async () => {
  dav = await startAnnaServer(async ({ b, anna }) => {
    annaId = anna;
    await b.addAppointment({ ownerId: anna, startsAt: daysFromNow(1), subject: 'Kundentermin' });
  });
});

afterAll(async () => {
  await dav?.close();
});

async function token(label: string): Promise<string> {
  const created = await createLink(dav.db.pool, annaId, 'termine', label);
  return created!.token;
}

describe('rate limits', () => {
  it('a link polled beyond its limit: 429 with Retry-After and a message in the asked language; another link still works', async () => {
    const busy = await token('looping display');
    const other = await token('google');
    const { limit, windowSeconds } = SUBSCRIPTION_LIMITS.perLink;
    const first = await fetchLink(linkUrl(dav, busy));
    const etag = first.headers.get('etag')!;
    // Conditional polls count too (a looping client sends them), and cost little.
    for (let i = 1; i < limit; i++) expect((await fetchLink(linkUrl(dav, busy), { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const refused = await fetchLink(linkUrl(dav, busy), { headers: { 'Accept-Language': 'fr-CH' } });
    expect(refused.status).toBe(429);
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(windowSeconds);
    expect(refused.text).toBe('Ce calendrier a été demandé trop souvent. Veuillez réessayer plus tard.\n');
    expect(refused.text).not.toMatch(/anna|meier/i);
    expect((await fetchLink(linkUrl(dav, other))).status).toBe(200);
  });

  it('unknown links from one address: 404 up to the limit, then 429 with Retry-After; known links from it still work', async () => {
    const known = await token('known');
    const { limit } = SUBSCRIPTION_LIMITS.unknownPerAddress;
    for (let i = 0; i < limit; i++) {
      const guess = `${String(i).padStart(4, '0')}${'Z'.repeat(18)}`;
      expect((await fetchLink(linkUrl(dav, guess))).status).toBe(404);
    }
    const refused = await fetchLink(linkUrl(dav, 'QQQQQQQQQQQQQQQQQQQQQQ'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetchLink(linkUrl(dav, known))).status).toBe(200);
  });
});

describe('RequestWindow', () => {
  it('allows `limit` requests per window, then says how long to wait, and starts over when the window ends', () => {
    const w = new RequestWindow({ limit: 2, windowSeconds: 60 });
    expect(w.take('a', 0)).toBe(0);
    expect(w.take('a', 1_000)).toBe(0);
    expect(w.take('a', 10_000)).toBe(50);
    expect(w.take('b', 10_000)).toBe(0);
    expect(w.take('a', 60_000)).toBe(0);
  });

  it('remembers at most maxKeys keys, dropping ended windows first, then the oldest', () => {
    const w = new RequestWindow({ limit: 1, windowSeconds: 60 }, 3);
    w.take('old', 0);
    w.take('x', 50_000);
    w.take('y', 50_000);
    // 'old' has ended by now and goes; the others stay limited.
    w.take('z', 70_000);
    expect(w.take('x', 70_000)).toBeGreaterThan(0);
    // Full of live windows: the oldest ('x') is dropped for the new key; the newer ones stay.
    w.take('new', 71_000);
    expect(w.take('z', 71_000)).toBeGreaterThan(0);
    expect(w.take('x', 71_000)).toBe(0);
  });
});
