// The device setups of the portal (src/portal/devices/): the iPhone profile (parsed back, and its
// signature checked twice: by node:crypto here and, where the machine has it, by openssl), the
// DAVx5 login URL read the way DAVx5 reads it, the QR code decoded from its PNG and its SVG, the
// Outlook rows, the Thunderbird addresses.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsqr from 'jsqr';
import forge from 'node-forge';
import { parse } from 'plist';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVICE_TEXTS } from '../../../src/i18n/devices.js';
import { LANGUAGES, placeholdersOf } from '../../../src/i18n/texts.js';
import { davx5BaseUrl, davx5LoginUrl, qrPng, qrSvg } from '../../../src/portal/devices/davx5.js';
import { buildMobileconfig, MOBILECONFIG_CONTENT_TYPE, profileIdentifier } from '../../../src/portal/devices/mobileconfig.js';
import { outlookSettings, type OutlookCollection } from '../../../src/portal/devices/outlook.js';
import { thunderbirdSettings } from '../../../src/portal/devices/thunderbird.js';

const BASE = 'https://dav.mueller-versicherungen.ch';
const PASSWORD = 'Ab3de-Fg4hj-Kmn5p-Qr6st';
const PROFILE = {
  firmName: 'Müller & Partner <Versicherungen>',
  baseUrl: BASE,
  username: 'anna.meier',
  password: PASSWORD,
  principalPath: '/dav/principals/anna.meier/',
};

// jsqr is CommonJS with an ES-style default export in its typings: its function is `.default`.
const jsQR = jsqr.default;

type Dict = Record<string, unknown>;
const asDict = (v: unknown) => v as Dict;

// ---------------------------------------------------------------------------------------------
// Certificates made in the test: RSA and a CA-signed chain with node-forge (keys from node:crypto),
// ECDSA with openssl where present (node-forge cannot make EC certificates).

function rsaKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
  };
}

function certificate(subjectCn: string, serial: string, keys: ReturnType<typeof rsaKeys>, issuer?: { cn: string; keys: ReturnType<typeof rsaKeys> }) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.forgePublic;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  cert.setIssuer([{ name: 'commonName', value: issuer?.cn ?? subjectCn }]);
  cert.setExtensions(issuer ? [{ name: 'basicConstraints', cA: false }] : [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true }]);
  cert.sign((issuer?.keys ?? keys).forgePrivate, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

// Debian's openssl (installed by .ci/run) verifies the signatures independently of our own code
// and makes the ECDSA certificate; a missing openssl fails here, it is never skipped.
execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });

const work = mkdtempSync(join(tmpdir(), 'devices-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** openssl's own CMS verification: signature, and the signer's chain up to `caPem`; returns the content. */
function opensslVerify(der: Buffer, caPem: string): Buffer {
  const inFile = join(work, 'profile.der');
  const caFile = join(work, 'ca.pem');
  const outFile = join(work, 'content.xml');
  writeFileSync(inFile, der);
  writeFileSync(caFile, caPem);
  execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', inFile, '-CAfile', caFile, '-purpose', 'any', '-out', outFile], { stdio: 'pipe', timeout: 20_000 });
  return readFileSync(outFile);
}

/**
 * Our own reading of a CMS SignedData (RFC 5652), independent of the signer's code: the content,
 * the signed attributes' digest and the signature checked with node:crypto against `certPem`.
 */
function verifyCms(der: Buffer, certPem: string): Buffer {
  const A = forge.asn1;
  const root = A.fromDer(der.toString('binary'));
  const [type, explicit] = root.value as forge.asn1.Asn1[];
  expect(A.derToOid(type!.value as string)).toBe('1.2.840.113549.1.7.2');
  const signedData = (explicit!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const encap = signedData[2]!.value as forge.asn1.Asn1[];
  expect(A.derToOid(encap[0]!.value as string)).toBe('1.2.840.113549.1.7.1');
  const content = Buffer.from(((encap[1]!.value as forge.asn1.Asn1[])[0]!.value as string), 'binary');
  const signerInfos = signedData[signedData.length - 1]!.value as forge.asn1.Asn1[];
  expect(signerInfos).toHaveLength(1);
  const signer = signerInfos[0]!.value as forge.asn1.Asn1[];
  const attrsNode = signer[3]!;
  expect(attrsNode.tagClass).toBe(A.Class.CONTEXT_SPECIFIC);
  const attrs = new Map<string, forge.asn1.Asn1>();
  for (const attr of attrsNode.value as forge.asn1.Asn1[]) {
    const [oid, set] = attr.value as forge.asn1.Asn1[];
    attrs.set(A.derToOid(oid!.value as string), (set!.value as forge.asn1.Asn1[])[0]!);
  }
  expect(A.derToOid(attrs.get('1.2.840.113549.1.9.3')!.value as string)).toBe('1.2.840.113549.1.7.1');
  const digest = Buffer.from(attrs.get('1.2.840.113549.1.9.4')!.value as string, 'binary');
  expect(digest.equals(createHash('sha256').update(content).digest())).toBe(true);
  // The signature is over the attributes as a SET OF: the [0] tag (0xA0) replaced by 0x31.
  const signedBytes = Buffer.from(A.toDer(attrsNode).getBytes(), 'binary');
  signedBytes[0] = 0x31;
  const signature = Buffer.from(signer[5]!.value as string, 'binary');
  expect(verify('sha256', signedBytes, new X509Certificate(certPem).publicKey, signature)).toBe(true);
  // Tampering with the attributes breaks it.
  const tampered = Buffer.from(signedBytes);
  tampered[tampered.length - 1]! ^= 1;
  expect(verify('sha256', tampered, new X509Certificate(certPem).publicKey, signature)).toBe(false);
  return content;
}

function payloads(xml: string) {
  const profile = asDict(parse(xml));
  const content = profile['PayloadContent'] as Dict[];
  const caldav = content.find((p) => p['PayloadType'] === 'com.apple.caldav.account');
  const carddav = content.find((p) => p['PayloadType'] === 'com.apple.carddav.account');
  return { profile, content, caldav: caldav!, carddav: carddav! };
}

describe('iPhone, iPad and Mac profile (.mobileconfig)', () => {
  it('holds a CalDAV and a CardDAV account with host, port, TLS, principal URL, user, password, named after the firm', async () => {
    const { body, signed } = await buildMobileconfig(PROFILE);
    expect(signed).toBe(false);
    expect(MOBILECONFIG_CONTENT_TYPE).toBe('application/x-apple-aspen-config');
    const xml = body.toString('utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE plist/);
    const { profile, content, caldav, carddav } = payloads(xml);
    expect(content).toHaveLength(2);
    expect(profile).toMatchObject({
      PayloadType: 'Configuration',
      PayloadVersion: 1,
      PayloadDisplayName: 'Müller & Partner <Versicherungen>',
      PayloadOrganization: 'Müller & Partner <Versicherungen>',
      PayloadIdentifier: 'ch.mueller-versicherungen.dav.brokerstar-dav.anna.meier',
    });
    for (const [kind, payload] of [['CalDAV', caldav], ['CardDAV', carddav]] as const) {
      expect(payload[`${kind}HostName`]).toBe('dav.mueller-versicherungen.ch');
      expect(payload[`${kind}Port`]).toBe(443);
      expect(payload[`${kind}UseSSL`]).toBe(true);
      expect(payload[`${kind}PrincipalURL`]).toBe(`${BASE}/dav/principals/anna.meier/`);
      expect(payload[`${kind}Username`]).toBe('anna.meier');
      expect(payload[`${kind}Password`]).toBe(PASSWORD);
      expect(payload[`${kind}AccountDescription`]).toContain('Müller & Partner <Versicherungen>');
      expect(payload['PayloadVersion']).toBe(1);
      expect(payload['PayloadUUID']).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    }
    expect(caldav['PayloadIdentifier']).toBe(`${profile['PayloadIdentifier'] as string}.caldav`);
    expect(carddav['PayloadIdentifier']).toBe(`${profile['PayloadIdentifier'] as string}.carddav`);
    // Port and TLS flag as the plist types Apple documents (integer, boolean), the firm name escaped.
    expect(xml).toMatch(/<key>CalDAVPort<\/key>\s*<integer>443<\/integer>/);
    expect(xml).toMatch(/<key>CardDAVUseSSL<\/key>\s*<true\/>/);
    expect(xml).toContain('<string>Müller &amp; Partner &lt;Versicherungen&gt;</string>');
    // UUIDs differ between payloads and between builds; identifiers stay.
    const again = payloads((await buildMobileconfig(PROFILE)).body.toString('utf8'));
    expect(new Set([profile['PayloadUUID'], caldav['PayloadUUID'], carddav['PayloadUUID'], again.profile['PayloadUUID']]).size).toBe(4);
    expect(again.profile['PayloadIdentifier']).toBe(profile['PayloadIdentifier']);
  });

  it('takes port, plain HTTP and a path prefix from the base URL, and names the accounts in the language asked for', async () => {
    const { body } = await buildMobileconfig({
      ...PROFILE,
      baseUrl: 'http://192.168.1.20:8008/brokerstar/',
      principalPath: 'dav/principals/anna.meier/',
      language: 'fr',
      firmName: 'Assurances Étoile',
    });
    const { profile, caldav, carddav } = payloads(body.toString('utf8'));
    expect(caldav).toMatchObject({
      CalDAVHostName: '192.168.1.20',
      CalDAVPort: 8008,
      CalDAVUseSSL: false,
      CalDAVPrincipalURL: 'http://192.168.1.20:8008/brokerstar/dav/principals/anna.meier/',
      CalDAVAccountDescription: 'Assurances Étoile – Calendrier et tâches',
    });
    expect(carddav).toMatchObject({ CardDAVPort: 8008, CardDAVUseSSL: false, CardDAVAccountDescription: 'Assurances Étoile – Contacts' });
    expect(profile['PayloadDescription']).toBe('Calendrier, tâches et contacts pour anna.meier (Assurances Étoile).');
    expect(profile['PayloadIdentifier']).toBe('192.168.1.20.brokerstar-dav.anna.meier');
    expect(profileIdentifier('https://Dav.Firm.CH', 'Anna.Meier')).toBe('ch.firm.dav.brokerstar-dav.anna.meier');
  });

  it('refuses a base URL that is not http(s)', async () => {
    await expect(buildMobileconfig({ ...PROFILE, baseUrl: 'dav.firm.ch' })).rejects.toThrow(/not a URL/);
    await expect(buildMobileconfig({ ...PROFILE, baseUrl: 'ftp://dav.firm.ch' })).rejects.toThrow(/http/);
  });

  it('signs the profile (CMS SignedData, DER) with an RSA certificate: the signature verifies and covers the plist', async () => {
    const keys = rsaKeys();
    const certPem = certificate('Müller Profile Signing', '01', keys);
    const { body, signed } = await buildMobileconfig({ ...PROFILE, signing: { certPem, keyPem: keys.keyPem } });
    expect(signed).toBe(true);
    expect(body[0]).toBe(0x30); // DER SEQUENCE, not XML
    const content = verifyCms(body, certPem);
    const { caldav, carddav } = payloads(content.toString('utf8'));
    expect(caldav['CalDAVPassword']).toBe(PASSWORD);
    expect(carddav['CardDAVHostName']).toBe('dav.mueller-versicherungen.ch');
    expect(opensslVerify(body, certPem).equals(content)).toBe(true);
  });

  it('signs with the certificate that belongs to the key when the file holds a chain, and sends the chain along', async () => {
    const caKeys = rsaKeys();
    const caPem = certificate('Test Root CA', '0a', caKeys);
    const leafKeys = rsaKeys();
    const leafPem = certificate('dav.mueller-versicherungen.ch', '0b', leafKeys, { cn: 'Test Root CA', keys: caKeys });
    // The CA first, the signer second: the signer is found by its key, not by its position.
    const { body } = await buildMobileconfig({ ...PROFILE, signing: { certPem: caPem + leafPem, keyPem: leafKeys.keyPem } });
    verifyCms(body, leafPem);
    expect(() => verifyCms(body, caPem)).toThrow();
    const root = forge.asn1.fromDer(body.toString('binary'));
    const signedData = ((root.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    expect((signedData[3]!.value as forge.asn1.Asn1[]).length).toBe(2);
    opensslVerify(body, caPem); // the whole chain, up to the root
  });

  it('refuses a key that belongs to none of the certificates, and a file without a certificate', async () => {
    const certPem = certificate('Someone', '02', rsaKeys());
    const otherKey = rsaKeys().keyPem;
    await expect(buildMobileconfig({ ...PROFILE, signing: { certPem, keyPem: otherKey } })).rejects.toThrow(/belongs to the signing key/);
    await expect(buildMobileconfig({ ...PROFILE, signing: { certPem: 'nothing', keyPem: otherKey } })).rejects.toThrow(/no PEM certificate/);
  });

  it('signs with an ECDSA certificate (P-256) as well', async () => {
    const keyFile = join(work, 'ec.key');
    const certFile = join(work, 'ec.crt');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=EC Profile Signing', '-days', '2'],
      { stdio: 'pipe', timeout: 20_000 },
    );
    const certPem = readFileSync(certFile, 'utf8');
    const { body, signed } = await buildMobileconfig({ ...PROFILE, signing: { certPem, keyPem: readFileSync(keyFile, 'utf8') } });
    expect(signed).toBe(true);
    const content = verifyCms(body, certPem);
    expect(opensslVerify(body, certPem).equals(content)).toBe(true);
    expect(payloads(content.toString('utf8')).caldav['CalDAVUsername']).toBe('anna.meier');
  });
});

/** The user name, password and base URL DAVx5 takes from a login URL (LoginActivity.loginInfoFromIntent). */
function readAsDavx5(loginUrl: string) {
  const url = new URL(loginUrl);
  const scheme = url.protocol.slice(0, -1);
  const real = { caldav: 'http', carddav: 'http', caldavs: 'https', carddavs: 'https', davx5: 'https' }[scheme];
  expect(real, `scheme ${scheme}`).toBeDefined();
  // Android's Uri.getUserInfo() is the decoded user info; DAVx5 splits it at ':'.
  const userInfo = decodeURIComponent(url.username) + (url.password ? `:${decodeURIComponent(url.password)}` : '');
  const [username, password] = userInfo.split(':');
  return { baseUri: `${real}://${url.host}${url.pathname}`, username, password };
}

describe('Android (DAVx5) login URL and QR code', () => {
  it('is davx5://user:password@host/ for an https server, read back by DAVx5 as the base URL and credentials', () => {
    const url = davx5LoginUrl({ baseUrl: BASE, username: 'anna.meier', password: PASSWORD });
    expect(url).toBe(`davx5://anna.meier:${PASSWORD}@dav.mueller-versicherungen.ch/`);
    expect(readAsDavx5(url)).toEqual({ baseUri: `${BASE}/`, username: 'anna.meier', password: PASSWORD });
    expect(davx5BaseUrl(BASE)).toBe(`${BASE}/`);
  });

  it('keeps a port and a path, uses caldav:// (http) for a plain-http server, and leaves the password out when not given', () => {
    expect(davx5LoginUrl({ baseUrl: 'https://firm.ch:8443/cal/', username: 'anna.meier', password: 'x' })).toBe('davx5://anna.meier:x@firm.ch:8443/cal/');
    const demo = davx5LoginUrl({ baseUrl: 'http://127.0.0.1:8008', username: 'anna.meier', password: PASSWORD });
    expect(demo).toBe(`caldav://anna.meier:${PASSWORD}@127.0.0.1:8008/`);
    expect(readAsDavx5(demo)).toEqual({ baseUri: 'http://127.0.0.1:8008/', username: 'anna.meier', password: PASSWORD });
    expect(davx5LoginUrl({ baseUrl: BASE, username: 'anna.meier' })).toBe('davx5://anna.meier@dav.mueller-versicherungen.ch/');
  });

  it('percent-encodes the user name, and refuses a ":" that DAVx5 could not tell apart', () => {
    const url = davx5LoginUrl({ baseUrl: BASE, username: 'anna@firm.ch', password: 'a/b?c#d%e' });
    expect(url).toBe('davx5://anna%40firm.ch:a%2Fb%3Fc%23d%25e@dav.mueller-versicherungen.ch/');
    expect(readAsDavx5(url)).toMatchObject({ username: 'anna@firm.ch', password: 'a/b?c#d%e' });
    expect(() => davx5LoginUrl({ baseUrl: BASE, username: 'anna', password: 'a:b' })).toThrow(RangeError);
    expect(() => davx5LoginUrl({ baseUrl: BASE, username: 'an:na' })).toThrow(RangeError);
  });

  it('renders a PNG QR code that decodes to exactly the login URL', async () => {
    const url = davx5LoginUrl({ baseUrl: BASE, username: 'anna.meier', password: PASSWORD });
    const png = PNG.sync.read(await qrPng(url));
    expect(png.width).toBeGreaterThan(200);
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(code?.data).toBe(url);
    // A different text gives a different code (the decoder is not fooled by any QR code).
    const other = PNG.sync.read(await qrPng(`${url}x`));
    expect(jsQR(new Uint8ClampedArray(other.data), other.width, other.height)?.data).toBe(`${url}x`);
  });

  it('renders an SVG QR code (labelled for screen readers) that, rasterised, decodes to the login URL', async () => {
    const url = davx5LoginUrl({ baseUrl: BASE, username: 'anna.meier', password: PASSWORD });
    const svg = await qrSvg(url, { label: 'QR code "DAVx5" <Anna> & co' });
    expect(svg).toMatch(/^<svg role="img" aria-label="QR code &quot;DAVx5&quot; &lt;Anna&gt; &amp; co" xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script/i);
    const { data, info } = await sharp(Buffer.from(svg), { density: 300 }).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(jsQR(new Uint8ClampedArray(data), info.width, info.height)?.data).toBe(url);
    expect(await qrSvg(url)).toMatch(/^<svg xmlns=/);
  });
});

const COLLECTIONS: OutlookCollection[] = [
  { name: 'Termine', url: `${BASE}/dav/calendars/anna.meier/termine/`, kind: 'events', own: true },
  { name: 'Aufgaben', url: `${BASE}/dav/calendars/anna.meier/aufgaben/`, kind: 'tasks', own: true },
  { name: 'Termine von Jean-Luc Favre', url: `${BASE}/dav/calendars/anna.meier/termine-jean-luc.favre/`, kind: 'events', own: false },
  { name: 'Kontakte', url: `${BASE}/dav/addressbooks/anna.meier/kontakte/`, kind: 'contacts', own: true },
];

const rowsOf = (p: ReturnType<typeof outlookSettings>[number]) => Object.fromEntries(p.rows.map((r) => [r.key, r.value]));

describe('Outlook (CalDav Synchronizer) settings', () => {
  it('syncs his own appointments and tasks both ways with "Server wins", every 5 minutes', () => {
    const [termine, aufgaben] = outlookSettings(COLLECTIONS, 'anna.meier');
    for (const p of [termine!, aufgaben!]) {
      expect(p.mode).toBe('MergeInBothDirections');
      expect(p.conflictResolution).toBe('ServerWins');
      expect(p.intervalMinutes).toBe(5);
    }
    expect(rowsOf(termine!)).toEqual({
      name: 'Termine',
      profileType: 'Generic CalDAV/CardDAV',
      outlookFolder: 'Calendar folder "Termine"',
      davUrl: `${BASE}/dav/calendars/anna.meier/termine/`,
      username: 'anna.meier',
      syncMode: 'Outlook ←→ Server (Two-Way)',
      conflictResolution: 'Server wins',
      syncInterval: '5',
    });
    expect(termine!.rows.map((r) => r.label)).toEqual([
      'Name',
      'Profile type',
      'Outlook folder',
      'DAV URL',
      'Username',
      'Synchronization mode',
      'Conflict resolution',
      'Synchronization interval (minutes)',
    ]);
    expect(rowsOf(aufgaben!)['outlookFolder']).toBe('Tasks folder "Aufgaben"');
    expect(aufgaben!.folderKind).toBe('Tasks');
    expect(termine!.rows.filter((r) => r.copy).map((r) => r.key)).toEqual(['name', 'davUrl', 'username']);
  });

  it("replicates a colleague's calendar and the address book from the server, without a conflict resolution", () => {
    const [, , colleague, contacts] = outlookSettings(COLLECTIONS, 'anna.meier');
    for (const p of [colleague!, contacts!]) {
      expect(p.mode).toBe('ReplicateServerIntoOutlook');
      expect(p.conflictResolution).toBeNull();
      expect(rowsOf(p)['syncMode']).toBe('Outlook ← Server (Replicate)');
      expect(p.rows.some((r) => r.key === 'conflictResolution')).toBe(false);
    }
    expect(rowsOf(contacts!)).toMatchObject({ outlookFolder: 'Contacts folder "Kontakte"', davUrl: `${BASE}/dav/addressbooks/anna.meier/kontakte/` });
    expect(contacts!.folderKind).toBe('Contacts');
    expect(colleague!.folderKind).toBe('Calendar');
    // A colleague's task list (not offered today) would be read-only too.
    expect(outlookSettings([{ ...COLLECTIONS[1]!, own: false }], 'anna.meier')[0]!.mode).toBe('ReplicateServerIntoOutlook');
  });

  it("shows the add-in's own texts in the employee's language, and its English beside them", () => {
    const [termine, , colleague] = outlookSettings(
      [COLLECTIONS[0]!, COLLECTIONS[3]!, { ...COLLECTIONS[2]!, name: "Rendez-vous d'Anna Meier" }],
      'jean-luc.favre',
      'fr',
      15,
    );
    expect(rowsOf(termine!)).toMatchObject({
      profileType: 'Profil générique',
      syncMode: 'Outlook ←→ Serveur (deux sens)',
      conflictResolution: 'Serveur gagne',
      syncInterval: '15',
      username: 'jean-luc.favre',
    });
    expect(rowsOf(colleague!)).toMatchObject({ syncMode: 'Outlook ← Serveur (copie)', outlookFolder: "Dossier de calendrier « Rendez-vous d'Anna Meier »" });
    const mode = termine!.rows.find((r) => r.key === 'syncMode')!;
    expect(mode).toMatchObject({ label: 'Mode de synchronisation', english: { label: 'Synchronization mode', value: 'Outlook ←→ Server (Two-Way)' } });
    const de = outlookSettings(COLLECTIONS, 'anna.meier', 'de');
    expect(rowsOf(de[0]!)).toMatchObject({ profileType: 'Generisches Profil', syncMode: 'Outlook ←→ Server (Zwei-Wege)', conflictResolution: 'Server gewinnt' });
    expect(rowsOf(de[3]!)['syncMode']).toBe('Outlook ← Server (Replizieren)');
    const it_ = outlookSettings(COLLECTIONS, 'anna.meier', 'it');
    expect(rowsOf(it_[0]!)).toMatchObject({ profileType: 'Profilo generico', syncMode: 'Outlook ←→ Server (doppio senso)' });
    expect(rowsOf(it_[3]!)['syncMode']).toBe('Outlook ← Server (replicare)');
  });

  it('refuses an interval the add-in does not offer', () => {
    expect(() => outlookSettings(COLLECTIONS, 'anna.meier', 'en', 7)).toThrow(RangeError);
    expect(outlookSettings(COLLECTIONS, 'anna.meier', 'en', 30)[0]!.intervalMinutes).toBe(30);
  });
});

describe('Thunderbird settings', () => {
  it('gives the one base address to discover from, and each collection for a single subscription', () => {
    const tb = thunderbirdSettings({ baseUrl: BASE, username: 'anna.meier', collections: COLLECTIONS });
    expect(tb.location).toBe(`${BASE}/`);
    expect(tb.username).toBe('anna.meier');
    expect(tb.calendars).toEqual([
      { name: 'Termine', url: `${BASE}/dav/calendars/anna.meier/termine/` },
      { name: 'Aufgaben', url: `${BASE}/dav/calendars/anna.meier/aufgaben/` },
      { name: 'Termine von Jean-Luc Favre', url: `${BASE}/dav/calendars/anna.meier/termine-jean-luc.favre/` },
    ]);
    expect(tb.addressBooks).toEqual([{ name: 'Kontakte', url: `${BASE}/dav/addressbooks/anna.meier/kontakte/` }]);
  });

  it('puts collection paths below a base URL with a path prefix and a trailing slash', () => {
    const tb = thunderbirdSettings({
      baseUrl: 'https://firm.ch/brokerstar/',
      username: 'anna.meier',
      collections: [{ name: 'Kontakte', url: '/dav/addressbooks/anna.meier/kontakte/', kind: 'contacts' }],
    });
    expect(tb.location).toBe('https://firm.ch/brokerstar/');
    expect(tb.addressBooks).toEqual([{ name: 'Kontakte', url: 'https://firm.ch/brokerstar/dav/addressbooks/anna.meier/kontakte/' }]);
    expect(tb.calendars).toEqual([]);
  });
});

describe('device texts', () => {
  it('has every key in all four languages with the same placeholders', () => {
    const keys = Object.keys(DEVICE_TEXTS.en).sort();
    for (const lang of LANGUAGES) {
      expect(Object.keys(DEVICE_TEXTS[lang]).sort(), lang).toEqual(keys);
      for (const key of keys) {
        const text = DEVICE_TEXTS[lang][key as keyof typeof DEVICE_TEXTS.en];
        expect(text.trim(), `${lang}.${key}`).not.toBe('');
        expect(placeholdersOf(text).sort(), `${lang}.${key}`).toEqual(placeholdersOf(DEVICE_TEXTS.en[key as keyof typeof DEVICE_TEXTS.en]).sort());
      }
    }
  });
});
