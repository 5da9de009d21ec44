// The sentences an employee sees when the server refuses something (design.md §4). They live in the
// one message catalogue (i18n/refusals.ts), in de, fr, it and en; this module keeps the names the
// refusal catalogue (refusals.ts) and the error responses use.
import { REFUSAL_TEXTS, refusalMessage, type MessageKey } from '../i18n/refusals.js';
import type { Language } from '../i18n/texts.js';

export type { MessageKey };

/** The refusal sentences by language (i18n/refusals.ts). */
export const MESSAGES = REFUSAL_TEXTS;

/** A language refusals are worded in: every language BrokerStar knows for an employee. */
export type MessageLanguage = Language;

export function messageFor(key: MessageKey, lang: MessageLanguage): string {
  return refusalMessage(key, lang);
}
