// The DAV request entry point: builds the request context and dispatches on the method.
import type { NextFunction, Request, Response } from 'express';
import { createContext, type DavServices } from './context.js';
import { DavError } from './dav-error.js';
import { allowHeaderFor, methods } from './methods/index.js';

export function davHandler(services: DavServices) {
  return async function dav(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const login = req.login;
      if (!login) throw new DavError(401, 'not authenticated');
      const user = await services.store.principalById(login.employeeId);
      if (!user) throw new DavError(401, 'employee not found');
      // Log through the request's child logger, so every line carries the request id.
      const ctx = createContext({ ...services, log: req.log ?? services.log }, req, res, user, req.path);
      const handler = methods.get(req.method);
      if (!handler) {
        // RFC 9110 §15.5.6: the Allow of this URL, as OPTIONS answers it (404 when nothing is there).
        throw new DavError(405, `method ${req.method} is not supported`, undefined, { headers: { Allow: await allowHeaderFor(ctx) } });
      }
      await handler.handle(ctx);
    } catch (e) {
      next(e);
    }
  };
}
