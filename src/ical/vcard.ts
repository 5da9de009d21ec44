// Contacts as vCard 3.0 (RFC 2426) or 4.0 (RFC 6350) from one code path, the photo inline.
//
// Not vcard-creator: it writes 3.0 only, so 4.0 would need a second writer, and it escapes ';' in
// NOTE/FN, which Thunderbird (ical.js) shows as '\;'. One writer on text.ts keeps both versions alike.
import type { ContactAddress, ContactEmail, ContactPhone, ContactRecord, RenderStamp } from '../domain/records.js';
import type { RenderOptions } from './render-options.js';
import { ContentLines, escapeVcardText, rawValue, structuredText, type Params } from './text.js';
import { uidOf } from './uid.js';
import { PRODID, parseIsoDay } from './vcalendar.js';

export type VcardVersion = '3.0' | '4.0';

/** The customer number's own property, for tools; clients show it through NOTE. */
export const CUSTOMER_NO_PROPERTY = 'X-BROKERSTAR-CUSTOMER-NO';
/** The card's revision counter (the SEQUENCE of iCalendar), from the second version on. */
export const REVISION_PROPERTY = 'X-BROKERSTAR-REVISION';
/** German like BrokerStar's own UI; fixed, so a card never depends on who looks at it. */
const CUSTOMER_NO_LABEL = 'Kunden-Nr.';

const PHONE_TYPES: Readonly<Record<ContactPhone['kind'], readonly string[]>> = {
  work: ['work', 'voice'],
  home: ['home', 'voice'],
  mobile: ['cell', 'voice'],
  fax: ['work', 'fax'],
  other: ['voice'],
};

const EMAIL_TYPES: Readonly<Record<ContactEmail['kind'], readonly string[]>> = {
  work: ['work'],
  home: ['home'],
  other: [],
};

// vCard 4.0 has no "postal" address type any more (RFC 6350 §6.3.1 lists work and home only).
const ADDRESS_TYPES: Readonly<Record<VcardVersion, Readonly<Record<ContactAddress['kind'], readonly string[]>>>> = {
  '3.0': { work: ['work'], home: ['home'], postal: ['postal'], other: [] },
  '4.0': { work: ['work'], home: ['home'], postal: [], other: [] },
};

/**
 * TYPE (and PREF) parameters. 3.0: `TYPE=WORK,VOICE,PREF` (RFC 2426 §3.3.1); 4.0: `TYPE=work,voice`
 * plus `PREF=1` (RFC 6350 §5.3, §5.6).
 */
function typeParams(version: VcardVersion, types: readonly string[], preferred: boolean): Params {
  if (version === '3.0') {
    const all = [...types, ...(preferred ? ['pref'] : [])].map((t) => t.toUpperCase());
    return all.length ? [['TYPE', all]] : [];
  }
  const params: [string, string | readonly string[]][] = types.length ? [['TYPE', types]] : [];
  if (preferred) params.push(['PREF', '1']);
  return params;
}

/** Only the first primary entry of a list is marked preferred. */
function preferredIndex(items: readonly { readonly isPrimary: boolean }[]): number {
  return items.findIndex((i) => i.isPrimary);
}

const nonEmpty = (s: string | null | undefined): s is string => s != null && s.trim() !== '';

/** FN: what the address book (and the birthdays calendar) shows as the contact's name. */
export function formattedName(c: ContactRecord): string {
  const person = [c.academicTitle, c.firstName, c.lastName].filter(nonEmpty).map((s) => s.trim()).join(' ');
  const company = c.companyName?.trim() ?? '';
  const name = c.kind === 'company' ? company || person : person || company;
  return name || c.customerNo?.trim() || `Kontakt ${c.id}`;
}

/** N: family;given;additional;prefixes;suffixes. The academic title is the prefix; "Herr"/"Frau" are not names. */
function structuredName(c: ContactRecord): string {
  if (c.kind === 'company') return structuredText([c.companyName?.trim() || formattedName(c), '', '', '', '']);
  return structuredText([c.lastName?.trim(), c.firstName?.trim(), '', c.academicTitle?.trim(), '']);
}

/** A website as typed in BrokerStar ("www.muster.ch") made into a URI. */
function websiteUri(website: string): string {
  const w = website.trim();
  return /^[a-z][a-z0-9+.-]*:/i.test(w) ? w : `https://${w}`;
}

function note(c: ContactRecord): string | null {
  const parts = [c.customerNo?.trim() ? `${CUSTOMER_NO_LABEL}: ${c.customerNo.trim()}` : null, c.notes?.trim() || null];
  const text = parts.filter(nonEmpty).join('\n\n');
  return text === '' ? null : text;
}

function revision(d: Date, version: VcardVersion): string {
  const iso = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // 3.0 examples use the extended form; 4.0 timestamps are basic form only (RFC 6350 §4.3.5).
  return version === '3.0' ? iso : iso.replace(/[-:]/g, '');
}

/**
 * One contact as a vCard. Persons: N from last/first name and academic title, ORG from the
 * employer; companies: N and ORG from the company name, `X-ABShowAs:COMPANY` (Apple) and, in 4.0,
 * `KIND:org`. The photo is inline (docs/client-compatibility.md): 3.0 `PHOTO;ENCODING=b;TYPE=JPEG`, 4.0 a
 * `data:` URI. `opts` is unused today; it is taken for the same signature as the other renderers.
 */
export function renderVcard(c: ContactRecord, stamp: RenderStamp, version: VcardVersion, _opts: RenderOptions): string {
  const lines = new ContentLines('vcard');
  lines.begin('VCARD').add('VERSION', version).add('PRODID', PRODID);
  // 4.0 UIDs are URIs by default; ours is text (RFC 6350 §6.7.6).
  lines.add('UID', uidOf('contact', c.id), version === '4.0' ? [['VALUE', 'text']] : []);
  if (version === '4.0' && c.kind === 'company') lines.add('KIND', 'org');
  lines.text('FN', formattedName(c));
  lines.add('N', structuredName(c));
  if (nonEmpty(c.companyName) || nonEmpty(c.department)) {
    const org = [c.companyName?.trim() ?? '', ...(nonEmpty(c.department) ? [c.department.trim()] : [])];
    lines.add('ORG', structuredText(org));
  }
  lines.text('TITLE', c.jobTitle?.trim());

  const prefPhone = preferredIndex(c.phones);
  c.phones.forEach((p, i) => {
    if (nonEmpty(p.number)) lines.text('TEL', p.number.trim(), typeParams(version, PHONE_TYPES[p.kind], i === prefPhone));
  });
  const prefEmail = preferredIndex(c.emails);
  c.emails.forEach((e, i) => {
    if (!nonEmpty(e.address)) return;
    const types = version === '3.0' ? ['internet', ...EMAIL_TYPES[e.kind]] : EMAIL_TYPES[e.kind];
    lines.text('EMAIL', e.address.trim(), typeParams(version, types, i === prefEmail));
  });
  for (const a of c.addresses) {
    const parts = [a.poBox, '', a.street, a.city, a.region, a.postalCode, a.countryCode].map((p) => p?.trim() ?? '');
    if (parts.every((p) => p === '')) continue;
    // The street may hold several lines; escapeText turns them into \n inside the component.
    lines.add('ADR', structuredText(parts), typeParams(version, ADDRESS_TYPES[version][a.kind], false));
  }

  // 3.0 takes the ISO 8601 extended date (RFC 2426 §3.1.5); 4.0 the basic form (RFC 6350 §4.3.1).
  if (c.birthday !== null && parseIsoDay(c.birthday)) {
    lines.add('BDAY', version === '3.0' ? c.birthday : c.birthday.replace(/-/g, ''));
  }
  if (nonEmpty(c.website)) lines.add('URL', rawValue(websiteUri(c.website)));
  lines.text('NOTE', note(c));
  const categories = c.categories.map((s) => s.trim()).filter((s) => s !== '');
  if (categories.length) lines.add('CATEGORIES', categories.map(escapeVcardText).join(','));
  if (nonEmpty(c.customerNo)) lines.text(CUSTOMER_NO_PROPERTY, c.customerNo.trim());
  if (c.kind === 'company') lines.add('X-ABShowAs', 'COMPANY');
  if (c.photo) {
    const base64 = c.photo.data.toString('base64');
    if (version === '3.0') lines.add('PHOTO', base64, [['ENCODING', 'b'], ['TYPE', 'JPEG']]);
    else lines.add('PHOTO', `data:${c.photo.mimeType};base64,${base64}`);
  }
  // vCard has no SEQUENCE, and clients that compare content (vdirsyncer hashes cards without REV)
  // would not see a re-announcement that only moves REV: the revision makes it visible.
  if (stamp.sequence > 0) lines.add(REVISION_PROPERTY, String(stamp.sequence));
  lines.add('REV', revision(stamp.lastModified, version));
  lines.end('VCARD');
  return lines.toString();
}
