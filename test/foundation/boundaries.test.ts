// The layers point one way (docs/architecture.md, "Rules of direction"): read from the import graph
// of src/, so a change that breaks a boundary fails here, and each rule is shown to catch a
// deliberate violation in a small made-up tree.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import {
  brokerstarSqlViolations,
  importCycles,
  importViolations,
  readSourceTree,
  type SourceTree,
} from '../support/import-graph.js';

const tree = readSourceTree(path.join(PROJECT_ROOT, 'src'));
const describeViolations = (vs: readonly { rule: string; file: string; detail: string }[]) => vs.map((v) => `${v.file} ${v.detail} (${v.rule})`);

describe('the layers of src/', () => {
  it('reads the whole tree', () => {
    expect(tree.size).toBeGreaterThan(100);
    expect(tree.has('calendar/clock.ts')).toBe(true);
  });

  it('imports only downwards', () => {
    expect(describeViolations(importViolations(tree))).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(importCycles(tree)).toEqual([]);
  });

  it('keeps SQL on BrokerStar tables in storage/postgres/brokerstar/ (and the demo generator)', () => {
    expect(describeViolations(brokerstarSqlViolations(tree))).toEqual([]);
  });
});

describe('each rule catches a deliberate violation', () => {
  const withFile = (file: string, text: string): SourceTree => new Map([...tree, [file, text]]);
  const rulesBrokenBy = (file: string, text: string) => [...new Set(importViolations(withFile(file, text)).filter((v) => v.file === file).map((v) => v.rule))];

  it('dav/ importing storage/postgres/', () => {
    expect(rulesBrokenBy('dav/shortcut.ts', `import { PostgresStore } from '../storage/postgres/store.js';`)).toEqual([
      expect.stringContaining('dav/'),
    ]);
  });

  it('storage/ importing dav/', () => {
    expect(rulesBrokenBy('storage/postgres/shortcut.ts', `import { DAV } from '../../dav/xml/names.js';`)).toEqual([
      expect.stringContaining('storage/'),
    ]);
  });

  it('policy/ importing dav/ (a re-export counts)', () => {
    expect(rulesBrokenBy('policy/shortcut.ts', `export { hrefOf } from '../dav/resources.js';`)).toEqual([expect.stringContaining('policy/')]);
  });

  it('ical/ importing policy/', () => {
    expect(rulesBrokenBy('ical/shortcut.ts', `import { cutAt150 } from '../policy/truncate.js';`)).toEqual([expect.stringContaining('ical/')]);
  });

  it('the calendar floor importing a layer above it (a type-only or dynamic import counts)', () => {
    expect(rulesBrokenBy('calendar/shortcut.ts', `import type { RenderOptions } from '../ical/index.js';`)).toEqual([
      expect.stringContaining('ground floor'),
    ]);
    expect(rulesBrokenBy('calendar/lazy.ts', `const m = await import('../policy/edit-rules.js');`)).toEqual([
      expect.stringContaining('ground floor'),
    ]);
  });

  it('an import cycle', () => {
    const cyclic = new Map([...tree, ['calendar/wall-clock.ts', `${tree.get('calendar/wall-clock.ts')}\nimport { DAY } from './clock.js';`]]);
    expect(importCycles(cyclic)).toEqual([expect.arrayContaining(['calendar/clock.ts', 'calendar/wall-clock.ts'])]);
  });

  it('SQL on a BrokerStar table outside the adapter, but not a comment naming one', () => {
    const found = brokerstarSqlViolations(
      withFile('auth/shortcut.ts', '// reads brokerstar.employee\nexport const q = (id: string) => `SELECT email FROM brokerstar.employee WHERE id = ${id}`;'),
    );
    expect(describeViolations(found.filter((v) => v.file === 'auth/shortcut.ts'))).toEqual([expect.stringMatching(/^auth\/shortcut\.ts line 2: brokerstar\.e/)]);
  });
});
