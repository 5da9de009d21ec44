// Command line of `npm run bench -- [options]`: full scale by default, --quick for development.
import type { DemoOptions } from '../src/demo/generate.js';

export interface BenchOptions {
  readonly mode: 'full' | 'quick';
  readonly demo: DemoOptions & { focusUser: string };
  /** MAX_RECORDS of the main run (the customer's 5,000). */
  readonly maxRecords: number;
  readonly radicale: boolean;
  readonly xandikos: boolean;
  /** Per-request timeout of Radicale and Xandikos (seconds): a row they cannot answer in time says so. */
  readonly otherTimeoutSeconds: number;
  /** The mixed load: clients and the weights of poll / no-change sync / one-week query / GET. */
  readonly mixed: { readonly clients: number; readonly weights: { readonly poll: number; readonly sync: number; readonly week: number; readonly get: number } } | undefined;
  /** Row id prefixes to run (empty = all). */
  readonly only: readonly string[];
  readonly light: { readonly warmup: number; readonly repeats: number; readonly budgetSeconds: number };
  readonly sweep: { readonly warmup: number; readonly repeats: number; readonly budgetSeconds: number };
  readonly load: { readonly clients: readonly number[]; readonly seconds: number; readonly warmupSeconds: number };
  /** MAX_RECORDS of the memory-growth runs (empty = skip). */
  readonly growth: readonly number[];
  /** --cpu-prof on the server, summarised per row. */
  readonly profile: boolean;
  /** pg_stat_statements per row and auto_explain plans in the PostgreSQL log. */
  readonly diagnose: boolean;
}

export const HELP = `Usage: npm run bench -- [options]

Measures brokerstar-dav beside Radicale and Xandikos on a fresh embedded PostgreSQL with demo data at the
scale of issue 7 (20,000 contacts, 10% with 1-3 MB photos, 10,000 appointments and 2,000 tasks
for one employee). Prints the table, writes bench/results/<timestamp>.json. See docs/benchmarks.md.

Options:
  --quick             2,000 contacts, fewer repeats, 5 s load: a few minutes, for development
  --no-radicale       without Radicale
  --no-xandikos       without Xandikos
  --other-timeout=S   per-request timeout for Radicale and Xandikos (default 120 s, quick 60 s)
  --mixed=N           clients of the mixed load (default 50; "none" skips it)
  --mix=P,S,W,G       weights of the mixed load: polls, no-change syncs, one-week queries, GETs (default 40,30,15,15)
  --only=IDS          rows whose id starts with one of IDS (comma separated), e.g. --only=3,6-poll
  --repeats=N         measured repeats per row (light rows; sweeps get a third, at least 3)
  --load-seconds=N    duration of each polling load (default 20, quick 5)
  --clients=LIST      polling clients (default 50,200)
  --growth=LIST       MAX_RECORDS of the memory-growth runs (default 1000,5000,20000; "none" skips)
  --contacts=N        contacts in the firm (default 20,000; quick 2,000)
  --profile           CPU profile of the server (node --cpu-prof), summarised per row
  --diagnose          pg_stat_statements per row, auto_explain plans (>20 ms) in the PostgreSQL log
  --help              this text`;

function list(v: string): number[] {
  return v.split(',').map((x) => {
    const n = Number(x.replace(/[_']/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive whole number: ${x}`);
    return n;
  });
}

/**
 * The demo firm at `contacts` contacts (issue 7's scale at 20,000): appointments and tasks scale
 * with the contacts; 80% go to the measured employee, anna.meier.
 */
export function benchDemo(seed: string, contacts: number): DemoOptions & { focusUser: string } {
  const scale = contacts / 20_000;
  return {
    seed,
    employees: 25,
    contacts,
    photoFraction: 0.1,
    appointments: Math.round(12_500 * scale),
    tasks: Math.round(2_500 * scale),
    recurringFraction: 0.1,
    focusUser: 'anna.meier',
    focusShare: 0.8,
    daysBack: 365,
    daysAhead: 365,
  };
}

/** undefined = --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const flags = new Map<string, string>();
  for (const a of argv) {
    if (a === '--help' || a === '-h') return undefined;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (see --help)`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const known = ['quick', 'no-radicale', 'no-xandikos', 'other-timeout', 'mixed', 'mix', 'only', 'repeats', 'load-seconds', 'clients', 'growth', 'contacts', 'profile', 'diagnose'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (see --help)`);
  const quick = flags.has('quick');
  const contacts = flags.has('contacts') ? list(flags.get('contacts')!)[0]! : quick ? 2_000 : 20_000;
  const repeats = flags.has('repeats') ? list(flags.get('repeats')!)[0]! : quick ? 5 : 30;
  const growthFlag = flags.get('growth');
  const mix = flags.has('mix') ? list(flags.get('mix')!) : [40, 30, 15, 15];
  if (mix.length !== 4) throw new Error('--mix takes four weights: polls, syncs, week queries, GETs');
  return {
    mode: quick ? 'quick' : 'full',
    demo: { ...benchDemo('bench', contacts), largePhotos: true },
    maxRecords: 5_000,
    radicale: !flags.has('no-radicale'),
    xandikos: !flags.has('no-xandikos'),
    otherTimeoutSeconds: flags.has('other-timeout') ? list(flags.get('other-timeout')!)[0]! : quick ? 60 : 120,
    mixed: flags.get('mixed') === 'none' ? undefined : { clients: flags.has('mixed') ? list(flags.get('mixed')!)[0]! : 50, weights: { poll: mix[0]!, sync: mix[1]!, week: mix[2]!, get: mix[3]! } },
    only: flags.get('only')?.split(',').filter(Boolean) ?? [],
    light: { warmup: quick ? 1 : 3, repeats, budgetSeconds: quick ? 10 : 30 },
    sweep: { warmup: 1, repeats: Math.max(3, Math.round(repeats / 3)), budgetSeconds: quick ? 30 : 120 },
    load: {
      clients: flags.has('clients') ? list(flags.get('clients')!) : [50, 200],
      seconds: flags.has('load-seconds') ? list(flags.get('load-seconds')!)[0]! : quick ? 5 : 20,
      warmupSeconds: quick ? 1 : 2,
    },
    growth: growthFlag === 'none' ? [] : growthFlag ? list(growthFlag) : quick ? [250, 1_000, 2_000] : [1_000, 5_000, 20_000],
    profile: flags.has('profile'),
    diagnose: flags.has('diagnose'),
  };
}
