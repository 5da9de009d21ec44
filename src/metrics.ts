// The process's Prometheus counters and histograms (prom-client), in one module every layer may
// import (storage/ and auth/ count here without importing http/). Every label value is bounded:
// methods, report names and refusal rules outside the known sets are counted as "other".
// Per-application gauges (pool connections, collection refreshes, the change backlog) are added at
// scrape time by http/metrics.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageKey } from './i18n/refusals.js';
import { PROJECT_ROOT } from './paths.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** The version in package.json ("unknown" if it cannot be read). */
export const VERSION: string = (() => {
  try {
    return String((JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
})();

/** Request methods counted under their own name; anything else is "other". */
const METHODS = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND', 'PROPPATCH', 'REPORT',
  'MKCOL', 'MKCALENDAR', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'ACL', 'PATCH',
]);
export const methodLabel = (method: string): string => (METHODS.has(method) ? method : 'other');

/** The REPORTs the server answers, by body element (Clark name), and their label. */
const REPORTS = new Map<string, string>([
  ['{urn:ietf:params:xml:ns:caldav}calendar-multiget', 'calendar-multiget'],
  ['{urn:ietf:params:xml:ns:carddav}addressbook-multiget', 'addressbook-multiget'],
  ['{urn:ietf:params:xml:ns:caldav}calendar-query', 'calendar-query'],
  ['{urn:ietf:params:xml:ns:carddav}addressbook-query', 'addressbook-query'],
  ['{DAV:}sync-collection', 'sync-collection'],
  ['{DAV:}expand-property', 'expand-property'],
]);
export const reportLabel = (clarkName: unknown): string => (typeof clarkName === 'string' && REPORTS.get(clarkName)) || 'other';

/** Seconds: a cached poll answers in milliseconds, a first sync of 5,000 items in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const requests = new Counter({
  name: 'brokerstar_dav_requests_total',
  help: 'HTTP requests by method and status.',
  labelNames: ['method', 'status'] as const,
  registers: [registry],
});
const requestSeconds = new Histogram({
  name: 'brokerstar_dav_request_seconds',
  help: 'Time spent answering requests, by method.',
  labelNames: ['method'] as const,
  buckets: BUCKETS,
  registers: [registry],
});
const reportSeconds = new Histogram({
  name: 'brokerstar_dav_report_seconds',
  help: 'Time spent answering REPORT requests, by report (body element).',
  labelNames: ['report'] as const,
  buckets: BUCKETS,
  registers: [registry],
});
const logins = new Counter({
  name: 'brokerstar_dav_logins_total',
  help: 'Basic logins checked against the database: ok, failed (wrong or unknown credentials), locked (refused with 429).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const loginCache = new Counter({
  name: 'brokerstar_dav_login_cache_total',
  help: 'Look-ups of the verified-login cache: hit (no password check) or miss.',
  labelNames: ['result'] as const,
  registers: [registry],
});
const refusals = new Counter({
  name: 'brokerstar_dav_refusals_total',
  help: 'Requests refused with a reason (the audit log), by rule (message key) and status.',
  labelNames: ['rule', 'status'] as const,
  registers: [registry],
});
const acceptedEdits = new Counter({
  name: 'brokerstar_dav_client_edits_total',
  help: 'Client edits accepted and written to BrokerStar (audit log entries "accepted").',
  registers: [registry],
});
const pumpPasses = new Counter({
  name: 'brokerstar_dav_pump_passes_total',
  help: 'Change pump passes that took changes from the change log.',
  registers: [registry],
});
const pumpTaken = new Counter({
  name: 'brokerstar_dav_pump_changes_total',
  help: 'Change log rows and due re-announcements taken by the change pump.',
  registers: [registry],
});
const pushDeliveries = new Counter({
  name: 'brokerstar_dav_push_messages_total',
  help: 'WebDAV-Push: messages sent to push services, failed deliveries, and subscriptions dropped (404/410 or failing too often).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
new Gauge({
  name: 'brokerstar_dav_build_info',
  help: 'Always 1; the version of the running server in its label.',
  labelNames: ['version'] as const,
  registers: [registry],
}).set({ version: VERSION }, 1);

// Start every bounded series at 0, so a rate() or an alert sees it before the first event.
for (const outcome of ['ok', 'failed', 'locked']) logins.inc({ outcome }, 0);
for (const result of ['hit', 'miss']) loginCache.inc({ result }, 0);
acceptedEdits.inc(0);
pumpPasses.inc(0);
pumpTaken.inc(0);
for (const outcome of ['sent', 'failed', 'dropped']) pushDeliveries.inc({ outcome }, 0);

/** A rule name as a label: message keys are a fixed catalogue; anything odd is "other". */
const ruleLabel = (rule: string): string => (/^[a-z0-9][a-z0-9._-]{0,79}$/i.test(rule) ? rule : 'other');

/** One finished request: its method, status and duration; `report` the REPORT's body element, if known. */
export function observeRequest(method: string, status: number, seconds: number, report?: unknown): void {
  const m = methodLabel(method);
  requests.inc({ method: m, status: String(status) });
  requestSeconds.observe({ method: m }, seconds);
  if (m === 'REPORT') reportSeconds.observe({ report: reportLabel(report) }, seconds);
}

export const countLogin = (outcome: 'ok' | 'failed' | 'locked'): void => logins.inc({ outcome });
export const countLoginCache = (hit: boolean): void => loginCache.inc({ result: hit ? 'hit' : 'miss' });
export const countRefusal = (rule: MessageKey, status: number): void => refusals.inc({ rule: ruleLabel(rule), status: String(status) });
export const countAcceptedEdit = (): void => acceptedEdits.inc();
export const countPumpPass = (taken: number): void => {
  pumpPasses.inc();
  pumpTaken.inc(taken);
};
export const countPushDelivery = (outcome: 'sent' | 'failed' | 'dropped'): void => pushDeliveries.inc({ outcome });

const compressedAnswers = new Counter({
  name: 'brokerstar_dav_compressed_responses_total',
  help: 'Answers sent content-coded (Accept-Encoding), by coding.',
  labelNames: ['coding'] as const,
  registers: [registry],
});
const bodyCache = new Counter({
  name: 'brokerstar_dav_body_cache_total',
  help: 'Look-ups of the in-memory body cache (BODY_CACHE_MB): hit (no body read from PostgreSQL) or miss.',
  labelNames: ['result'] as const,
  registers: [registry],
});
const bodyCacheBytes = new Gauge({
  name: 'brokerstar_dav_body_cache_bytes',
  help: 'Bytes of bodies held by the in-memory body cache.',
  registers: [registry],
});
for (const coding of ['gzip', 'br']) compressedAnswers.inc({ coding }, 0);
for (const result of ['hit', 'miss']) bodyCache.inc({ result }, 0);

export const countCompressed = (coding: 'gzip' | 'br'): void => compressedAnswers.inc({ coding });
export const countBodyCache = (hits: number, misses: number): void => {
  if (hits > 0) bodyCache.inc({ result: 'hit' }, hits);
  if (misses > 0) bodyCache.inc({ result: 'miss' }, misses);
};
export const setBodyCacheBytes = (bytes: number): void => bodyCacheBytes.set(bytes);
