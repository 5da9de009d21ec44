// Results: the row types, the table printed row by row, the markdown table for the README, and
// the JSON file.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileSummary } from './cpuprofile.js';
import type { Machine } from './machine.js';
import type { Summary } from './stats.js';

/** The servers measured beside ours, in the order they run and print. */
export const COMPETITORS = ['radicale', 'xandikos'] as const;
export type Competitor = (typeof COMPETITORS)[number];
export const SERVER_LABELS = { ours: 'brokerstar-dav', radicale: 'Radicale', xandikos: 'Xandikos' } as const;

/** The modelled mobile link (issue 17): 20 Mbit/s, 50 ms round trip. */
export const MOBILE = { bitsPerSecond: 20_000_000, roundTripMs: 50 } as const;

export interface TimedSide {
  readonly ok: boolean;
  readonly error?: string;
  /** A request got no answer within the other servers' timeout (--other-timeout). */
  readonly timedOut?: boolean;
  readonly ms?: Summary;
  /** Median decoded response bytes per sample. */
  readonly bytes?: number;
  /** Median response bytes on the wire per sample (compressed where the server compressed; headers included). */
  readonly wireBytes?: number;
  /** Content-Encoding of the answers ('' when not compressed). */
  readonly encoding?: string;
  /** Round trips per sample: one per request, one more per new TCP connection. */
  readonly roundTrips?: number;
  /** Median wall time + round trips x 50 ms + wire bytes at 20 Mbit/s. */
  readonly mobileMs?: number;
  readonly requests?: number;
  readonly items?: number;
  /** Per request, when a sample is several requests. */
  readonly perRequestMs?: Summary;
  /** Mean CPU time per sample (ms): the server process, and for ours PostgreSQL (all backends). */
  readonly cpuMs?: { readonly server: number; readonly postgres?: number };
  /** Our server's own mean time per request (from /metrics). */
  readonly serverMs?: number;
  /** Peak RSS (MiB) of the server process while the row ran. */
  readonly peakRssMiB?: number;
  readonly samplesMs?: number[];
  /** Top statements while the row ran (--diagnose). */
  readonly statements?: StatementStat[];
  readonly profile?: ProfileSummary;
}

export interface StatementStat {
  readonly query: string;
  readonly calls: number;
  readonly callsPerSample: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly rows: number;
}

/** One kind of request inside the mixed load. */
export interface KindStats {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface LoadSide {
  readonly ok: boolean;
  readonly error?: string;
  readonly requestsPerSecond?: number;
  readonly requests?: number;
  readonly errors?: number;
  readonly unfinished?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  readonly errorSamples?: string[];
  readonly peakRssMiB?: number;
  /** Per request kind (the mixed load). */
  readonly kinds?: Record<string, KindStats>;
  /** Response bytes on the wire per request (mean). */
  readonly wireBytesPerRequest?: number;
  /** Mean CPU time per request (ms), as for timed rows. */
  readonly cpuMs?: { readonly server: number; readonly postgres?: number };
  readonly profile?: ProfileSummary;
}

export interface MemorySide {
  readonly peakMiB: number;
  readonly startMiB: number;
}

/** Share of the machine (0-1) that other processes used while the row ran (bench/interference.ts). */
interface RowCommon {
  foreignCpu?: number;
}

type Sides<T> = { readonly ours: T } & { readonly [C in Competitor]?: T };

export type Row = RowCommon &
  (
  | ({ readonly kind: 'timed'; readonly id: string; readonly group: number; readonly label: string; readonly client: string } & Sides<TimedSide>)
  | ({ readonly kind: 'load'; readonly id: string; readonly group: number; readonly label: string; readonly clients: number; readonly seconds: number } & Sides<LoadSide>)
  | ({ readonly kind: 'memory'; readonly id: string; readonly group: number; readonly label: string; readonly items?: number } & Sides<MemorySide>)
  );

/** A goal of issue 17 and what this run measured for it. */
export interface GoalVerdict {
  readonly goal: string;
  readonly row: string;
  readonly measured: string;
  readonly verdict: 'met' | 'missed' | 'not measured';
}

export interface BenchResults {
  readonly startedAt: string;
  readonly mode: 'full' | 'quick';
  readonly machine: Machine;
  readonly data: Record<string, unknown>;
  readonly timings: Record<string, number>;
  readonly rows: Row[];
  readonly goals: GoalVerdict[];
  /** Validation failures of our server (exit code 1). */
  readonly failures: string[];
  /** Answers of Radicale or Xandikos that failed validation (shown, not a failure of the bench). */
  readonly othersFailed: string[];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function fmtMs(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  if (n < 10) return `${n.toFixed(2)} ms`;
  if (n < 100) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${int(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

export function fmtBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** How many times better we are than `c` (its time ÷ ours, our throughput ÷ its). */
export function ratioOf(row: Row, c: Competitor = 'radicale'): number | undefined {
  const other = row[c];
  if (!other) return undefined;
  if (row.kind === 'timed') {
    const o = other as TimedSide;
    const a = row.ours.ms?.median;
    const b = o.ms?.median;
    return row.ours.ok && o.ok && a && b ? b / a : undefined;
  }
  if (row.kind === 'load') {
    const o = other as LoadSide;
    const a = row.ours.requestsPerSecond;
    const b = o.requestsPerSecond;
    if (!row.ours.ok || !o.ok || a === undefined || b === undefined) return undefined;
    return b === 0 ? Number.POSITIVE_INFINITY : a / b;
  }
  return (other as MemorySide).peakMiB / row.ours.peakMiB;
}

/** The same ratio on CPU time (server + PostgreSQL against the other server's process), which a busy machine disturbs less. */
export function cpuRatioOf(row: Row, c: Competitor = 'radicale'): number | undefined {
  if (row.kind !== 'timed') return undefined;
  const other = row[c];
  const o = row.ours.cpuMs;
  const r = other?.cpuMs;
  if (!o || !r || !row.ours.ok || !other?.ok) return undefined;
  const ours = o.server + (o.postgres ?? 0);
  return ours > 0 ? r.server / ours : undefined;
}

/** Time a phone would wait: the measured time plus the round trips and the bytes over the modelled link. */
export function mobileMs(wallMs: number, roundTrips: number, wireBytes: number): number {
  return wallMs + roundTrips * MOBILE.roundTripMs + (wireBytes * 8 * 1000) / MOBILE.bitsPerSecond;
}

export const fmtRatio = (r: number | undefined) =>
  r === undefined ? '—' : !Number.isFinite(r) ? '∞' : r >= 100 ? `${int(r)}×` : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;

interface Cells {
  readonly id: string;
  readonly label: string;
  readonly items: string;
  readonly sides: readonly string[];
  readonly ratio: string;
  readonly wire: string;
  readonly mobile: string;
  readonly cpu: string;
  readonly peak: string;
}

const cpuText = (c: { server: number; postgres?: number } | undefined) =>
  !c || !Number.isFinite(c.server) ? '—' : c.postgres === undefined ? fmtMs(c.server) : `${fmtMs(c.server + c.postgres)} (${fmtMs(c.server)} + pg ${fmtMs(c.postgres)})`;

function timedCell(s: TimedSide | undefined): string {
  if (!s) return '—';
  if (s.timedOut) return `no answer in time (${/after ([\d.]+ s)/.exec(s.error ?? '')?.[1] ?? 'timeout'})`;
  if (!s.ok) return `FAILED: ${s.error?.slice(0, 80) ?? ''}`;
  const server = s.serverMs !== undefined ? `, server ${fmtMs(s.serverMs)}` : '';
  return `${fmtMs(s.ms?.median)} (p95 ${fmtMs(s.ms?.p95)}${server})`;
}

function loadCell(s: LoadSide | undefined): string {
  if (!s) return '—';
  if (!s.ok) return `FAILED: ${s.error?.slice(0, 80) ?? ''}`;
  const unfinished = s.unfinished ? `, ${int(s.unfinished)} unfinished` : '';
  const rps = s.requestsPerSecond ?? 0;
  return `${rps < 10 ? rps.toFixed(1) : int(rps)} req/s (median ${fmtMs(s.p50Ms)}, p99 ${fmtMs(s.p99Ms)}, ${int(s.errors ?? 0)} errors${unfinished})`;
}

const SIDES = ['ours', ...COMPETITORS] as const;
const present = (row: Row) => SIDES.filter((k) => k === 'ours' || row[k] !== undefined);
const perSide = (row: Row, f: (side: never) => string) => present(row).map((k) => f(row[k] as never)).join(' / ');
const ratios = (row: Row, f: (row: Row, c: Competitor) => number | undefined) => {
  const list = COMPETITORS.filter((c) => row[c] !== undefined);
  return list.length ? list.map((c) => fmtRatio(f(row, c))).join(' / ') : '—';
};
const mib = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(0));

function cells(row: Row): Cells {
  const ratio = ratios(row, ratioOf);
  if (row.kind === 'timed') {
    const items = row.ours.items ?? row.radicale?.items;
    const requests = row.ours.requests && row.ours.requests > 1 ? ` in ${int(row.ours.requests)} requests` : '';
    const ok = (s: TimedSide) => s && s.ok;
    return {
      id: row.id,
      label: `${row.label} [${row.client}]`,
      items: items === undefined ? '—' : `${int(items)}${requests}`,
      sides: present(row).map((k) => timedCell(row[k])),
      ratio,
      wire: perSide(row, (s: TimedSide) => (ok(s) ? `${fmtBytes(s.wireBytes)}${s.encoding ? ` ${s.encoding}` : ''}` : '—')),
      mobile: perSide(row, (s: TimedSide) => (ok(s) ? fmtMs(s.mobileMs) : '—')),
      cpu: `${perSide(row, (s: TimedSide) => (ok(s) ? cpuText(s.cpuMs) : '—'))}${row.radicale || row.xandikos ? ` (${ratios(row, cpuRatioOf)})` : ''}`,
      peak: perSide(row, (s: TimedSide) => (ok(s) ? mib(s.peakRssMiB) : '—')),
    };
  }
  if (row.kind === 'load') {
    return {
      id: row.id,
      label: row.label,
      items: `${row.clients} clients`,
      sides: present(row).map((k) => loadCell(row[k])),
      ratio,
      wire: perSide(row, (s: LoadSide) => (s.ok && s.wireBytesPerRequest !== undefined ? `${fmtBytes(Math.round(s.wireBytesPerRequest))}/req` : '—')),
      mobile: '—',
      cpu: `${perSide(row, (s: LoadSide) => (s.ok ? cpuText(s.cpuMs) : '—'))} per request`,
      peak: perSide(row, (s: LoadSide) => (s.ok ? mib(s.peakRssMiB) : '—')),
    };
  }
  const mem = (m: MemorySide | undefined) => (m ? `${m.peakMiB.toFixed(0)} MiB (from ${m.startMiB.toFixed(0)})` : '—');
  return { id: row.id, label: row.label, items: row.items === undefined ? '—' : int(row.items), sides: present(row).map((k) => mem(row[k])), ratio, wire: '—', mobile: '—', cpu: '—', peak: perSide(row, (m: MemorySide) => mib(m.peakMiB)) };
}

const WIDTHS = { id: 14, label: 60, items: 20, side: 40, ratio: 14 };

export function tableHeader(competitors: readonly Competitor[] = COMPETITORS): string {
  const sides = ['ours', ...competitors].map((k) => `${SERVER_LABELS[k as keyof typeof SERVER_LABELS]} median (p95)`.padEnd(WIDTHS.side)).join(' ');
  const names = ['ours', ...competitors].join(' / ');
  const h = `${'row'.padEnd(WIDTHS.id)} ${'scenario'.padEnd(WIDTHS.label)} ${'items'.padEnd(WIDTHS.items)} ${sides} ${`ratio ${competitors.join('/')}`.padStart(WIDTHS.ratio)}  wire bytes, mobile link, CPU, peak MiB (${names})`;
  return `${h}\n${'-'.repeat(h.length)}`;
}

export function tableLine(row: Row): string {
  const c = cells(row);
  const label = c.label.length > WIDTHS.label ? `${c.label.slice(0, WIDTHS.label - 1)}…` : c.label;
  const disturbed = (row.foreignCpu ?? 0) > 0.1 ? `  [other processes: ${Math.round((row.foreignCpu ?? 0) * 100)}% of the machine]` : '';
  const sides = c.sides.map((x) => x.padEnd(WIDTHS.side)).join(' ');
  return `${c.id.padEnd(WIDTHS.id)} ${label.padEnd(WIDTHS.label)} ${c.items.padEnd(WIDTHS.items)} ${sides} ${c.ratio.padStart(WIDTHS.ratio)}  wire ${c.wire}; mobile ${c.mobile}; CPU ${c.cpu}; peak ${c.peak}${disturbed}`;
}

export function markdownTable(rows: readonly Row[], competitors: readonly Competitor[] = COMPETITORS): string {
  const names = ['ours', ...competitors].map((k) => SERVER_LABELS[k as keyof typeof SERVER_LABELS]);
  const short = names.join(' / ');
  const lines = [
    `| # | Scenario | Items | ${names.map((n) => `${n} median (p95)`).join(' | ')} | Ratio (${competitors.map((c) => SERVER_LABELS[c]).join(' / ')} ÷ ours) | Wire bytes (${short}) | Mobile link (${short}) | CPU per sample (${short}; ours node + pg) | Peak RSS MiB (${short}) |`,
    `|---|---|---|${names.map(() => '---|').join('')}---|---|---|---|---|`,
  ];
  for (const row of rows) {
    const c = cells(row);
    const sides = [...c.sides];
    while (sides.length < names.length) sides.push('—');
    lines.push(`| ${c.id} | ${c.label.replace(/\|/g, '\\|')} | ${c.items} | ${sides.join(' | ')} | ${c.ratio} | ${c.wire} | ${c.mobile} | ${c.cpu} | ${c.peak} |`);
  }
  return lines.join('\n');
}

export function goalsTable(goals: readonly GoalVerdict[]): string {
  const lines = ['| Goal (issue 17) | Row | Measured | Verdict |', '|---|---|---|---|'];
  for (const g of goals) lines.push(`| ${g.goal.replace(/\|/g, '\\|')} | ${g.row} | ${g.measured.replace(/\|/g, '\\|')} | ${g.verdict === 'met' ? 'met' : g.verdict === 'missed' ? '**missed**' : 'not measured'} |`);
  return lines.join('\n');
}

export async function writeResults(dir: string, name: string, results: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
