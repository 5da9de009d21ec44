// Results: the row types, the table printed row by row, the markdown table for the README, and
// the JSON file.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileSummary } from './cpuprofile.js';
import type { Machine } from './machine.js';
import type { Summary } from './stats.js';

export interface TimedSide {
  readonly ok: boolean;
  readonly error?: string;
  readonly ms?: Summary;
  /** Median response bytes per sample. */
  readonly bytes?: number;
  readonly requests?: number;
  readonly items?: number;
  /** Per request, when a sample is several requests. */
  readonly perRequestMs?: Summary;
  /** Mean CPU time per sample (ms): the server process, and for ours PostgreSQL (all backends). */
  readonly cpuMs?: { readonly server: number; readonly postgres?: number };
  /** Our server's own mean time per request (from /metrics). */
  readonly serverMs?: number;
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

export type Row = RowCommon &
  (
  | { readonly kind: 'timed'; readonly id: string; readonly group: number; readonly label: string; readonly client: string; readonly ours: TimedSide; readonly radicale?: TimedSide }
  | { readonly kind: 'load'; readonly id: string; readonly group: number; readonly label: string; readonly clients: number; readonly seconds: number; readonly ours: LoadSide; readonly radicale?: LoadSide }
  | { readonly kind: 'memory'; readonly id: string; readonly group: number; readonly label: string; readonly items?: number; readonly ours: MemorySide; readonly radicale?: MemorySide }
  );

export interface BenchResults {
  readonly startedAt: string;
  readonly mode: 'full' | 'quick';
  readonly machine: Machine;
  readonly data: Record<string, unknown>;
  readonly timings: Record<string, number>;
  readonly rows: Row[];
  readonly failures: string[];
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

/** How many times better we are (Radicale time ÷ ours, our throughput ÷ Radicale's). */
export function ratioOf(row: Row): number | undefined {
  if (!row.radicale) return undefined;
  if (row.kind === 'timed') {
    const a = row.ours.ms?.median;
    const b = row.radicale.ms?.median;
    return row.ours.ok && row.radicale.ok && a && b ? b / a : undefined;
  }
  if (row.kind === 'load') {
    const a = row.ours.requestsPerSecond;
    const b = row.radicale.requestsPerSecond;
    if (!row.ours.ok || !row.radicale.ok || a === undefined || b === undefined) return undefined;
    return b === 0 ? Number.POSITIVE_INFINITY : a / b;
  }
  return row.radicale.peakMiB / row.ours.peakMiB;
}

/** The same ratio on CPU time (server + PostgreSQL against Radicale), which a busy machine disturbs less. */
export function cpuRatioOf(row: Row): number | undefined {
  if (!row.radicale || row.kind === 'memory') return undefined;
  const o = row.ours.cpuMs;
  const r = row.radicale.cpuMs;
  if (!o || !r || !row.ours.ok || !row.radicale.ok) return undefined;
  const ours = o.server + (o.postgres ?? 0);
  if (row.kind === 'load') return undefined;
  return ours > 0 ? r.server / ours : undefined;
}

export const fmtRatio = (r: number | undefined) =>
  r === undefined ? '—' : !Number.isFinite(r) ? '∞' : r >= 100 ? `${int(r)}×` : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;

interface Cells {
  readonly id: string;
  readonly label: string;
  readonly items: string;
  readonly ours: string;
  readonly radicale: string;
  readonly ratio: string;
  readonly bytes: string;
  readonly cpu: string;
}

const cpuText = (c: { server: number; postgres?: number } | undefined) =>
  !c || !Number.isFinite(c.server) ? '—' : c.postgres === undefined ? fmtMs(c.server) : `${fmtMs(c.server + c.postgres)} (${fmtMs(c.server)} + pg ${fmtMs(c.postgres)})`;

function timedCell(s: TimedSide | undefined): string {
  if (!s) return '—';
  if (!s.ok) return `FAILED: ${s.error?.slice(0, 80) ?? ''}`;
  const server = s.serverMs !== undefined ? `, server ${fmtMs(s.serverMs)}` : '';
  return `${fmtMs(s.ms?.median)} (p95 ${fmtMs(s.ms?.p95)}${server})`;
}

function loadCell(s: LoadSide | undefined): string {
  if (!s) return '—';
  if (!s.ok) return `FAILED: ${s.error?.slice(0, 80) ?? ''}`;
  const unfinished = s.unfinished ? `, ${int(s.unfinished)} unfinished` : '';
  const rps = s.requestsPerSecond ?? 0;
  return `${rps < 10 ? rps.toFixed(1) : int(rps)} req/s (p99 ${fmtMs(s.p99Ms)}, ${int(s.errors ?? 0)} errors${unfinished})`;
}

function cells(row: Row): Cells {
  const ratio = fmtRatio(ratioOf(row));
  if (row.kind === 'timed') {
    const items = row.ours.items ?? row.radicale?.items;
    const requests = row.ours.requests && row.ours.requests > 1 ? ` in ${int(row.ours.requests)} requests` : '';
    return {
      id: row.id,
      label: `${row.label} [${row.client}]`,
      items: items === undefined ? '—' : `${int(items)}${requests}`,
      ours: timedCell(row.ours),
      radicale: timedCell(row.radicale),
      ratio,
      bytes: `${fmtBytes(row.ours.bytes)} / ${fmtBytes(row.radicale?.bytes)}`,
      cpu: `${cpuText(row.ours.cpuMs)} / ${cpuText(row.radicale?.cpuMs)}${row.radicale ? ` (${fmtRatio(cpuRatioOf(row))})` : ''}`,
    };
  }
  if (row.kind === 'load') {
    return { id: row.id, label: row.label, items: `${row.clients} clients`, ours: loadCell(row.ours), radicale: loadCell(row.radicale), ratio, bytes: '—', cpu: `${cpuText(row.ours.cpuMs)} / ${cpuText(row.radicale?.cpuMs)} per request` };
  }
  const mem = (m: MemorySide | undefined) => (m ? `${m.peakMiB.toFixed(0)} MiB (from ${m.startMiB.toFixed(0)})` : '—');
  return { id: row.id, label: row.label, items: row.items === undefined ? '—' : int(row.items), ours: mem(row.ours), radicale: mem(row.radicale), ratio, bytes: '—', cpu: '—' };
}

const WIDTHS = { id: 12, label: 64, items: 20, ours: 40, radicale: 40, ratio: 8 };

export function tableHeader(): string {
  const h = `${'row'.padEnd(WIDTHS.id)} ${'scenario'.padEnd(WIDTHS.label)} ${'items'.padEnd(WIDTHS.items)} ${'brokerstar-dav median (p95)'.padEnd(WIDTHS.ours)} ${'Radicale median (p95)'.padEnd(WIDTHS.radicale)} ${'ratio'.padStart(WIDTHS.ratio)}  bytes ours / Radicale`;
  return `${h}\n${'-'.repeat(h.length + 10)}`;
}

export function tableLine(row: Row): string {
  const c = cells(row);
  const label = c.label.length > WIDTHS.label ? `${c.label.slice(0, WIDTHS.label - 1)}…` : c.label;
  const disturbed = (row.foreignCpu ?? 0) > 0.1 ? `  [other processes: ${Math.round((row.foreignCpu ?? 0) * 100)}% of the machine]` : '';
  return `${c.id.padEnd(WIDTHS.id)} ${label.padEnd(WIDTHS.label)} ${c.items.padEnd(WIDTHS.items)} ${c.ours.padEnd(WIDTHS.ours)} ${c.radicale.padEnd(WIDTHS.radicale)} ${c.ratio.padStart(WIDTHS.ratio)}  ${c.bytes}; ${c.cpu}${disturbed}`;
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| # | Scenario | Items | brokerstar-dav median (p95) | Radicale median (p95) | Ratio | Response bytes (ours / Radicale) | CPU per sample: ours (node + pg) / Radicale (ratio) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const c = cells(row);
    lines.push(`| ${c.id} | ${c.label.replace(/\|/g, '\\|')} | ${c.items} | ${c.ours} | ${c.radicale} | ${c.ratio} | ${c.bytes} | ${c.cpu} |`);
  }
  return lines.join('\n');
}

export async function writeResults(dir: string, name: string, results: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
