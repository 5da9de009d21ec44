// Which content coding an answer is sent in (RFC 9110 §12.5.3): the client's Accept-Encoding with
// its q-values, `*` and `identity;q=0` read as the RFC says. Brotli wins a tie with gzip (smaller,
// and every client that offers it decodes it); deflate is never chosen (its wire format was
// ambiguous for years, and every client that offers it offers gzip too).

export type ResponseCoding = 'br' | 'gzip';

interface Offer {
  readonly coding: string;
  readonly q: number;
}

function parseOffers(header: string): Offer[] {
  const offers: Offer[] = [];
  for (const part of header.split(',')) {
    const [rawCoding, ...params] = part.split(';');
    const coding = rawCoding?.trim().toLowerCase();
    if (!coding) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*(.*?)\s*$/i.exec(p);
      if (m) {
        // An unreadable q is no offer (q=0) rather than a guess.
        const v = /^[0-9.]+$/.test(m[1] ?? '') ? Number(m[1]) : NaN;
        q = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
      }
    }
    // x-gzip is gzip (RFC 9110 §8.4.1.3).
    offers.push({ coding: coding === 'x-gzip' ? 'gzip' : coding, q });
  }
  return offers;
}

/** The q the client gives `coding`: its own entry, else `*`, else 0 (not offered). */
function qualityOf(offers: readonly Offer[], coding: string): number {
  const own = offers.filter((o) => o.coding === coding);
  if (own.length > 0) return Math.max(...own.map((o) => o.q));
  const star = offers.find((o) => o.coding === '*');
  return star ? star.q : 0;
}

/** The coding to answer in, or undefined for identity (no header, nothing acceptable offered). */
export function chooseCoding(header: string | undefined): ResponseCoding | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const offers = parseOffers(header);
  const br = qualityOf(offers, 'br');
  const gzip = qualityOf(offers, 'gzip');
  if (br <= 0 && gzip <= 0) return undefined;
  return br >= gzip ? 'br' : 'gzip';
}
