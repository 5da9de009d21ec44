// The load generator, run as its own process (bench/load.ts forks it) so it does not share an
// event loop with anything measured. N clients, each on its own keep-alive connection.
// The polling load repeats what a polling client does on an unchanged collection: PROPFIND Depth 0
// getctag + sync-token, then sync-collection with that token. The mixed load (`mix`) picks each
// request by weight: a poll, a no-change sync, a one-week calendar-query with data on the
// calendar, or a GET of one item. Stops by itself after warm-up + duration.
import { davx5SyncCollection, pollCtagAndToken } from './bodies.js';
import { keepAliveAgent, request, target, type HttpReply } from './http.js';

export type LoadKind = 'poll' | 'sync' | 'week' | 'get';

export interface MixParams {
  /** Relative weights of the request kinds. */
  readonly weights: Readonly<Record<LoadKind, number>>;
  /** The one-week calendar-query: its collection, body and the number of members it must answer. */
  readonly week: { readonly path: string; readonly body: string; readonly expected: number };
  /** Item paths to GET (round robin, each client from its own offset). */
  readonly items: readonly string[];
}

export interface LoadParams {
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  readonly clients: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Collection paths; client i polls collections[i % n]. */
  readonly collections: readonly string[];
  readonly timeoutMs: number;
  /** The mixed load; undefined = the polling load. */
  readonly mix?: MixParams;
}

export interface KindOutcome {
  readonly requests: number;
  readonly errors: number;
  /** Latencies (ms) of the answers of this kind in the window, sorted. */
  readonly latencies: number[];
}

export interface LoadOutcome {
  readonly clients: number;
  readonly seconds: number;
  /** Answers that arrived inside the measured window (both kinds). */
  readonly requests: number;
  readonly errors: number;
  /** Requests still running when the window closed and the grace period ended. */
  readonly unfinished: number;
  readonly requestsPerSecond: number;
  /** Every request answered, warm-up included (for CPU per request). */
  readonly completed: number;
  /** Latencies (ms) of the answers that arrived in the window, sorted. */
  readonly latencies: number[];
  readonly errorSamples: string[];
  /** Per request kind. */
  readonly kinds: Partial<Record<LoadKind, KindOutcome>>;
  /** Response bytes on the wire of the answers in the window. */
  readonly wireBytes: number;
}

const RESPONSE = /<(?:[A-Za-z][\w.-]*:)?response[\s>]/g;
const TOKEN = /<(?:[A-Za-z][\w.-]*:)?sync-token>([^<]+)<\//;
const CTAG = /getctag>[^<]+</;

/** A small deterministic generator (mulberry32), so every run sends the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function picker(weights: Readonly<Record<LoadKind, number>>, seed: number): () => LoadKind {
  const entries = (Object.entries(weights) as [LoadKind, number][]).filter(([, w]) => w > 0);
  const total = entries.reduce((n, [, w]) => n + w, 0);
  const next = random(seed);
  return () => {
    let x = next() * total;
    for (const [k, w] of entries) if ((x -= w) < 0) return k;
    return entries[entries.length - 1]![0];
  };
}

export async function runLoad(p: LoadParams): Promise<LoadOutcome> {
  const t = target(p.origin, p.username, p.password, keepAliveAgent(p.clients));
  const start = performance.now();
  const measureFrom = start + p.warmupMs;
  const measureTo = measureFrom + p.durationMs;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let inFlight = 0;
  let completed = 0;
  const kinds = new Map<LoadKind, { requests: number; errors: number; latencies: number[] }>();
  const kindOf = (k: LoadKind) => {
    let x = kinds.get(k);
    if (!x) kinds.set(k, (x = { requests: 0, errors: 0, latencies: [] }));
    return x;
  };
  let wireBytes = 0;
  const inWindow = (at: number) => at >= measureFrom && at <= measureTo;
  const error = (kind: LoadKind, message: string) => {
    if (!inWindow(performance.now())) return;
    errors++;
    kindOf(kind).errors++;
    if (errorSamples.length < 10) errorSamples.push(`${kind}: ${message.slice(0, 300)}`);
  };
  // Throughput counts the answers that arrive inside the window, whenever they were sent: a
  // server whose queue is longer than the window still shows what it gets through.
  const record = (kind: LoadKind, t0: number, r: HttpReply) => {
    const t1 = performance.now();
    if (!inWindow(t1)) return;
    latencies.push(t1 - t0);
    wireBytes += r.wireBytes;
    const k = kindOf(kind);
    k.requests++;
    k.latencies.push(t1 - t0);
  };
  /** One request of a kind; false when it failed (the caller pauses then). */
  const send = async (kind: LoadKind, path: string, state: { token: string | undefined; item: number }): Promise<boolean> => {
    const t0 = performance.now();
    inFlight++;
    try {
      if (kind === 'poll' || (kind === 'sync' && !state.token)) {
        const r = await request(t, 'PROPFIND', path, { headers: { Depth: '0' }, body: pollCtagAndToken, timeoutMs: p.timeoutMs });
        completed++;
        const text = r.body.toString('utf8');
        const token = TOKEN.exec(text)?.[1];
        if (r.status !== 207 || !token || !CTAG.test(text)) return error('poll', `PROPFIND ${path}: ${r.status} ${text.slice(0, 200)}`), true;
        state.token = token;
        record('poll', t0, r);
      } else if (kind === 'sync') {
        const r = await request(t, 'REPORT', path, { headers: { Depth: '0' }, body: davx5SyncCollection(state.token!), timeoutMs: p.timeoutMs });
        completed++;
        const text = r.body.toString('utf8');
        const members = text.match(RESPONSE)?.length ?? 0;
        if (r.status !== 207 || members !== 0 || !TOKEN.test(text)) return error('sync', `sync-collection ${path}: ${r.status}, ${members} members ${text.slice(0, 200)}`), true;
        record('sync', t0, r);
      } else if (kind === 'week') {
        const w = p.mix!.week;
        const r = await request(t, 'REPORT', w.path, { headers: { Depth: '1' }, body: w.body, timeoutMs: p.timeoutMs });
        completed++;
        const text = r.body.toString('utf8');
        const members = text.match(RESPONSE)?.length ?? 0;
        const data = text.match(/BEGIN:VCALENDAR/g)?.length ?? 0;
        if (r.status !== 207 || members !== w.expected || data !== w.expected) return error('week', `calendar-query ${w.path}: ${r.status}, ${members} members (${data} with data), expected ${w.expected}`), true;
        record('week', t0, r);
      } else {
        const items = p.mix!.items;
        const item = items[state.item++ % items.length]!;
        const r = await request(t, 'GET', item, { timeoutMs: p.timeoutMs });
        completed++;
        const text = r.body.toString('utf8');
        if (r.status !== 200 || !/^BEGIN:(VCARD|VCALENDAR)/.test(text)) return error('get', `GET ${item}: ${r.status} ${text.slice(0, 200)}`), true;
        record('get', t0, r);
      }
      return true;
    } catch (e) {
      error(kind, (e as Error).message);
      return false;
    } finally {
      inFlight--;
    }
  };
  const client = async (i: number) => {
    const path = p.collections[i % p.collections.length]!;
    const state = { token: undefined as string | undefined, item: Math.floor((i * (p.mix?.items.length ?? 0)) / p.clients) };
    // The polling load alternates poll and sync; the mixed load draws each request by weight.
    let flip = false;
    const next = p.mix ? picker(p.mix.weights, i + 1) : () => ((flip = !flip) ? 'poll' : 'sync');
    while (performance.now() < measureTo) {
      // A refused or reset connection must not turn into a tight loop.
      if (!(await send(next(), path, state))) await new Promise((r) => setTimeout(r, 50));
    }
  };
  const all = Promise.all(Array.from({ length: p.clients }, (_, i) => client(i)));
  // Grace period for requests still running at the end of the window; what is left is reported.
  const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), p.warmupMs + p.durationMs + 5_000).unref());
  await Promise.race([all, grace]);
  const unfinished = inFlight;
  t.agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = p.durationMs / 1000;
  const byKind: Partial<Record<LoadKind, KindOutcome>> = {};
  for (const [k, v] of kinds) byKind[k] = { requests: v.requests, errors: v.errors, latencies: v.latencies.sort((a, b) => a - b) };
  return { clients: p.clients, seconds, requests: latencies.length, errors, unfinished, requestsPerSecond: latencies.length / seconds, completed, latencies, errorSamples, kinds: byKind, wireBytes };
}

// As a forked child: parameters from the parent over IPC, the outcome back, then exit.
if (process.send) {
  process.once('message', (params: LoadParams) => {
    runLoad(params).then(
      (outcome) => process.send!({ ok: true, outcome }, () => process.exit(0)),
      (err: unknown) => process.send!({ ok: false, error: (err as Error).stack ?? String(err) }, () => process.exit(1)),
    );
  });
}
