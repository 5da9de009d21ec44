// Sync tokens (RFC 6578 §4): URIs naming a position in one collection's change history. The epoch
// is random per collection, so a token copied from another collection (or another installation)
// never matches; the position is checked against the history the server still keeps.
//
// A page of an initial sync cut by DAV:limit continues from a position among the members' own,
// possibly old, sequence numbers; its token also names the position the initial sync started at
// (`i<start>`), which is what decides whether it is too old: removals before that start concern
// items the client never received.

const PREFIX = 'urn:brokerstar-dav:sync:';
const PATTERN = /^urn:brokerstar-dav:sync:([a-z0-9]{8,32})-(\d{1,18})(?:i(\d{1,18}))?$/;

export interface TokenPosition {
  /** Changes after this sequence number are what the client lacks. */
  readonly seq: bigint;
  /** For an initial sync's continuation: the position that sync started at. */
  readonly initialAt?: bigint;
}

export function formatSyncToken(epoch: string, seq: bigint | number | string, initialAt?: bigint | number | string): string {
  return `${PREFIX}${epoch}-${seq}${initialAt !== undefined ? `i${initialAt}` : ''}`;
}

/** The position a token names in the collection with this epoch; undefined when it is not ours. */
export function parseSyncToken(token: string, epoch: string): TokenPosition | undefined {
  const m = PATTERN.exec(token.trim());
  if (!m || m[1] !== epoch) return undefined;
  return { seq: BigInt(m[2]!), ...(m[3] !== undefined ? { initialAt: BigInt(m[3]) } : {}) };
}
