// The measured rows (issue 7, scenarios 1-5 and the single-client poll): each run sends the
// requests a client sends, checks every answer (207, the right members, the data present) and
// returns one timed sample. The same scenario runs against our server and Radicale.
import ICAL from 'ical.js';
import { matchesCalendarFilter, parseCalendarFilter } from '../src/dav/filters/calendar-filter.js';
import { parseXml } from '../src/dav/xml/parse.js';
import {
  davx5AddressbookMultiget,
  davx5EventQuery,
  davx5SyncCollection,
  currentWeek,
  davx5TodoQuery,
  iosEventQuery,
  outlookAddressbookMultiget,
  outlookContactVersions,
  outlookEventQuery,
  pollCtagAndToken,
  thunderbirdAddressbookMultiget,
  thunderbirdSyncWithData,
} from './bodies.js';
import { collectionBySlug, discover, expect207, ValidationError } from './discovery.js';
import type { ExportedCollection } from './export.js';
import { request, RequestTimeout, type HttpTarget } from './http.js';
import { C, CR, CS, D, okProp, type MultistatusSummary, type ResponseSummary } from './multistatus.js';

/** A server under test. */
export interface Subject {
  readonly name: 'ours' | 'radicale' | 'xandikos';
  readonly label: string;
  t: HttpTarget;
  pid: number;
  /** Processes whose CPU time is the cost of an answer: our server and its PostgreSQL, or the other server's process. */
  cpu: { readonly server: number; readonly postgres?: number };
  /** Collection URLs (paths ending in '/'), from discovery. */
  urls: { addressbook: string; events: string; tasks: string };
  /** Changes these contacts (member names) the way that server's data changes. */
  changeContacts(names: readonly string[], revision: number): Promise<void>;
  /** Sum and count of the server's own request timings (ours: /metrics), for server time per request. */
  serverTimings?(): Promise<{ sum: number; count: number }>;
  /** Stops the server (the other servers, once their rows are done). */
  stop?(): Promise<void>;
  /**
   * Starts the server afresh on the same storage (a new port, pid and target): after a request
   * timed out, one that works through requests one at a time would still be busy with it.
   */
  restart?(): Promise<void>;
  /** Per-subject scenario state: member hrefs from the listing, the last sync token. */
  readonly state: { contactHrefs: string[]; token: string | undefined; revision: number; changeCursor: number };
}

export interface Sample {
  readonly ms: number;
  /** Decoded response bytes. */
  readonly bytes: number;
  /** Response bytes on the wire (compressed where the server compressed, headers included). */
  readonly wireBytes: number;
  /** Round trips a client pays: one per request, one more per new TCP connection. */
  readonly roundTrips: number;
  /** Content-Encoding of the (last) answer, '' when not compressed. */
  readonly encoding?: string;
  readonly requests: number;
  readonly items: number;
  /** Per-request times when a sample is several requests (multiget sweeps, discovery). */
  readonly requestMs?: readonly number[];
}

export type Weight = 'light' | 'sweep';

export interface Scenario {
  readonly id: string;
  readonly group: number;
  readonly label: string;
  /** The client whose requests it replays. */
  readonly client: string;
  readonly weight: Weight;
  /** Peak RSS is tracked while it runs (scenarios 3 and 4). */
  readonly memory?: 'multiget' | 'sync';
  /** Report our server's own time per request from /metrics (the no-change polls). */
  readonly serverTime?: boolean;
  run(s: Subject): Promise<Sample>;
}

export interface Expected {
  readonly contacts: number;
  readonly events: number;
  readonly tasks: number;
  /** Members of the event calendar matching each calendar-query (reference matcher over the exported data). */
  readonly eventQuery: { readonly open: number; readonly window: number; readonly week: number };
}

function fail(s: Subject, what: string, detail: string): never {
  throw new ValidationError(`${s.label}: ${what}: ${detail}`);
}

const memberName = (href: string) => decodeURIComponent(href.split('/').filter(Boolean).pop() ?? '');

/** Every response is a member with a 200 getetag (and the data property, when asked), no extras. */
function checkMembers(s: Subject, what: string, ms: MultistatusSummary, opts: { collection?: string; expected: number; data?: string; contentType?: RegExp }): ResponseSummary[] {
  const members = ms.responses.filter((r) => !opts.collection || r.href.replace(/\/+$/, '') !== opts.collection.replace(/\/+$/, ''));
  if (members.length !== opts.expected) fail(s, what, `expected ${opts.expected} members, got ${members.length}`);
  for (const r of members) {
    const etag = okProp(r, D('getetag'));
    if (!etag || !etag.text) fail(s, what, `${r.href} has no getetag`);
    if (opts.data) {
      const d = okProp(r, opts.data);
      if (!d || d.length < 20) fail(s, what, `${r.href} has no ${opts.data}`);
    }
    if (opts.contentType) {
      const ct = okProp(r, D('getcontenttype'));
      if (!ct || !opts.contentType.test(ct.text)) fail(s, what, `${r.href} has getcontenttype "${ct?.text ?? ''}"`);
    }
  }
  return members;
}

interface Timed {
  readonly ms: MultistatusSummary;
  readonly time: number;
  readonly bytes: number;
  readonly wire: number;
  readonly trips: number;
  readonly encoding: string;
}

async function timed(s: Subject, method: string, path: string, depth: string | undefined, body: string): Promise<Timed> {
  const r = await request(s.t, method, path, { headers: depth === undefined ? {} : { Depth: depth }, body });
  return { ms: expect207(r, `${s.label} ${method} ${path}`), time: r.ms, bytes: r.body.length, wire: r.wireBytes, trips: r.roundTrips, encoding: r.encoding };
}

const sweep = (batch: number | 'all', client: string, body: (hrefs: readonly string[]) => string, depth: string | undefined, expected: () => number): Scenario => ({
  id: `3-${batch}`,
  group: 3,
  label: batch === 'all' ? 'addressbook-multiget of all contacts in one request' : `addressbook-multiget of all contacts, batches of ${batch}`,
  client,
  weight: 'sweep',
  memory: 'multiget',
  async run(s) {
    const hrefs = s.state.contactHrefs;
    if (hrefs.length !== expected()) fail(s, 'multiget', `listing gave ${hrefs.length} hrefs, expected ${expected()}`);
    let ms = 0;
    let bytes = 0;
    let wireBytes = 0;
    let roundTrips = 0;
    const requestMs: number[] = [];
    let encoding = '';
    const size = batch === 'all' ? hrefs.length : batch;
    // The whole sweep gets the target's per-request timeout (set for the other servers only).
    const deadline = s.t.timeoutMs === undefined ? Infinity : performance.now() + s.t.timeoutMs;
    for (let i = 0; i < hrefs.length; i += size) {
      if (performance.now() > deadline) throw new RequestTimeout(`timeout after ${s.t.timeoutMs! / 1000} s: sweep at ${i / size} of ${Math.ceil(hrefs.length / size)} requests`);
      const chunk = hrefs.slice(i, i + size);
      const r = await timed(s, 'REPORT', s.urls.addressbook, depth, body(chunk));
      const members = checkMembers(s, `multiget of ${chunk.length}`, r.ms, { expected: chunk.length, data: CR('address-data') });
      const got = new Set(members.map((m) => memberName(m.href)));
      for (const h of chunk) if (!got.has(memberName(h))) fail(s, 'multiget', `${h} missing from the answer`);
      ms += r.time;
      bytes += r.bytes;
      wireBytes += r.wire;
      roundTrips += r.trips;
      encoding = r.encoding;
      requestMs.push(r.time);
    }
    return { ms, bytes, wireBytes, roundTrips, encoding, requests: requestMs.length, items: hrefs.length, requestMs };
  },
});

export function buildScenarios(expected: Expected, now: Date): Scenario[] {
  const day = 86_400_000;
  const openStart = new Date(now.getTime() - 90 * day);
  const windowStart = new Date(now.getTime() - 60 * day);
  const windowEnd = new Date(now.getTime() + 365 * day);
  const week = currentWeek(now);

  const eventQuery = (id: string, label: string, client: string, body: string, count: () => number, withData: boolean): Scenario => ({
    id,
    group: 5,
    label,
    client,
    weight: 'light',
    async run(s) {
      const r = await timed(s, 'REPORT', s.urls.events, '1', body);
      checkMembers(s, label, r.ms, { expected: count(), data: withData ? C('calendar-data') : undefined });
      return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: count() };
    },
  });

  return [
    {
      id: '1',
      group: 1,
      label: 'discovery: well-known → principal → homes → collections (CardDAV + CalDAV)',
      client: 'DAVx5',
      weight: 'light',
      serverTime: true,
      async run(s) {
        const d = await discover(s.t);
        const book = collectionBySlug(d, 'kontakte');
        const events = collectionBySlug(d, 'termine');
        const tasks = collectionBySlug(d, 'aufgaben');
        if (book.kind !== 'addressbook') fail(s, 'discovery', 'kontakte is not an address book');
        if (events.kind !== 'calendar' || !events.components.includes('VEVENT')) fail(s, 'discovery', `termine components ${events.components.join(',')}`);
        if (tasks.kind !== 'calendar' || !tasks.components.includes('VTODO')) fail(s, 'discovery', `aufgaben components ${tasks.components.join(',')}`);
        s.urls = { addressbook: book.href, events: events.href, tasks: tasks.href };
        return { ms: d.ms, bytes: d.bytes, wireBytes: d.wireBytes, roundTrips: d.roundTrips, requests: d.requests, items: d.collections.length };
      },
    },
    {
      id: '2',
      group: 2,
      label: 'PROPFIND Depth 1 getetag + getcontenttype on the address book',
      client: 'Outlook',
      weight: 'light',
      async run(s) {
        const r = await timed(s, 'PROPFIND', s.urls.addressbook, '1', outlookContactVersions);
        const members = checkMembers(s, 'PROPFIND Depth 1', r.ms, {
          collection: s.urls.addressbook,
          expected: expected.contacts,
          contentType: /^text\/vcard/,
        });
        if (s.state.contactHrefs.length === 0) s.state.contactHrefs = members.map((m) => m.href).sort();
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: members.length };
      },
    },
    sweep(10, 'DAVx5', davx5AddressbookMultiget, '0', () => expected.contacts),
    sweep(100, 'Outlook', outlookAddressbookMultiget, '1', () => expected.contacts),
    sweep(500, 'Thunderbird', thunderbirdAddressbookMultiget, '1', () => expected.contacts),
    sweep('all', 'Thunderbird', thunderbirdAddressbookMultiget, '1', () => expected.contacts),
    {
      id: '4-initial',
      group: 4,
      label: 'sync-collection initial, with address-data',
      client: 'Thunderbird',
      weight: 'sweep',
      memory: 'sync',
      async run(s) {
        const r = await timed(s, 'REPORT', s.urls.addressbook, '1', thunderbirdSyncWithData(null));
        // The token first: the incremental rows can still be measured when the data is missing here.
        if (!r.ms.syncToken) fail(s, 'initial sync', 'no sync-token');
        s.state.token = r.ms.syncToken;
        checkMembers(s, 'initial sync', r.ms, { expected: expected.contacts, data: CR('address-data') });
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: expected.contacts };
      },
    },
    {
      id: '4-nochange',
      group: 4,
      label: 'sync-collection incremental, no change',
      client: 'DAVx5',
      weight: 'light',
      memory: 'sync',
      serverTime: true,
      async run(s) {
        const token = s.state.token;
        if (!token) fail(s, 'incremental sync', 'no token from the initial sync');
        const r = await timed(s, 'REPORT', s.urls.addressbook, '0', davx5SyncCollection(token));
        if (r.ms.responses.length !== 0) fail(s, 'no-change sync', `expected no members, got ${r.ms.responses.length}`);
        if (!r.ms.syncToken) fail(s, 'no-change sync', 'no sync-token');
        s.state.token = r.ms.syncToken;
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: 0 };
      },
    },
    {
      id: '4-changed',
      group: 4,
      label: 'sync-collection incremental after 10 contacts changed',
      client: 'DAVx5',
      weight: 'light',
      memory: 'sync',
      async run(s) {
        const token = s.state.token;
        if (!token) fail(s, 'incremental sync', 'no token from the initial sync');
        const all = s.state.contactHrefs;
        const start = s.state.changeCursor % Math.max(1, all.length - 10);
        s.state.changeCursor += 10;
        const names = all.slice(start, start + 10).map(memberName);
        s.state.revision += 1;
        await s.changeContacts(names, s.state.revision);
        const r = await timed(s, 'REPORT', s.urls.addressbook, '0', davx5SyncCollection(token));
        const members = checkMembers(s, 'sync after 10 changes', r.ms, { expected: 10 });
        const got = new Set(members.map((m) => memberName(m.href)));
        for (const n of names) if (!got.has(n)) fail(s, 'sync after 10 changes', `${n} not reported as changed`);
        if (!r.ms.syncToken || r.ms.syncToken === token) fail(s, 'sync after 10 changes', 'the sync-token did not move');
        s.state.token = r.ms.syncToken;
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: 10 };
      },
    },
    eventQuery('5-open-etag', 'calendar-query VEVENT, start = now − 90 days (open end), getetag', 'DAVx5', davx5EventQuery(openStart, false), () => expected.eventQuery.open, false),
    eventQuery('5-open-data', 'calendar-query VEVENT, start = now − 90 days (open end), with calendar-data', 'iOS', davx5EventQuery(openStart, true), () => expected.eventQuery.open, true),
    eventQuery('5-window-etag', 'calendar-query VEVENT, now − 60 / + 365 days, getetag', 'Outlook', outlookEventQuery(windowStart, windowEnd, false), () => expected.eventQuery.window, false),
    eventQuery('5-week-data', 'calendar-query VEVENT, the current week (Monday to Monday, UTC), with calendar-data', 'iOS', iosEventQuery(week.start, week.end, true), () => expected.eventQuery.week, true),
    eventQuery('5-window-data', 'calendar-query VEVENT, now − 60 / + 365 days, with calendar-data', 'Outlook', outlookEventQuery(windowStart, windowEnd, true), () => expected.eventQuery.window, true),
    {
      id: '5-todo',
      group: 5,
      label: 'calendar-query VTODO, no time range, getetag',
      client: 'DAVx5',
      weight: 'light',
      async run(s) {
        const r = await timed(s, 'REPORT', s.urls.tasks, '1', davx5TodoQuery);
        checkMembers(s, 'VTODO query', r.ms, { expected: expected.tasks });
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: expected.tasks };
      },
    },
    {
      id: '6-poll',
      group: 6,
      label: 'poll, one client: PROPFIND Depth 0 getctag + sync-token on the address book',
      client: 'all',
      weight: 'light',
      serverTime: true,
      async run(s) {
        const r = await timed(s, 'PROPFIND', s.urls.addressbook, '0', pollCtagAndToken);
        const own = r.ms.responses[0];
        if (r.ms.responses.length !== 1 || !own) fail(s, 'poll', `expected 1 response, got ${r.ms.responses.length}`);
        if (!okProp(own, CS('getctag'))?.text) fail(s, 'poll', 'no getctag');
        if (!okProp(own, D('sync-token'))?.text) fail(s, 'poll', 'no sync-token');
        return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: 1 };
      },
    },
  ];
}

/**
 * How many of the exported events match each query, by the project's reference matcher (RFC 4791
 * §9.9 over the expanded recurrences), independent of the SQL prefilter and of Radicale.
 */
export function expectedEventCounts(events: ExportedCollection, now: Date, timeZone: string): Expected['eventQuery'] {
  const day = 86_400_000;
  const filterOf = (body: string) => {
    const root = parseXml(body);
    const filter = root.children.find((c) => c.name === `{urn:ietf:params:xml:ns:caldav}filter`);
    if (!filter) throw new Error('query without filter');
    return parseCalendarFilter(filter);
  };
  const open = filterOf(davx5EventQuery(new Date(now.getTime() - 90 * day), false));
  const window = filterOf(outlookEventQuery(new Date(now.getTime() - 60 * day), new Date(now.getTime() + 365 * day), false));
  const w = currentWeek(now);
  const week = filterOf(iosEventQuery(w.start, w.end, false));
  let openCount = 0;
  let windowCount = 0;
  let weekCount = 0;
  for (const o of events.objects) {
    const comp = new ICAL.Component(ICAL.parse(o.body));
    if (matchesCalendarFilter(open, comp, timeZone)) openCount++;
    if (matchesCalendarFilter(window, comp, timeZone)) windowCount++;
    if (matchesCalendarFilter(week, comp, timeZone)) weekCount++;
  }
  return { open: openCount, window: windowCount, week: weekCount };
}

/**
 * Row 8: every appointment listed, as Outlook lists a collection (PROPFIND Depth 1 getetag +
 * getcontenttype), on a server whose cap was raised so it serves all of them.
 */
export function eventListing(expected: number): Scenario {
  return {
    id: '8-listing',
    group: 8,
    label: 'PROPFIND Depth 1 getetag + getcontenttype on the calendar, cap raised to serve every appointment',
    client: 'Outlook',
    weight: 'light',
    async run(s) {
      const r = await timed(s, 'PROPFIND', s.urls.events, '1', outlookContactVersions);
      const members = checkMembers(s, 'calendar listing', r.ms, { collection: s.urls.events, expected, contentType: /^text\/calendar/ });
      return { ms: r.time, bytes: r.bytes, wireBytes: r.wire, roundTrips: r.trips, encoding: r.encoding, requests: 1, items: members.length };
    },
  };
}
