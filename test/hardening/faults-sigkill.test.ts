// The server killed with SIGKILL in the middle of client edits: BrokerStar never holds half an
// edit. The built `brokerstar-dav serve` runs as a child process on a test database; forty
// appointments are moved and retitled at once (three columns each), the process is killed at a
// different moment in each round (as the 1st, the 10th and the 25th edit is acknowledged), and every row must then be entirely old or entirely new, and every acknowledged
// edit entirely new.
import type { ChildProcess } from 'node:child_process';
import ICAL from 'ical.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppPassword } from '../../src/auth/app-passwords.js';
import { basicAuth } from '../support/basic-auth.js';
import { builders } from '../support/builders.js';
import { TERMINE } from '../support/collections.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnServe } from './fault-server.js';

const ANNA = 'anna.meier';
const COUNT = 40;
const HOUR = 3_600_000;

interface Row {
  readonly id: string;
  readonly subject: string;
  readonly starts_at: Date;
  readonly ends_at: Date;
}

let db: TestDatabase;
let child: ChildProcess | undefined;
let origin: string;
let auth: string;
const ids: string[] = [];

async function rows(): Promise<Map<string, Row>> {
  const { rows: all } = await db.query<Row>(`SELECT id::text AS id, subject, starts_at, ends_at FROM brokerstar.appointment WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(all.map((r) => [r.id, r]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  const anna = await builders(db.pool).addEmployee({ username: ANNA });
  for (let i = 0; i < COUNT; i++) {
    ids.push(await builders(db.pool).addAppointment({ ownerId: anna, startsAt: new Date(Date.UTC(2027, 0, 4 + i, 8)), subject: `Kundentermin ${i}` }));
  }
  auth = basicAuth(ANNA, await createAppPassword(db.pool, ANNA, 'sigkill'));
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.drop();
});

/** The item moved by an hour and retitled to `subject`, as a client saves it. */
function edited(text: string, subject: string): string {
  const cal = new ICAL.Component(ICAL.parse(text));
  const event = cal.getFirstSubcomponent('vevent')!;
  event.updatePropertyWithValue('summary', subject);
  for (const name of ['dtstart', 'dtend']) {
    const t = (event.getFirstPropertyValue(name) as ICAL.Time).clone();
    t.addDuration(ICAL.Duration.fromSeconds(3600));
    event.getFirstProperty(name)!.setValue(t);
  }
  event.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString('2026-12-07T12:00:00Z'));
  event.updatePropertyWithValue('sequence', (Number(event.getFirstPropertyValue('sequence')) || 0) + 1);
  return cal.toString();
}

/** The process is killed as this many edits have been acknowledged (others are in flight). */
const KILL_AFTER_ACKS = [1, 10, 25];

it('SIGKILL during forty concurrent edits: every appointment entirely old or entirely new, every acknowledged edit stored', { timeout: 120_000 }, async () => {
  for (const [round, killAfter] of KILL_AFTER_ACKS.entries()) {
    ({ child, origin } = await spawnServe({ DATABASE_URL: db.url }));
    const before = await rows();
    const subject = (i: number) => `Verschoben R${round} ${i}`;
    // One after another: the first login is verified once and cached, as a client's sync does it.
    const items: { id: string; etag: string; body: string }[] = [];
    for (const [i, id] of ids.entries()) {
      const res = await fetch(`${origin}${TERMINE(ANNA)}${id}.ics`, { headers: { Authorization: auth } });
      expect(res.status).toBe(200);
      items.push({ id, etag: res.headers.get('etag')!, body: edited(await res.text(), subject(i)) });
    }
    const server = child!;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => server.on('exit', (_code, signal) => resolve(signal)));
    let killed = false;
    const kill = () => {
      if (!killed) server.kill('SIGKILL');
      killed = true;
    };
    let acks = 0;
    setTimeout(kill, 2000).unref(); // bounded, whatever happens
    const answers = await Promise.all(
      items.map(async ({ id, etag, body }) => {
        try {
          const res = await fetch(`${origin}${TERMINE(ANNA)}${id}.ics`, {
            method: 'PUT',
            headers: { Authorization: auth, 'Content-Type': 'text/calendar; charset=utf-8', 'If-Match': etag },
            body,
          });
          await res.text();
          if (res.status >= 200 && res.status < 300 && ++acks >= killAfter) kill();
          return { id, status: res.status };
        } catch {
          return { id, status: 0 }; // cut off by the kill
        }
      }),
    );
    expect(await exited).toBe('SIGKILL');
    // PostgreSQL ends the killed process's sessions and rolls their transactions back on its own.
    const after = await rows();
    let fresh = 0;
    for (const [i, id] of ids.entries()) {
      const old = before.get(id)!;
      const now = after.get(id)!;
      const isOld = now.subject === old.subject && +now.starts_at === +old.starts_at && +now.ends_at === +old.ends_at;
      const isNew = now.subject === subject(i) && +now.starts_at === +old.starts_at + HOUR && +now.ends_at === +old.ends_at + HOUR;
      expect(isOld || isNew, `round ${round}, appointment ${id}: ${JSON.stringify(now)} is neither the old nor the new version`).toBe(true);
      if (isNew) fresh++;
      const answer = answers.find((a) => a.id === id)!;
      if (answer.status >= 200 && answer.status < 300) expect(isNew, `acknowledged edit of ${id} stored`).toBe(true);
      expect([0, 204, 200, 201], `round ${round}, PUT of ${id}`).toContain(answer.status);
    }
    const acknowledged = answers.filter((a) => a.status >= 200 && a.status < 300).length;
    const cutOff = answers.filter((a) => a.status === 0).length;
    expect(cutOff, 'edits cut off by the kill').toBeGreaterThan(0);
    console.log(`faults-sigkill round ${round} (kill planned at ack ${killAfter}, at the latest after 2 s): ${acknowledged} acknowledged, ${fresh} stored new, ${COUNT - fresh} old, ${cutOff} cut off`);
  }
});
