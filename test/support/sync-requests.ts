// The bodies the sync tests send: a listing with ETags, getctag and sync-token, and sync-collection from a token (RFC 6578).

/** PROPFIND body: getetag, getctag and sync-token (members at Depth 1, the collection's own state at Depth 0). */
export const LISTING = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:getetag/><cs:getctag/><d:sync-token/></d:prop></d:propfind>`;

/** sync-collection from `token` ('' for the initial sync) asking for getetag; `extra` (e.g. LIMIT) goes before the prop. */
export const SYNC = (token: string, extra = '', level = '1') => `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>${level}</d:sync-level>${extra}<d:prop><d:getetag/></d:prop></d:sync-collection>`;

/** DAV:limit of a sync-collection (RFC 6578 §3.7). */
export const LIMIT = (n: number | string) => `<d:limit><d:nresults>${n}</d:nresults></d:limit>`;
