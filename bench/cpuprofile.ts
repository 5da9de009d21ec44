// Summaries of a V8 CPU profile (node --cpu-prof) of the server, per time window: the bench notes
// when each row ran (CLOCK_MONOTONIC, the clock V8 stamps samples with), so each row gets its own
// top functions by self time and by inclusive time, and a split by code area.
import { readFile } from 'node:fs/promises';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** CPU time sampled in the window (ms), idle excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly self: ProfileEntry[];
  readonly inclusive: ProfileEntry[];
  readonly areas: ProfileEntry[];
}

export interface Window {
  /** Microseconds, CLOCK_MONOTONIC (process.hrtime.bigint() / 1000n). */
  readonly fromUs: number;
  readonly toUs: number;
}

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function frameName(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/dist\//, 'dist/');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

/** Which part of the stack a frame belongs to: a package, a folder of ours, Node, or V8. */
function areaOf(f: CallFrame): string {
  const url = f.url;
  if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/dist\/src\/([^/]+(?:\/[^/.]+(?=\/))?)/.exec(url);
  if (ours) return `src/${ours[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  return url;
}

export async function loadProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}

export function summarizeProfile(p: CpuProfile, windows: readonly Window[] | undefined, top = 20): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (windows && !windows.some((w) => t >= w.fromUs && t < w.toUs)) continue;
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  let busy = 0;
  let idle = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') {
      idle += us;
      continue;
    }
    busy += us;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    areas.set(areaOf(node.callFrame), (areas.get(areaOf(node.callFrame)) ?? 0) + us);
    // Inclusive: each distinct function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.functionName === '(root)') break;
      const nm = frameName(n.callFrame);
      if (seen.has(nm)) continue;
      seen.add(nm);
      inclusive.set(nm, (inclusive.get(nm) ?? 0) + us);
    }
  }
  const entries = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: busy ? Math.round((us / busy) * 1000) / 10 : 0 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), self: entries(self), inclusive: entries(inclusive), areas: entries(areas) };
}

export function formatProfile(title: string, s: ProfileSummary, lines = 12): string {
  const col = (e: ProfileEntry) => `    ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(8)} ms  ${e.name}`;
  return [
    `${title}: ${s.busyMs} ms CPU busy (${s.idleMs} ms idle)`,
    '  by area (self):',
    ...s.areas.slice(0, lines).map(col),
    '  top self:',
    ...s.self.slice(0, lines).map(col),
    '  top inclusive:',
    ...s.inclusive.slice(0, lines).map(col),
  ].join('\n');
}
