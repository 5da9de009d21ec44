// The one way the server steps through a recurrence rule (RFC 5545 §3.3.10) with ical.js: bounded
// in candidates a rule may reject in a row and in time (callers bound the instances they take). ical.js alone loops forever on a rule
// no date satisfies (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) and spends seconds on dense sub-daily
// ones; BrokerStar's users type rules and clients send them, so neither may block the event loop.
import ICAL from 'ical.js';

/** The expansion gave up: the rule yields nothing more within the bounds. Never a crash. */
export class RecurrenceLimitError extends Error {
  override readonly name = 'RecurrenceLimitError';
}

/**
 * Consecutive candidates a rule may reject before it is taken as unsatisfiable. The sparsest real
 * rule, a daily one on 29 February, rejects 1,461 days in a row; each rejection costs ical.js some
 * 10 µs.
 */
export const MAX_REJECTS = 5_000;
/** Time one expansion may take unless the caller shares a budget of its own. */
export const DEFAULT_BUDGET_MS = 100;
/**
 * A YEARLY rule is walked at most this many years ahead: ical.js searches up to the year 20000
 * for a first match of a rule that never matches (150 ms of blocked event loop), before any guard
 * of ours can run. No appointment needs instances four centuries out.
 */
const YEARLY_HORIZON_YEARS = 400;
/**
 * Largest INTERVAL walked: ical.js moves a date by N days one day at a time, so a single step of
 * FREQ=DAILY;INTERVAL=999999999 never returns, beyond the reach of any guard. "Every 1,000 days"
 * is more than any appointment series needs.
 */
export const MAX_INTERVAL = 1_000;
/** The clocks are read once per this many rejected candidates. */
const CLOCK_EVERY = 256;
/** On a machine busy with other work the wall clock runs ahead of the CPU time; it still stops here. */
const WALL_FACTOR = 5;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** process.cpuUsage() is a system call (microseconds): read at most this often, in wall-clock ms. */
const CPU_READ_EVERY_MS = 2;

/**
 * A time allowance, shared by every expansion of one piece of work (a PUT's checks, one filter
 * match). It counts the process's CPU time, so a test suite or a busy host does not turn a fast
 * expansion into a refused one, and stops at WALL_FACTOR times the allowance in wall time whatever
 * the CPU says.
 */
export class TimeBudget {
  private readonly cpuDeadline: number;
  private readonly wallDeadline: number;
  private lastCpuRead: number;

  constructor(readonly ms: number = DEFAULT_BUDGET_MS) {
    this.cpuDeadline = cpuMs() + ms;
    this.lastCpuRead = performance.now();
    this.wallDeadline = this.lastCpuRead + WALL_FACTOR * ms;
  }

  get exhausted(): boolean {
    return cpuMs() > this.cpuDeadline || performance.now() > this.wallDeadline;
  }

  /** Throws RecurrenceLimitError once the allowance is spent (the CPU clock read every few ms). */
  check(): void {
    const now = performance.now();
    if (now - this.lastCpuRead < CPU_READ_EVERY_MS && now <= this.wallDeadline) return;
    this.lastCpuRead = now;
    if (this.exhausted) throw new RecurrenceLimitError(`recurrence expansion took more than ${this.ms} ms`);
  }
}

export interface BoundedIterator {
  /** The next instance (a fresh Time the caller may keep), null when the rule ends. Throws RecurrenceLimitError. */
  next(): ICAL.Time | null;
}

/** The rule to iterate: a copy (iterators write into their rule), YEARLY ones cut at the horizon. */
function iterationCopy(rule: ICAL.Recur, start: ICAL.Time): ICAL.Recur {
  const copy = rule.clone();
  if (copy.freq === 'YEARLY') {
    const horizon = start.year + YEARLY_HORIZON_YEARS;
    if (!copy.until || copy.until.year > horizon) {
      copy.until = ICAL.Time.fromData({ year: horizon, month: 1, day: 1, isDate: start.isDate }, start.zone);
    }
  }
  return copy;
}

/**
 * An iterator over `rule` from `start` that throws RecurrenceLimitError instead of looping on: after
 * MAX_REJECTS rejected candidates in a row, or when `budget` is spent. ical.js's own errors (a rule
 * it cannot iterate) are thrown as they are.
 */
export function boundedIterator(rule: ICAL.Recur, start: ICAL.Time, budget: TimeBudget = new TimeBudget()): BoundedIterator {
  budget.check();
  if ((rule.interval ?? 1) > MAX_INTERVAL) throw new RecurrenceLimitError(`INTERVAL above ${MAX_INTERVAL}`);
  const it = iterationCopy(rule, start).iterator(start);
  const check = it.check_contracting_rules.bind(it);
  let rejects = 0;
  let calls = 0;
  it.check_contracting_rules = () => {
    if (++calls % CLOCK_EVERY === 0) budget.check();
    const ok = check();
    if (ok) rejects = 0;
    else if (++rejects > MAX_REJECTS) throw new RecurrenceLimitError('recurrence rule yields no further instances');
    return ok;
  };
  return {
    next() {
      budget.check();
      const t = it.next();
      return t ? t.clone() : null; // the iterator reuses its Time
    },
  };
}

/**
 * The first `n` instances of a rule from `start` (fewer when it ends), or a RecurrenceLimitError
 * when they cannot be found within the bounds.
 */
export function firstInstances(rule: ICAL.Recur, start: ICAL.Time, n: number, budget?: TimeBudget): ICAL.Time[] {
  const it = boundedIterator(rule, start, budget);
  const out: ICAL.Time[] = [];
  for (let i = 0; i < n; i++) {
    const t = it.next();
    if (!t) break;
    out.push(t);
  }
  return out;
}
