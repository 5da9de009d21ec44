// Sync tokens (RFC 6578 §4): URIs naming a position in one collection's change history. The epoch
// is random per collection, so a token copied from another collection (or another installation)
// never matches; the position is checked against the history the server still keeps.

const PREFIX = 'urn:brokerstar-dav:sync:';
const PATTERN = /^urn:brokerstar-dav:sync:([a-z0-9]{8,32})-(\d{1,18})$/;

export function formatSyncToken(epoch: string, seq: bigint | number | string): string {
  return `${PREFIX}${epoch}-${seq}`;
}

/** The position a token names in the collection with this epoch; undefined when it is not ours. */
export function parseSyncToken(token: string, epoch: string): bigint | undefined {
  const m = PATTERN.exec(token.trim());
  if (!m || m[1] !== epoch) return undefined;
  return BigInt(m[2]!);
}
