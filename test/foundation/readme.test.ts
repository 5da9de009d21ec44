// README.md is the front page: its configuration table must list exactly the variables of
// src/config.ts (VARIABLES) with their defaults and meanings, and it must keep the two commands at
// the top, every CLI command, every dependency of package.json, and the sections others write.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

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

  it('describes every CLI command', () => {
    const section = readme.slice(readme.indexOf('## The command line'), readme.indexOf('## Accounts and authentication'));
    for (const c of ['serve', 'migrate', 'demo-data', 'password create USER', 'password list USER', 'password revoke USER LABEL', 'status', 'audit']) {
      expect(section).toContain(`| \`${c}`);
    }
  });

  it('says why for every dependency in package.json', () => {
    const section = readme.slice(readme.indexOf('## Dependencies'), readme.indexOf('## Client setup'));
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      expect(section, dep).toContain(`\`${dep}\``);
    }
  });

  it('has the sections the issues ask for, each written (no placeholder left)', () => {
    for (const heading of ['Client setup', 'Change tracking', 'Writes and refusals', 'Client compatibility', 'Benchmarks']) {
      expect(readme).toMatch(new RegExp(`^## ${heading}$`, 'm'));
    }
    expect(readme).not.toMatch(/_Placeholder/);
  });

  it('sets up each of the four clients step by step', () => {
    const section = readme.slice(readme.indexOf('## Client setup'), readme.indexOf('## Change tracking'));
    for (const client of ['### Outlook (CalDav Synchronizer)', '### iPhone and iPad', '### Android (DAVx5)', '### Thunderbird']) {
      expect(section).toContain(client);
    }
    expect(section).toContain('/.well-known/caldav');
  });
});
