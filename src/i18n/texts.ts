// The one message catalogue's shape: every text module under src/i18n/ exports its texts through
// defineTexts, one record per language with the same keys (the compiler refuses a language that
// lacks a key), and placeholders written {name}. test/unit/i18n/ checks every module: each key in
// all four languages, the same placeholders in each.
import type { Language } from '../domain/records.js';

export type { Language };

/** The languages BrokerStar knows for an employee (employee.language), German first. */
export const LANGUAGES: readonly Language[] = ['de', 'fr', 'it', 'en'];

export type Texts<K extends string> = { readonly [L in Language]: { readonly [k in K]: string } };

export function defineTexts<K extends string>(texts: Texts<K>): Texts<K> {
  return texts;
}

const PLACEHOLDER = /\{([a-zA-Z][a-zA-Z0-9]*)\}/g;

/** The names of a template's placeholders, in order of appearance. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Fills {name} placeholders; a missing parameter is a programming error, never an empty gap. */
export function fill(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`text placeholder {${name}} has no value`);
    return value;
  });
}

/** The text of `key` in `lang`, placeholders filled. */
export function translate<K extends string>(texts: Texts<K>, lang: Language, key: K, params?: Readonly<Record<string, string>>): string {
  return fill(texts[lang][key], params);
}
