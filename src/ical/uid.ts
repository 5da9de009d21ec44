// Stable UIDs (RFC 5545 §3.8.4.7, RFC 6350 §6.7.6) from a BrokerStar kind and id, and back.

export type UidKind = 'contact' | 'task' | 'appointment' | 'birthday';

const PREFIX = 'brokerstar';
const KINDS: readonly UidKind[] = ['contact', 'task', 'appointment', 'birthday'];
// BrokerStar ids are bigints; allow the characters of our item names so a UID never needs escaping.
const ID = /^[A-Za-z0-9._-]+$/;
const PATTERN = /^brokerstar-(contact|task|appointment|birthday)-([A-Za-z0-9._-]+)$/;

/** `brokerstar-appointment-123`. Throws on an id that could not be parsed back (a programming error). */
export function uidOf(kind: UidKind, id: string): string {
  if (!ID.test(id)) throw new TypeError(`BrokerStar id ${JSON.stringify(id)} cannot form a UID`);
  return `${PREFIX}-${kind}-${id}`;
}

/** The inverse of `uidOf`; undefined for a UID this server did not issue (e.g. a client's create). */
export function parseUid(uid: string): { readonly kind: UidKind; readonly id: string } | undefined {
  const m = PATTERN.exec(uid.trim());
  if (!m) return undefined;
  const kind = KINDS.find((k) => k === m[1]);
  const id = m[2];
  return kind && id ? { kind, id } : undefined;
}

/** The BrokerStar id when `uid` is one of ours and of the expected kind. */
export function idFromUid(kind: UidKind, uid: string): string | undefined {
  const parsed = parseUid(uid);
  return parsed?.kind === kind ? parsed.id : undefined;
}
