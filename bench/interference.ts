// How much of the machine something other than the bench used while a row ran: the CPU time of
// the whole machine (/proc/stat) minus that of the bench's own process tree (the bench, our
// server, PostgreSQL and its backends, Radicale, the load generator; /proc/PID/stat counts reaped
// children in cutime/cstime). A benchmark on a shared machine is only worth something when this
// stays near zero.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface CpuSnapshot {
  readonly at: number;
  /** Busy jiffies of all CPUs. */
  readonly machine: number;
  /** Jiffies of the bench's process tree. */
  readonly tree: number;
}

function machineBusy(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

function treeBusy(root: number): number {
  const children = new Map<number, number[]>();
  const time = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const t = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      const pid = Number(entry);
      time.set(pid, t);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  let sum = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    sum += time.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

export function cpuSnapshot(): CpuSnapshot {
  try {
    return { at: performance.now(), machine: machineBusy(), tree: treeBusy(process.pid) };
  } catch {
    return { at: performance.now(), machine: 0, tree: 0 };
  }
}

/** Share of the machine's capacity (0-1) used outside the bench between two snapshots. */
export function foreignCpu(a: CpuSnapshot, b: CpuSnapshot): number {
  const hz = 100; // USER_HZ on Linux
  const capacity = ((b.at - a.at) / 1000) * hz * os.cpus().length;
  if (capacity <= 0 || b.machine === 0) return 0;
  return Math.max(0, (b.machine - a.machine - (b.tree - a.tree)) / capacity);
}

/** CPU time (ms) of a process and all its descendants, reaped ones included. */
export function processTreeCpuMs(root: number): number {
  try {
    return treeBusy(root) * 10; // jiffies of 10 ms (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/** The first child of `parent` whose command name is `comm` (the postmaster under the bench). */
export function childNamed(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) return Number(entry);
    } catch {
      // exited
    }
  }
  return undefined;
}
