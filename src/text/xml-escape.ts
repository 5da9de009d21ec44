// Escaping text for XML 1.0 (§2.2, §2.4): below the protocol layer because the store keeps each
// body's escaped form beside it, so a multistatus copies it instead of escaping megabytes per report.

// XML 1.0 cannot carry these characters at all; they are dropped rather than escaped.
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

const NEEDS_ESCAPE = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const HAS_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Text content: quotes stay as they are (ETags are full of them); CR survives as &#13; so the
 * CRLF of iCalendar and vCard data reaches the client intact. Hot path (megabytes of calendar-data
 * and address-data per report): plain scans and native replaceAll instead of a callback per match.
 */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  const clean = HAS_ILLEGAL.test(s) ? s.replace(ILLEGAL, '') : s;
  return clean.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\r', '&#13;');
}

export function escapeAttr(s: string): string {
  return s.replace(ILLEGAL, '').replace(/[&<>"\r]/g, (c) => ESCAPES[c] ?? c);
}
