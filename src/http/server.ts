// The HTTP server the app runs in, with every wait bounded: slow senders (headers and request
// timeouts), clients that stop reading (write timeout), idle keep-alive connections; and a
// shutdown that always ends within its grace period.
import http from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { watchWrites } from './write-timeout.js';

// Longer than the idle timeouts of clients and proxies (aiohttp 15 s, nginx 60 s), so the client,
// not the server, closes an idle connection: a request sent just as the server closes would fail.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export type HttpSettings = Pick<Config, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpWriteTimeoutMs'>;

export interface DavHttpServer {
  readonly server: http.Server;
  /**
   * Stops accepting, answers requests in flight, closes each connection as it falls idle, and after
   * `graceMs` destroys whatever is still open (a stream in flight is aborted, its cursor released).
   */
  shutdown(graceMs: number): Promise<void>;
}

export function createHttpServer(app: http.RequestListener, settings: HttpSettings, log?: Logger): DavHttpServer {
  const requestTimeout = Math.max(settings.httpRequestTimeoutMs, settings.httpHeadersTimeoutMs);
  const server = http.createServer({
    headersTimeout: settings.httpHeadersTimeoutMs,
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two timeouts above only this often (30 s by default).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(settings.httpHeadersTimeoutMs / 4))),
  });
  let stopping = false;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // A request that arrives on an open connection while stopping is answered, then the
    // connection closes.
    if (stopping) res.setHeader('Connection', 'close');
    watchWrites(req, res, settings.httpWriteTimeoutMs, () =>
      log?.info({ method: req.method, url: req.url, ms: settings.httpWriteTimeoutMs }, 'client stopped reading: response cut off'),
    );
    app(req, res);
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    shutdown(graceMs) {
      closing ??= (async () => {
        stopping = true;
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        // server.close() ends only the connections idle right now; a keep-alive connection whose
        // request is in flight would stay open after its answer until the client hangs up. Sweep
        // them as they fall idle, so the process ends as soon as the last answer is out.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const timer = setTimeout(() => {
          log?.warn({ graceMs }, 'shutdown grace over: closing the connections still open');
          server.closeAllConnections();
        }, graceMs);
        await drained;
        clearInterval(sweep);
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
