// vdirsyncer (Debian), a sync tool nobody on this project wrote, mirrors Kontakte, Termine and
// Aufgaben into local folders; khard and khal then read those folders. Then the user changes the
// local folders:
// - remote address book writable: the server refuses the DELETE of a card and the PUT of a new
//   contact, vdirsyncer reports both and stops in bounded time, BrokerStar stays as it was, the card
//   comes back on the next sync, and the local-only contact is refused again on every sync;
// - remote address book read_only = true (the recommended setup): vdirsyncer reverts local contact
//   changes itself, on the second sync after them, and a plain `vdirsyncer sync` (all pairs) brings
//   back a contact, an appointment and a task deleted locally.
// The server's /metrics counters show which requests each sync sent. Config files live in temp
// folders; HOME and XDG_* point there too, so nothing touches the real home.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAuditId } from '../support/audit.js';
import {
  FIRM,
  PATHS,
  describeRun,
  isolatedEnv,
  requestsDuring,
  requireBinary,
  run,
  snapshotBrokerstar,
  startFirmServer,
  tempDir,
  testTimeout,
  wallClock,
  type FirmServer,
  type RunResult,
  type TempDir,
} from './support.js';

/** Each vdirsyncer, khard or khal run is killed after this long; its test then fails on `timedOut`. */
const RUN_TIMEOUT_MS = 30_000;
/** The time limit of a test with `runs` client runs. */
const forRuns = (runs: number) => testTimeout(...Array<number>(runs).fill(RUN_TIMEOUT_MS));
/** Plain `vdirsyncer sync` runs allowed after the local deletes until one is quiet (3 needed, 4 when #1101 cuts a DELETE off). */
const MAX_PLAIN_SYNCS = 4;

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
/** vdirsyncer's `error:` lines, without its hint "Use `-vdebug` to see the full traceback.". */
const errors = (r: RunResult) => output(r).split('\n').filter((l) => l.startsWith('error:') && !l.includes('-vdebug'));
/** A sync that exits 0 and neither moves an item nor reports an error. */
const quiet = (r: RunResult) => r.code === 0 && transfers(r).length === 0 && errors(r).length === 0;

/** vdirsyncer config: two pairs discovered from the server's root URL, filesystem on the local side. */
function vdirsyncerConfig(o: { status: string; contacts: string; calendars: string; origin: string; user: string; password: string; readOnlyContacts?: boolean }): string {
  return `[general]
status_path = "${o.status}/"

[pair kontakte]
a = "kontakte_local"
b = "kontakte_remote"
collections = ["kontakte"]

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
  /** A vdirsyncer run, and the requests the server answered during it. */
  const countedVdirsyncer = (cfg: string, ...args: string[]) => requestsDuring(f.origin, () => vdirsyncer(cfg, ...args));
  /** What a first sync logs: every card, appointment and task copied into the local folders. */
  const firstSyncCopies = () =>
    [
      ...[f.ids.hans, f.ids.insurer, f.ids.zoe].map((id) => `Copying (uploading) item brokerstar-contact-${id} to kontakte_local/kontakte`),
      ...[f.ids.kundentermin, f.ids.apero, f.ids.teamsitzung, f.ids.callNewYork, f.ids.messe].map((id) => `Copying (uploading) item brokerstar-appointment-${id} to kalender_local/termine`),
      ...[f.ids.taskOpen, f.ids.taskInProgress, f.ids.taskDone].map((id) => `Copying (uploading) item brokerstar-task-${id} to kalender_local/aufgaben`),
    ].sort();

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

  it('discovers Kontakte, Termine, Aufgaben (and the shared calendar) from the root URL', { timeout: forRuns(1) }, async () => {
    const r = await vdirsyncer(config, 'discover');
    expect(r.code, describeRun(r)).toBe(0);
    const out = output(r);
    expect(out).toContain('- "kontakte" ("Kontakte")');
    expect(out).toContain('- "termine" ("Termine")');
    expect(out).toContain('- "aufgaben" ("Aufgaben")');
    expect(out).toContain('- "termine-beat.keller" ("Termine von Beat Keller")');
    expect(out).toContain('- "meine-kunden" ("Meine Kunden")');
    expect(out).toContain('- "geburtstage" ("Geburtstage")');
  });

  it('first sync downloads every contact, appointment and task, as BrokerStar holds them', { timeout: forRuns(1) }, async () => {
    const r = await vdirsyncer(config, 'sync');
    expect(r.code, describeRun(r)).toBe(0);
    const { ids } = f;
    expect(transfers(r).sort()).toEqual(firstSyncCopies());

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

  it('second sync transfers nothing: one listing (PROPFIND) per collection and no other request, no copy, update or delete in its log, every file byte-identical and untouched', { timeout: forRuns(1) }, async () => {
    const before = await snapshotFiles(home.path);
    const { result: r, requests } = await countedVdirsyncer(config, 'sync');
    expect(r.code, describeRun(r)).toBe(0);
    expect(transfers(r), describeRun(r)).toEqual([]);
    expect(requests, 'no GET, no REPORT (multiget), no write').toEqual({ PROPFIND: 3 });
    expect(output(r).split('\n').filter(Boolean).sort()).toEqual(['Syncing kalender/aufgaben', 'Syncing kalender/termine', 'Syncing kontakte/kontakte']);
    const after = await snapshotFiles(home.path);
    const items = (m: Map<string, FileState>) => new Map([...m].filter(([p]) => /\.(vcf|ics)$/.test(p)));
    expect(items(after)).toEqual(items(before));
    expect(items(after).size).toBe(11);
  });

  it('khard lists the synced contacts with their emails', { timeout: forRuns(3) }, async () => {
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

  it('khal lists the synced appointments for a date range at their Zurich times, the series with its moved and cancelled dates', { timeout: forRuns(1) }, async () => {
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

    it('the next sync restores the deleted card from the server and exits 1: the local-only contact stays and is refused again', { timeout: forRuns(1) }, async () => {
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

    it('every later sync is one refused PUT for the local-only contact and nothing else: exit 1, no loop, the contact never removed locally, BrokerStar unchanged', { timeout: forRuns(1) }, async () => {
      const { result: r, requests } = await countedVdirsyncer(config, 'sync', 'kontakte');
      expect(r.timedOut, describeRun(r)).toBe(false);
      expect(r.code, describeRun(r)).toBe(1);
      expect(transfers(r)).toEqual(['Copying (uploading) item lokal-neu-1 to kontakte_remote/kontakte']);
      expect(requests).toEqual({ PROPFIND: 1, PUT: 1 });
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

  describe('the recommended setup: read_only = true on the remote address book, Termine and Aufgaben writable', () => {
    let ro: { config: string; contacts: string; calendars: string };
    const roCard = (id: string) => path.join(ro.contacts, 'kontakte', `brokerstar-contact-${id}.vcf`);
    const cards = (...ids: string[]) => ids.map((id) => `brokerstar-contact-${id}.vcf`).sort();
    const localNames = async (dir: string) => (await readdir(dir)).sort();

    beforeAll(async () => {
      const dir = (name: string) => path.join(home.path, name);
      ro = { config: dir('vdirsyncer-ro.conf'), contacts: dir('contacts-ro'), calendars: dir('calendars-ro') };
      for (const d of [path.join(ro.contacts, 'kontakte'), path.join(ro.calendars, 'termine'), path.join(ro.calendars, 'aufgaben')]) await mkdir(d, { recursive: true });
      await writeFile(
        ro.config,
        vdirsyncerConfig({ status: dir('status-ro'), contacts: ro.contacts, calendars: ro.calendars, origin: f.origin, user: f.user, password: f.password, readOnlyContacts: true }),
      );
    });

    it('`vdirsyncer discover` and a plain first `vdirsyncer sync` mirror all three collections', { timeout: forRuns(2) }, async () => {
      const discover = await vdirsyncer(ro.config, 'discover');
      expect(discover.code, describeRun(discover)).toBe(0);
      const first = await vdirsyncer(ro.config, 'sync');
      expect(first.code, describeRun(first)).toBe(0);
      expect(transfers(first).sort()).toEqual(firstSyncCopies());
    });

    describe('a card deleted and a contact created locally', () => {
      let before: Record<string, string[]>;
      let auditFrom: string;

      beforeAll(async () => {
        before = await snapshotBrokerstar(f.dav.db);
        auditFrom = await lastAuditId(f.dav);
        await rm(roCard(f.ids.hans));
        await writeFile(path.join(ro.contacts, 'kontakte', 'lokal-neu-1.vcf'), LOCAL_NEW_CONTACT);
      });

      it('the first sync after the changes does nothing visible: exit 0, no transfer, only the listing; vdirsyncer merely records both changes as done', { timeout: forRuns(1) }, async () => {
        const { result: r, requests } = await countedVdirsyncer(ro.config, 'sync', 'kontakte');
        expect(r.code, describeRun(r)).toBe(0);
        expect(transfers(r), describeRun(r)).toEqual([]);
        expect(requests).toEqual({ PROPFIND: 1 });
        expect(await localNames(path.join(ro.contacts, 'kontakte'))).toEqual([...cards(f.ids.insurer, f.ids.zoe), 'lokal-neu-1.vcf'].sort());
      });

      it('the second sync reverts both: the card copied back from the server, the local contact deleted; exit 0, no write request', { timeout: forRuns(1) }, async () => {
        const { result: r, requests } = await countedVdirsyncer(ro.config, 'sync', 'kontakte');
        expect(r.code, describeRun(r)).toBe(0);
        expect(transfers(r).sort(), describeRun(r)).toEqual(
          [`Copying (uploading) item brokerstar-contact-${f.ids.hans} to kontakte_local/kontakte`, 'Deleting item lokal-neu-1 from kontakte_local/kontakte'].sort(),
        );
        expect(requests, 'the listing and one multiget of the card').toEqual({ PROPFIND: 1, REPORT: 1 });
        expect(await localNames(path.join(ro.contacts, 'kontakte'))).toEqual(cards(f.ids.hans, f.ids.insurer, f.ids.zoe));
        expect(await readFile(roCard(f.ids.hans), 'utf8')).toBe((await f.dav.request('GET', `${PATHS.kontakte}${f.ids.hans}.vcf`)).text);
        expect(await lastAuditId(f.dav), 'vdirsyncer sent no PUT or DELETE').toBe(auditFrom);
        expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
      });
    });

    it(
      'plain `vdirsyncer sync` after deleting a contact, an appointment and a task locally: the first run exits 1 on the two refused DELETEs, the next restores all three (a run later for what vdirsyncer#1101 cuts off), then a quiet run; BrokerStar and the calendars unchanged',
      { timeout: forRuns(MAX_PLAIN_SYNCS) },
      async () => {
        const card = { file: roCard(f.ids.insurer), href: `${PATHS.kontakte}${f.ids.insurer}.vcf`, restore: `Copying (uploading) item brokerstar-contact-${f.ids.insurer} to kontakte_local/kontakte` };
        const ics = (collection: 'termine' | 'aufgaben', kind: 'appointment' | 'task', id: string) => {
          const ident = `brokerstar-${kind}-${id}`;
          const href = `${PATHS[collection]}${id}.ics`;
          return {
            job: `kalender/${collection}`,
            file: path.join(ro.calendars, collection, `${ident}.ics`),
            href,
            restore: `Copying (uploading) item ${ident} to kalender_local/${collection}`,
            deleting: `Deleting item ${ident} from kalender_remote/${collection}`,
            refused: `error: Unknown error occurred for kalender/${collection}: 403, message='Forbidden', url=URL('${f.origin}${href}')`,
          };
        };
        // vdirsyncer#1101: the first collection whose sync fails closes the run's connection pool, so a
        // request of another collection still in flight fails with one of these instead of its answer.
        const cutOff = /^error: Unknown error occurred for (kontakte\/kontakte|kalender\/termine|kalender\/aufgaben): (Server disconnected|Session is closed)$/;
        const events = [ics('termine', 'appointment', f.ids.apero), ics('aufgaben', 'task', f.ids.taskOpen)];
        const members = async (collection: string) =>
          (await f.dav.propfind(collection, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', '1')).ms.hrefs.sort();
        const calendarsBefore = [await members(PATHS.termine), await members(PATHS.aufgaben)];
        const before = await snapshotBrokerstar(f.dav.db);
        const auditFrom = await lastAuditId(f.dav);

        for (const { file } of [card, ...events]) await rm(file);
        const syncs: RunResult[] = [];
        const { requests } = await requestsDuring(f.origin, async () => {
          do syncs.push(await vdirsyncer(ro.config, 'sync'));
          while (!quiet(syncs.at(-1)!) && syncs.length < MAX_PLAIN_SYNCS);
        });
        const log = syncs.map(describeRun).join('\n');
        for (const r of syncs) {
          expect(r.timedOut, log).toBe(false);
          expect(output(r), log).not.toContain('Traceback');
        }
        expect(quiet(syncs.at(-1)!), `the last run is quiet\n${log}`).toBe(true);

        // Run 1 sends both DELETEs and exits 1; the server refuses each with 403. The contact's deletion
        // is not sent (read-only), only recorded as done. #1101 may cut off another collection once
        // the first refusal ended the run; then that collection's work moves to the next run.
        const [first, ...later] = syncs as [RunResult, ...RunResult[]];
        expect(first.code, log).toBe(1);
        const cutJobs = errors(first).flatMap((l) => cutOff.exec(l)?.[1] ?? []);
        const cut = events.filter((e) => cutJobs.includes(e.job));
        const notCut = events.filter((e) => !cut.includes(e));
        expect(notCut.length, `at least one refusal, the failure that ends the run\n${log}`).toBeGreaterThan(0);
        expect(errors(first).filter((l) => !cutOff.test(l)).sort(), log).toEqual(notCut.map((e) => e.refused).sort());
        for (const e of notCut) expect(transfers(first), log).toContain(e.deleting);
        for (const l of transfers(first)) expect(events.map((e) => e.deleting), log).toContain(l); // a cut one may not have started

        // Later runs bring the three items back from the server, each once. Only a DELETE cut off in
        // run 1 may be sent again first (and refused); nothing else is reported.
        const laterTransfers = later.flatMap(transfers);
        expect(laterTransfers.filter((l) => l.startsWith('Copying')).sort(), log).toEqual([card, ...events].map((i) => i.restore).sort());
        for (const l of laterTransfers.filter((t) => !t.startsWith('Copying'))) expect(cut.map((e) => e.deleting), log).toContain(l);
        for (const l of later.flatMap(errors)) expect(cut.map((e) => e.refused), log).toContain(l);
        if (cutJobs.length === 0) {
          // The usual case: refused in run 1, all three back in run 2, run 3 quiet.
          expect(syncs.map((r) => r.code), log).toEqual([1, 0, 0]);
          expect(transfers(syncs[1]!).sort(), log).toEqual([card, ...events].map((i) => i.restore).sort());
        }

        // The local folders are whole again, each restored item exactly as the server serves it.
        for (const { file, href } of [card, ...events]) expect(await readFile(file, 'utf8'), href).toBe((await f.dav.request('GET', href)).text);
        expect(await localNames(path.join(ro.contacts, 'kontakte'))).toEqual(cards(f.ids.hans, f.ids.insurer, f.ids.zoe));
        expect(await localNames(path.join(ro.calendars, 'termine'))).toHaveLength(5);
        expect(await localNames(path.join(ro.calendars, 'aufgaben'))).toHaveLength(3);

        // The server: no upload, only refused DELETEs of the two .ics, BrokerStar and both calendars unchanged.
        expect(requests.PUT, 'no PUT').toBeUndefined();
        const { rows } = await f.dav.db.query<{ entry: string }>(
          `SELECT method || ' ' || resource || ' ' || status || ' ' || outcome AS entry FROM dav.audit_log WHERE id > $1::bigint ORDER BY id`,
          [auditFrom],
        );
        expect([...new Set(rows.map((r) => r.entry))].sort(), log).toEqual(events.map((e) => `DELETE ${e.href} 403 refused`).sort());
        expect(rows.length, log).toBeLessThanOrEqual(events.length + cut.length);
        expect(await snapshotBrokerstar(f.dav.db)).toEqual(before);
        expect([await members(PATHS.termine), await members(PATHS.aufgaben)]).toEqual(calendarsBefore);
      },
    );
  });

  describe('Meine Kunden and Geburtstage, mirrored read-only', () => {
    let mirror: { config: string; contacts: string; calendars: string };
    const config = (o: { status: string; contacts: string; calendars: string }) => `[general]
status_path = "${o.status}/"

[pair kunden]
a = "kunden_local"
b = "kunden_remote"
collections = ["meine-kunden"]

[storage kunden_local]
type = "filesystem"
path = "${o.contacts}/"
fileext = ".vcf"

[storage kunden_remote]
type = "carddav"
url = "${f.origin}/"
username = "${f.user}"
password = "${f.password}"
read_only = true

[pair geburtstage]
a = "geburtstage_local"
b = "geburtstage_remote"
collections = ["geburtstage"]

[storage geburtstage_local]
type = "filesystem"
path = "${o.calendars}/"
fileext = ".ics"

[storage geburtstage_remote]
type = "caldav"
url = "${f.origin}/"
username = "${f.user}"
password = "${f.password}"
read_only = true
`;

    beforeAll(async () => {
      const dir = (name: string) => path.join(home.path, name);
      mirror = { config: dir('vdirsyncer-mine.conf'), contacts: dir('contacts-mine'), calendars: dir('calendars-mine') };
      for (const d of [path.join(mirror.contacts, 'meine-kunden'), path.join(mirror.calendars, 'geburtstage')]) await mkdir(d, { recursive: true });
      await writeFile(mirror.config, config({ status: dir('status-mine'), contacts: mirror.contacts, calendars: mirror.calendars }));
    });

    it("the first sync copies Anna's customer (the same card as in Kontakte) and his birthday; the next one transfers nothing", { timeout: forRuns(3) }, async () => {
      const discover = await vdirsyncer(mirror.config, 'discover');
      expect(discover.code, describeRun(discover)).toBe(0);
      const first = await vdirsyncer(mirror.config, 'sync');
      expect(first.code, describeRun(first)).toBe(0);
      expect(transfers(first).sort()).toEqual([
        `Copying (uploading) item brokerstar-birthday-${f.ids.hans} to geburtstage_local/geburtstage`,
        `Copying (uploading) item brokerstar-contact-${f.ids.hans} to kunden_local/meine-kunden`,
      ]);
      const card = await readFile(path.join(mirror.contacts, 'meine-kunden', `brokerstar-contact-${f.ids.hans}.vcf`), 'utf8');
      expect(card).toBe((await f.dav.request('GET', `${PATHS.kontakte}${f.ids.hans}.vcf`)).text);
      const birthday = await readFile(path.join(mirror.calendars, 'geburtstage', `brokerstar-birthday-${f.ids.hans}.ics`), 'utf8');
      const ev = new ICAL.Component(ICAL.parse(birthday) as unknown[]).getFirstSubcomponent('vevent')!;
      expect(String(ev.getFirstPropertyValue('summary'))).toBe(`${FIRM.hans.fn} (1970)`);
      expect(String(ev.getFirstPropertyValue('dtstart'))).toBe('1970-04-12');
      const { result: second, requests } = await countedVdirsyncer(mirror.config, 'sync');
      expect(quiet(second), describeRun(second)).toBe(true);
      expect(requests).toEqual({ PROPFIND: 2 });
    });
  });
});
