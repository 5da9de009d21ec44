// The response that marks a report answer cut short by a client's limit (RFC 5323 §5.17, RFC 6352
// §8.6.1, RFC 6578 §3.6): 507 for the collection itself, with DAV:number-of-matches-within-limits.
import { numberOfMatchesWithinLimits } from '../dav-error.js';
import { href } from '../resources.js';
import type { Collection } from '../../storage/types.js';
import type { DavResponse } from '../xml/multistatus.js';

export function truncatedResponse(c: Collection): DavResponse {
  const { status, condition } = numberOfMatchesWithinLimits();
  return { href: href.collection(c), status, ...(condition ? { error: condition } : {}) };
}
