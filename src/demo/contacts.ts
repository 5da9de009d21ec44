// Contacts of the demo firm: persons and companies with phones, emails, addresses, categories, photos.
import {
  ACADEMIC_TITLES,
  COMPANY_TYPES,
  CONTACT_NOTES,
  DEPARTMENTS,
  EMAIL_PROVIDERS,
  FIRST_NAMES,
  FOREIGN_PLACES,
  INSURERS,
  JOB_TITLES,
  LAST_NAMES,
  MOBILE_PREFIXES,
  PLACES,
  PO_BOX,
  STREETS,
  STREET_PREFIX_LINES,
  asciiFold,
  mailbox,
  type ForeignPlace,
  type Lang,
  type Place,
  type RegionLang,
} from './names.js';
import type { Random } from './random.js';
import { dayOf, daysInMonth, isoDate } from './time.js';
import { daysBefore, instantBetween, type World } from './world.js';

export interface ContactRow {
  readonly id: number;
  readonly kind: 'person' | 'company';
  readonly customer_no: string | null;
  readonly salutation: string | null;
  readonly academic_title: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
  readonly company_name: string | null;
  readonly department: string | null;
  readonly job_title: string | null;
  readonly birthday: string | null;
  readonly website: string | null;
  readonly notes: string | null;
  readonly advisor_id: number | null;
  readonly is_archived: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly deleted_at: Date | null;
}

export interface PhoneRow {
  readonly id: number;
  readonly contact_id: number;
  readonly kind: 'work' | 'home' | 'mobile' | 'fax' | 'other';
  readonly number: string;
  readonly is_primary: boolean;
  readonly position: number;
}

export interface EmailRow {
  readonly id: number;
  readonly contact_id: number;
  readonly kind: 'work' | 'home' | 'other';
  readonly address: string;
  readonly is_primary: boolean;
  readonly position: number;
}

export interface AddressRow {
  readonly id: number;
  readonly contact_id: number;
  readonly kind: 'work' | 'home' | 'postal' | 'other';
  readonly street: string | null;
  readonly po_box: string | null;
  readonly postal_code: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly country_code: string | null;
  readonly position: number;
}

export interface CategoryRow {
  readonly contact_id: number;
  readonly category: string;
}

export interface RestrictionRow {
  readonly contact_id: number;
  readonly employee_id: number;
}

export interface FavoriteRow {
  readonly employee_id: number;
  readonly contact_id: number;
}

/** A photo to render later: small avatar (JPEG), company logo (PNG or JPEG), or a large camera JPEG. */
export interface PhotoPlan {
  readonly contact_id: number;
  readonly kind: 'avatar' | 'logo-jpeg' | 'logo-png' | 'large';
  readonly initials: string;
  readonly hue: number;
  /** Which of the few large images to reuse (large only). */
  readonly variant: number;
  readonly updated_at: Date;
}

/** What appointments and tasks need to know about a contact. */
export interface ContactRef {
  readonly id: number;
  readonly displayName: string;
  readonly lang: Lang;
  /** One-line address for an appointment's location, when the contact has one. */
  readonly location: string | null;
  /** Visible to the firm (not deleted, not archived). */
  readonly live: boolean;
}

export interface ContactPlan {
  readonly contacts: ContactRow[];
  readonly phones: PhoneRow[];
  readonly emails: EmailRow[];
  readonly addresses: AddressRow[];
  readonly categories: CategoryRow[];
  readonly restrictions: RestrictionRow[];
  readonly favorites: FavoriteRow[];
  readonly photos: PhotoPlan[];
  readonly refs: ContactRef[];
}

export interface ContactOptions {
  readonly count: number;
  readonly photoFraction: number;
  readonly largePhotos: boolean;
  readonly largeVariants: number;
}

interface Location {
  readonly swiss: Place | undefined;
  readonly foreign: ForeignPlace | undefined;
  readonly lang: RegionLang;
}

/** 'Garage Huber AG' → 'garage-huber' */
function slug(text: string): string {
  return asciiFold(text)
    .toLowerCase()
    .replace(/\b(ag|gmbh|sa|sarl|sagl)\b/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .slice(0, 3)
    .join('-');
}

function digits(rng: Random, n: number): string {
  let s = String(rng.int(2, 9));
  while (s.length < n) s += String(rng.int(0, 9));
  return s;
}

/** Swiss numbers as people type them: mostly '+41 44 123 45 67', sometimes '044 123 45 67' or compact. */
function swissNumber(rng: Random, area: string): string {
  const d = digits(rng, 7);
  const grouped = `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5)}`;
  const style = rng.weighted([['intl', 75], ['local', 20], ['compact', 5]] as const);
  if (style === 'local') return `0${area} ${grouped}`;
  if (style === 'compact') return `+41${area}${d}`;
  return `+41 ${area} ${grouped}`;
}

function foreignNumber(rng: Random, place: ForeignPlace): string {
  const d = digits(rng, 7);
  return `${place.phonePrefix} ${d.slice(0, 3)} ${d.slice(3)}`;
}

function pickLocation(rng: Random): Location {
  if (rng.chance(0.03)) {
    const foreign = rng.pick(FOREIGN_PLACES);
    return { swiss: undefined, foreign, lang: foreign.lang === 'en' ? 'de' : foreign.lang };
  }
  const swiss = rng.weighted(PLACES.map((p) => [p, p.weight] as const));
  return { swiss, foreign: undefined, lang: swiss.lang };
}

function streetLine(rng: Random, loc: Location): string {
  const name = loc.foreign ? loc.foreign.street : rng.pick(STREETS[loc.lang]);
  const number = `${rng.int(1, 120)}${rng.chance(0.08) ? rng.pick(['a', 'b', 'c']) : ''}`;
  return `${name} ${number}`;
}

function oneLine(a: Pick<AddressRow, 'street' | 'postal_code' | 'city'>): string | null {
  if (!a.city) return null;
  const street = a.street ? `${a.street.split('\n').pop()}, ` : '';
  return `${street}${a.postal_code ?? ''} ${a.city}`.trim();
}

export function planContacts(rng: Random, world: World, opts: ContactOptions): ContactPlan {
  const plan: ContactPlan = {
    contacts: [],
    phones: [],
    emails: [],
    addresses: [],
    categories: [],
    restrictions: [],
    favorites: [],
    photos: [],
    refs: [],
  };
  const { now } = world;
  const brokers = world.active.length ? world.active : world.employees;
  const former = world.employees.filter((e) => !e.active);
  let customerNo = 10_000 + rng.int(1, 300);
  let phoneId = 0;
  let emailId = 0;
  let addressId = 0;
  const companyNames: { name: string; domain: string; lang: RegionLang; loc: Location }[] = [];
  let leapBirthday = false;
  const photoIds = new Set(
    rng
      .sample(
        Array.from({ length: opts.count }, (_, i) => i + 1),
        Math.round(opts.count * Math.min(1, Math.max(0, opts.photoFraction))),
      )
      .sort((a, b) => a - b),
  );
  let pngLogos = 0;

  for (let id = 1; id <= opts.count; id++) {
    const insurer = id <= INSURERS.length && opts.count >= 40 ? INSURERS[id - 1] : undefined;
    const kind: 'person' | 'company' = insurer || rng.chance(0.25) ? 'company' : 'person';
    const loc = insurer ? { ...pickLocation(rng), lang: insurer.lang } : pickLocation(rng);
    const lang: Lang = rng.chance(0.8) ? loc.lang : rng.weighted<Lang>([['de', 45], ['fr', 25], ['it', 20], ['en', 10]]);
    const regionLang: RegionLang = lang === 'en' ? 'de' : lang;
    const female = rng.chance(0.5);
    const categories = new Set<string>();
    let row: ContactRow;
    let employer: (typeof companyNames)[number] | undefined;
    let displayName: string;

    const created = instantBetween(rng, daysBefore(now, 3000), daysBefore(now, 1));
    const updated = rng.chance(0.6) ? instantBetween(rng, created, now) : created;
    const roll = rng.next();
    // Insurers stay: their staff's contacts name them as employer.
    const deleted = roll < 0.03 && !insurer ? instantBetween(rng, updated, now) : null;
    const archived = roll >= 0.03 && roll < 0.06 && !insurer;
    const advisor =
      insurer || rng.chance(0.03) ? null : former.length && rng.chance(0.04) ? rng.pick(former) : rng.pick(brokers);

    if (kind === 'company') {
      let name: string;
      if (insurer) {
        name = insurer.name;
        categories.add('Versicherer');
      } else {
        const type = rng.pick(COMPANY_TYPES[regionLang]);
        const family = () => rng.pick(LAST_NAMES[regionLang]);
        const legal = rng.pick(type.legal);
        name = type.pattern
          .replace('{name}', family())
          .replace('{name2}', family())
          .replace('{city}', loc.swiss?.city ?? loc.foreign?.city ?? '');
        if (legal) name = `${name} ${legal}`;
        if (companyNames.some((c) => c.name === name)) name = `${name} (${loc.swiss?.city ?? loc.foreign?.city})`;
        const r = rng.next();
        if (r < 0.62) categories.add('Kunde');
        else if (r < 0.85) categories.add('Interessent');
        else if (r < 0.93) categories.add('Partner');
      }
      const domain = `${slug(name) || `firma-${id}`}-${loc.foreign ? loc.foreign.country.toLowerCase() : 'ch'}.example`;
      companyNames.push({ name, domain, lang: regionLang, loc });
      displayName = name;
      row = {
        id,
        kind,
        customer_no: null,
        salutation: rng.chance(0.3) ? 'Firma' : null,
        academic_title: null,
        first_name: null,
        last_name: null,
        company_name: name,
        department: null,
        job_title: null,
        birthday: null,
        website: rng.chance(0.8) ? `https://www.${domain}` : null,
        notes: null,
        advisor_id: advisor?.id ?? null,
        is_archived: archived,
        created_at: created,
        updated_at: updated,
        deleted_at: deleted,
      };
    } else {
      const firstName = rng.pick(female ? FIRST_NAMES[lang].female : FIRST_NAMES[lang].male);
      const lastName = rng.pick(LAST_NAMES[lang]);
      employer = companyNames.length && rng.chance(0.35) ? rng.pick(companyNames) : undefined;
      const worksAtInsurer = employer && INSURERS.some((i) => i.name === employer?.name);
      if (worksAtInsurer) categories.add('Versicherer');
      else {
        const r = rng.next();
        if (r < 0.6) categories.add('Kunde');
        else if (r < 0.82) categories.add('Interessent');
        else if (r < 0.87) categories.add('Partner');
      }
      let birthday: string | null = null;
      if (rng.chance(0.7)) {
        const year = rng.int(1940, 2004);
        const month = rng.int(1, 12);
        let date = rng.int(1, daysInMonth(year, month));
        if (!leapBirthday && year % 4 === 0 && month === 2) {
          date = 29;
          leapBirthday = true;
        }
        birthday = isoDate(dayOf(year, month, date));
      }
      displayName = `${firstName} ${lastName}`;
      row = {
        id,
        kind,
        customer_no: null,
        salutation: rng.chance(0.95) ? (female ? 'Frau' : 'Herr') : null,
        academic_title: rng.chance(0.07) ? rng.pick(ACADEMIC_TITLES) : null,
        first_name: firstName,
        last_name: lastName,
        company_name: employer?.name ?? null,
        department: employer && rng.chance(0.5) ? rng.pick(DEPARTMENTS[employer.lang]) : null,
        job_title: employer && rng.chance(0.7) ? rng.pick(JOB_TITLES[employer.lang]) : null,
        birthday,
        website: rng.chance(0.04) ? `https://www.${slug(`${firstName} ${lastName}`)}.ch` : null,
        notes: null,
        advisor_id: advisor?.id ?? null,
        is_archived: archived,
        created_at: created,
        updated_at: updated,
        deleted_at: deleted,
      };
    }
    if (categories.has('Kunde') && rng.chance(0.1)) categories.add('VIP');
    if (categories.has('Kunde') || categories.has('Interessent') || rng.chance(0.1)) {
      customerNo += rng.int(1, 3);
      row = { ...row, customer_no: `K-${String(customerNo).padStart(6, '0')}` };
    }
    if (rng.chance(0.3)) row = { ...row, notes: rng.pick(CONTACT_NOTES[regionLang]) };
    plan.contacts.push(row);
    for (const category of [...categories].sort()) plan.categories.push({ contact_id: id, category });

    // Phones: exactly one primary when there are any.
    const area = loc.swiss?.area ?? '44';
    const phones: Omit<PhoneRow, 'id' | 'contact_id' | 'is_primary' | 'position'>[] = [];
    const phone = (k: PhoneRow['kind'], mobile = false) =>
      phones.push({ kind: k, number: loc.foreign ? foreignNumber(rng, loc.foreign) : swissNumber(rng, mobile ? rng.pick(MOBILE_PREFIXES) : area) });
    if (kind === 'company') {
      if (rng.chance(0.95)) phone('work');
      if (rng.chance(0.3)) phone('fax');
      if (rng.chance(0.1)) phone('other', true);
    } else {
      if (rng.chance(0.7)) phone('mobile', true);
      if (employer && rng.chance(0.7)) phone('work');
      if (rng.chance(0.35)) phone('home');
      if (rng.chance(0.02)) phone('fax');
    }
    const primaryPhone = phones.length ? rng.int(0, phones.length - 1) : -1;
    phones.forEach((p, position) =>
      plan.phones.push({ id: ++phoneId, contact_id: id, ...p, is_primary: position === primaryPhone, position }),
    );

    // Emails.
    const emails: Omit<EmailRow, 'id' | 'contact_id' | 'is_primary' | 'position'>[] = [];
    if (kind === 'company') {
      const domain = companyNames[companyNames.length - 1]?.domain ?? 'firma.example';
      if (rng.chance(0.9)) emails.push({ kind: 'work', address: `${rng.pick(['info', 'office', 'kontakt', 'admin'])}@${domain}` });
      if (rng.chance(0.2)) emails.push({ kind: 'other', address: `buchhaltung@${domain}` });
    } else {
      const box = mailbox(row.first_name ?? '', row.last_name ?? '');
      if (employer && rng.chance(0.8)) {
        const first = asciiFold(row.first_name ?? 'x').toLowerCase()[0] ?? 'x';
        emails.push({ kind: 'work', address: `${first}.${box.split('.')[1]}@${employer.domain}` });
      }
      if (rng.chance(0.65)) emails.push({ kind: 'home', address: `${box}${rng.chance(0.3) ? rng.int(1, 99) : ''}@${rng.pick(EMAIL_PROVIDERS)}` });
    }
    const primaryEmail = emails.length ? rng.int(0, emails.length - 1) : -1;
    emails.forEach((e, position) =>
      plan.emails.push({ id: ++emailId, contact_id: id, ...e, is_primary: position === primaryEmail, position }),
    );

    // Addresses.
    const addresses: Omit<AddressRow, 'id' | 'contact_id' | 'position'>[] = [];
    const address = (k: AddressRow['kind'], at: Location, poBox = false): void => {
      let street: string | null = streetLine(rng, at);
      if (rng.chance(0.06) && !at.foreign) street = `${rng.pick(STREET_PREFIX_LINES[at.lang])}\n${street}`;
      let box: string | null = null;
      if (poBox && at.swiss) {
        box = `${PO_BOX[at.lang]} ${rng.int(1, 9999)}`;
        if (rng.chance(0.5)) street = null;
      }
      addresses.push({
        kind: k,
        street,
        po_box: box,
        postal_code: at.swiss?.postalCode ?? at.foreign?.postalCode ?? null,
        city: at.swiss?.city ?? at.foreign?.city ?? null,
        region: at.swiss?.canton ?? at.foreign?.region ?? null,
        country_code: at.foreign?.country ?? 'CH',
      });
    };
    if (kind === 'company') {
      if (rng.chance(0.95)) address('work', loc);
      if (rng.chance(0.15)) address('postal', loc, true);
    } else {
      if (rng.chance(0.88)) address('home', loc);
      if (employer && rng.chance(0.4)) address('work', employer.loc);
      if (rng.chance(0.03)) address('postal', loc, true);
    }
    addresses.forEach((a, position) => plan.addresses.push({ id: ++addressId, contact_id: id, ...a, position }));

    plan.refs.push({
      id,
      displayName,
      lang,
      location: addresses[0] ? oneLine(addresses[0]) : null,
      live: !deleted && !archived,
    });

    // About 5% visible only to one or two employees (and the advisor).
    if (rng.chance(0.05) && world.active.length) {
      for (const e of rng.sample(world.active, rng.int(1, 2)).sort((a, b) => a.id - b.id)) {
        plan.restrictions.push({ contact_id: id, employee_id: e.id });
      }
    }

    if (photoIds.has(id)) {
      const initials = initialsOf(kind === 'company' ? [row.company_name] : [row.first_name, row.last_name]);
      let photoKind: PhotoPlan['kind'] = 'avatar';
      if (opts.largePhotos) photoKind = 'large';
      else if (kind === 'company') {
        photoKind = pngLogos === 0 || rng.chance(0.3) ? 'logo-png' : 'logo-jpeg';
        if (photoKind === 'logo-png') pngLogos++;
      }
      plan.photos.push({
        contact_id: id,
        kind: photoKind,
        initials,
        hue: rng.int(0, 359),
        variant: rng.int(0, Math.max(1, opts.largeVariants) - 1),
        updated_at: instantBetween(rng, created, now),
      });
    }
  }

  guaranteeVariety(rng, plan, world);

  // Favorites: every active employee has starred a few contacts.
  const live = plan.refs.filter((r) => r.live);
  for (const e of world.active) {
    const picks = rng.sample(live, Math.min(live.length, rng.int(3, 12)));
    for (const c of picks.sort((a, b) => a.id - b.id)) plan.favorites.push({ employee_id: e.id, contact_id: c.id });
  }
  return plan;
}

function initialsOf(words: (string | null)[]): string {
  const letters = words
    .flatMap((w) => (w ?? '').split(/[\s&-]+/))
    .filter((w) => /^\p{Lu}/u.test(w))
    .map((w) => w[0] as string);
  return letters.slice(0, 2).join('') || '?';
}

/**
 * Small runs could miss a case by chance; make sure at least one restricted, one archived and one
 * deleted contact exist (the last contacts take the missing roles).
 */
function guaranteeVariety(rng: Random, plan: ContactPlan, world: World): void {
  const n = plan.contacts.length;
  if (n < 10) return;
  const set = (index: number, change: Partial<ContactRow>) => {
    const c = plan.contacts[index] as ContactRow;
    plan.contacts[index] = { ...c, ...change };
    const ref = plan.refs[index] as ContactRef;
    const after = plan.contacts[index] as ContactRow;
    plan.refs[index] = { ...ref, live: !after.deleted_at && !after.is_archived };
  };
  if (!plan.contacts.some((c) => c.is_archived)) set(n - 1, { is_archived: true, deleted_at: null });
  if (!plan.contacts.some((c) => c.deleted_at)) {
    const c = plan.contacts[n - 2] as ContactRow;
    set(n - 2, { is_archived: false, deleted_at: instantBetween(rng, c.updated_at, world.now) });
  }
  if (!plan.restrictions.length && world.active.length) {
    const target = plan.contacts[n - 3] as ContactRow;
    plan.restrictions.push({ contact_id: target.id, employee_id: (world.active[0] as { id: number }).id });
  }
}
