// Configuration comes from environment variables only: defaults, parsing, validation with every
// problem listed at once, and the CLI refusing to start on a bad value.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig, VARIABLES, type Config } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/paths.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/dav');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('reads the setup portal settings and refuses half of a pair', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://dav.firm.ch/', ADMIN_USERS: ' Anna.Meier, beat.keller ,', OIDC_ISSUER: 'https://login.firm.ch', OIDC_CLIENT_ID: 'dav' });
    expect(c.publicUrl).toBe('https://dav.firm.ch');
    expect(c.adminUsers).toEqual(['anna.meier', 'beat.keller']);
    // An issuer is compared as the provider spells it (Auth0's end in a slash).
    expect(loadConfig({ OIDC_ISSUER: 'https://firm.eu.auth0.com/', OIDC_CLIENT_ID: 'dav' }).oidcIssuer).toBe('https://firm.eu.auth0.com/');
    expect(problemsOf({ PUBLIC_URL: 'dav.firm.ch' })).toEqual([expect.stringMatching(/^PUBLIC_URL: must be an http/)]);
    expect(problemsOf({ SMTP_URL: 'mail.firm.ch' })).toEqual([expect.stringMatching(/^SMTP_URL: must be an smtp/)]);
    expect(problemsOf({ OIDC_ISSUER: 'https://login.firm.ch' })).toEqual(['OIDC_CLIENT_ID: required when OIDC_ISSUER is set']);
    expect(problemsOf({ OIDC_CLIENT_ID: 'dav' })).toEqual(['OIDC_ISSUER: required when OIDC_CLIENT_ID is set']);
    expect(problemsOf({ PROFILE_SIGNING_CERT: '/etc/dav/cert.pem' })).toEqual(['PROFILE_SIGNING_KEY: required when PROFILE_SIGNING_CERT is set']);
    expect(problemsOf({ TIME_ZONE: 'Mars/Olympus' })).toEqual([expect.stringMatching(/^TIME_ZONE: must be an IANA time zone/)]);
    expect(problemsOf({ BIRTHDAY_CALENDAR: 'some' })).toEqual([expect.stringMatching(/^BIRTHDAY_CALENDAR: must be one of all, mine, off/)]);
    expect(problemsOf({ SYNC_PAST_DAYS: '-1' })).toEqual([expect.stringMatching(/^SYNC_PAST_DAYS: must be between 0/)]);
    expect(problemsOf({ VAPID_SUBJECT: 'http://firm.ch' })).toEqual([expect.stringMatching(/^VAPID_SUBJECT: must be a mailto: or https: URI/)]);
    expect(loadConfig({ VAPID_SUBJECT: 'mailto:it@firm.ch' }).vapidSubject).toBe('mailto:it@firm.ch');
    expect(problemsOf({ OIDC_EMAIL_CLAIM: 'e mail' })).toEqual([expect.stringMatching(/^OIDC_EMAIL_CLAIM: must be a claim name/)]);
  });

  it('gives the documented defaults for an empty environment (DATA_DIR in the project folder, wherever the command runs)', () => {
    const c = loadConfig({}, '/home/me/somewhere', '/srv/dav');
    const expected: Config = {
      host: '127.0.0.1',
      port: 8008,
      databaseUrl: undefined,
      dataDir: '/srv/dav/.data',
      embeddedPgPort: 54329,
      logLevel: 'info',
      maxRecords: 5000,
      clientEdits: true,
      privateAppointments: 'busy',
      maxBodyBytes: 1048576,
      maxResourceSize: 262144,
      photoMaxPixels: 400,
      authLockoutThreshold: 10,
      authLockoutUserThreshold: 20,
      authLockoutSeconds: 900,
      authCacheSeconds: 60,
      syncRetentionDays: 400,
      reannounceDelaySeconds: 120,
      reannounceMinIntervalSeconds: 60,
      contactUrlTemplate: 'urn:brokerstar:contact:{id}',
      trustProxy: false,
      dbPoolSize: 20,
      pgAcquireTimeoutMs: 5000,
      pgStatementTimeoutMs: 30000,
      pgIdleInTransactionTimeoutMs: 60000,
      httpHeadersTimeoutMs: 20000,
      httpRequestTimeoutMs: 60000,
      httpWriteTimeoutMs: 30000,
      shutdownGraceMs: 10000,
      auditRetentionDays: 365,
      setupPortal: true,
      publicUrl: undefined,
      firmName: 'BrokerStar',
      adminUsers: [],
      sessionIdleMinutes: 30,
      smtpUrl: undefined,
      smtpFrom: 'brokerstar-dav@localhost',
      oidcIssuer: undefined,
      oidcClientId: undefined,
      oidcClientSecret: undefined,
      oidcEmailClaim: 'email',
      profileSigningCert: undefined,
      profileSigningKey: undefined,
      timeZone: 'Europe/Zurich',
      birthdayCalendar: 'all',
      myCustomersBook: true,
      syncPastDays: 365,
      syncDoneTasksDays: 30,
      webdavPush: true,
      vapidSubject: undefined,
      pushLoopbackHttp: false,
      subscriptionLinks: true,
      bodyCacheMb: 64,
    };
    expect(c).toEqual(expected);
    expect(Object.isFrozen(c)).toBe(true);
    // Every key of Config has a variable, and nothing else does.
    expect(Object.keys(VARIABLES).sort()).toEqual(Object.keys(expected).sort());
  });

  it('treats an empty value like an unset variable', () => {
    expect(loadConfig({ PORT: '', MAX_RECORDS: '', DATABASE_URL: '' }, '/x')).toMatchObject({ port: 8008, maxRecords: 5000, databaseUrl: undefined });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', BROKERSTAR_FOO: 'x' }, '/x').port).toBe(8008);
  });

  it('parses every variable', () => {
    const env = {
      HOST: '0.0.0.0',
      PORT: ' 8443 ',
      DATABASE_URL: 'postgresql://dav:secret@db.example.ch:5432/brokerstar',
      DATA_DIR: 'var/demo',
      EMBEDDED_PG_PORT: '0',
      LOG_LEVEL: 'DEBUG',
      MAX_RECORDS: '2500',
      CLIENT_EDITS: 'off',
      PRIVATE_APPOINTMENTS: 'Hidden',
      MAX_BODY_BYTES: '2097152',
      MAX_RESOURCE_SIZE: '65536',
      PHOTO_MAX_PIXELS: '256',
      AUTH_LOCKOUT_THRESHOLD: '5',
      AUTH_LOCKOUT_USER_THRESHOLD: '8',
      AUTH_LOCKOUT_SECONDS: '60',
      AUTH_CACHE_SECONDS: '0',
      SYNC_RETENTION_DAYS: '30',
      REANNOUNCE_DELAY_SECONDS: '5',
      REANNOUNCE_MIN_INTERVAL_SECONDS: '30',
      CONTACT_URL_TEMPLATE: 'https://crm.example.ch/kunde/{customerNo}',
      TRUST_PROXY: 'loopback',
      DB_POOL_SIZE: '4',
      PG_ACQUIRE_TIMEOUT_MS: '2000',
      PG_STATEMENT_TIMEOUT_MS: '0',
      PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: '15000',
      HTTP_HEADERS_TIMEOUT_MS: '10000',
      HTTP_REQUEST_TIMEOUT_MS: '120000',
      HTTP_WRITE_TIMEOUT_MS: '45000',
      SHUTDOWN_GRACE_MS: '3000',
      AUDIT_RETENTION_DAYS: '90',
      SETUP_PORTAL: 'off',
      PUBLIC_URL: 'https://dav.firm.ch/dav-root/',
      FIRM_NAME: 'Muster Broker AG',
      ADMIN_USERS: 'IT.Admin',
      SESSION_IDLE_MINUTES: '15',
      SMTP_URL: 'smtps://dav:secret@mail.firm.ch:465',
      SMTP_FROM: 'it@firm.ch',
      OIDC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
      OIDC_CLIENT_ID: 'brokerstar-dav',
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_EMAIL_CLAIM: 'preferred_username',
      PROFILE_SIGNING_CERT: '/etc/dav/cert.pem',
      PROFILE_SIGNING_KEY: '/etc/dav/key.pem',
      TIME_ZONE: 'America/New_York',
      BIRTHDAY_CALENDAR: 'Mine',
      MY_CUSTOMERS_BOOK: 'off',
      SYNC_PAST_DAYS: '0',
      SYNC_DONE_TASKS_DAYS: '7',
      WEBDAV_PUSH: 'off',
      VAPID_SUBJECT: 'https://dav.firm.ch/',
      PUSH_LOOPBACK_HTTP: 'on',
      SUBSCRIPTION_LINKS: 'off',
      BODY_CACHE_MB: '0',
    };
    // The test covers every variable there is.
    expect(Object.keys(env).sort()).toEqual(Object.values(VARIABLES).map((v) => v.name).sort());
    expect(loadConfig(env, '/srv/dav')).toEqual({
      host: '0.0.0.0',
      port: 8443,
      databaseUrl: 'postgresql://dav:secret@db.example.ch:5432/brokerstar',
      dataDir: '/srv/dav/var/demo',
      embeddedPgPort: 0,
      logLevel: 'debug',
      maxRecords: 2500,
      clientEdits: false,
      privateAppointments: 'hidden',
      maxBodyBytes: 2097152,
      maxResourceSize: 65536,
      photoMaxPixels: 256,
      authLockoutThreshold: 5,
      authLockoutUserThreshold: 8,
      authLockoutSeconds: 60,
      authCacheSeconds: 0,
      syncRetentionDays: 30,
      reannounceDelaySeconds: 5,
      reannounceMinIntervalSeconds: 30,
      contactUrlTemplate: 'https://crm.example.ch/kunde/{customerNo}',
      trustProxy: 'loopback',
      dbPoolSize: 4,
      pgAcquireTimeoutMs: 2000,
      pgStatementTimeoutMs: 0,
      pgIdleInTransactionTimeoutMs: 15000,
      httpHeadersTimeoutMs: 10000,
      httpRequestTimeoutMs: 120000,
      httpWriteTimeoutMs: 45000,
      shutdownGraceMs: 3000,
      auditRetentionDays: 90,
      setupPortal: false,
      publicUrl: 'https://dav.firm.ch/dav-root',
      firmName: 'Muster Broker AG',
      adminUsers: ['it.admin'],
      sessionIdleMinutes: 15,
      smtpUrl: 'smtps://dav:secret@mail.firm.ch:465',
      smtpFrom: 'it@firm.ch',
      oidcIssuer: 'https://login.microsoftonline.com/tenant/v2.0',
      oidcClientId: 'brokerstar-dav',
      oidcClientSecret: 's3cret',
      oidcEmailClaim: 'preferred_username',
      profileSigningCert: '/etc/dav/cert.pem',
      profileSigningKey: '/etc/dav/key.pem',
      timeZone: 'America/New_York',
      birthdayCalendar: 'mine',
      myCustomersBook: false,
      syncPastDays: 0,
      syncDoneTasksDays: 7,
      webdavPush: false,
      vapidSubject: 'https://dav.firm.ch/',
      pushLoopbackHttp: true,
      subscriptionLinks: false,
      bodyCacheMb: 0,
    });
  });

  it('keeps an absolute DATA_DIR as it is', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/brokerstar-dav' }, '/srv/dav').dataDir).toBe('/var/lib/brokerstar-dav');
  });

  it('reads on/off in the usual spellings', () => {
    for (const on of ['on', 'ON', 'true', '1', 'yes']) expect(loadConfig({ CLIENT_EDITS: on }).clientEdits).toBe(true);
    for (const off of ['off', 'Off', 'false', '0', 'no']) expect(loadConfig({ CLIENT_EDITS: off }).clientEdits).toBe(false);
  });

  it('reads TRUST_PROXY off in the usual spellings, a hop count, or addresses, subnets and named ranges', () => {
    for (const off of ['off', 'false', '0']) expect(loadConfig({ TRUST_PROXY: off }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
    expect(loadConfig({ TRUST_PROXY: 'loopback, uniquelocal' }).trustProxy).toBe('loopback, uniquelocal');
    expect(loadConfig({ TRUST_PROXY: '192.168.0.0/255.255.0.0,::1,fd00::/8' }).trustProxy).toBe('192.168.0.0/255.255.0.0,::1,fd00::/8');
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    // Express compiles every accepted value without complaint (it throws on a bad address).
    for (const v of ['10.0.0.0/8, 127.0.0.1', 'loopback, uniquelocal', '192.168.0.0/255.255.0.0,::1,fd00::/8', '2', 'off']) {
      expect(() => express().set('trust proxy', loadConfig({ TRUST_PROXY: v }).trustProxy)).not.toThrow();
    }
  });

  it('refuses a TRUST_PROXY that trusts everyone (any client could pick the address the lockout counts)', () => {
    for (const v of ['0.0.0.0/0', '::/0', '128.0.0.0/1', '0.0.0.0/7', '10.0.0.0/8, 0.0.0.0/0', '::/6', '0.0.0.0/0.0.0.0', '::ffff:0:0/96', '::ffff:0.0.0.0/100']) {
      expect(() => loadConfig({ TRUST_PROXY: v }), v).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: v }), v).toThrow(/TRUST_PROXY: ".*" would trust everyone \(at least \/(8 for IPv4|7 for IPv6)\)/);
    }
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/255.0.255.0' })).toThrow(/is not a contiguous netmask/);
    // The widest ranges a proxy really sits in stay accepted.
    for (const v of ['10.0.0.0/8', '10.0.0.0/255.0.0.0', 'fc00::/7', '::ffff:10.0.0.0/104', '172.16.0.0/12']) {
      expect(loadConfig({ TRUST_PROXY: v }).trustProxy, v).toBe(v);
      expect(() => express().set('trust proxy', v)).not.toThrow();
    }
  });

  it('reads AUDIT_RETENTION_DAYS, 365 by default, at least 1', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS: must be between 1 and 36500, got 0/);
  });

  it('reads a relative DATA_DIR given in the environment from the current directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/demo' }, '/home/me', '/srv/dav').dataDir).toBe('/home/me/var/demo');
  });

  it('accepts the bounds of each range', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(loadConfig({ MAX_RECORDS: '1' }).maxRecords).toBe(1);
    expect(loadConfig({ AUTH_CACHE_SECONDS: '3600' }).authCacheSeconds).toBe(3600);
    expect(loadConfig({ DB_POOL_SIZE: '2' }).dbPoolSize).toBe(2);
  });

  it.each([
    ['PORT', 'abc', /PORT: must be a whole number, got "abc"/],
    ['PORT', '80.5', /PORT: must be a whole number/],
    ['PORT', '1e3', /PORT: must be a whole number/],
    ['PORT', '65536', /PORT: must be between 0 and 65535, got 65536/],
    ['PORT', '-1', /PORT: must be between 0 and 65535, got -1/],
    ['DATABASE_URL', 'mysql://db/brokerstar', /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_URL', 'db.example.ch:5432', /DATABASE_URL: must be a postgres/],
    ['EMBEDDED_PG_PORT', 'auto', /EMBEDDED_PG_PORT: must be a whole number/],
    ['EMBEDDED_PG_PORT', '70000', /EMBEDDED_PG_PORT: must be between 0 and 65535/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
    ['MAX_RECORDS', '0', /MAX_RECORDS: must be between 1 and 1000000, got 0/],
    ['MAX_RECORDS', '5k', /MAX_RECORDS: must be a whole number/],
    ['CLIENT_EDITS', 'maybe', /CLIENT_EDITS: must be on or off, got "maybe"/],
    ['PRIVATE_APPOINTMENTS', 'show', /PRIVATE_APPOINTMENTS: must be one of busy, hidden, got "show"/],
    ['MAX_BODY_BYTES', '100', /MAX_BODY_BYTES: must be between 1024 and/],
    ['MAX_RESOURCE_SIZE', '1MB', /MAX_RESOURCE_SIZE: must be a whole number/],
    ['PHOTO_MAX_PIXELS', '10000', /PHOTO_MAX_PIXELS: must be between 32 and 4096/],
    ['AUTH_LOCKOUT_THRESHOLD', '0', /AUTH_LOCKOUT_THRESHOLD: must be between 1 and 1000/],
    ['AUTH_LOCKOUT_USER_THRESHOLD', 'ten', /AUTH_LOCKOUT_USER_THRESHOLD: must be a whole number/],
    ['AUTH_LOCKOUT_SECONDS', '0', /AUTH_LOCKOUT_SECONDS: must be between 1 and 86400/],
    ['AUTH_CACHE_SECONDS', '-5', /AUTH_CACHE_SECONDS: must be between 0 and 3600/],
    ['SYNC_RETENTION_DAYS', '0', /SYNC_RETENTION_DAYS: must be between 1 and 10000/],
    ['REANNOUNCE_DELAY_SECONDS', '2m', /REANNOUNCE_DELAY_SECONDS: must be a whole number/],
    ['REANNOUNCE_MIN_INTERVAL_SECONDS', '0', /REANNOUNCE_MIN_INTERVAL_SECONDS: must be between 1 and 86400, got 0/],
    ['DB_POOL_SIZE', '1', /DB_POOL_SIZE: must be between 2 and 500, got 1/],
    ['HOST', 'dav server', /HOST: must be an IP address or a host name, got "dav server"/],
    ['HOST', 'http://127.0.0.1', /HOST: must be an IP address or a host name/],
    ['TRUST_PROXY', 'foo', /TRUST_PROXY: must be off, a number of proxies, or addresses\/subnets .*got "foo"/],
    ['TRUST_PROXY', '10.0.0.0/40', /TRUST_PROXY: .*got "10.0.0.0\/40"/],
    ['TRUST_PROXY', 'loopback, 300.1.1.1', /TRUST_PROXY: .*got "300.1.1.1"/],
  ])('refuses %s=%s', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lists every bad value in one ConfigError, in the order of the table', () => {
    const problems = problemsOf({ PORT: 'abc', MAX_RECORDS: '0', LOG_LEVEL: 'loud', DATABASE_URL: 'http://x', CLIENT_EDITS: 'sometimes' });
    expect(problems).toEqual([
      'PORT: must be a whole number, got "abc"',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'MAX_RECORDS: must be between 1 and 1000000, got 0',
      'CLIENT_EDITS: must be on or off, got "sometimes"',
    ]);
    const err = new ConfigError(problems);
    expect(err.message.split('\n')).toEqual(['invalid configuration:', ...problems.map((p) => `  - ${p}`)]);
  });

  it('never puts a DATABASE_URL password into an error message', () => {
    // A URL with the wrong scheme is refused without echoing it (it may hold a password).
    const problems = problemsOf({ DATABASE_URL: 'mysql://dav:S3cret-Passw0rd@db/brokerstar' });
    expect(problems.join('\n')).not.toContain('S3cret-Passw0rd');
  });

  it('testConfig starts from the defaults, silent, on any port, with overrides', () => {
    const c = testConfig({ maxRecords: 7 });
    expect(c).toMatchObject({ logLevel: 'silent', port: 0, maxRecords: 7, authLockoutThreshold: 10 });
  });
});

describe('the CLI with a bad configuration', () => {
  const cli = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

  it('exits 2 before doing anything and names every bad variable on stderr', () => {
    const r = spawnSync(process.execPath, [cli, 'serve'], {
      env: { PATH: process.env.PATH, PORT: 'abc', MAX_RECORDS: '0', DATA_DIR: '/nonexistent/should-not-be-created' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('brokerstar-dav: invalid configuration:');
    expect(r.stderr).toContain('  - PORT: must be a whole number, got "abc"');
    expect(r.stderr).toContain('  - MAX_RECORDS: must be between 1 and 1000000, got 0');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // a message, not a stack trace
    expect(r.stdout).toBe('');
  });

  it('applies to the other commands as well (password, migrate)', () => {
    for (const args of [['migrate'], ['password', 'list', 'anna.meier']]) {
      const r = spawnSync(process.execPath, [cli, ...args], {
        env: { PATH: process.env.PATH, DATABASE_URL: 'not-a-url' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    }
  });
});
