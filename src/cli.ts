#!/usr/bin/env node
// The `brokerstar-dav` command: serve, migrate, demo-data, password, invite, subscription, unlock, status, audit. Configuration
// comes from the environment only (README "Configuration"); a bad value stops with every problem.
//
// Everything but the configuration is imported when a command needs it, so --help and a
// configuration error answer at once, and each command loads only its own part.
import type pg from 'pg';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { Logger } from './logger.js';
import type { RunningServer } from './main.js';

const HELP: Record<string, string> = {
  main: `brokerstar-dav: CalDAV/CardDAV server for BrokerStar

Usage: brokerstar-dav <command> [options]
       brokerstar-dav --version

Commands:
  serve                          run the server (npm start)
  migrate                        apply the server's own database migrations
  demo-data [options]            fill an empty BrokerStar database with a demo broker firm
  password create USER [--label LABEL]
                                 create an app password (printed once, last line alone)
  password list USER [--json]    list a user's app passwords
  password list --all [--json]   every employee's app passwords, with last use and address
  password revoke USER LABEL     revoke one app password
  invite USER... | --all [--expires 7d] [--csv]
                                 print one-time sign-in links to the setup portal
  subscription create USER [--calendar SLUG] [--label LABEL]
                                 create a private subscription link (.ics URL, printed once)
  subscription list USER [--json]
                                 list a user's subscription links
  subscription revoke USER LABEL revoke one subscription link
  unlock USER|ADDRESS            clear the login lockout of a username or client address
  status [USER] [--json]         per collection: eligible and served items, last change
  audit [--user U] [--since T] [--limit N] [--json]
                                 client writes and refusals, newest first

Configuration is read from environment variables; see README.md. Without DATABASE_URL the
commands use the embedded demo database in DATA_DIR (started if the server is not running;
created only by serve). Times are printed in TIME_ZONE with the offset: 2026-12-07T20:15:03+01:00.
--json prints one JSON array instead of the table. Exit codes: 0 done, 1 failed or nothing found
(the message says why), 2 wrong usage or configuration.
Run "brokerstar-dav <command> --help" for a command's options.`,
  serve: `Usage: brokerstar-dav serve

Runs the server. Without DATABASE_URL: an embedded PostgreSQL in DATA_DIR with demo data, and a
demo login printed at start. Stops gracefully on SIGTERM or SIGINT.`,
  migrate: `Usage: brokerstar-dav migrate

Applies the numbered migrations in migrations/: the server's own schema "dav", plus change-tracking
triggers and lookup indexes on BrokerStar's tables (their tables and columns are never changed).
Safe to run again: applied migrations are recorded and skipped.`,
  password: `Usage:
  brokerstar-dav password create USER [--label LABEL]   (default label: "default")
  brokerstar-dav password list USER [--json]
  brokerstar-dav password list --all [--json]
  brokerstar-dav password revoke USER LABEL

USER is the BrokerStar username (any case). A new password is printed once; only its argon2id hash
is stored. "list --all" prints every employee's app passwords: user, label, kind of device,
created, last used and the client address it was last used from. --json prints a JSON array:
user, label, createdAt, lastUsedAt (and with --all: active, kind, lastAddress).`,
  unlock: `Usage: brokerstar-dav unlock USER|ADDRESS

Clears the failed logins counted for a username (any case) or a client address (as the server
sees it, e.g. 203.0.113.7 or 2001:db8::7): a locked address may log in again at once, a username's
logins are no longer slowed down. Prints what it cleared; exit code 1 when nothing was locked or
counted for it. The administrators' portal page /setup/admin/lockouts lists what is locked.`,
  invite: `Usage: brokerstar-dav invite USER... | --all [--expires DURATION] [--csv]

Prints one enrolment link per employee: it signs him in to the setup portal (/setup/) once, where
he connects his devices. For firms without SMTP_URL or OIDC_ISSUER. USER is a username or e-mail
address (any case); --all invites every active employee. DURATION: 7d (default), 12h, 90m; at most
90 days. --csv prints username,email,name,link,expires. Links start with PUBLIC_URL (else
http://HOST:PORT); only their hash is stored.`,
  subscription: `Usage:
  brokerstar-dav subscription create USER [--calendar SLUG] [--label LABEL]
  brokerstar-dav subscription list USER [--json]
  brokerstar-dav subscription revoke USER LABEL

A private subscription link serves one of USER's calendars as an .ics without a password, for
Outlook ("from the internet"), Google Calendar or a wall display; private appointments show only
as busy. SLUG is the calendar's path segment: termine (default) or termine-<colleague> for a
colleague's calendar USER sees. LABEL names the link (default: SLUG), unique per user. The URL
starts with PUBLIC_URL (else http://HOST:PORT) and is printed once, on the last line alone; only
its hash is stored. --json on list prints a JSON array: user, id, label, calendar, createdAt,
lastUsedAt, lastAddress. Exit code 1 for an unknown or inactive USER, an unknown calendar, a taken
or unknown LABEL; 2 when SUBSCRIPTION_LINKS=off.`,
  status: `Usage: brokerstar-dav status [USER] [--json]

For each collection of USER (or of every active employee): how many items the employee may see,
how many are served (MAX_RECORDS caps it), and when the collection last changed; items the sync
window leaves out (SYNC_PAST_DAYS, SYNC_DONE_TASKS_DAYS) are counted as outside the sync window.
Then the appointments whose recurrence rule cannot be used (served as single appointments), by id.
--json prints a JSON array, one object per collection: user, collection, slug, type, eligible,
served, outsideWindow, capped, listed, lastChanged, storedSettings. Exit code 1 for an unknown or inactive USER.`,
  audit: `Usage: brokerstar-dav audit [--user USER] [--since TIME] [--limit N] [--json]

Client writes (accepted, with field changes) and refusals (with the reason), newest first.
TIME is an ISO date or date-time, e.g. 2026-11-01, 2026-11-25T08:00 or 2026-11-25T08:00:00Z;
without an offset it is read in TIME_ZONE. Default limit 100. --json prints a JSON array: id, at,
user, outcome, status, method, resource, reason, changes, userAgent. Exit code 1 when USER is no
employee (and the log holds nothing of that name).`,
};

class UsageError extends Error {}
/** Nothing found for what was asked (an unknown employee): exit code 1. */
class NotFoundError extends Error {}

/** Takes a flag out of the arguments; true when it was there. */
function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

/** The whole --json answer: one document on stdout. */
function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const zoneParts = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in minutes (+60 for Zurich in winter). */
function offsetMinutes(d: Date, zone: string): number {
  let f = zoneParts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    zoneParts.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((wall - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
}

/**
 * Every time the command line prints: ISO 8601 in the firm's zone (TIME_ZONE) with its offset, to
 * the second, e.g. 2026-12-07T20:15:03+01:00 (readable, sortable, and accepted back by --since).
 */
function localTime(d: Date, zone: string): string {
  const offset = offsetMinutes(d, zone);
  const wall = new Date(Math.floor(d.getTime() / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${wall}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A date or date-time typed by a person; without an offset (or Z) it is read in `zone`. */
function parseTime(raw: string, zone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/.exec(raw.trim());
  if (!m) {
    const d = new Date(raw);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const [, y, mo, da, h = '0', mi = '0', se = '0', ms = '0'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(se), Number(ms.padEnd(3, '0')));
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== Number(da)) return undefined;
  // Twice: the offset at the guessed instant settles it (but in the hour a clock change skips).
  const first = wall - offsetMinutes(new Date(wall), zone) * 60_000;
  return new Date(wall - offsetMinutes(new Date(first), zone) * 60_000);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function print(s = ''): void {
  process.stdout.write(`${s}\n`);
}

/** Runs `fn` on the database; commands that read the server's state need its migrations applied. */
async function withDatabase<T>(config: Config, log: Logger, fn: (pool: pg.Pool) => Promise<T>, opts: { migrated?: boolean } = {}): Promise<T> {
  const { openDatabase } = await import('./db/database.js');
  const db = await openDatabase(config, log, 'command');
  try {
    if (opts.migrated !== false) {
      const { requireMigrated } = await import('./db/migrate.js');
      await requireMigrated(db.pool);
    }
    return await fn(db.pool);
  } finally {
    await db.close();
  }
}

/** Beyond SHUTDOWN_GRACE_MS: closing the pool (5 s) and stopping the embedded PostgreSQL. */
const SHUTDOWN_OVERRUN_MS = 20_000;

async function serve(config: Config, log: Logger): Promise<void> {
  // The signals are ours from the start: one that arrives while the server is still starting
  // (creating demo data, say) stops it as soon as it is up, with the embedded PostgreSQL. A second
  // signal does not wait any longer (the embedded PostgreSQL is still stopped on exit).
  let server: RunningServer | undefined;
  let signalled = false;
  const shutdown = (running: RunningServer) =>
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    signalled = true;
    log.info({ signal }, 'signal received');
    // Last resort: whatever hangs past the grace period and the pool's own bound, the process ends.
    setTimeout(() => {
      log.error({ signal }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.shutdownGraceMs + SHUTDOWN_OVERRUN_MS).unref();
    if (server) void shutdown(server);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const { startServer } = await import('./main.js');
  server = await startServer(config, log);
  if (signalled) {
    void shutdown(server);
    return;
  }
  print(`\nbrokerstar-dav is running at ${server.url}`);
  if (server.demoLogin) {
    print(`Demo login (demo data, embedded PostgreSQL in ${config.dataDir}):`);
    print(`  user:     ${server.demoLogin.username}`);
    print(`  password: ${server.demoLogin.password}`);
    print(`Try: curl -u ${server.demoLogin.username}:${server.demoLogin.password} ${server.url}healthz`);
  }
  if (server.portalUrl) print(`Setup portal (devices, app passwords)${server.demoLogin ? ', with a demo sign-in' : ''}: ${server.portalUrl}`);
  print('Stop with Ctrl+C.\n');
}

async function password(config: Config, log: Logger, args: string[]): Promise<void> {
  // --label may stand anywhere after "create"; take it out before reading the positional arguments.
  const labelOption = args[0] === 'create' ? option(args, '--label') : undefined;
  const json = args[0] === 'list' && flag(args, '--json');
  const [action, user, label] = args;
  const when = (d: Date | null) => (d ? localTime(d, config.timeZone) : 'never');
  const iso = (d: Date | null) => (d ? localTime(d, config.timeZone) : null);
  const { createAppPassword, findEmployee, listAppPasswords, revokeAppPassword } = await import('./auth/app-passwords.js');
  if (action === 'create') {
    if (!user) throw new UsageError('password create needs a USER');
    if (args.length > 2) throw new UsageError(`password create: unexpected argument "${args[2]}" (a label goes after --label)`);
    const l = labelOption ?? 'default';
    // USER in any case (employees type Anna.Meier); the output names him as BrokerStar spells it.
    const { pw, username } = await withDatabase(config, log, async (pool) => {
      const created = await createAppPassword(pool, user, l);
      return { pw: created, username: (await findEmployee(pool, user))?.username ?? user };
    });
    print(`App password for ${username} (label "${l}"). It is shown only this once:`);
    print(pw);
    return;
  }
  if (action === 'list' && user === '--all') {
    if (args.length > 2) throw new UsageError(`password list --all: unexpected argument "${args[2]}"`);
    const { everyAppPassword } = await import('./storage/postgres/brokerstar/app-password-owners.js');
    const list = await withDatabase(config, log, (pool) => everyAppPassword(pool));
    if (json) {
      printJson(
        list.map((p) => ({ user: p.username, active: p.active, label: p.label, kind: p.kind, createdAt: iso(p.createdAt), lastUsedAt: iso(p.lastUsedAt), lastAddress: p.lastAddress })),
      );
      return;
    }
    if (list.length === 0) {
      print('No app passwords.');
      return;
    }
    const w = 25; // 2026-12-07T20:15:03+01:00
    print(`${'user'.padEnd(20)} ${'label'.padEnd(24)} ${'kind'.padEnd(11)} ${'created'.padEnd(w)} ${'last used'.padEnd(w)} last address`);
    for (const p of list) {
      const who = p.active ? p.username : `${p.username} (inactive)`;
      print(`${who.padEnd(20)} ${p.label.padEnd(24)} ${p.kind.padEnd(11)} ${when(p.createdAt).padEnd(w)} ${when(p.lastUsedAt).padEnd(w)} ${p.lastAddress ?? '-'}`);
    }
    return;
  }
  if (action === 'list') {
    if (!user || user.startsWith('--')) throw new UsageError(user ? `password list: unknown option ${user}` : 'password list needs a USER (or --all)');
    if (args.length > 2) throw new UsageError(`password list: unexpected argument "${args[2]}"`);
    const { list, username } = await withDatabase(config, log, async (pool) => ({
      list: await listAppPasswords(pool, user),
      username: (await findEmployee(pool, user))?.username ?? user,
    }));
    if (json) {
      printJson(list.map((p) => ({ user: username, label: p.label, createdAt: iso(p.createdAt), lastUsedAt: iso(p.lastUsedAt) })));
      return;
    }
    if (list.length === 0) print(`${user} has no app passwords.`);
    for (const p of list) {
      print(`${p.label.padEnd(24)} created ${when(p.createdAt)}  last used ${when(p.lastUsedAt)}`);
    }
    return;
  }
  if (action === 'revoke') {
    if (!user || !label) throw new UsageError('password revoke needs USER and LABEL');
    await withDatabase(config, log, (pool) => revokeAppPassword(pool, user, label));
    print(`Revoked "${label}" of ${user}. Devices using it get 401 within AUTH_CACHE_SECONDS (${config.authCacheSeconds} s).`);
    return;
  }
  throw new UsageError(HELP.password!);
}

/** Exit code 1 when nothing was locked or counted for the target. */
async function unlock(config: Config, log: Logger, args: string[]): Promise<number> {
  const [target, extra] = args;
  if (!target || target.startsWith('--')) throw new UsageError('unlock needs a USER or an ADDRESS');
  if (extra !== undefined) throw new UsageError(`unlock: unexpected argument "${extra}" (one USER or ADDRESS at a time)`);
  const { unlockLogins } = await import('./auth/lockout.js');
  const policy = { addressThreshold: config.authLockoutThreshold, userThreshold: config.authLockoutUserThreshold, seconds: config.authLockoutSeconds };
  const cleared = await withDatabase(config, log, (pool) => unlockLogins(pool, policy, target));
  for (const e of cleared.addresses) {
    const locked = e.lockedUntil ? `; it was locked until ${localTime(e.lockedUntil, config.timeZone)}` : '';
    print(`Unlocked address ${e.value}: ${e.failures} failed login(s) cleared${locked}.`);
  }
  for (const e of cleared.users) {
    print(`Cleared ${e.failures} failed login(s) of username ${e.value}: its logins are no longer slowed down.`);
  }
  if (cleared.addresses.length + cleared.users.length > 0) return 0;
  process.stderr.write(`brokerstar-dav: nothing to clear for "${target}": no failed logins counted for this username or address\n`);
  return 1;
}

async function invite(config: Config, log: Logger, args: string[]): Promise<void> {
  const expiresRaw = option(args, '--expires') ?? '7d';
  const csv = args.includes('--csv');
  const all = args.includes('--all');
  const users = args.filter((a) => a !== '--csv' && a !== '--all');
  const unknownOption = users.find((a) => a.startsWith('--'));
  if (unknownOption) throw new UsageError(`invite: unknown option ${unknownOption}`);
  if (all === (users.length > 0)) throw new UsageError('invite needs USER... or --all (not both)');
  if (!config.setupPortal) throw new UsageError('invite: the setup portal is off (SETUP_PORTAL=off)');
  const { invite: inviteEmployees, parseExpiry } = await import('./portal/sign-in/enrolment.js');
  const ttl = parseExpiry(expiresRaw);
  if (ttl === undefined) throw new UsageError(`--expires: "${expiresRaw}" is not a duration like 7d, 12h or 90m of at most 90 days`);
  const { activeEmployeeByLogin, activeEmployees } = await import('./storage/postgres/brokerstar/portal-employees.js');
  if (!config.publicUrl) process.stderr.write('brokerstar-dav: PUBLIC_URL is not set; the links use HOST and PORT, which work only where that address is reachable\n');
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const portalUrl = `${config.publicUrl ?? `http://${host}:${config.port}`}/setup`;
  const invitations = await withDatabase(config, log, async (pool) => {
    const employees = [];
    if (all) employees.push(...(await activeEmployees(pool)));
    const missing: string[] = [];
    for (const u of users) {
      const e = await activeEmployeeByLogin(pool, u);
      if (e) employees.push(e);
      else missing.push(u);
    }
    // Nothing is created when one name is wrong: the administrator fixes the list and runs it again.
    if (missing.length) throw new NotFoundError(`no active employee: ${missing.join(', ')}`);
    return inviteEmployees(pool, [...new Map(employees.map((e) => [e.id, e])).values()], portalUrl, ttl);
  });
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  if (csv) print('username,email,name,link,expires');
  for (const i of invitations) {
    const name = `${i.employee.firstName} ${i.employee.lastName}`.trim();
    if (csv) print([i.employee.username, i.employee.email, name, i.link, localTime(i.expiresAt, config.timeZone)].map(quote).join(','));
    else print(`${i.employee.username.padEnd(24)} ${i.link}`);
  }
  if (!csv) process.stderr.write(`${invitations.length} link(s), each valid once until ${invitations[0] ? localTime(invitations[0].expiresAt, config.timeZone) : '-'}\n`);
}

async function subscription(config: Config, log: Logger, args: string[]): Promise<void> {
  const calendarOption = args[0] === 'create' ? option(args, '--calendar') : undefined;
  const labelOption = args[0] === 'create' ? option(args, '--label') : undefined;
  const json = args[0] === 'list' && flag(args, '--json');
  const [action, user, label] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError(HELP.subscription!);
  if (!config.subscriptionLinks) throw new UsageError('subscription: subscription links are off (SUBSCRIPTION_LINKS=off)');
  if (!user || user.startsWith('--')) throw new UsageError(user ? `subscription ${action}: unknown option ${user}` : `subscription ${action} needs a USER`);
  const allowed = action === 'revoke' ? 3 : 2;
  if (args.length > allowed) throw new UsageError(`subscription ${action}: unexpected argument "${args[allowed]}"`);
  if (action === 'revoke' && !label) throw new UsageError('subscription revoke needs USER and LABEL');
  const { findEmployee } = await import('./storage/postgres/brokerstar/employees.js');
  const links = await import('./storage/postgres/subscription-links.js');
  const iso = (d: Date | null) => (d ? localTime(d, config.timeZone) : null);
  await withDatabase(config, log, async (pool) => {
    const employee = await findEmployee(pool, user);
    if (!employee || (action === 'create' && !employee.active)) throw new NotFoundError(`no active employee "${user}"`);
    if (action === 'list') {
      const list = await links.linksOf(pool, employee.id);
      if (json) {
        printJson(list.map((l) => ({ user: employee.username, id: l.id, label: l.label, calendar: l.calendar, createdAt: iso(l.createdAt), lastUsedAt: iso(l.lastUsedAt), lastAddress: l.lastAddress })));
        return;
      }
      if (list.length === 0) print(`${employee.username} has no subscription links.`);
      for (const l of list) {
        print(`${l.label.padEnd(24)} ${l.calendar.padEnd(24)} created ${iso(l.createdAt)}  last used ${iso(l.lastUsedAt) ?? 'never'}${l.lastAddress ? ` from ${l.lastAddress}` : ''}`);
      }
      return;
    }
    if (action === 'revoke') {
      if (!(await links.revokeLinkByLabel(pool, employee.id, label!))) throw new NotFoundError(`${employee.username} has no subscription link "${label}"`);
      print(`Revoked subscription link "${label}" of ${employee.username}: it answers 404 from now on.`);
      return;
    }
    const { createStore } = await import('./compose.js');
    const { isSubscribable, subscriptionUrl } = await import('./http/subscription-links.js');
    const store = createStore(config, pool, log);
    const principal = await store.principalById(employee.id);
    const calendars = principal ? (await store.collections(principal)).filter(isSubscribable) : [];
    const slug = calendarOption ?? 'termine';
    const calendar = calendars.find((c) => c.slug === slug);
    if (!calendar) throw new NotFoundError(`${employee.username} has no calendar "${slug}" to subscribe to (one of: ${calendars.map((c) => c.slug).join(', ') || 'none'})`);
    const l = labelOption ?? slug;
    if (!links.isLinkLabel(l)) throw new UsageError(`--label: at most ${links.MAX_LINK_LABEL} characters, no control characters`);
    const created = await links.createLink(pool, employee.id, calendar.slug, l);
    if (!created) throw new NotFoundError(`${employee.username} already has a subscription link "${l}" (choose another --label)`);
    if (!config.publicUrl) process.stderr.write('brokerstar-dav: PUBLIC_URL is not set; the link uses HOST and PORT, which work only where that address is reachable\n');
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    print(`Subscription link "${l}" for ${employee.username}'s calendar "${calendar.displayName}". Private appointments show as busy. It is shown only this once:`);
    print(subscriptionUrl(config.publicUrl ?? `http://${host}:${config.port}`, created.token));
  });
}

async function status(config: Config, log: Logger, args: string[]): Promise<void> {
  const json = flag(args, '--json');
  const unknownOption = args.find((a) => a.startsWith('--'));
  if (unknownOption) throw new UsageError(`status: unknown option ${unknownOption}`);
  if (args.length > 1) throw new UsageError(`status: unexpected argument "${args[1]}" (one USER or none)`);
  const { createStore } = await import('./compose.js');
  const { activeUsernames } = await import('./storage/postgres/brokerstar/employees.js');
  await withDatabase(config, log, async (pool) => {
    const store = createStore(config, pool, log);
    const usernames = await activeUsernames(pool, args[0] ?? null);
    if (usernames.length === 0) throw new NotFoundError(args[0] ? `no active employee "${args[0]}"` : 'no active employees');
    const rows: { username: string; s: Awaited<ReturnType<typeof store.status>>[number] }[] = [];
    for (const username of usernames) {
      const principal = await store.principalByUsername(username);
      if (!principal) continue;
      for (const s of await store.status(principal)) rows.push({ username, s });
    }
    if (json) {
      printJson(
        rows.map(({ username, s }) => ({
          user: username,
          collection: s.collection.displayName,
          slug: s.collection.slug,
          type: s.collection.type,
          eligible: s.eligible,
          served: s.served,
          outsideWindow: s.outsideWindow ?? null,
          capped: s.capped,
          listed: s.collection.listed,
          lastChanged: localTime(s.lastChanged, config.timeZone),
          storedSettings: s.storedSettings ?? null,
        })),
      );
      return;
    }
    print(`MAX_RECORDS = ${config.maxRecords}, SYNC_PAST_DAYS = ${config.syncPastDays}, SYNC_DONE_TASKS_DAYS = ${config.syncDoneTasksDays} (0 = no window)`);
    print(`${'user'.padEnd(20)} ${'collection'.padEnd(36)} ${'eligible'.padStart(8)} ${'served'.padStart(8)}  last change`);
    for (const { username, s } of rows) {
      const note =
        (s.capped ? '  CAPPED' : s.collection.listed ? '' : '  (share revoked)') +
        (s.outsideWindow ? `  ${s.outsideWindow} outside the sync window` : '') +
        (s.storedSettings ? `  (as the server computed it with ${s.storedSettings}; this command's settings differ)` : '');
      print(
        `${username.padEnd(20)} ${s.collection.displayName.padEnd(36)} ${String(s.eligible).padStart(8)} ${String(s.served).padStart(8)}  ${localTime(s.lastChanged, config.timeZone)}${note}`,
      );
    }
    const { unusableRulesLine } = await import('./storage/postgres/unusable-rules.js');
    print(unusableRulesLine(await store.unusableRecurrenceRules()));
  });
}

async function audit(config: Config, log: Logger, args: string[]): Promise<void> {
  const user = option(args, '--user');
  const sinceRaw = option(args, '--since');
  const limitRaw = option(args, '--limit');
  const json = flag(args, '--json');
  if (args.length) throw new UsageError(args[0]!.startsWith('--') ? `audit: unknown option ${args[0]}` : `audit: unexpected argument "${args[0]}" (a user goes after --user)`);
  const since = sinceRaw ? parseTime(sinceRaw, config.timeZone) : undefined;
  if (sinceRaw && !since) throw new UsageError(`--since: not a date: ${sinceRaw}`);
  const limit = limitRaw ? Number(limitRaw) : 100;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
  const { AuditLog } = await import('./audit/audit-log.js');
  const { findEmployee } = await import('./storage/postgres/brokerstar/employees.js');
  const rows = await withDatabase(config, log, async (pool) => {
    const found = await new AuditLog(pool, log).list({ username: user, since, limit });
    // A name that is nobody's is a typo, not a quiet log; an employee since removed from BrokerStar
    // still has his entries shown.
    if (user !== undefined && found.length === 0 && !(await findEmployee(pool, user))) {
      throw new NotFoundError(`no BrokerStar employee with username "${user}"`);
    }
    return found;
  });
  if (json) {
    printJson(
      rows.map((r) => ({
        id: r.id,
        at: localTime(r.at, config.timeZone),
        user: r.username,
        outcome: r.outcome,
        status: r.status,
        method: r.method,
        resource: r.resource,
        reason: r.reason,
        changes: r.changes ?? [],
        userAgent: r.userAgent,
      })),
    );
    return;
  }
  if (rows.length === 0) print('No entries.');
  for (const r of rows) {
    // The reason first ("edit", "no change", a refusal's key and detail), then each changed field.
    const changes = (r.changes ?? []).map((c) => `${c.field}: ${JSON.stringify(c.old)} -> ${JSON.stringify(c.new)}`);
    const what = [r.reason ?? '', ...changes].filter((x) => x !== '').join('; ');
    print(`${localTime(r.at, config.timeZone)} ${r.outcome.padEnd(8)} ${String(r.status)} ${r.username ?? '-'} ${r.method} ${r.resource} ${what} [${r.userAgent ?? ''}]`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const command = args.shift() ?? 'help';
  if (command === '--version' || command === '-v') {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { PROJECT_ROOT } = await import('./paths.js');
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    print(`brokerstar-dav ${version}`);
    return 0;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    print(HELP.main);
    return 0;
  }
  if (args.includes('--help') || args.includes('-h')) {
    const help = command === 'demo-data' ? (await import('./demo/cli.js')).DEMO_DATA_HELP : HELP[command];
    print(help ?? HELP.main);
    return help ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`brokerstar-dav: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // Commands log warnings only; their output is for people.
  const { createLogger } = await import('./logger.js');
  const log = createLogger(command === 'serve' ? config.logLevel : 'warn');
  try {
    switch (command) {
      case 'serve':
        await serve(config, log);
        return -1; // keeps running
      case 'migrate': {
        const { migrate } = await import('./db/migrate.js');
        const result = await withDatabase(config, log, (pool) => migrate(pool), { migrated: false });
        print(result.applied.length ? `Applied: ${result.applied.join(', ')}` : `Up to date (${result.alreadyApplied} migrations).`);
        return 0;
      }
      case 'demo-data': {
        const { runDemoDataCommand } = await import('./demo/cli.js');
        const { migrate } = await import('./db/migrate.js');
        await withDatabase(
          config,
          log,
          async (pool) => {
            await migrate(pool);
            await runDemoDataCommand(args, pool, process.stdout);
          },
          { migrated: false },
        );
        return 0;
      }
      case 'password':
        await password(config, log, args);
        return 0;
      case 'invite':
        await invite(config, log, args);
        return 0;
      case 'subscription':
        await subscription(config, log, args);
        return 0;
      case 'unlock':
        return await unlock(config, log, args);
      case 'status':
        await status(config, log, args);
        return 0;
      case 'audit':
        await audit(config, log, args);
        return 0;
      default:
        process.stderr.write(`brokerstar-dav: unknown command "${command}"\n\n${HELP.main}\n`);
        return 2;
    }
  } catch (e) {
    // Errors meant for the user (by their class names, so their modules need not be loaded here):
    // the message alone. Anything else is a bug: the stack.
    const name = e instanceof Error ? e.name : '';
    const operational = [
      ...['AccountError', 'MigrationError', 'DemoDataError', 'EmbeddedPostgresMissingError'],
      // the database cannot be reached or refuses the login; DATA_DIR holds no database; the port is taken
      ...['DatabaseUnavailableError', 'NoEmbeddedDatabaseError', 'StartupError'],
    ];
    if (e instanceof UsageError || e instanceof NotFoundError || operational.includes(name)) {
      process.stderr.write(`brokerstar-dav: ${(e as Error).message}\n`);
      const code = (e as { code?: string }).code;
      const usage = e instanceof UsageError || (name === 'DemoDataError' && (code === 'usage' || code === 'invalid-option'));
      return usage ? 2 : 1;
    }
    process.stderr.write(`brokerstar-dav: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
