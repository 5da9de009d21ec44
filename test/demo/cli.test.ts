// `brokerstar-dav demo-data`: option parsing with clear messages, progress output, summary table.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoDataArgs, progressReporter, runDemoDataCommand } from '../../src/demo/cli.js';
import { DemoDataError } from '../../src/demo/generate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

function sink(isTTY = false): PassThrough & { isTTY: boolean; text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.isTTY = isTTY;
  s.text = () => Buffer.concat(chunks).toString('utf8');
  return s;
}

function usageError(argv: string[]): string {
  try {
    parseDemoDataArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(DemoDataError);
    expect((e as DemoDataError).code).toBe('usage');
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('demo-data command line', () => {
  it('parses every option, with = or a separate value', () => {
    expect(
      parseDemoDataArgs([
        '--contacts', '20000', '--appointments=50000', '--tasks', '5_000', '--employees', '12', '--seed', 'bench',
        '--photos', '0.25', '--large-photos', '--now', '2025-03-15', '--focus-user', 'anna.meier', '--focus-share', '0.8', '--recurring', '.1',
      ]),
    ).toEqual({
      contacts: 20000,
      appointments: 50000,
      tasks: 5000,
      employees: 12,
      seed: 'bench',
      photoFraction: 0.25,
      largePhotos: true,
      now: new Date('2025-03-15T00:00:00Z'),
      focusUser: 'anna.meier',
      focusShare: 0.8,
      recurringFraction: 0.1,
    });
    expect(parseDemoDataArgs([])).toEqual({});
    expect(parseDemoDataArgs(['--contacts', '10', '--help'])).toBeUndefined();
  });

  it('explains what is wrong with a value', () => {
    expect(usageError(['--contacts', 'many'])).toMatch(/--contacts needs a whole number, got "many"/);
    expect(usageError(['--contacts', '-5'])).toMatch(/--contacts needs a whole number/);
    expect(usageError(['--contacts', '2.5'])).toMatch(/--contacts needs a whole number/);
    expect(usageError(['--employees', '0'])).toMatch(/--employees must be at least 1/);
    expect(usageError(['--appointments', '99999999'])).toMatch(/at most 1,000,000/);
    expect(usageError(['--photos', '10'])).toMatch(/--photos needs a number between 0 and 1/);
    expect(usageError(['--photos', '10%'])).toMatch(/between 0 and 1/);
    expect(usageError(['--tasks'])).toMatch(/--tasks needs a value/);
    expect(usageError(['--tasks', '--contacts', '3'])).toMatch(/--tasks needs a value/);
    expect(usageError(['--now', '2025-02-30'])).toMatch(/--now needs a date as YYYY-MM-DD/);
    expect(usageError(['--seed', ''])).toMatch(/--seed needs a non-empty value/);
    expect(usageError(['--frobnicate'])).toMatch(/unknown option --frobnicate/);
    expect(usageError(['300'])).toMatch(/unexpected argument "300"/);
    expect(usageError(['--focus-share', '0.5'])).toMatch(/--focus-share needs --focus-user/);
    expect(usageError(['--contacts', 'x'])).toMatch(/see brokerstar-dav demo-data --help/);
  });

  it('reports progress as a line every 10% when stderr is not a terminal', () => {
    const err = sink(false);
    const report = progressReporter(err);
    for (let done = 0; done <= 1000; done += 50) report(done, 1000, done < 500 ? 'contacts' : 'appointments');
    const lines = err.text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('demo-data: 10% (contacts)');
    expect(lines[9]).toBe('demo-data: 100% (appointments)');
  });

  it('draws a bar in place on a terminal and ends it with a newline', () => {
    const err = sink(true);
    const report = progressReporter(err);
    report(0, 100, 'contacts');
    report(100, 100, 'shares');
    const text = err.text();
    expect(text.startsWith('\r[')).toBe(true);
    expect(text).toContain('100%  shares');
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('demo-data command', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('prints its help without touching the database', async () => {
    const out = sink();
    await runDemoDataCommand(['--help'], db.pool, out, sink());
    expect(out.text()).toMatch(/^Usage: brokerstar-dav demo-data/);
    expect(out.text()).toContain('--large-photos');
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM brokerstar.employee`);
    expect(rows[0]!.n).toBe(0);
  });

  it('fills the database, prints a summary table, and refuses a second run', async () => {
    const out = sink();
    const err = sink();
    await runDemoDataCommand(['--contacts', '40', '--appointments', '30', '--tasks', '10', '--employees', '4', '--seed', 'cli', '--now', '2025-03-15'], db.pool, out, err);
    const text = out.text();
    expect(text).toMatch(/Demo data created in [\d.]+ s \(seed "cli", around 2025-03-15\)/);
    expect(text).toMatch(/^ {2}contacts +40 {2}\d+ persons, \d+ companies/m);
    expect(text).toMatch(/^ {2}appointments +30 /m);
    expect(text).toMatch(/^ {2}tasks +10 {2}open \d+, in_progress \d+, waiting \d+, done \d+, cancelled \d+/m);
    expect(text).toContain('Demo login: anna.meier');
    expect(err.text()).toBe(''); // a small run shows no progress
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM brokerstar.contact`);
    expect(rows[0]!.n).toBe(40);

    const again = await runDemoDataCommand(['--seed', 'cli'], db.pool, sink(), sink()).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DemoDataError);
    expect((again as DemoDataError).code).toBe('not-empty');
    expect((again as Error).message).toMatch(/already hold data \(4 employees, contacts, tasks, appointments\)/);
  });
  it('shows its progress on a large run (here: large photos, each a lot of work)', async () => {
    const big = await createTestDatabase();
    try {
      const err = sink(false);
      await runDemoDataCommand(
        ['--contacts', '20', '--appointments', '5', '--tasks', '5', '--employees', '2', '--photos', '0.1', '--large-photos', '--seed', 'progress'],
        big.pool,
        sink(),
        err,
      );
      const lines = err.text().trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(lines.at(-1)).toMatch(/^demo-data: 100% \(\w+\)$/);
    } finally {
      await big.drop();
    }
  });
});
