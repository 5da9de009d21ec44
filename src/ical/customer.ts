// The customer line tasks and appointments carry in DESCRIPTION (RFC 5545 §3.8.1.5) instead of RELATED-TO.
// The loaders pass a contact only when every employee may see it (not deleted, archived or
// restricted: brokerstar/record-loading.ts); otherwise the item has neither this line nor a URL.
import type { ContactRef } from '../domain/records.js';

/** German like BrokerStar's own UI; fixed, so a body never depends on who looks at it. */
const LABEL = 'Kunde';
const SEPARATOR = '\n\n';

/** `Kunde: Muster AG (K-010234)` */
export function customerLine(contact: ContactRef): string {
  const name = contact.displayName.trim();
  return `${LABEL}: ${name}${contact.customerNo ? ` (${contact.customerNo.trim()})` : ''}`;
}

/** The BrokerStar description with the customer line appended after a blank line. */
export function withCustomerLine(description: string | null, contact: ContactRef | null): string | null {
  const text = description?.replace(/\s+$/u, '') ?? '';
  if (!contact) return text === '' ? null : text;
  return text === '' ? customerLine(contact) : `${text}${SEPARATOR}${customerLine(contact)}`;
}

/**
 * For the write path: the description a client sent back, without the customer line this renderer
 * appended (clients may turn LF into CRLF and trim the end). Anything else is left as the user wrote it.
 */
export function withoutCustomerLine(text: string, contact: ContactRef | null): string {
  const normalized = text.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  if (!contact) return normalized;
  const line = customerLine(contact);
  if (!normalized.endsWith(line)) return normalized;
  return normalized.slice(0, normalized.length - line.length).replace(/\s+$/u, '');
}
