// The polling load generator, run as its own process (bench/load.ts forks it) so it does not share
// an event loop with anything measured. N clients, each on its own keep-alive connection, repeat
// what a polling client does on an unchanged collection: PROPFIND Depth 0 getctag + sync-token,
// then sync-collection with that token. Stops by itself after warm-up + duration.
import { davx5SyncCollection, pollCtagAndToken } from './bodies.js';
import { keepAliveAgent, request, target } from './http.js';

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
}

const RESPONSE = /<(?:[A-Za-z][\w.-]*:)?response[\s>]/g;
const TOKEN = /<(?:[A-Za-z][\w.-]*:)?sync-token>([^<]+)<\//;
const CTAG = /getctag>[^<]+</;

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
  const error = (_sent: number, message: string) => {
    const at = performance.now();
    if (at < measureFrom || at > measureTo) return;
    errors++;
    if (errorSamples.length < 10) errorSamples.push(message.slice(0, 300));
  };
  // Throughput counts the answers that arrive inside the window, whenever they were sent: a
  // server whose queue is longer than the window still shows what it gets through.
  const record = (t0: number, t1: number) => {
    if (t1 >= measureFrom && t1 <= measureTo) latencies.push(t1 - t0);
  };
  const client = async (i: number) => {
    const path = p.collections[i % p.collections.length]!;
    while (performance.now() < measureTo) {
      let t0 = performance.now();
      inFlight++;
      try {
        const r = await request(t, 'PROPFIND', path, { headers: { Depth: '0' }, body: pollCtagAndToken, timeoutMs: p.timeoutMs });
        completed++;
        const text = r.body.toString('utf8');
        const token = TOKEN.exec(text)?.[1];
        if (r.status !== 207 || !token || !CTAG.test(text)) {
          error(t0, `PROPFIND ${path}: ${r.status} ${text.slice(0, 200)}`);
          continue;
        }
        record(t0, performance.now());
        if (performance.now() >= measureTo) break;
        t0 = performance.now();
        const s = await request(t, 'REPORT', path, { headers: { Depth: '0' }, body: davx5SyncCollection(token), timeoutMs: p.timeoutMs });
        completed++;
        const sText = s.body.toString('utf8');
        const members = sText.match(RESPONSE)?.length ?? 0;
        if (s.status !== 207 || members !== 0 || !TOKEN.test(sText)) {
          error(t0, `sync-collection ${path}: ${s.status}, ${members} members ${sText.slice(0, 200)}`);
          continue;
        }
        record(t0, performance.now());
      } catch (e) {
        error(t0, (e as Error).message);
        // A refused or reset connection must not turn into a tight loop.
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        inFlight--;
      }
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
  return { clients: p.clients, seconds, requests: latencies.length, errors, unfinished, requestsPerSecond: latencies.length / seconds, completed, latencies, errorSamples };
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
