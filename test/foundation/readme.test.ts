// README.md is the front door and docs/ holds the rest; both must stay true. The README's
// configuration table lists exactly the variables of src/config.ts (VARIABLES) with their defaults
// and meanings, docs/configuration.md details each of them; the README keeps the two commands at the
// top, names every CLI command (docs/operations.md describes them), says why for every dependency of
// package.json, sets up each client in short (docs/client-setup.md step by step) and shows benchmark
// numbers that docs/benchmarks.md holds; every docs page is indexed and links back; every relative
// link and every repository path named resolves inside the repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const readme = read('README.md');
const docFiles = readdirSync(path.join(PROJECT_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/${f}`);
/** README.md and every docs/*.md, by path from the project root. */
const pages = new Map<string, string>([['README.md', readme], ...docFiles.map((f): [string, string] => [f, read(f)])]);
const page = (file: string) => {
  const text = pages.get(file);
  expect(text, `${file} exists`).toBeDefined();
  return text ?? '';
};

const pkg = JSON.parse(read('package.json')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The text under a heading line (e.g. '## Dependencies'), up to the next heading of its level or above. */
function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0].length ?? 0) <= level);
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** The text without fenced code blocks (headings and links inside them are none). */
const withoutFences = (text: string) => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a markdown file's headings (a repeated heading gets -1, -2, as on GitHub). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Row {
  readonly name: string;
  readonly default: string;
  readonly meaning: string;
}

function configTable(): Row[] {
  const m = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme);
  expect(m, 'README has the config-table markers').not.toBeNull();
  const lines = (m?.[1] ?? '').split('\n');
  expect(lines.slice(0, 2)).toEqual(['| Variable | Default | Meaning |', '|---|---|---|']);
  return lines.slice(2).map((line) => {
    const cells = /^\| `([A-Z_]+)` \| (.*?) \| (.*) \|$/.exec(line);
    expect(cells, `table row: ${line}`).not.toBeNull();
    return { name: cells?.[1] ?? '', default: cells?.[2] ?? '', meaning: cells?.[3] ?? '' };
  });
}

/** How the README writes a default. */
const shown = (d: string | undefined) => (d === undefined ? '(unset)' : d === '' ? '(empty)' : `\`${d}\``);

const CLI_COMMANDS = ['serve', 'migrate', 'demo-data', 'password create USER', 'password list USER', 'password list --all', 'password revoke USER LABEL', 'invite', 'unlock', 'status', 'audit', 'subscription create USER', 'subscription list USER', 'subscription revoke USER LABEL'];

describe('README.md', () => {
  it('lists every configuration variable of VARIABLES, in order, with its default and meaning', () => {
    const expected: Row[] = Object.values(VARIABLES).map((v) => ({ name: v.name, default: shown(v.default), meaning: v.description }));
    expect(configTable()).toEqual(expected);
  });

  it('starts with the two commands', () => {
    const top = readme.slice(0, readme.indexOf('\n## '));
    expect(top).toMatch(/^npm ci && npm start\b.*$/m);
    expect(top).toMatch(/^npm ci && npm test\b.*$/m);
  });

  it('has its sections, each written (no placeholder left anywhere in the documentation)', () => {
    for (const heading of ['Try it', 'Production', 'Configuration', 'Client setup', 'Architecture', 'Dependencies', 'Benchmarks', 'Documentation']) {
      expect(readme).toMatch(new RegExp(`^## ${heading}$`, 'm'));
    }
    for (const [file, text] of pages) expect(text, file).not.toMatch(/_Placeholder|\bTODO\b|\bTBD\b/);
  });

  it('names every CLI command and points to where they are described', () => {
    const production = section(readme, '## Production');
    for (const c of CLI_COMMANDS) expect(production).toContain(`\`${c.replace(/ USER| LABEL/g, '')}\``);
    expect(production).toContain('](docs/operations.md)');
  });

  it('says why for every dependency in package.json, and why the replaced libraries went', () => {
    const deps = section(readme, '## Dependencies');
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      expect(deps, dep).toContain(`\`${dep}\``);
    }
    for (const gone of ['ical-generator', 'vcard-creator']) expect(deps, gone).toContain(`\`${gone}\``);
  });

  it('sets up each of the four clients in short, with the server URL and the full steps linked', () => {
    const setup = section(readme, '## Client setup');
    for (const client of ['**Outlook (CalDav Synchronizer)**', '**iPhone and iPad**', '**Android (DAVx5)**', '**Thunderbird**']) {
      expect(setup).toContain(client);
    }
    expect(setup).toContain('`https://HOST/`');
    expect(setup).toContain('/.well-known/caldav');
    expect(setup).toContain('](docs/client-setup.md)');
  });

  it('gives an architecture overview that links the architecture and the rules', () => {
    const arch = section(readme, '## Architecture');
    expect(arch).toContain('](docs/architecture.md)');
    expect(arch).toContain('](docs/design.md)');
  });

  it("shows benchmark numbers of docs/benchmarks.md's latest full run, and links it", () => {
    const bench = section(readme, '## Benchmarks');
    expect(bench).toContain('](docs/benchmarks.md)');
    const latest = section(page('docs/benchmarks.md'), '## Latest full run');
    const rows = bench.split('\n').filter((l) => /^\| (?!Scenario|---)/.test(l));
    expect(rows.length, 'a table of headline rows').toBeGreaterThan(5);
    for (const row of rows) {
      for (const [value] of row.matchAll(/\d[\d,.]*(?: ms| req\/s| MiB|×)/g)) expect(latest, `${value} in: ${row}`).toContain(value);
    }
  });

  it('indexes every file in docs/ under Documentation', () => {
    const index = section(readme, '## Documentation');
    for (const file of docFiles) expect(index, file).toContain(`](${file})`);
  });
});

/**
 * Pages the architecture work of issue 13 rewrites (not the documentation's to edit): they get their
 * link back to the README with that rewrite, and leave this set then.
 */
describe('docs/', () => {
  it('every page starts with its title and a purpose, and links back to the README', () => {
    for (const file of docFiles) {
      const text = page(file);
      expect(text, file).toMatch(/^# .+\n\n\S/);
      expect(text, `${file} links back to the README`).toMatch(/\]\(\.\.\/README\.md(#[^)]*)?\)/);
    }
  });

  it('configuration.md details every variable of VARIABLES, and no other, with its default', () => {
    const rows = [...page('docs/configuration.md').matchAll(/^\| `([A-Z_]+)` \| (.*?) \|/gm)].map((m) => ({ name: m[1], default: m[2] }));
    const expected = Object.values(VARIABLES).map((v) => ({ name: v.name, default: shown(v.default) }));
    expect([...rows].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))).toEqual(
      [...expected].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('operations.md describes every CLI command', () => {
    const cli = section(page('docs/operations.md'), '## The command line');
    for (const c of CLI_COMMANDS) expect(cli).toContain(`| \`${c}`);
  });

  it('client-setup.md sets up each of the four clients step by step', () => {
    const setup = page('docs/client-setup.md');
    for (const client of ['## Outlook (CalDav Synchronizer)', '## iPhone and iPad', '## Android (DAVx5)', '## Thunderbird']) {
      expect(setup).toContain(client);
    }
    expect(setup).toContain('/.well-known/caldav');
    expect(setup).toContain('/.well-known/carddav');
  });

  it('has the topic pages the issues ask for', () => {
    const titles: Record<string, RegExp> = {
      'docs/client-setup.md': /^# Client setup$/m,
      'docs/change-tracking.md': /^# Change tracking$/m,
      'docs/writes.md': /^# Writes\b/m,
      'docs/client-compatibility.md': /^# Client compatibility\b/m,
      'docs/benchmarks.md': /^# Benchmarks\b/m,
      'docs/operations.md': /^# Operations$/m,
      'docs/configuration.md': /^# Configuration$/m,
      'docs/authentication.md': /^# Accounts and authentication$/m,
      'docs/testing.md': /^# Testing$/m,
    };
    for (const [file, title] of Object.entries(titles)) expect(page(file), file).toMatch(title);
    for (const heading of ['## Retention', '## The cap (`MAX_RECORDS`)', '## Private appointments', '## Removing it']) {
      expect(page('docs/change-tracking.md')).toContain(`\n${heading}\n`);
    }
    expect(page('docs/benchmarks.md')).toMatch(/^## Soak$/m);
  });
});

describe('links and paths in README.md and docs/', () => {
  it('every relative link resolves to a file of the repository, and every #anchor to a heading in it', () => {
    const problems: string[] = [];
    for (const [file, text] of pages) {
      const prose = withoutFences(text).replace(/`[^`\n]*`/g, '');
      for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [rel = '', anchor] = target.split('#');
        const resolved = rel === '' ? path.join(PROJECT_ROOT, file) : path.resolve(PROJECT_ROOT, path.dirname(file), rel);
        const inside = path.relative(PROJECT_ROOT, resolved);
        if (inside.startsWith('..') || path.isAbsolute(inside)) {
          problems.push(`${file}: ${target} leads outside the repository`);
        } else if (!existsSync(resolved)) {
          problems.push(`${file}: ${target} does not exist`);
        } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          problems.push(`${file}: ${target} names no heading of ${inside}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every path of the repository named in backticks exists (files move; the documentation follows)', () => {
    const problems: string[] = [];
    for (const [file, text] of pages) {
      for (const m of text.matchAll(/`((?:src|test|bench|migrations|docs|bin|\.ci)\/[^`\s]*)`/g)) {
        const named = m[1] ?? '';
        if (/[<{]/.test(named) || named.startsWith('bench/results/')) continue; // placeholders; run output, not committed
        const dir = path.join(PROJECT_ROOT, path.dirname(named));
        const base = path.basename(named);
        const found = base.includes('*')
          ? existsSync(dir) && statSync(dir).isDirectory() &&
            readdirSync(dir).some((f) => new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(f))
          : existsSync(path.join(PROJECT_ROOT, named));
        if (!found) problems.push(`${file}: \`${named}\``);
      }
    }
    expect(problems).toEqual([]);
  });

  it('cites nothing a reader of the repository does not have', () => {
    for (const [file, text] of pages) expect(text, file).not.toMatch(/\.\.\/shared\b|\bshared\/clients\.md/);
  });
});
