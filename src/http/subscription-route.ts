// GET/HEAD /subscriptions/<token>.ics: a private subscription link (docs/subscription-links.md)
// serves one calendar of its employee as one .ics without a password, through the same export as a
// GET on the collection (dav/methods/get.ts), with every private appointment as its busy block.
// Unknown, revoked and guessed links, an inactive employee and a calendar no longer his are all
// the same plain 404, naming nobody. Polling is cheap (ETag, 304) and bounded: per link, and per
// client address for unknown links (429 with Retry-After). The first use in an hour is audited.
import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type pg from 'pg';
import { AuditLog } from '../audit/audit-log.js';
import { batchedWriter, countingWriter, notModified, streamCalendar } from '../dav/methods/get.js';
import { pickLanguage } from '../i18n/negotiate.js';
import { SUBSCRIPTION_TEXTS } from '../i18n/subscriptions.js';
import { translate } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import { LINK_TOKEN, linkByToken, recordLinkUse } from '../storage/postgres/subscription-links.js';
import type { Collection, DavStore } from '../storage/types.js';
import { RequestWindow, type WindowLimit } from './request-window.js';
import { isSubscribable, SUBSCRIPTION_ROOT } from './subscription-links.js';

export interface SubscriptionRouteDeps {
  readonly pool: pg.Pool;
  readonly store: DavStore;
  readonly log: Logger;
}

/**
 * A calendar app polls every few minutes to every few hours, and several devices may share a link;
 * a looping one is stopped. A client address sending unknown links is slowed down: 128 random bits
 * cannot be guessed, but the attempts are noise worth cutting short.
 */
export const SUBSCRIPTION_LIMITS: { readonly perLink: WindowLimit; readonly unknownPerAddress: WindowLimit } = {
  perLink: { limit: 30, windowSeconds: 300 },
  unknownPerAddress: { limit: 20, windowSeconds: 600 },
};

/** What the request log and the audit log write instead of the path: never the token. */
const LOGGED_PATH = `${SUBSCRIPTION_ROOT}/[token].ics`;

function notFound(res: Response): void {
  res.status(404).set('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send('Not found.\n');
}

function tooMany(req: Request, res: Response, seconds: number): void {
  res
    .status(429)
    .set({ 'Retry-After': String(seconds), 'Cache-Control': 'no-store', Vary: 'Accept-Language' })
    .type('text/plain; charset=utf-8')
    .send(`${translate(SUBSCRIPTION_TEXTS, pickLanguage(req.headers['accept-language']), 'tooManyRequests')}\n`);
}

/** The calendar the link serves while it may: its employee active, the calendar still his and subscribable. */
async function calendarOf(store: DavStore, employeeId: string, slug: string): Promise<Collection | undefined> {
  const principal = await store.principalById(employeeId);
  if (!principal) return undefined;
  const c = await store.findCollection(principal, 'calendar', slug);
  return c && isSubscribable(c) ? c : undefined;
}

/** SUBSCRIPTION_LINKS=off: no route, every link a plain 404 (not a password prompt), still never logged. */
export function subscriptionsOff(req: Request, res: Response): void {
  req.originalUrl = LOGGED_PATH;
  notFound(res);
}

export function subscriptionRouter(deps: SubscriptionRouteDeps, limits = SUBSCRIPTION_LIMITS): express.Router {
  const perLink = new RequestWindow(limits.perLink);
  const unknownPerAddress = new RequestWindow(limits.unknownPerAddress);
  const audit = new AuditLog(deps.pool, deps.log);
  const router = express.Router();

  router.use((req, res, next) => {
    // The token is the only secret: it never reaches a log line.
    req.originalUrl = LOGGED_PATH;
    res.set('Referrer-Policy', 'no-referrer').set('X-Robots-Tag', 'noindex');
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Allow', 'GET, HEAD');
    res.status(405).type('text/plain; charset=utf-8').send('Method not allowed.\n');
  });

  router.get('/:file', async (req, res, next) => {
    try {
      const m = /^([A-Za-z0-9_-]+)\.ics$/.exec(String(req.params.file));
      const token = m?.[1];
      const link = token !== undefined && LINK_TOKEN.test(token) ? await linkByToken(deps.pool, token) : undefined;
      if (!link) {
        const wait = unknownPerAddress.take(req.ip ?? '');
        return wait ? tooMany(req, res, wait) : notFound(res);
      }
      const wait = perLink.take(link.id);
      if (wait) return tooMany(req, res, wait);
      const c = await calendarOf(deps.store, link.employeeId, link.calendar);
      if (!c) return notFound(res);
      if (link.useDue && (await recordLinkUse(deps.pool, link.id, req.ip))) {
        audit.read(
          { employeeId: c.home.id, username: c.home.username, userAgent: req.headers['user-agent'] ?? null, method: req.method, resource: LOGGED_PATH },
          `subscription link ${link.id} used (calendar ${c.slug})${req.ip ? ` from ${req.ip}` : ''}`,
        );
      }
      const state = await deps.store.refreshState(c);
      // Not the ETag of the password-protected GET: this representation shows private appointments as busy.
      const etag = `"${createHash('sha256').update(`subscription:${state.syncToken}`).digest('base64url').slice(0, 27)}"`;
      res.set({
        ETag: etag,
        'Content-Type': 'text/calendar; charset=utf-8',
        'Content-Disposition': `inline; filename="${c.slug}.ics"`,
        'Cache-Control': 'private, no-cache',
      });
      if (notModified({ req }, etag, undefined)) {
        res.status(304).end();
        return;
      }
      res.status(200);
      const target = { store: deps.store, req, res };
      await streamCalendar(req.method === 'HEAD' ? countingWriter(target) : batchedWriter(target), target, c, { privateAsBusy: true });
    } catch (err) {
      next(err);
    }
  });

  router.use((_req, res) => notFound(res));
  return router;
}
