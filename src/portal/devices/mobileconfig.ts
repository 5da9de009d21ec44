// The iPhone, iPad and Mac setup: an Apple configuration profile (.mobileconfig, served as
// application/x-apple-aspen-config) with one CalDAV account (Calendar and Reminders) and one
// CardDAV account (Contacts), both with the employee's new app password.
//
// Payload keys as Apple documents them (Device Management, "CalDAV" payload com.apple.caldav.account
// and "CardDAV" payload com.apple.carddav.account): <Kind>HostName, <Kind>Port (integer),
// <Kind>UseSSL (boolean), <Kind>PrincipalURL, <Kind>Username, <Kind>Password,
// <Kind>AccountDescription; the top level is PayloadType "Configuration", PayloadVersion 1.
//
// PayloadIdentifier is stable per server and user (reverse DNS of the host, then the user), so
// installing a newer profile on the same device replaces the older one instead of adding a second
// account; PayloadUUIDs are random. Signed with PROFILE_SIGNING_CERT/KEY when given (cms.ts):
// iOS then shows the profile as verified with the certificate's name, unsigned as "Not Verified".
import { randomUUID } from 'node:crypto';
import { build } from 'plist';
import { DEVICE_TEXTS } from '../../i18n/devices.js';
import { translate, type Language } from '../../i18n/texts.js';
import { signCms } from './cms.js';
import { absoluteUrl, parseBase } from './urls.js';

export const MOBILECONFIG_CONTENT_TYPE = 'application/x-apple-aspen-config';

export interface MobileconfigOptions {
  readonly firmName: string;
  /** The server's public address (PUBLIC_URL), with or without a trailing slash. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** The employee's principal, a path below baseUrl (/dav/principals/anna.meier/) or an absolute URL. */
  readonly principalPath: string;
  /** PEM certificate (optionally followed by its chain) and PEM private key (RSA or EC). */
  readonly signing?: { readonly certPem: string; readonly keyPem: string } | undefined;
  /** The language of the account names and the description iOS shows (default German). */
  readonly language?: Language | undefined;
}

/** A reverse-DNS identifier part: letters, digits, '-' and '.' only. */
const idPart = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '') || 'x';

/** The stable PayloadIdentifier of the profile for this server and user. */
export function profileIdentifier(baseUrl: string, username: string): string {
  const { host } = parseBase(baseUrl);
  const reversed = /^[\d.]+$|:/.test(host) ? idPart(host) : host.split('.').reverse().map(idPart).join('.');
  return `${reversed}.brokerstar-dav.${idPart(username)}`;
}

/** The profile's plist XML (unsigned). */
export function mobileconfigXml(opts: MobileconfigOptions): string {
  const lang = opts.language ?? 'de';
  const { host, port, tls } = parseBase(opts.baseUrl);
  const principalUrl = absoluteUrl(opts.baseUrl, opts.principalPath);
  const identifier = profileIdentifier(opts.baseUrl, opts.username);
  const params = { firm: opts.firmName, user: opts.username };
  const caldavName = translate(DEVICE_TEXTS, lang, 'caldavAccount', params);
  const carddavName = translate(DEVICE_TEXTS, lang, 'carddavAccount', params);

  const caldav = {
    PayloadType: 'com.apple.caldav.account',
    PayloadVersion: 1,
    PayloadIdentifier: `${identifier}.caldav`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: caldavName,
    PayloadOrganization: opts.firmName,
    CalDAVAccountDescription: caldavName,
    CalDAVHostName: host,
    CalDAVPort: port,
    CalDAVUseSSL: tls,
    CalDAVPrincipalURL: principalUrl,
    CalDAVUsername: opts.username,
    CalDAVPassword: opts.password,
  };
  const carddav = {
    PayloadType: 'com.apple.carddav.account',
    PayloadVersion: 1,
    PayloadIdentifier: `${identifier}.carddav`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: carddavName,
    PayloadOrganization: opts.firmName,
    CardDAVAccountDescription: carddavName,
    CardDAVHostName: host,
    CardDAVPort: port,
    CardDAVUseSSL: tls,
    CardDAVPrincipalURL: principalUrl,
    CardDAVUsername: opts.username,
    CardDAVPassword: opts.password,
  };
  return build({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: identifier,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: opts.firmName,
    PayloadOrganization: opts.firmName,
    PayloadDescription: translate(DEVICE_TEXTS, lang, 'profileDescription', params),
    PayloadRemovalDisallowed: false,
    PayloadContent: [caldav, carddav],
  });
}

/**
 * The .mobileconfig to download: the plist, signed (CMS SignedData, DER) when `signing` is given.
 * Throws when the signing certificate or key is unusable (wrong type, not a pair).
 */
export async function buildMobileconfig(opts: MobileconfigOptions): Promise<{ body: Buffer; signed: boolean }> {
  const xml = Buffer.from(mobileconfigXml(opts), 'utf8');
  if (!opts.signing) return { body: xml, signed: false };
  return { body: signCms(xml, opts.signing.certPem, opts.signing.keyPem), signed: true };
}
