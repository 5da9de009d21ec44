// One log line per request (4xx at info, 5xx at error, the rest at debug) and a request id on
// every line logged for it. Written for the polling path: nothing is serialised or allocated for a
// line that will not be written, and the request's child logger is made only when something logs.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id (the client's X-Request-Id when usable, else a new one). */
    readonly id: string;
    /** Logs with the request id. */
    readonly log: Logger;
  }
}

// A client's (or the reverse proxy's) id is kept when it is a plain token; anything else (too
// long, spaces, markup) would only pollute the logs, so the server makes its own.
const REQUEST_ID = /^[\w.:@+=\/-]{1,128}$/;

export function requestLog(root: Logger) {
  return function logRequest(req: Request, res: Response, next: NextFunction): void {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'id', { value: id, configurable: true });
    Object.defineProperty(req, 'log', { configurable: true, get: () => (child ??= root.child({ req: { id } })) });
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!root.isLevelEnabled(level)) return;
      // Method, URL, depth and client only: never a header that could carry credentials.
      root[level](
        {
          req: { id, method: req.method, url: req.originalUrl, depth: req.headers.depth, userAgent: req.headers['user-agent'] },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    });
    next();
  };
}
