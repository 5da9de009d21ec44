// Tasks (Aufgaben): every status, priorities, due dates, related customers, in the assignee's language.
import type { ContactRef } from './contacts.js';
import { LONG_SUBJECT_TAILS, TASK_DESCRIPTIONS, TASK_SUBJECTS } from './names.js';
import type { Random } from './random.js';
import { type Day, isoDate, localDayOf, zonedToUtc } from './time.js';
import { FIRM_TIME_ZONE, TEXT_LIMIT, cutTo, daysBefore, instantBetween, pickOwner, type World } from './world.js';

export const TASK_STATUSES = ['open', 'in_progress', 'waiting', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface TaskRow {
  readonly id: number;
  readonly subject: string;
  readonly description: string | null;
  readonly assignee_id: number;
  readonly created_by_id: number | null;
  readonly contact_id: number | null;
  readonly status: TaskStatus;
  readonly priority: 1 | 2 | 3;
  readonly percent_complete: number;
  readonly starts_on: string | null;
  readonly due_at: Date | null;
  readonly completed_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly deleted_at: Date | null;
}

function dayFromIso(iso: string): Day {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}

function percentFor(rng: Random, status: TaskStatus): number {
  switch (status) {
    case 'open':
      return 0;
    case 'in_progress':
      return rng.int(1, 9) * 10;
    case 'waiting':
      return rng.int(0, 6) * 10;
    case 'done':
      return 100;
    case 'cancelled':
      return rng.int(0, 5) * 10;
  }
}

export function planTasks(rng: Random, world: World, contacts: readonly ContactRef[], count: number): TaskRow[] {
  const { now, today } = world;
  const live = contacts.filter((c) => c.live);
  const former = world.employees.filter((e) => !e.active);
  const rows: TaskRow[] = [];
  for (let id = 1; id <= count; id++) {
    // The first five cover every status, so even a tiny run has them all.
    const status: TaskStatus =
      id <= TASK_STATUSES.length
        ? (TASK_STATUSES[id - 1] as TaskStatus)
        : rng.weighted<TaskStatus>([['open', 35], ['in_progress', 20], ['waiting', 10], ['done', 28], ['cancelled', 7]]);
    const assignee = former.length && rng.chance(0.03) ? rng.pick(former) : pickOwner(rng, world);
    const lang = assignee.language;
    const contact = rng.chance(0.8) && live.length ? rng.pick(rng.chance(0.97) ? live : contacts) : undefined;

    let subject = rng.pick(TASK_SUBJECTS[lang]);
    if (contact) subject = `${subject} – ${contact.displayName}`;
    if (rng.chance(0.02) || id === 6) subject = cutTo(`${subject}: ${LONG_SUBJECT_TAILS[lang]}`, rng.int(TEXT_LIMIT - 8, TEXT_LIMIT));
    subject = cutTo(subject, TEXT_LIMIT);

    const created = instantBetween(rng, daysBefore(now, 400), daysBefore(now, 1));
    const createdDay = localDayOf(created, FIRM_TIME_ZONE);
    const finished = status === 'done' || status === 'cancelled';
    let dueAt: Date | null = null;
    if (rng.chance(0.75)) {
      const dueDay = finished ? rng.int(createdDay + 1, today + 5) : rng.int(Math.max(createdDay + 1, today - 30), today + 60);
      dueAt = zonedToUtc(dueDay, rng.pick([9 * 60, 12 * 60, 17 * 60, 17 * 60]), FIRM_TIME_ZONE);
    }
    let startsOn: string | null = null;
    if (rng.chance(0.35)) {
      const dueDay = dueAt ? localDayOf(dueAt, FIRM_TIME_ZONE) : today + 30;
      startsOn = isoDate(rng.int(createdDay, Math.max(createdDay, dueDay)));
    }
    const startedAt = startsOn ? zonedToUtc(dayFromIso(startsOn), 8 * 60, FIRM_TIME_ZONE) : created;
    const completedAt = status === 'done' ? instantBetween(rng, startedAt < now ? startedAt : created, now) : null;
    const updated = instantBetween(rng, completedAt ?? created, now);
    const deleted = rng.chance(0.03) ? instantBetween(rng, updated, now) : null;
    const creator = rng.chance(0.05) ? null : rng.chance(0.6) ? assignee : rng.pick(world.employees);

    rows.push({
      id,
      subject,
      description: rng.chance(0.4) ? rng.pick(TASK_DESCRIPTIONS[lang]) : null,
      assignee_id: assignee.id,
      created_by_id: creator?.id ?? null,
      contact_id: contact?.id ?? null,
      status,
      priority: rng.weighted<1 | 2 | 3>([[1, 20], [2, 60], [3, 20]]),
      percent_complete: percentFor(rng, status),
      starts_on: startsOn,
      due_at: dueAt,
      completed_at: completedAt,
      created_at: created,
      updated_at: updated,
      deleted_at: deleted,
    });
  }
  return rows;
}
