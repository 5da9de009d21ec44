// The one message catalogue: every module under src/i18n/ is read at test time (so a module added
// later is checked without touching this file), and every export shaped like a Texts record (an
// object whose keys are exactly de, fr, it, en, each a record of strings) must have every key in
// all four languages, no empty text, the same {placeholders} in each language as in German, and no
// brace that is not a placeholder.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fill, LANGUAGES, placeholdersOf } from '../../../src/i18n/texts.js';

const I18N = join(dirname(fileURLToPath(import.meta.url)), '../../../src/i18n');
const modules = readdirSync(I18N)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .sort();

type Record4 = Record<string, Record<string, unknown>>;

function isTextsRecord(value: unknown): value is Record4 {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== [...LANGUAGES].sort().join(',')) return false;
  return LANGUAGES.every((l) => {
    const texts = (value as Record4)[l];
    return typeof texts === 'object' && texts !== null && !Array.isArray(texts);
  });
}

interface Found {
  readonly name: string;
  readonly texts: Record4;
}

async function textsOf(file: string): Promise<Found[]> {
  const mod = (await import(pathToFileURL(join(I18N, file)).href)) as Record<string, unknown>;
  return Object.entries(mod)
    .filter(([, v]) => isTextsRecord(v))
    .map(([name, v]) => ({ name: `${file}: ${name}`, texts: v as Record4 }));
}

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

/** What is wrong with one Texts record, one line per problem. */
function problemsOf(name: string, texts: Record4): string[] {
  const problems: string[] = [];
  const german = texts.de!;
  const keys = Object.keys(german).sort();
  if (keys.length === 0) problems.push(`${name}: no keys`);
  for (const lang of LANGUAGES) {
    const these = texts[lang]!;
    const missing = keys.filter((k) => !(k in these));
    const extra = Object.keys(these).filter((k) => !(k in german));
    if (missing.length) problems.push(`${name}.${lang}: missing ${missing.join(', ')}`);
    if (extra.length) problems.push(`${name}.${lang}: not in German ${extra.join(', ')}`);
    for (const key of keys) {
      if (!(key in these)) continue;
      const text = these[key];
      if (typeof text !== 'string') {
        problems.push(`${name}.${lang}.${key}: not a string`);
        continue;
      }
      if (text.trim() === '') problems.push(`${name}.${lang}.${key}: empty`);
      const want = sorted(placeholdersOf(german[key] as string));
      const got = sorted(placeholdersOf(text));
      if (got.join(',') !== want.join(',')) problems.push(`${name}.${lang}.${key}: placeholders {${got.join('}, {')}} instead of {${want.join('}, {')}}`);
      // Every placeholder filled: with a value for each, nothing of the {…} syntax is left.
      const filled = fill(text, Object.fromEntries(got.map((p) => [p, 'X'])));
      if (/[{}]/.test(filled)) problems.push(`${name}.${lang}.${key}: a brace that is no placeholder`);
    }
  }
  return problems;
}

describe('the message catalogue (every module under src/i18n/)', () => {
  it('finds the modules and their Texts records', async () => {
    expect(modules).toEqual(expect.arrayContaining(['texts.ts', 'refusals.ts', 'auth.ts', 'collections.ts', 'root-page.ts']));
    const found = (await Promise.all(modules.map(textsOf))).flat().map((f) => f.name);
    // At least the four of the DAV side; modules added later (the portal's) join automatically.
    expect(found).toEqual(
      expect.arrayContaining([
        'refusals.ts: REFUSAL_TEXTS',
        'auth.ts: AUTH_TEXTS',
        'collections.ts: COLLECTION_TEXTS',
        'root-page.ts: ROOT_PAGE_TEXTS',
      ]),
    );
  });

  describe.each(modules)('%s', (file) => {
    it('every key in de, fr, it and en; none empty; the same placeholders as German; no stray brace', async () => {
      const problems = (await textsOf(file)).flatMap(({ name, texts }) => problemsOf(name, texts));
      expect(problems).toEqual([]);
    });
  });

  it('catches a made-up missing key, empty text, wrong placeholder and stray brace', () => {
    const bad = {
      de: { a: 'Hallo {name}', b: 'Zwei', c: 'Drei {x}' },
      fr: { a: 'Bonjour {nom}', b: 'Deux', c: 'Trois {x}' },
      it: { a: 'Ciao {name}', b: ' ', c: 'Tre {x}' },
      en: { a: 'Hello {name}', c: 'Three {x} }' },
    };
    expect(isTextsRecord(bad)).toBe(true);
    expect(isTextsRecord({ de: {}, fr: {}, it: {} })).toBe(false);
    expect(problemsOf('bad', bad)).toEqual([
      'bad.fr.a: placeholders {nom} instead of {name}',
      'bad.it.b: empty',
      'bad.en: missing b',
      'bad.en.c: a brace that is no placeholder',
    ]);
  });
});
