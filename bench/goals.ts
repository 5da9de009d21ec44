// The goals of issue 17 ("What it must show"), each judged on the rows of this run: met, missed
// (with the measured value), or not measured (the row did not run or failed).
import { COMPETITORS, fmtBytes, fmtMs, SERVER_LABELS, type GoalVerdict, type LoadSide, type Row, type TimedSide } from './report.js';

const verdict = (ok: boolean): GoalVerdict['verdict'] => (ok ? 'met' : 'missed');
const notMeasured = (goal: string, row: string, why = 'row not run'): GoalVerdict => ({ goal, row, measured: why, verdict: 'not measured' });

function timed(rows: readonly Row[], id: string): TimedSide | undefined {
  const r = rows.find((x) => x.id === id);
  return r?.kind === 'timed' && r.ours.ok ? r.ours : undefined;
}

function load(rows: readonly Row[], id: string): LoadSide | undefined {
  const r = rows.find((x) => x.id === id);
  return r?.kind === 'load' && r.ours.ok ? r.ours : undefined;
}

/** Server time (from /metrics) at most `limit` ms per request. */
function serverTime(rows: readonly Row[], id: string, goal: string, limit: number): GoalVerdict {
  const s = timed(rows, id);
  if (s?.serverMs === undefined) return notMeasured(goal, id);
  return { goal, row: id, measured: `${fmtMs(s.serverMs)} server time per request`, verdict: verdict(s.serverMs <= limit) };
}

/** Median wall time of a sample at most `limit` ms. */
function wallTime(rows: readonly Row[], id: string, goal: string, limit: number): GoalVerdict {
  const s = timed(rows, id);
  if (s?.ms === undefined) return notMeasured(goal, id);
  return { goal, row: id, measured: `${fmtMs(s.ms.median)} median (${s.items ?? '?'} items)`, verdict: verdict(s.ms.median <= limit) };
}

export interface GoalContext {
  /** BODY_CACHE_MB of the measured server (0 when the build has no body cache). */
  readonly bodyCacheMb: number;
  /** Appointments the raised-cap listing served (10,000 at full scale). */
  readonly fullScale: boolean;
}

export function evaluateGoals(rows: readonly Row[], ctx: GoalContext): GoalVerdict[] {
  const goals: GoalVerdict[] = [
    serverTime(rows, '6-poll', 'a poll in at most 0.3 ms of server time', 0.3),
    serverTime(rows, '4-nochange', 'a no-change sync in at most 0.3 ms of server time', 0.3),
    serverTime(rows, '1', 'each discovery request in at most 0.3 ms of server time (mean of the 11)', 0.3),
    wallTime(rows, '3-10', "DAVx5's 500 multigets of 10 in at most 300 ms", 300),
    wallTime(rows, '4-initial', 'the 5,000-card initial sync in at most 40 ms', 40),
    wallTime(rows, '3-all', 'the 5,000-card one-request multiget in at most 40 ms', 40),
    wallTime(rows, '8-listing', 'the 10,000-appointment listing (raised cap) in at most 20 ms', 20),
    wallTime(rows, '5-week-data', 'a one-week calendar-query with data in at most 5 ms', 5),
    wallTime(rows, '5-window-etag', 'the Outlook window with etags in at most 20 ms', 20),
  ];
  const mixedGoal = 'mixed load of 50 clients: at least 2,000 requests/s, p99 under 50 ms, zero errors';
  const mixed = load(rows, '6-mixed-50');
  goals.push(
    mixed?.requestsPerSecond === undefined
      ? notMeasured(mixedGoal, '6-mixed-50')
      : {
          goal: mixedGoal,
          row: '6-mixed-50',
          measured: `${Math.round(mixed.requestsPerSecond)} req/s, p99 ${fmtMs(mixed.p99Ms)}, ${mixed.errors ?? 0} errors`,
          verdict: verdict(mixed.requestsPerSecond >= 2000 && (mixed.p99Ms ?? Infinity) < 50 && (mixed.errors ?? 1) === 0 && !mixed.unfinished),
        },
  );
  const pollGoal = 'the 200-client poll load above 3,000 polls/s';
  const polls = load(rows, '6-load-200');
  goals.push(
    polls?.requestsPerSecond === undefined
      ? notMeasured(pollGoal, '6-load-200')
      : { goal: pollGoal, row: '6-load-200', measured: `${Math.round(polls.requestsPerSecond)} req/s, ${polls.errors ?? 0} errors`, verdict: verdict(polls.requestsPerSecond > 3000) },
  );

  // Memory: every row's peak within 150 MiB + the body cache, and flat over the growth runs.
  const limit = 150 + ctx.bodyCacheMb;
  const peaks = rows.flatMap((r) => {
    const p = r.kind === 'memory' ? r.ours.peakMiB : r.ours.ok ? r.ours.peakRssMiB : undefined;
    return p === undefined ? [] : [{ id: r.id, peak: p }];
  });
  const memGoal = `peak memory at most 150 MiB + BODY_CACHE_MB (${ctx.bodyCacheMb}) = ${limit} MiB in every scenario`;
  if (!peaks.length) goals.push(notMeasured(memGoal, 'all'));
  else {
    const worst = peaks.reduce((a, b) => (b.peak > a.peak ? b : a));
    const over = peaks.filter((p) => p.peak > limit).map((p) => p.id);
    goals.push({ goal: memGoal, row: 'all', measured: `highest ${worst.peak.toFixed(0)} MiB (${worst.id})${over.length ? `; over in ${over.join(', ')}` : ''}`, verdict: verdict(over.length === 0) });
  }
  const growth = rows.flatMap((r) => (r.kind === 'memory' && r.id.startsWith('7-growth-') ? [{ n: Number(r.id.slice('7-growth-'.length)), peak: r.ours.peakMiB }] : []));
  const flatGoal = 'peak memory flat from 1,000 to 20,000 items (largest ≤ smallest × 1.15 + 16 MiB)';
  if (growth.length < 2) goals.push(notMeasured(flatGoal, '7-growth'));
  else {
    growth.sort((a, b) => a.n - b.n);
    const first = growth[0]!;
    const last = growth[growth.length - 1]!;
    const top = Math.max(...growth.map((g) => g.peak));
    goals.push({
      goal: flatGoal,
      row: '7-growth',
      measured: growth.map((g) => `${g.n}: ${g.peak.toFixed(0)} MiB`).join(', '),
      verdict: verdict(top <= first.peak * 1.15 + 16 && last.n >= (ctx.fullScale ? 20_000 : 0)),
    });
  }

  // Ahead of every other server on every row, on time and on wire bytes.
  for (const c of COMPETITORS) {
    const goal = `ahead of ${SERVER_LABELS[c]} on every row, on time and on wire bytes`;
    const compared = rows.filter((r) => r.kind !== 'memory' && r[c] !== undefined);
    if (!compared.length) {
      goals.push(notMeasured(goal, 'all', `${SERVER_LABELS[c]} not run`));
      continue;
    }
    const behind: string[] = [];
    for (const r of compared) {
      if (r.kind === 'timed') {
        const o = r.ours;
        const x = r[c]!;
        if (!o.ok || !x.ok) continue;
        if ((o.ms?.median ?? Infinity) >= (x.ms?.median ?? Infinity)) behind.push(`${r.id} time ${fmtMs(o.ms?.median)} vs ${fmtMs(x.ms?.median)}`);
        if ((o.wireBytes ?? Infinity) > (x.wireBytes ?? Infinity)) behind.push(`${r.id} bytes ${fmtBytes(o.wireBytes)} vs ${fmtBytes(x.wireBytes)}`);
      } else if (r.kind === 'load') {
        const o = r.ours;
        const x = r[c]!;
        if (o.ok && x.ok && (o.requestsPerSecond ?? 0) <= (x.requestsPerSecond ?? 0)) behind.push(`${r.id} ${Math.round(o.requestsPerSecond ?? 0)} vs ${Math.round(x.requestsPerSecond ?? 0)} req/s`);
      }
    }
    goals.push({ goal, row: `${compared.length} rows`, measured: behind.length ? `behind: ${behind.join('; ')}` : 'ahead on all', verdict: verdict(behind.length === 0) });
  }
  return goals;
}

export function goalLines(goals: readonly GoalVerdict[]): string {
  return goals.map((g) => `  ${g.verdict === 'met' ? 'met   ' : g.verdict === 'missed' ? 'MISSED' : 'n/a   '} ${g.goal} [${g.row}]: ${g.measured}`).join('\n');
}
