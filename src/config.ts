// Configuration: environment variables parsed once into a frozen, typed Config (fail fast, every
// problem listed). Only main/cli read process.env; tests build a Config with testConfig().
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Interface to listen on. */
  readonly host: string;
  readonly port: number;
  /** BrokerStar's PostgreSQL; undefined = embedded demo database in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Port of the embedded PostgreSQL; 0 = any free port. */
  readonly embeddedPgPort: number;
  readonly logLevel: LogLevel;
  /** Most items served per collection (the customer's 5,000 limit). */
  readonly maxRecords: number;
  /** off = every collection read-only (privileges and enforcement). */
  readonly clientEdits: boolean;
  /** How colleagues see someone's private appointments in a shared calendar. */
  readonly privateAppointments: 'busy' | 'hidden';
  /** Largest request body accepted (bytes). */
  readonly maxBodyBytes: number;
  /** Largest calendar object or vCard a client may PUT (bytes), published as max-resource-size. */
  readonly maxResourceSize: number;
  /** Edge length photos are downscaled to, published as max-image-size (bytes, derived). */
  readonly photoMaxPixels: number;
  readonly authLockoutThreshold: number;
  readonly authLockoutUserThreshold: number;
  readonly authLockoutSeconds: number;
  /** Seconds a verified app password stays cached in memory (also how long a revoke may lag). */
  readonly authCacheSeconds: number;
  /** Days the sync change log is kept; older tokens get a full resync. */
  readonly syncRetentionDays: number;
  /** Delay before a server-modified item is announced again (Outlook adopts the post-PUT ETag). */
  readonly reannounceDelaySeconds: number;
  /** At most one re-announcement of an item per this many seconds (later ones are deferred). */
  readonly reannounceMinIntervalSeconds: number;
  /** Template for the URL of a customer in tasks/appointments; {id} and {customerNo} are replaced. */
  readonly contactUrlTemplate: string;
  /** Express trust proxy setting for X-Forwarded-For (client address used by the lockout). */
  readonly trustProxy: string | number | false;
  /** Size of the PostgreSQL connection pool. */
  readonly dbPoolSize: number;
  /** Longest wait for a free pool connection (ms); then 503 with Retry-After. 0 = unbounded. */
  readonly pgAcquireTimeoutMs: number;
  /** PostgreSQL statement_timeout of the server's connections (ms); 0 = none. */
  readonly pgStatementTimeoutMs: number;
  /** PostgreSQL idle_in_transaction_session_timeout of the server's connections (ms); 0 = none. */
  readonly pgIdleInTransactionTimeoutMs: number;
  /** Longest time a client may take to send the request headers (ms). */
  readonly httpHeadersTimeoutMs: number;
  /** Longest time a client may take to send the whole request, body included (ms). */
  readonly httpRequestTimeoutMs: number;
  /** A response that makes no progress for this long (client not reading) is cut off (ms). */
  readonly httpWriteTimeoutMs: number;
  /** On SIGTERM, how long requests in flight may run before they are cut off (ms). */
  readonly shutdownGraceMs: number;
  /** Days audit log rows are kept; the hourly upkeep deletes older ones. */
  readonly auditRetentionDays: number;
  /** The setup portal at /setup/ (off = not mounted at all). */
  readonly setupPortal: boolean;
  /** The address the portal hands out (profiles, QR codes, links, mails); unset = from the request. */
  readonly publicUrl: string | undefined;
  /** The firm's name in profiles, mails and pages. */
  readonly firmName: string;
  /** Usernames (lower case) who see the administrators' pages of the portal. */
  readonly adminUsers: readonly string[];
  /** A portal session ends after this many minutes without a request. */
  readonly sessionIdleMinutes: number;
  /** SMTP server for sign-in mails (smtp:// or smtps://); unset = mails written to DATA_DIR/mail and logged (demo). */
  readonly smtpUrl: string | undefined;
  /** Sender of sign-in mails. */
  readonly smtpFrom: string;
  /** The firm's OpenID Connect issuer; unset = no OIDC sign-in. */
  readonly oidcIssuer: string | undefined;
  readonly oidcClientId: string | undefined;
  readonly oidcClientSecret: string | undefined;
  /** The ID-token claim matched against the employee's e-mail (preferred_username for Entra ID). */
  readonly oidcEmailClaim: string;
  /** PEM certificate and key that sign .mobileconfig profiles; unset = unsigned profiles. */
  readonly profileSigningCert: string | undefined;
  readonly profileSigningKey: string | undefined;
  /** The firm's time zone: times the command line prints are shown in it, with their offset. */
  readonly timeZone: string;
  /** The birthdays calendar: every visible contact's birthday, those the employee advises, or none. */
  readonly birthdayCalendar: 'all' | 'mine' | 'off';
  /** The "my customers" address book (contacts the employee advises and his favourites, never capped below them). */
  readonly myCustomersBook: boolean;
  /** Appointments that ended more than this many days ago are not served (0 = no window). */
  readonly syncPastDays: number;
  /** Completed or cancelled tasks older than this many days are not served (0 = no window). */
  readonly syncDoneTasksDays: number;
  /** WebDAV-Push: collections advertise Web Push and notify subscribers when they change. */
  readonly webdavPush: boolean;
  /** The contact (mailto: or https:) push services see in the VAPID token (RFC 8292); unset = from PUBLIC_URL. */
  readonly vapidSubject: string | undefined;
  /** Tests only: push subscriptions may name a plain-http endpoint on loopback. */
  readonly pushLoopbackHttp: boolean;
  /** Private subscription links (a secret URL serving one calendar's .ics without a password). */
  readonly subscriptionLinks: boolean;
  /** Megabytes of rendered bodies kept in memory, shared by all employees (0 = off). */
  readonly bodyCacheMb: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

interface VarSpec<T> {
  readonly name: string;
  readonly description: string;
  readonly default: string | undefined;
  parse(raw: string): T;
}

const int = (min: number, max: number) => (raw: string): number => {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
  return n;
};
const oneOf = <T extends string>(...values: T[]) => (raw: string): T => {
  const v = raw.trim().toLowerCase() as T;
  if (!values.includes(v)) throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
  return v;
};
const onOff = (raw: string): boolean => {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new Error(`must be on or off, got "${raw}"`);
};
const text = (raw: string): string => raw;
/** RFC 8292 §2.1: the subject is a mailto: or an https: URI. */
const vapidSubject = (raw: string): string => {
  const v = raw.trim();
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(v) && !/^https:\/\/[^\s]+$/.test(v)) throw new Error(`must be a mailto: or https: URI, got "${raw}"`);
  return v;
};
const hostName = (raw: string): string => {
  const v = raw.trim();
  if (!net.isIP(v) && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v)) {
    throw new Error(`must be an IP address or a host name, got "${raw}"`);
  }
  return v;
};
/** Express's trust proxy: off, a number of hops, or addresses, subnets and its named ranges. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
// Wider subnets than these are no proxies but "everyone" (0.0.0.0/0, ::/0, 128.0.0.0/1, ...):
// trusting them lets any client pick the address the lockout counts against. fc00::/7
// (uniquelocal) is the widest IPv6 range a proxy sits in, 10.0.0.0/8 the widest IPv4 one.
const MIN_PREFIX = { 4: 8, 6: 7 } as const;
/** The prefix length of a dotted IPv4 netmask (255.255.0.0 → 16); undefined if not contiguous. */
const maskBits = (mask: string): number | undefined => {
  const bits = mask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
};
/** Why a subnet is too wide to be a proxy's, or undefined when it is fine. */
const tooWide = (address: string, bits: string | undefined): string | undefined => {
  if (bits === undefined) return undefined;
  let prefix = net.isIPv4(bits) ? maskBits(bits) : Number(bits);
  if (prefix === undefined) return 'is not a contiguous netmask';
  let family: 4 | 6 = net.isIPv6(address) ? 6 : 4;
  // ::ffff:0:0/96 is every IPv4 address written as IPv6.
  if (family === 6 && /^::ffff:/i.test(address) && prefix >= 96) [family, prefix] = [4, prefix - 96];
  return prefix < MIN_PREFIX[family] ? `would trust everyone (at least /${MIN_PREFIX[family]} for IPv${family})` : undefined;
};
const trustProxy = (raw: string): string | number | false => {
  const v = raw.trim().toLowerCase();
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  for (const item of v.split(',').map((s) => s.trim())) {
    const [address = '', bits, ...rest] = item.split('/');
    const isMask = bits !== undefined && (net.isIPv4(bits) || (/^\d+$/.test(bits) && Number(bits) <= (net.isIPv6(address) ? 128 : 32)));
    if (PROXY_NAMES.has(item)) continue;
    if (net.isIP(address) && rest.length === 0 && (bits === undefined || isMask)) {
      const wide = tooWide(address, bits);
      if (wide) throw new Error(`"${item}" ${wide}: name the reverse proxies' addresses, never all clients`);
      continue;
    }
    throw new Error(`must be off, a number of proxies, or addresses/subnets (or loopback, linklocal, uniquelocal), got "${item}"`);
  }
  return raw.trim();
};
/** An http(s) URL exactly as given (an OpenID issuer is compared character for character). */
const httpUrlAsGiven = (raw: string): string => {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`must be an http:// or https:// URL, got "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be an http:// or https:// URL, got "${raw}"`);
  return raw.trim();
};
/** An http(s) base URL without its trailing slash (PUBLIC_URL). */
const httpUrl = (raw: string): string => new URL(httpUrlAsGiven(raw)).href.replace(/\/+$/, '');
const smtpUrl = (raw: string): string => {
  if (!/^smtps?:\/\/[^\s]+$/.test(raw.trim())) throw new Error('must be an smtp:// or smtps:// URL');
  return raw.trim();
};
const usernames = (raw: string): readonly string[] => raw.split(',').map((u) => u.trim().toLowerCase()).filter(Boolean);
const claimName = (raw: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,100}$/.test(raw.trim())) throw new Error(`must be a claim name like email, got "${raw}"`);
  return raw.trim();
};
const ianaZone = (raw: string): string => {
  const v = raw.trim();
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
  } catch {
    throw new Error(`must be an IANA time zone like Europe/Zurich, got "${raw}"`);
  }
  return v;
};
const postgresUrl = (raw: string): string => {
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('must be a postgres:// or postgresql:// URL');
  return raw;
};

/** Every variable the server reads, with its default: the README's configuration table. */
export const VARIABLES = {
  host: { name: 'HOST', default: '127.0.0.1', description: 'Interface to listen on', parse: hostName },
  port: { name: 'PORT', default: '8008', description: 'HTTP port (0 = any free port)', parse: int(0, 65535) },
  databaseUrl: {
    name: 'DATABASE_URL',
    default: undefined,
    description: "BrokerStar's PostgreSQL; unset = embedded PostgreSQL with demo data in DATA_DIR",
    parse: postgresUrl,
  },
  dataDir: {
    name: 'DATA_DIR',
    default: '.data',
    description: 'Folder of the embedded PostgreSQL (demo mode); the default is in the project folder, a relative value is taken from the current directory',
    parse: text,
  },
  embeddedPgPort: {
    name: 'EMBEDDED_PG_PORT',
    default: '54329',
    description: 'Port of the embedded PostgreSQL on 127.0.0.1 (0 = any free port)',
    parse: int(0, 65535),
  },
  logLevel: {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
    parse: oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  maxRecords: { name: 'MAX_RECORDS', default: '5000', description: 'Most items per collection', parse: int(1, 1_000_000) },
  clientEdits: {
    name: 'CLIENT_EDITS',
    default: 'on',
    description: 'on: owners may edit appointments and task status; off: everything read-only',
    parse: onOff,
  },
  privateAppointments: {
    name: 'PRIVATE_APPOINTMENTS',
    default: 'busy',
    description: "busy or hidden: how colleagues see someone's private appointments",
    parse: oneOf('busy', 'hidden'),
  },
  maxBodyBytes: { name: 'MAX_BODY_BYTES', default: '1048576', description: 'Largest request body (bytes)', parse: int(1024, 100 * 1024 * 1024) },
  maxResourceSize: {
    name: 'MAX_RESOURCE_SIZE',
    default: '262144',
    description: 'Largest calendar object or vCard a client may PUT (bytes)',
    parse: int(1024, 100 * 1024 * 1024),
  },
  photoMaxPixels: { name: 'PHOTO_MAX_PIXELS', default: '400', description: 'Contact photos are downscaled to fit this square', parse: int(32, 4096) },
  authLockoutThreshold: {
    name: 'AUTH_LOCKOUT_THRESHOLD',
    default: '10',
    description: 'Failed logins from one client address before it is locked out (even for the right password)',
    parse: int(1, 1000),
  },
  authLockoutUserThreshold: {
    name: 'AUTH_LOCKOUT_USER_THRESHOLD',
    default: '20',
    description: 'Failed logins for one username (from anywhere) before its logins are slowed down (never locked)',
    parse: int(1, 1000),
  },
  authLockoutSeconds: { name: 'AUTH_LOCKOUT_SECONDS', default: '900', description: 'Lockout duration and failure window (s)', parse: int(1, 86400) },
  authCacheSeconds: {
    name: 'AUTH_CACHE_SECONDS',
    default: '60',
    description: 'How long a verified app password is cached (a revoke takes effect within this time)',
    parse: int(0, 3600),
  },
  syncRetentionDays: { name: 'SYNC_RETENTION_DAYS', default: '400', description: 'Days sync tokens stay valid', parse: int(1, 10000) },
  reannounceDelaySeconds: {
    name: 'REANNOUNCE_DELAY_SECONDS',
    default: '120',
    description: 'Delay before an item the server modified on PUT is announced again',
    parse: int(0, 86400),
  },
  reannounceMinIntervalSeconds: {
    name: 'REANNOUNCE_MIN_INTERVAL_SECONDS',
    default: '60',
    description: 'At most one re-announcement of an item (after refused writes) per this many seconds; later ones are deferred',
    parse: int(1, 86400),
  },
  contactUrlTemplate: {
    name: 'CONTACT_URL_TEMPLATE',
    default: 'urn:brokerstar:contact:{id}',
    description: 'URL of a customer in tasks/appointments ({id}, {customerNo}), e.g. a BrokerStar link',
    parse: text,
  },
  trustProxy: {
    name: 'TRUST_PROXY',
    default: 'off',
    description: 'off, or the reverse proxies to trust: a number of hops, addresses/subnets, loopback, linklocal or uniquelocal',
    parse: trustProxy,
  },
  dbPoolSize: { name: 'DB_POOL_SIZE', default: '20', description: 'PostgreSQL connections per server process', parse: int(2, 500) },
  pgAcquireTimeoutMs: {
    name: 'PG_ACQUIRE_TIMEOUT_MS',
    default: '5000',
    description: 'Longest wait for a free database connection (ms); then 503 with Retry-After (0 = wait forever)',
    parse: int(0, 600_000),
  },
  pgStatementTimeoutMs: {
    name: 'PG_STATEMENT_TIMEOUT_MS',
    default: '30000',
    description: "PostgreSQL statement_timeout of the server's connections (ms, 0 = none)",
    parse: int(0, 3_600_000),
  },
  pgIdleInTransactionTimeoutMs: {
    name: 'PG_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    default: '60000',
    description: "PostgreSQL idle_in_transaction_session_timeout of the server's connections (ms, 0 = none)",
    parse: int(0, 3_600_000),
  },
  httpHeadersTimeoutMs: {
    name: 'HTTP_HEADERS_TIMEOUT_MS',
    default: '20000',
    description: 'Longest time a client may take to send the request headers (ms)',
    parse: int(1000, 600_000),
  },
  httpRequestTimeoutMs: {
    name: 'HTTP_REQUEST_TIMEOUT_MS',
    default: '60000',
    description: 'Longest time a client may take to send a whole request, body included (ms)',
    parse: int(1000, 3_600_000),
  },
  httpWriteTimeoutMs: {
    name: 'HTTP_WRITE_TIMEOUT_MS',
    default: '30000',
    description: 'A response the client stops reading for this long is cut off (ms)',
    parse: int(1000, 3_600_000),
  },
  shutdownGraceMs: {
    name: 'SHUTDOWN_GRACE_MS',
    default: '10000',
    description: 'On SIGTERM or SIGINT, how long requests in flight may still run before they are cut off (ms)',
    parse: int(0, 600_000),
  },
  auditRetentionDays: {
    name: 'AUDIT_RETENTION_DAYS',
    default: '365',
    description: 'Days the audit log of client writes and refusals is kept; the hourly upkeep deletes older rows',
    parse: int(1, 36500),
  },
  setupPortal: { name: 'SETUP_PORTAL', default: 'on', description: 'The setup portal at /setup/ where employees connect their devices (off = not served)', parse: onOff },
  publicUrl: {
    name: 'PUBLIC_URL',
    default: undefined,
    description: 'The address clients reach the server at (https://dav.firm.ch), handed out by the portal; needed behind a proxy',
    parse: httpUrl,
  },
  firmName: { name: 'FIRM_NAME', default: 'BrokerStar', description: "The firm's name in device profiles, mails and the portal", parse: text },
  adminUsers: { name: 'ADMIN_USERS', default: '', description: 'Comma-separated usernames who see the administrators\' pages of the portal', parse: usernames },
  sessionIdleMinutes: { name: 'SESSION_IDLE_MINUTES', default: '30', description: 'A portal session ends after this many minutes without a request', parse: int(1, 1440) },
  smtpUrl: {
    name: 'SMTP_URL',
    default: undefined,
    description: 'SMTP server for sign-in mails (smtp:// or smtps://); unset = mails written to DATA_DIR/mail and logged',
    parse: smtpUrl,
  },
  smtpFrom: { name: 'SMTP_FROM', default: 'brokerstar-dav@localhost', description: 'Sender address of sign-in mails', parse: text },
  oidcIssuer: { name: 'OIDC_ISSUER', default: undefined, description: "The firm's OpenID Connect issuer URL, exactly as the provider names itself; unset = no sign-in through it", parse: httpUrlAsGiven },
  oidcClientId: { name: 'OIDC_CLIENT_ID', default: undefined, description: 'Client id registered at the OpenID provider', parse: text },
  oidcClientSecret: { name: 'OIDC_CLIENT_SECRET', default: undefined, description: 'Client secret registered at the OpenID provider', parse: text },
  oidcEmailClaim: {
    name: 'OIDC_EMAIL_CLAIM',
    default: 'email',
    description: "ID-token claim matched against the employee's e-mail (preferred_username for Entra ID)",
    parse: claimName,
  },
  profileSigningCert: {
    name: 'PROFILE_SIGNING_CERT',
    default: undefined,
    description: 'PEM certificate file that signs iPhone/Mac profiles (with PROFILE_SIGNING_KEY); unset = unsigned',
    parse: text,
  },
  profileSigningKey: { name: 'PROFILE_SIGNING_KEY', default: undefined, description: 'PEM private key file of PROFILE_SIGNING_CERT', parse: text },
  timeZone: { name: 'TIME_ZONE', default: 'Europe/Zurich', description: "The firm's time zone (IANA name): the command line prints times in it, with the offset", parse: ianaZone },
  birthdayCalendar: {
    name: 'BIRTHDAY_CALENDAR',
    default: 'all',
    description: 'all, mine or off: a birthdays calendar with every visible contact, only those the employee advises, or none',
    parse: oneOf('all', 'mine', 'off'),
  },
  myCustomersBook: {
    name: 'MY_CUSTOMERS_BOOK',
    default: 'on',
    description: 'An address book of the contacts the employee advises and his favourites, never capped below them',
    parse: onOff,
  },
  syncPastDays: {
    name: 'SYNC_PAST_DAYS',
    default: '365',
    description: 'Appointments that ended longer ago than this many days are not served (0 = all)',
    parse: int(0, 36_500),
  },
  syncDoneTasksDays: {
    name: 'SYNC_DONE_TASKS_DAYS',
    default: '30',
    description: 'Completed or cancelled tasks older than this many days are not served (0 = all)',
    parse: int(0, 36_500),
  },
  webdavPush: {
    name: 'WEBDAV_PUSH',
    default: 'on',
    description: 'WebDAV-Push: phones subscribe to collections and hear of changes within seconds',
    parse: onOff,
  },
  vapidSubject: {
    name: 'VAPID_SUBJECT',
    default: undefined,
    description: 'Contact (mailto: or https: URL) given to push services with every message; unset = PUBLIC_URL, else a mailto: of the host',
    parse: vapidSubject,
  },
  pushLoopbackHttp: {
    name: 'PUSH_LOOPBACK_HTTP',
    default: 'off',
    description: 'Tests only: accept push endpoints over plain http on loopback',
    parse: onOff,
  },
  subscriptionLinks: {
    name: 'SUBSCRIPTION_LINKS',
    default: 'on',
    description: 'Private subscription links: a secret URL per employee and calendar serving its .ics without a password',
    parse: onOff,
  },
  bodyCacheMb: {
    name: 'BODY_CACHE_MB',
    default: '64',
    description: 'Megabytes of rendered bodies kept in memory, shared by all employees, so big answers skip PostgreSQL (0 = off)',
    parse: int(0, 65_536),
  },
} satisfies { [K in keyof Config]: VarSpec<Config[K]> };

/**
 * `cwd` resolves a relative DATA_DIR given in the environment; the default DATA_DIR lives in the
 * project folder, so a command run from a subfolder finds the server's demo database.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd(), projectRoot = PROJECT_ROOT): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(VARIABLES) as [keyof Config, VarSpec<unknown>][]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    if (value === undefined) {
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = spec.parse(value);
    } catch (e) {
      problems.push(`${spec.name}: ${(e as Error).message}`);
    }
  }
  // Settings that only work together: each names the one missing.
  for (const [a, b] of [['oidcIssuer', 'oidcClientId'], ['oidcClientId', 'oidcIssuer'], ['profileSigningCert', 'profileSigningKey'], ['profileSigningKey', 'profileSigningCert']] as const) {
    if (out[a] !== undefined && out[b] === undefined) problems.push(`${VARIABLES[b].name}: required when ${VARIABLES[a].name} is set`);
  }
  if (problems.length) throw new ConfigError(problems);
  const dataDirGiven = env.DATA_DIR !== undefined && env.DATA_DIR !== '';
  out.dataDir = path.resolve(dataDirGiven ? cwd : projectRoot, out.dataDir as string);
  return Object.freeze(out) as unknown as Config;
}

/** A Config for tests: defaults plus overrides, without reading the environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({ ...loadConfig({ LOG_LEVEL: 'silent', PORT: '0' }), ...overrides });
}
