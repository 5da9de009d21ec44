// The language of an answer to someone who is not signed in: the best of de, fr, it and en by the
// q-values of Accept-Language (RFC 9110 §12.5.4), German when none of them is acceptable. A
// signed-in employee always reads his BrokerStar language instead (employee.language).
import { LANGUAGES, type Language } from './texts.js';

/** Longer headers are read only this far: a language list is a few dozen characters. */
const MAX_HEADER = 1000;
const MAX_RANGES = 50;

export function pickLanguage(header: string | undefined): Language {
  if (!header) return 'de';
  let best: { lang: Language; q: number } = { lang: 'de', q: -1 };
  for (const part of header.slice(0, MAX_HEADER).split(',').slice(0, MAX_RANGES)) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    const primary = tag.trim().split('-')[0];
    const lang = LANGUAGES.find((l) => l === primary);
    // q=0 means "not acceptable" (RFC 9110 §12.4.2), so it never selects a language; on equal
    // q-values the first listed wins.
    if (lang && Number.isFinite(q) && q > 0 && q > best.q) best = { lang, q };
  }
  return best.lang;
}
