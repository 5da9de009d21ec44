// Resident memory of a process from /proc/PID/status: VmRSS now, VmHWM the peak, which writing
// "5" to /proc/PID/clear_refs resets (Linux ≥ 4.0), so a peak can be taken per scenario. A sampler
// backs it up where the reset is not allowed.
import { readFileSync, writeFileSync } from 'node:fs';

export interface MemoryReading {
  readonly rssMiB: number;
  readonly hwmMiB: number;
}


const kib = (status: string, field: string) => {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) : Number.NaN;
};

export function readMemory(pid: number): MemoryReading | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssMiB: kib(s, 'VmRSS') / 1024, hwmMiB: kib(s, 'VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Resets the peak (VmHWM) to the current RSS; false when the kernel refused. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const m = readMemory(pid);
    return m !== undefined && m.hwmMiB - m.rssMiB < 1;
  } catch {
    return false;
  }
}

/** Samples RSS every `intervalMs` and reports the peak of the samples and of VmHWM. */
export class PeakTracker {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private hwmReset = false;
  private startRss = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 20,
  ) {}

  start(): this {
    this.hwmReset = resetPeak(this.pid);
    this.startRss = readMemory(this.pid)?.rssMiB ?? 0;
    this.peak = this.startRss;
    this.timer = setInterval(() => {
      const m = readMemory(this.pid);
      if (m && m.rssMiB > this.peak) this.peak = m.rssMiB;
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Peak RSS (MiB) since start, and the RSS at start. */
  stop(): { peakMiB: number; startMiB: number; endMiB: number; fromHwm: boolean } {
    if (this.timer) clearInterval(this.timer);
    const m = readMemory(this.pid);
    let peak = this.peak;
    if (m) peak = Math.max(peak, m.rssMiB, this.hwmReset ? m.hwmMiB : 0);
    return { peakMiB: peak, startMiB: this.startRss, endMiB: m?.rssMiB ?? Number.NaN, fromHwm: this.hwmReset };
  }
}
