// `brokerstar-dav demo-data`: parses the options, runs the generator with a progress bar, prints a summary table.
import type pg from 'pg';
import { DEMO_DEFAULTS, DemoDataError, type DemoOptions, type DemoSummary, generateDemoData, PHOTO_WORK } from './generate.js';

export const DEMO_DATA_HELP = `Usage: brokerstar-dav demo-data [options]

Fills an empty BrokerStar database (schema "brokerstar") with a demo Swiss broker firm: employees,
contacts with phones, emails, addresses and photos, tasks and appointments. Refuses to run when
employees, contacts, tasks or appointments already exist. Same --seed and --now: same data.

Options:
  --contacts N        contacts (default ${DEMO_DEFAULTS.contacts})
  --appointments N    appointments (default ${DEMO_DEFAULTS.appointments})
  --tasks N           tasks (default ${DEMO_DEFAULTS.tasks})
  --employees N       employees, at least 1 (default ${DEMO_DEFAULTS.employees}; the first is the demo login)
  --seed S            seed for the generator (default "${DEMO_DEFAULTS.seed}")
  --now YYYY-MM-DD    place the data around this day instead of today
  --photos FRACTION   share of contacts with a photo, 0 to 1 (default ${DEMO_DEFAULTS.photoFraction})
  --large-photos      1-3 MB camera-sized JPEGs instead of small avatars (for benchmarks)
  --recurring FRACTION share of appointments that are recurring series (default ${DEMO_DEFAULTS.recurringFraction})
  --focus-user USER   give one employee a large share of appointments and tasks
  --focus-share F     that share, 0 to 1 (default 0.5 with --focus-user)
  --help              this text

Example: brokerstar-dav demo-data --contacts 20000 --appointments 50000 --tasks 5000 --seed bench`;

/** Above this much work a progress bar (or progress lines) is shown. */
const LARGE_RUN = 5_000;
const MAX_COUNT = 1_000_000;

type ErrStream = NodeJS.WritableStream & { isTTY?: boolean };

function usage(message: string): DemoDataError {
  return new DemoDataError('usage', `demo-data: ${message} (see brokerstar-dav demo-data --help)`);
}

function wholeNumber(flag: string, value: string, min: number): number {
  const clean = value.replace(/[_']/g, '');
  if (!/^\d+$/.test(clean)) throw usage(`${flag} needs a whole number, got "${value}"`);
  const n = Number(clean);
  if (n < min) throw usage(`${flag} must be at least ${min}, got ${n}`);
  if (n > MAX_COUNT) throw usage(`${flag} must be at most ${MAX_COUNT.toLocaleString('en-US')}, got ${n}`);
  return n;
}

function fraction(flag: string, value: string): number {
  const n = /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw usage(`${flag} needs a number between 0 and 1 (e.g. 0.1 for 10%), got "${value}"`);
  return n;
}

/** Parses the command line into generator options; `undefined` means --help was asked for. */
export function parseDemoDataArgs(argv: readonly string[]): DemoOptions | undefined {
  const opts: { -readonly [K in keyof DemoOptions]: DemoOptions[K] } = {};
  const args = [...argv];
  while (args.length) {
    let arg = args.shift() as string;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw usage(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--help':
      case '-h':
        return undefined;
      case '--contacts':
        opts.contacts = wholeNumber(arg, value(), 0);
        break;
      case '--appointments':
        opts.appointments = wholeNumber(arg, value(), 0);
        break;
      case '--tasks':
        opts.tasks = wholeNumber(arg, value(), 0);
        break;
      case '--employees':
        opts.employees = wholeNumber(arg, value(), 1);
        break;
      case '--seed': {
        const v = value();
        if (!v.trim()) throw usage('--seed needs a non-empty value');
        opts.seed = v;
        break;
      }
      case '--now': {
        const v = value();
        const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
        const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
        if (!d || d.toISOString().slice(0, 10) !== v) throw usage(`--now needs a date as YYYY-MM-DD, got "${v}"`);
        opts.now = d;
        break;
      }
      case '--photos':
        opts.photoFraction = fraction(arg, value());
        break;
      case '--large-photos':
        if (inline !== undefined) throw usage('--large-photos takes no value');
        opts.largePhotos = true;
        break;
      case '--recurring':
        opts.recurringFraction = fraction(arg, value());
        break;
      case '--focus-user':
        opts.focusUser = value();
        break;
      case '--focus-share':
        opts.focusShare = fraction(arg, value());
        break;
      default:
        throw usage(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument "${arg}"`);
    }
  }
  if (opts.focusShare !== undefined && opts.focusUser === undefined) throw usage('--focus-share needs --focus-user');
  return opts;
}

/** A bar redrawn in place on a terminal; one line per 10% otherwise (logs, CI). */
export function progressReporter(err: ErrStream): (done: number, total: number, phase: string) => void {
  let lastDraw = 0;
  let lastDecile = 0;
  return (done, total, phase) => {
    const ratio = total ? Math.min(1, done / total) : 1;
    if (err.isTTY) {
      const now = Date.now();
      if (now - lastDraw < 100 && ratio < 1) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(ratio * width);
      err.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${phase.padEnd(13)}`);
      if (ratio >= 1) err.write('\n');
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      err.write(`demo-data: ${decile * 10}% (${phase})\n`);
    }
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatSummary(s: DemoSummary): string {
  const row = (label: string, n: number, detail = '') => `  ${label.padEnd(14)}${fmt(n).padStart(9)}${detail ? `  ${detail}` : ''}`;
  const statuses = Object.entries(s.tasksByStatus)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  return [
    `Demo data created in ${(s.durationMs / 1000).toFixed(1)} s (seed "${s.seed}", around ${s.now.toISOString().slice(0, 10)}):`,
    '',
    row('employees', s.employees, `${fmt(s.activeEmployees)} active`),
    row('contacts', s.contacts, `${fmt(s.persons)} persons, ${fmt(s.companies)} companies; ${fmt(s.restrictedContacts)} restricted, ${fmt(s.archivedContacts)} archived, ${fmt(s.deletedContacts)} deleted`),
    row('phones', s.phones),
    row('emails', s.emails),
    row('addresses', s.addresses),
    row('categories', s.categories),
    row('favorites', s.favorites),
    row('photos', s.photos, `${(s.photoBytes / 1024 / 1024).toFixed(1)} MB`),
    row('tasks', s.tasks, statuses),
    row('appointments', s.appointments, `${fmt(s.recurringAppointments)} recurring, ${fmt(s.privateAppointments)} private, ${fmt(s.allDayAppointments)} all-day`),
    row('exceptions', s.appointmentExceptions, 'cancelled or moved occurrences'),
    row('participants', s.appointmentParticipants),
    row('shares', s.shares, 'calendars shared with colleagues'),
    '',
    `Demo login: ${s.demoUsername} (brokerstar-dav password create ${s.demoUsername})`,
    '',
  ].join('\n');
}

/**
 * The `demo-data` command. Throws DemoDataError: code 'usage' for bad arguments (exit 2), 'not-empty',
 * 'missing-schema' or 'invalid-option' (e.g. an unknown --focus-user) from the generator (exit 1).
 */
export async function runDemoDataCommand(
  argv: string[],
  pool: pg.Pool,
  out: NodeJS.WritableStream,
  err: ErrStream = process.stderr,
): Promise<void> {
  const opts = parseDemoDataArgs(argv);
  if (!opts) {
    out.write(`${DEMO_DATA_HELP}\n`);
    return;
  }
  const work =
    (opts.contacts ?? DEMO_DEFAULTS.contacts) * (1 + (opts.photoFraction ?? DEMO_DEFAULTS.photoFraction) * PHOTO_WORK) +
    (opts.appointments ?? DEMO_DEFAULTS.appointments) +
    (opts.tasks ?? DEMO_DEFAULTS.tasks);
  const onProgress = work > LARGE_RUN || opts.largePhotos ? progressReporter(err) : undefined;
  const summary = await generateDemoData(pool, opts, onProgress);
  out.write(formatSummary(summary));
}
