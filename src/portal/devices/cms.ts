// A CMS (PKCS#7) SignedData in DER with the content attached, as iOS and macOS expect a signed
// .mobileconfig (RFC 5652 section 5). The structure is written with node-forge's ASN.1 encoder;
// the signature itself comes from node:crypto, because node-forge's own PKCS#7 signer and its
// certificate parser handle RSA only, and a firm's certificate is often ECDSA (the default key
// type of many certificate authorities today). The certificates are copied byte for byte.
import { X509Certificate, createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

const U = asn1.Class.UNIVERSAL;
const CTX = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

const bin = (b: Buffer) => b.toString('binary');
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const nul = () => asn1.create(U, T.NULL, false, '');
const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const seq = (items: Asn1[]) => asn1.create(U, T.SEQUENCE, true, items);
const der = (node: Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');

/** A SET OF in DER order: its members sorted by their encodings (X.690 11.6). */
function setOf(items: Asn1[], tagClass = U, type: number = T.SET): Asn1 {
  const sorted = items.map((item) => ({ item, enc: der(item) })).sort((a, b) => Buffer.compare(a.enc, b.enc));
  return asn1.create(tagClass, type, true, sorted.map((s) => s.item));
}

const attribute = (type: string, value: Asn1) => seq([oid(type), setOf([value])]);

/** The PEM blocks of every certificate in `pem` (a certificate, or a certificate and its chain). */
function certificatesOf(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('the signing certificate file holds no PEM certificate');
  if (blocks.length > 20) throw new Error('the signing certificate file holds more than 20 certificates');
  return blocks.map((b) => new X509Certificate(b).raw);
}

/** A certificate's ASN.1, checked to encode back to exactly its own bytes. */
function certificateNode(raw: Buffer): Asn1 {
  // The typings know only fromDer(bytes, strict); node-forge takes options (lib/asn1.js): keep
  // BIT STRINGs as bytes, so the certificate encodes back unchanged.
  const fromDer = asn1.fromDer as unknown as (bytes: string, options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => Asn1;
  const node = fromDer(bin(raw), { strict: true, parseAllBytes: true, decodeBitStrings: false });
  if (!der(node).equals(raw)) throw new Error('the signing certificate is not in DER canonical form');
  return node;
}

/** issuerAndSerialNumber of a certificate (RFC 5652 10.2.4), taken from its tbsCertificate. */
function issuerAndSerial(cert: Asn1): Asn1 {
  const tbs = (cert.value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  // tbsCertificate: [0] version (absent in v1), serialNumber, signature, issuer, ...
  const first = fields[0]!;
  const offset = first.tagClass === CTX && first.type === 0 ? 1 : 0;
  const serial = fields[offset]!;
  const issuer = fields[offset + 2]!;
  return seq([issuer, serial]);
}

function signatureAlgorithm(key: KeyObject): Asn1 {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return seq([oid(OID.rsaEncryption), nul()]);
    case 'ec':
      return seq([oid(OID.ecdsaWithSha256)]);
    default:
      throw new Error(`a profile signing key must be RSA or EC, not ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/**
 * Signs `content` as a CMS SignedData (DER, content attached, SHA-256, signed attributes
 * contentType, signingTime and messageDigest) with the certificate in `certPem` whose public key
 * belongs to `keyPem`; every further certificate in `certPem` (the chain) goes along.
 */
export function signCms(content: Buffer, certPem: string, keyPem: string, signingTime: Date = new Date()): Buffer {
  const key = createPrivateKey(keyPem);
  if (key.type !== 'private') throw new Error('the profile signing key is not a private key');
  const raws = certificatesOf(certPem);
  const signerIndex = raws.findIndex((raw) => new X509Certificate(raw).checkPrivateKey(key));
  if (signerIndex < 0) throw new Error('no certificate in the signing certificate file belongs to the signing key');
  const certs = raws.map(certificateNode);

  const digest = createHash('sha256').update(content).digest();
  const signedAttrs = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(signingTime))),
    attribute(OID.messageDigest, asn1.create(U, T.OCTETSTRING, false, bin(digest))),
  ];
  // The signature covers the attributes encoded as a SET OF (tag 0x31), not as the [0] they are sent as.
  const signature = sign('sha256', der(setOf(signedAttrs)), key);

  const signerInfo = seq([
    int(1),
    issuerAndSerial(certs[signerIndex]!),
    seq([oid(OID.sha256), nul()]),
    setOf(signedAttrs, CTX, 0),
    signatureAlgorithm(key),
    asn1.create(U, T.OCTETSTRING, false, bin(signature)),
  ]);
  const signedData = seq([
    int(1),
    asn1.create(U, T.SET, true, [seq([oid(OID.sha256), nul()])]),
    seq([oid(OID.data), asn1.create(CTX, 0, true, [asn1.create(U, T.OCTETSTRING, false, bin(content))])]),
    asn1.create(CTX, 0, true, certs),
    asn1.create(U, T.SET, true, [signerInfo]),
  ]);
  return der(seq([oid(OID.signedData), asn1.create(CTX, 0, true, [signedData])]));
}
