// Recognises failures that mean "the database cannot serve right now" (pool full, PostgreSQL down,
// restarting or shutting connections down, a statement that ran out of time), as opposed to a bug:
// those are answered 503 with Retry-After, and the server recovers by itself when PostgreSQL does.

/** Seconds a client is asked to wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

// Node socket errors on the way to PostgreSQL.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// SQLSTATE classes and codes (PostgreSQL appendix A): 08 connection exceptions, 53 insufficient
// resources (too many connections), 57P01-57P03 shutdown and start-up, 57014 statement timeout,
// 25P03 idle-in-transaction timeout, 40001/40P01 serialization failure and deadlock.
const SQLSTATE_CODES = new Set(['57P01', '57P02', '57P03', '57014', '25P03', '40001', '40P01']);
const SQLSTATE_CLASSES = ['08', '53'];

// node-postgres and pg-pool report these without a code.
const MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function isDatabaseUnavailable(err: unknown): boolean {
  // A wrapped error (Error.cause) counts as its cause; the depth bound guards against cycles.
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || SQLSTATE_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    if (MESSAGES.some((m) => e instanceof Error && e.message.startsWith(m))) return true;
    // Connecting to every address of a host name fails as one AggregateError.
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
