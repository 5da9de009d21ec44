// vdirsyncer (Debian), a sync tool nobody on this project wrote, mirrors Kontakte, Termine and
// Aufgaben into local folders; khard and khal then read those folders. Then the user deletes a card
// and adds a contact locally: the server refuses both, vdirsyncer reports it and stops in bounded
// time, BrokerStar stays as it was, and the deleted card comes back. Config files live in temp
// folders; HOME and XDG_* point there too, so nothing touches the real home.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIRM,
  PATHS,
  describeRun,
  isolatedEnv,
  requireBinary,
  run,
  snapshotBrokerstar,
  startFirmServer,
  tempDir,
  wallClock,
  type FirmServer,
  type RunResult,
  type TempDir,
} from './support.js';

const RUN_TIMEOUT_MS = 30_000;

interface FileState {
  readonly sha: string;
  readonly mtimeMs: number;
}

/** Every file under `dir` (relative path → content hash and mtime). */
async function snapshotFiles(dir: string): Promise<Map<string, FileState>> {
  const out = new Map<string, FileState>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, full), {
      sha: createHash('sha256').update(await readFile(full)).digest('hex'),
      mtimeMs: (await stat(full)).mtimeMs,
    });
  }
  return out;
}

const output = (r: RunResult) => `${r.stdout}${r.stderr}`;
/** vdirsyncer's log lines that move an item ("Copying (uploading) item …", "Updating …", "Deleting …"). */
const transfers = (r: RunResult) => output(r).split('\n').filter((l) => /^(Copying|Updating|Deleting)\b/.test(l));

/** vdirsyncer config: two pairs discovered from the server's root URL, filesystem on the local side. */
function vdirsyncerConfig(o: { status: string; contacts: string; calendars: string; origin: string; user: string; password: string; readOnlyContacts?: boolean }): string {
  return `[general]
status_path = "${o.status}/"

[pair kontakte]
a = "kontakte_local"
b = "kontakte_remote"
collections = ["from b"]

[storage kontakte_local]
type = "filesystem"
path = "${o.contacts}/"
fileext = ".vcf"

[storage kontakte_remote]
type = "carddav"
url = "${o.origin}/"
username = "${o.user}"
password = "${o.password}"
${o.readOnlyContacts ? 'read_only = true\n' : ''}
[pair kalender]
a = "kalender_local"
b = "kalender_remote"
collections = ["termine", "aufgaben"]

[storage kalender_local]
type = "filesystem"
path = "${o.calendars}/"
fileext = ".ics"

[storage kalender_remote]
type = "caldav"
url = "${o.origin}/"
username = "${o.user}"
password = "${o.password}"
`;
}

const LOCAL_NEW_CONTACT = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:lokal-neu-1', 'FN:Lokal Neu', 'N:Neu;Lokal;;;', 'EMAIL:lokal.neu@example.ch', 'END:VCARD', ''].join('\r\n');

describe('vdirsyncer (Debian) with khard and khal against brokerstar-dav', () => {
  let f: FirmServer;
  let home: TempDir;
  let bins: { vdirsyncer: string; khard: string; khal: string };
  let contacts: string; // the local Kontakte folder
  let calendars: string;
  let config: string;
  let env: NodeJS.ProcessEnv;

  const vdirsyncer = (cfg: string, ...args: string[]) => run(bins.vdirsyncer, ['-c', cfg, ...args], { timeoutMs: RUN_TIMEOUT_MS, env });
  const cardFile = (id: string) => path.join(contacts, 'kontakte', `brokerstar-contact-${id}.vcf`);

  beforeAll(async () => {
    bins = { vdirsyncer: requireBinary('vdirsyncer'), khard: requireBinary('khard'), khal: requireBinary('khal') };
    f = await startFirmServer();
    home = await tempDir('vdirsyncer');
    env = isolatedEnv(home.path);
    contacts = path.join(home.path, 'contacts');
    calendars = path.join(home.path, 'calendars');
    // The local collections exist beforehand, so `discover` never asks whether to create them.
    for (const dir of [path.join(contacts, 'kontakte'), path.join(calendars, 'termine'), path.join(calendars, 'aufgaben')]) await mkdir(dir, { recursive: true });
    config = path.join(home.path, 'vdirsyncer.conf');
    await writeFile(config, vdirsyncerConfig({ status: path.join(home.path, 'status'), contacts, calendars, origin: f.origin, user: f.user, password: f.password }));
  });
  afterAll(async () => {
    await f?.close();
    await home?.remove();
  });

  it('discovers Kontakte, Termine, Aufgaben (and the shared calendar) from the root URL', async () => {
    const r = await vdirsyncer(config, 'discover');
    expect(r.code, describeRun(r)).toBe(0);
    const out = output(r);
    expect(out).toContain('- "kontakte" ("Kontakte")');
    expect(out).toContain('- "termine" ("Termine")');
    expect(out).toContain('- "aufgaben" ("Aufgaben")');
    expect(out).toContain('- "termine-beat.keller" ("Termine von Beat Keller")');
  });

  it("first sync downloads every contact, appointment and task, as BrokerStar holds them", async () => {
    const r = await vdirsyncer(config, 'sync');
    expect(r.code, describeRun(r)).toBe(0);
    const { ids } = f;
    const uploaded = transfers(r).sort();
    expect(uploaded).toEqual(
      [
        ...[ids.hans, ids.insurer, ids.zoe].map((id) => `Copying (uploading) item brokerstar-contact-${id} to kontakte_local/kontakte`),
        ...[ids.kundentermin, ids.apero, ids.teamsitzung, ids.callNewYork, ids.messe].map((id) => `Copying (uploading) item brokerstar-appointment-${id} to kalender_local/termine`),
        ...[ids.taskOpen, ids.taskInProgress, ids.taskDone].map((id) => `Copying (uploading) item brokerstar-task-${id} to kalender_local/aufgaben`),
      ].sort(),
    );

    // Contacts: names and emails from BrokerStar's rows.
    const { rows: people } = await f.dav.db.query<{ id: string; emails: string[] }>(
      `SELECT c.id::text, array(SELECT address FROM brokerstar.contact_email e WHERE e.contact_id = c.id ORDER BY position) AS emails
         FROM brokerstar.contact c WHERE c.id = ANY($1::bigint[])`,
      [[ids.hans, ids.insurer, ids.zoe]],
    );
    for (const row of people) {
      const card = new ICAL.Component(ICAL.parse(await readFile(cardFile(row.id), 'utf8')) as unknown[]);
      expect(card.getAllProperties('email').map((e) => String(e.getFirstValue())), row.id).toEqual(row.emails);
    }
    expect(await readFile(cardFile(ids.hans), 'utf8')).toContain(`FN:${FIRM.hans.fn}\r\n`);
    expect(await readFile(cardFile(ids.zoe), 'utf8')).toContain(`FN:${FIRM.zoe.fn}\r\n`);

    // Appointments: subject and start in the appointment's zone.
    const { rows: appts } = await f.dav.db.query<{ id: string; subject: string; starts_at: Date; time_zone: string; all_day: boolean }>(
      `SELECT id::text, subject, starts_at, time_zone, all_day FROM brokerstar.appointment WHERE owner_id = $1 AND deleted_at IS NULL`,
      [ids.anna],
    );
    expect(appts).toHaveLength(5);
    for (const row of appts) {
      const cal = new ICAL.Component(ICAL.parse(await readFile(path.join(calendars, 'termine', `brokerstar-appointment-${row.id}.ics`), 'utf8')) as unknown[]);
      const ev = cal.getAllSubcomponents('vevent').find((c) => !c.hasProperty('recurrence-id'))!;
      expect(String(ev.getFirstPropertyValue('summary')), row.id).toBe(row.subject);
      const start = ev.getFirstProperty('dtstart')!;
      if (row.all_day) expect(String(start.getFirstValue())).toBe(wallClock(row.starts_at, row.time_zone).slice(0, 10));
      else {
        expect(start.getParameter('tzid'), row.id).toBe(row.time_zone);
        expect(String(start.getFirstValue()), row.id).toBe(wallClock(row.starts_at, row.time_zone));
      }
    }

    // Tasks: subject and status.
    const tasks = new Map<string, string>();
    for (const id of [ids.taskOpen, ids.taskInProgress, ids.taskDone]) {
      const todo = new ICAL.Component(ICAL.parse(await readFile(path.join(calendars, 'aufgaben', `brokerstar-task-${id}.ics`), 'utf8')) as unknown[]).getFirstSubcomponent('vtodo')!;
      tasks.set(String(todo.getFirstPropertyValue('summary')), String(todo.getFirstPropertyValue('status')));
    }
    expect(Object.fromEntries(tasks)).toEqual({
      [FIRM.taskOpen.summary]: 'NEEDS-ACTION',
      [FIRM.taskInProgress.summary]: 'IN-PROCESS',
      [FIRM.taskDone.summary]: 'COMPLETED',
    });
  });

  it('second sync transfers nothing: no copy, update or delete in its log, every file byte-identical and untouched', async () => {
    const before = await snapshotFiles(home.path);
    const r = await vdirsyncer(config, 'sync');
    expect(r.code, describeRun(r)).toBe(0);
    expect(transfers(r), describeRun(r)).toEqual([]);
    expect(output(r).split('\n').filter(Boolean).sort()).toEqual(['Syncing kalender/aufgaben', 'Syncing kalender/termine', 'Syncing kontakte/kontakte']);
    const after = await snapshotFiles(home.path);
    const items = (m: Map<string, FileState>) => new Map([...m].filter(([p]) => /\.(vcf|ics)$/.test(p)));
    expect(items(after)).toEqual(items(before));
    expect(items(after).size).toBe(11);
  });

  it('khard lists the synced contacts with their emails', async () => {
    const khardConf = path.join(home.path, 'khard.conf');
    await writeFile(
      khardConf,
      `[addressbooks]
[[kontakte]]
path = ${path.join(contacts, 'kontakte')}/

[general]
debug = no
default_action = list
editor = /bin/false
merge_editor = /bin/false

[contact table]
display = formatted_name
show_uids = yes
sort = last_name

[vcard]
preferred_version = 3.0
search_in_source_files = no
skip_unparsable = no
`,
    );
    const list = await run(bins.khard, ['-c', khardConf, 'list', '--parsable'], { timeoutMs: RUN_TIMEOUT_MS, env });
    expect(list.code, describeRun(list)).toBe(0);
    expect(list.stdout.trim().split('\n').sort()).toEqual(
      [
        `brokerstar-contact-${f.ids.hans}\t${FIRM.hans.fn}\tkontakte`,
        `brokerstar-contact-${f.ids.insurer}\t${FIRM.insurer.fn}\tkontakte`,
        `brokerstar-contact-${f.ids.zoe}\t${FIRM.zoe.fn}\tkontakte`,
      ].sort(),
    );
    const emails = await run(bins.khard, ['-c', khardConf, 'email', '--parsable', '--remove-first-line'], { timeoutMs: RUN_TIMEOUT_MS, env });
    expect(emails.code, describeRun(emails)).toBe(0);
    expect(emails.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(' | ')).sort()).toEqual(
      [
        `${FIRM.hans.email} | ${FIRM.hans.fn}`,
        `${FIRM.hans.email2} | ${FIRM.hans.fn}`,
        `${FIRM.insurer.email} | ${FIRM.insurer.fn}`,
        `${FIRM.zoe.email} | ${FIRM.zoe.fn}`,
      ].sort(),
    );
    const show = await run(bins.khard, ['-c', khardConf, 'show', `brokerstar-contact-${f.ids.zoe}`], { timeoutMs: RUN_TIMEOUT_MS, env });
    expect(show.stdout).toContain(`Note: ${FIRM.zoe.note}`);
  });

  it('khal lists the synced appointments for a date range at their Zurich times, the series with its moved and cancelled dates', async () => {
    const khalConf = path.join(home.path, 'khal.conf');
    await writeFile(
      khalConf,
      `[calendars]
[[termine]]
path = ${path.join(calendars, 'termine')}/
type = calendar
readonly = True

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Europe/Zurich
default_timezone = Europe/Zurich

[sqlite]
path = ${path.join(home.path, 'khal.db')}
`,
    );
    const r = await run(bins.khal, ['-c', khalConf, 'list', '--format', '{start} | {end} | {title} | {location}', '--day-format', '', '2026-12-01', '2027-07-01'], {
      timeoutMs: RUN_TIMEOUT_MS,
      env,
    });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `2026-12-08 09:00 | 2026-12-08 10:00 | ${FIRM.kundentermin.summary} | ${FIRM.kundentermin.location}`,
      `2026-12-09 16:00 | 2026-12-09 16:30 | ${FIRM.callNewYork.summary} | `, // 10:00 in New York
      `2026-12-15 | 2026-12-15 | ${FIRM.messe.summary} | `,
      '2027-03-15 08:30 | 2027-03-15 09:30 | Teamsitzung | ',
      '2027-03-22 10:00 | 2027-03-22 11:00 | Teamsitzung | ', // moved from 08:30
      '2027-03-29 08:30 | 2027-03-29 09:30 | Teamsitzung | ', // summer time, same wall clock; 5 April cancelled
      `2027-06-24 17:30 | 2027-06-24 19:00 | ${FIRM.apero.summary} | `,
    ]);
  });

  describe('a card deleted and a contact created locally (remote writable, as a user would set it up)', () => {
    let before: Record<string, string[]>;
    let refusedSync: RunResult;

    beforeAll(async () => {
      before = await snapshotBrokerstar(f.dav.db);
      await rm(cardFile(f.ids.zoe));
      await writeFile(path.join(contacts, 'kontakte', 'lokal-neu-1.vcf'), LOCAL_NEW_CONTACT);
      // Only the contacts pair: vdirsyncer 0.19 aborts the other collections of the same run when one
      // fails (pimutils/vdirsyncer#1101), which would make the calendars' outcome a matter of timing.
      refusedSync = await vdirsyncer(config, 'sync', 'kontakte');
    });

    it('the server refuses the DELETE and the PUT (403); vdirsyncer reports both and exits with 1, in bounded time, without crashing', async () => {
      const out = output(refusedSync);
      expect(refusedSync.timedOut, describeRun(refusedSync)).toBe(false);
      expect(refusedSync.code, describeRun(refusedSync)).toBe(1);
      expect(out).toContain(`Deleting item brokerstar-contact-${f.ids.zoe} from kontakte_remote/kontakte`);
      expect(out).toContain('Copying (uploading) item lokal-neu-1 to kontakte_remote/kontakte');
      expect(out).toContain(`403, message='Forbidden', url=URL('${f.origin}${PATHS.kontakte}${f.ids.zoe}.vcf')`);
      expect(out).toContain(`403, message='Forbidden', url=URL('${f.origin}${PATHS.kontakte}lokal-neu-1.vcf')`);
      expect(out).not.toContain('Traceback');

      const { rows } = await f.dav.db.query<{ method: string; resource: string; status: number }>(
        `SELECT method, resource, status FROM dav.audit_log WHERE outcome = 'refused' ORDER BY method`,
      );
      expect(rows).toEqual([
        { method: 'DELETE', resource: `${PATHS.kontakte}${f.ids.zoe}.vcf`, status: 403 },
        { method: 'PUT', resource: `${PATHS.kontakte}lokal-neu-1.vcf`, status: 403 },
      ]);
      expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
    });

    it('the next sync restores the deleted card from the server; the local-only contact stays and is refused again', async () => {
      const r = await vdirsyncer(config, 'sync', 'kontakte');
      expect(r.timedOut, describeRun(r)).toBe(false);
      expect(transfers(r)).toEqual([
        `Copying (uploading) item brokerstar-contact-${f.ids.zoe} to kontakte_local/kontakte`,
        'Copying (uploading) item lokal-neu-1 to kontakte_remote/kontakte',
      ]);
      expect(r.code).toBe(1); // the local-only contact: refused again
      const restored = await readFile(cardFile(f.ids.zoe), 'utf8');
      expect(restored).toContain(`FN:${FIRM.zoe.fn}\r\n`);
      expect(restored).toContain(`EMAIL;TYPE=INTERNET,WORK,PREF:${FIRM.zoe.email}\r\n`);
      const served = await f.dav.request('GET', `${PATHS.kontakte}${f.ids.zoe}.vcf`);
      expect(restored).toBe(served.text);
      expect(await readFile(path.join(contacts, 'kontakte', 'lokal-neu-1.vcf'), 'utf8')).toBe(LOCAL_NEW_CONTACT);
      expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
    });

    it('every later sync is one refused PUT for the local-only contact and nothing else: no loop, BrokerStar unchanged', async () => {
      const r = await vdirsyncer(config, 'sync', 'kontakte');
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(transfers(r)).toEqual(['Copying (uploading) item lokal-neu-1 to kontakte_remote/kontakte']);
      const { rows } = await f.dav.db.query<{ method: string; n: string }>(
        `SELECT method, count(*)::text AS n FROM dav.audit_log WHERE outcome = 'refused' GROUP BY method ORDER BY method`,
      );
      expect(rows).toEqual([
        { method: 'DELETE', n: '1' },
        { method: 'PUT', n: '3' }, // one per sync
      ]);
      expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
      expect((await readdir(path.join(contacts, 'kontakte'))).sort()).toEqual(
        [...[f.ids.hans, f.ids.insurer, f.ids.zoe].map((id) => `brokerstar-contact-${id}.vcf`), 'lokal-neu-1.vcf'].sort(),
      );
    });
  });

  it('with read_only = true on the remote address book (the recommended setup), vdirsyncer reverts both local changes without a single error or write request', async () => {
    const roContacts = path.join(home.path, 'contacts-ro');
    await mkdir(path.join(roContacts, 'kontakte'), { recursive: true });
    const roConfig = path.join(home.path, 'vdirsyncer-ro.conf');
    await writeFile(
      roConfig,
      vdirsyncerConfig({ status: path.join(home.path, 'status-ro'), contacts: roContacts, calendars, origin: f.origin, user: f.user, password: f.password, readOnlyContacts: true }),
    );
    const roCard = (id: string) => path.join(roContacts, 'kontakte', `brokerstar-contact-${id}.vcf`);
    const discover = await vdirsyncer(roConfig, 'discover', 'kontakte');
    expect(discover.code, describeRun(discover)).toBe(0);
    const first = await vdirsyncer(roConfig, 'sync', 'kontakte');
    expect(first.code, describeRun(first)).toBe(0);
    const { rows: auditBefore } = await f.dav.db.query('SELECT count(*)::int AS n FROM dav.audit_log');
    const before = await snapshotBrokerstar(f.dav.db);

    await rm(roCard(f.ids.hans));
    await writeFile(path.join(roContacts, 'kontakte', 'lokal-neu-1.vcf'), LOCAL_NEW_CONTACT);
    const skip = await vdirsyncer(roConfig, 'sync', 'kontakte');
    expect(skip.code, describeRun(skip)).toBe(0);
    const revert = await vdirsyncer(roConfig, 'sync', 'kontakte');
    expect(revert.code, describeRun(revert)).toBe(0);
    expect([...transfers(skip), ...transfers(revert)].sort()).toEqual(
      [`Copying (uploading) item brokerstar-contact-${f.ids.hans} to kontakte_local/kontakte`, 'Deleting item lokal-neu-1 from kontakte_local/kontakte'].sort(),
    );
    expect((await readdir(path.join(roContacts, 'kontakte'))).sort()).toEqual([f.ids.hans, f.ids.insurer, f.ids.zoe].map((id) => `brokerstar-contact-${id}.vcf`).sort());
    expect(await readFile(roCard(f.ids.hans), 'utf8')).toContain(`FN:${FIRM.hans.fn}\r\n`);
    const { rows: auditAfter } = await f.dav.db.query('SELECT count(*)::int AS n FROM dav.audit_log');
    expect(auditAfter, 'vdirsyncer sent no PUT or DELETE').toEqual(auditBefore);
    expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
  });
});
