// What every part of the generator shares: the fixed "now", the staff, and picking who owns what.
import type { Random } from './random.js';
import type { EmployeeRow } from './staff.js';
import type { Day } from './time.js';

export const FIRM_TIME_ZONE = 'Europe/Zurich';

export interface World {
  readonly now: Date;
  /** `now`'s date in the firm's time zone. */
  readonly today: Day;
  readonly employees: readonly EmployeeRow[];
  readonly active: readonly EmployeeRow[];
  /** The employee who gets `focusShare` of all appointments and tasks (benchmark data). */
  readonly focus: EmployeeRow | undefined;
  readonly focusShare: number;
}

/**
 * The employee who owns the next appointment or task: the focus employee with probability
 * `focusShare`, otherwise an active employee (the demo login twice as likely, so it looks busy).
 */
export function pickOwner(rng: Random, world: World): EmployeeRow {
  if (world.focus && rng.chance(world.focusShare)) return world.focus;
  const choices = world.active.map((e, i) => [e, i === 0 ? 2 : 1] as const);
  if (choices.length === 0) return world.employees[0] as EmployeeRow;
  return rng.weighted(choices);
}

/** A whole-second instant uniformly between two instants. */
export function instantBetween(rng: Random, from: Date, to: Date): Date {
  const a = Math.ceil(from.getTime() / 1000);
  const b = Math.floor(to.getTime() / 1000);
  return new Date((b <= a ? a : rng.int(a, b)) * 1000);
}

export function daysBefore(instant: Date, days: number): Date {
  return new Date(instant.getTime() - days * 86_400_000);
}

/** The column limit of appointment and task subjects and locations. */
export const TEXT_LIMIT = 150;

/**
 * `text` cut to exactly `length` characters (code points), or a little less so it does not end in
 * a space: for subjects and locations that sit just under the column limit.
 */
export function cutTo(text: string, length: number): string {
  if (text.length <= length) return text;
  return [...text].slice(0, length).join('').trimEnd();
}
