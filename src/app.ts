// buildApp(deps): the Express application (never listens; main.ts and the tests do). Health
// (/healthz, /livez, /readyz) and metrics answer without credentials, /.well-known redirects,
// everything else is Basic-authenticated DAV.
import express, { type Request, type Response } from 'express';
import type pg from 'pg';
import { basicAuth } from './auth/basic-auth.js';
import type { Lockout } from './auth/lockout.js';
import type { Config } from './config.js';
import type { Notifications } from './db/notifications.js';
import { davHandler } from './dav/handler.js';
import type { AccessPolicy } from './dav/policy.js';
import { DAV_ROOT } from './dav/resources.js';
import { compression } from './http/compression.js';
import { errorHandler, type RefusalListener } from './http/error-response.js';
import { healthHandler, livenessHandler, metricsHandler, readinessHandler } from './http/health.js';
import { requestLog } from './http/request-log.js';
import { SUBSCRIPTION_ROOT } from './http/subscription-links.js';
import { subscriptionRouter, subscriptionsOff } from './http/subscription-route.js';
import { portalRouter } from './portal/router.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './logger.js';
import type { DavStore } from './storage/types.js';

export interface AppDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly pool: pg.Pool;
  readonly store: DavStore;
  readonly policy: AccessPolicy;
  readonly lockout: Lockout;
  readonly metrics: Metrics;
  /** Told about every refusal (the audit log). */
  readonly onRefusal?: RefusalListener;
  /** Other instances' revokes and employee changes (LISTEN/NOTIFY), for the login cache. */
  readonly notifications?: Pick<Notifications, 'subscribe'>;
}

export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  // ETags are ours (derived from the stored representation), never Express's body hash.
  app.set('etag', false);
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use(requestLog(deps.log));
  // Text answers above one packet (1,400 bytes) go out brotli- or gzip-coded where the client accepts it.
  app.use(compression());
  // Bodies are what their Content-Type says: an .ics or .vcf can never be run as the portal's script.
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // res.locals.report: the REPORT's body element, set by dav/methods/report.ts.
    res.on('finish', () => deps.metrics.observe(req.method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9, res.locals.report));
    next();
  });

  app.get('/healthz', healthHandler(deps.pool));
  app.get('/livez', livenessHandler());
  app.get('/readyz', readinessHandler(deps.pool));
  app.get('/metrics', metricsHandler(deps.metrics, deps.pool, deps.store));

  // RFC 6764 §5: 301 to the DAV root on the same origin (Thunderbird abandons a cross-origin
  // redirect once it sent credentials; Outlook cannot follow 308). Any method: iOS sends PROPFIND.
  app.use(['/.well-known/caldav', '/.well-known/carddav'], (_req: Request, res: Response) => {
    res.redirect(301, DAV_ROOT);
  });

  const auth = basicAuth({
    db: deps.pool,
    lockout: deps.lockout,
    cacheSeconds: deps.config.authCacheSeconds,
    log: deps.log,
    ...(deps.notifications ? { notifications: deps.notifications } : {}),
    // The 401 body tells a person who opened the server in a browser where app passwords come from.
    ...(deps.config.setupPortal ? { portalUrl: (req: Request) => `${deps.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`}/setup/` } : {}),
  });
  // The setup portal signs employees in by its own means (sessions), never by Basic auth: mounted
  // before it. Switched off, /setup/ is a plain 404 rather than a password prompt.
  if (deps.config.setupPortal) {
    app.use('/setup', portalRouter({ config: deps.config, log: deps.log, pool: deps.pool, store: deps.store, forgetAppPassword: (id) => auth.forget(id) }));
  } else {
    app.use('/setup', (_req: Request, res: Response) => {
      res.status(404).type('text/plain; charset=utf-8').send('Not found.\n');
    });
  }
  // Private subscription links carry their own secret (the token in the URL): before Basic auth.
  // Switched off, the path is a plain 404 rather than a password prompt.
  app.use(
    SUBSCRIPTION_ROOT,
    deps.config.subscriptionLinks ? subscriptionRouter({ pool: deps.pool, store: deps.store, log: deps.log }) : subscriptionsOff,
  );
  app.use(auth);
  app.use(davHandler({ config: deps.config, store: deps.store, policy: deps.policy, log: deps.log }));
  app.use(errorHandler(deps.log, deps.onRefusal));
  return app;
}
