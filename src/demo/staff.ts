// The firm's employees (the demo login first, one who has left) and who shares a calendar with whom.
import { CORE_EMPLOYEES, FIRM, FIRST_NAMES, INACTIVE_EMPLOYEE, LAST_NAMES, type EmployeeSeed, type Lang, mailbox } from './names.js';
import type { Random } from './random.js';

/** The demo login: employee 1, who sees the richest data set. */
export const DEMO_USERNAME = 'anna.meier';

export interface EmployeeRow {
  readonly id: number;
  readonly username: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly email: string;
  readonly language: Lang;
  readonly time_zone: string;
  readonly active: boolean;
  readonly updated_at: Date;
}

export interface ShareRow {
  readonly owner_id: number;
  readonly viewer_id: number;
}

/** Index of the back-office assistant in CORE_EMPLOYEES, who may see every broker's calendar. */
const ASSISTANT = 4;

export function planEmployees(rng: Random, count: number, now: Date): EmployeeRow[] {
  if (count < 1) return [];
  type Planned = EmployeeSeed & { readonly username: string };
  const withName = (s: EmployeeSeed): Planned => ({ ...s, username: mailbox(s.firstName, s.lastName) });
  const planned: Planned[] = CORE_EMPLOYEES.slice(0, Math.max(1, count - 1)).map(withName);
  const inactive = withName(INACTIVE_EMPLOYEE);
  const taken = new Set([...planned.map((p) => p.username), inactive.username]);
  while (planned.length < count - 1) {
    const language = rng.weighted<Lang>([['de', 60], ['fr', 22], ['it', 15], ['en', 3]]);
    const names = FIRST_NAMES[language];
    const firstName = rng.pick(rng.chance(0.5) ? names.female : names.male);
    const lastName = rng.pick(LAST_NAMES[language]);
    const base = mailbox(firstName, lastName);
    let username = base;
    for (let n = 2; taken.has(username); n++) username = `${base}${n}`;
    taken.add(username);
    planned.push({ firstName, lastName, language, username });
  }
  if (count >= 2) planned.push(inactive);
  return planned.map((p, i) => ({
    id: i + 1,
    username: p.username,
    first_name: p.firstName,
    last_name: p.lastName,
    email: `${p.username}@${FIRM.domain}`,
    language: p.language,
    time_zone: 'Europe/Zurich',
    active: p !== inactive,
    updated_at: new Date(now.getTime() - rng.int(1, 400) * 86_400_000 - rng.int(0, 86_399) * 1000),
  }));
}

/**
 * Calendar shares: the demo login shares with the next two colleagues and sees a third one's
 * calendar; the assistant sees every broker's; others share with zero to two colleagues; the
 * employee who left still shares with the demo login (stale BrokerStar data the server must cope with).
 */
export function planShares(rng: Random, employees: readonly EmployeeRow[]): ShareRow[] {
  const active = employees.filter((e) => e.active);
  const pairs = new Map<string, ShareRow>();
  const add = (owner: EmployeeRow | undefined, viewer: EmployeeRow | undefined) => {
    if (!owner || !viewer || owner.id === viewer.id) return;
    pairs.set(`${owner.id}:${viewer.id}`, { owner_id: owner.id, viewer_id: viewer.id });
  };
  const [demo, second, third, fourth] = employees;
  add(demo, second);
  add(demo, third);
  add(fourth, demo);
  const assistant = employees[ASSISTANT];
  if (assistant?.active) for (const e of active) add(e, assistant);
  for (const e of active) {
    if (e === demo || e === assistant) continue;
    for (const viewer of rng.sample(active, rng.int(0, 2))) add(e, viewer);
  }
  const inactive = employees.find((e) => !e.active);
  add(inactive, demo);
  return [...pairs.values()].sort((a, b) => a.owner_id - b.owner_id || a.viewer_id - b.viewer_id);
}
