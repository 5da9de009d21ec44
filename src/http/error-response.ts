// The one error middleware: a DavError becomes its status with a <DAV:error> body holding the
// precondition and a sentence for the user; a database that cannot serve right now is a 503 with
// Retry-After; a client that went away gets nothing; anything else is a plain 500, logged with its cause.
import type { NextFunction, Request, Response } from 'express';
import { CHALLENGE, unauthorizedBody } from '../auth/basic-auth.js';
import { DavError } from '../dav/dav-error.js';
import { BS, DAV } from '../dav/xml/names.js';
import { renderDocument, type XmlNode } from '../dav/xml/write.js';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable.js';
import { pickLanguage } from '../i18n/negotiate.js';
import type { Logger } from '../logger.js';
import { countRefusal } from '../metrics.js';
import { messageFor, type MessageLanguage } from '../policy/messages.js';
import { failedByClient } from './stream-writes.js';

/** Observers of refusals (the audit log); called after the answer is chosen. */
export type RefusalListener = (req: Request, err: DavError) => void;

export function errorBody(err: DavError, lang: MessageLanguage): string | undefined {
  const message = err.messageKey && messageFor(err.messageKey, lang);
  const children: XmlNode[] = [];
  if (err.condition) children.push(err.condition);
  children.push(...err.extra);
  if (message) children.push({ name: BS.message, text: message });
  // Never the bare <D:error/>: Thunderbird reads that as a rate limit.
  if (children.length === 0) return undefined;
  return renderDocument({ name: DAV.error, children });
}

export function errorHandler(rootLog: Logger, onRefusal?: RefusalListener) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // The request's child logger (http/request-log.ts), so these lines carry the request id.
    const log = req.log ?? rootLog;
    if (failedByClient(err, req, res)) {
      // Everyday (a phone losing its network); a streaming loop has already released its cursor.
      log.info({ url: req.originalUrl }, 'the client closed the connection before the answer was complete');
      res.destroy();
      return;
    }
    if (res.headersSent) {
      // A failure after the first byte of a 207 can only end the response.
      log.error({ err, url: req.originalUrl }, 'request failed after the response started');
      res.destroy();
      return;
    }
    if (err instanceof DavError) {
      // The signed-in employee's BrokerStar language; Accept-Language only before anyone is known.
      const lang = req.employeeLanguage ?? pickLanguage(req.headers['accept-language']);
      const body = errorBody(err, lang);
      res.status(err.status).set(err.headers);
      // A login accepted from the cache whose employee has since left (inactive) ends up here.
      if (err.status === 401) res.set('WWW-Authenticate', CHALLENGE);
      if (err.status >= 500) log.error({ err }, err.message);
      else log.info({ status: err.status, reason: err.message }, 'request refused');
      if (err.messageKey) {
        countRefusal(err.messageKey, err.status);
        onRefusal?.(req, err);
      }
      if (err.status === 401) {
        // Nobody is signed in (a cached login whose employee has left): the body every 401 has.
        res.set('Vary', 'Accept-Language').type('text/plain; charset=utf-8').send(unauthorizedBody(req));
      } else if (body) {
        res.type('application/xml; charset=utf-8').send(body);
      } else {
        res.type('text/plain; charset=utf-8').send(`${err.message}\n`);
      }
      return;
    }
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).type('text/plain; charset=utf-8').send('Bad request\n');
      return;
    }
    if (isDatabaseUnavailable(err)) {
      log.warn({ error: (err as Error).message, code: (err as { code?: string }).code }, 'database unavailable: answered 503');
      res.status(503).set('Retry-After', String(RETRY_AFTER_SECONDS)).type('text/plain; charset=utf-8').send('The database is unavailable, try again shortly\n');
      return;
    }
    log.error({ err }, 'unexpected error');
    res.status(500).type('text/plain; charset=utf-8').send('Internal server error\n');
  };
}
