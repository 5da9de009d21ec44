// Hand-built BrokerStar records (German, French and Italian data with umlauts, accents and TEXT
// delimiters) and ical.js helpers for the renderer tests.
import ICAL from 'ical.js';
import { expect } from 'vitest';
import type { RenderOptions } from '../../../src/ical/index.js';
import type {
  AppointmentRecord,
  ContactRecord,
  ContactRef,
  EmployeeRef,
  RenderStamp,
  TaskRecord,
} from '../../../src/domain/records.js';

export type Component = InstanceType<typeof ICAL.Component>;
export type Property = InstanceType<typeof ICAL.Property>;

export const anna: EmployeeRef = {
  id: '11',
  username: 'anna.mueller',
  firstName: 'Anna',
  lastName: 'Müller-Lüthi',
  email: 'anna.mueller@broker.example.ch',
  language: 'de',
  timeZone: 'Europe/Zurich',
};

/** A CN with a comma and double quotes: must be quoted and RFC 6868-encoded. */
export const jeanLuc: EmployeeRef = {
  id: '12',
  username: 'jl.bezier',
  firstName: 'Jean-Luc',
  lastName: 'Bézier, dit "JL"',
  email: 'jean-luc.bezier@broker.example.ch',
  language: 'fr',
  timeZone: 'Europe/Zurich',
};

export const giulia: EmployeeRef = {
  id: '13',
  username: 'giulia.dagostino',
  firstName: 'Giulia',
  lastName: "D'Agostino",
  email: 'giulia.dagostino@broker.example.ch',
  language: 'it',
  timeZone: 'Europe/Rome',
};

export const musterAg: ContactRef = { id: '4711', customerNo: 'K-010234', displayName: 'Muster AG' };

/** Exactly 200 characters of German with umlauts, ß, commas, a semicolon and a line break. */
export const GERMAN_200 = (() => {
  const text =
    'Jährliche Überprüfung der Sachversicherungen; Gebäude, Inventar und Betriebsunterbruch prüfen.\n' +
    'Außerdem Offerte für die Haftpflicht einholen, Prämienvergleich erstellen und Unterlagen für Herrn Müller-Lüthi';
  return text.padEnd(200, '.').slice(0, 200);
})();

export const stamp: RenderStamp = { lastModified: new Date('2025-02-03T10:15:30Z'), sequence: 7 };

export const opts: RenderOptions = {
  contactUrl: (c) => `https://crm.broker.example.ch/contacts/${c.id}?view=detail,notes`,
};

export function appointment(overrides: Partial<AppointmentRecord> = {}): AppointmentRecord {
  return {
    id: '123',
    subject: 'Beratung: Vorsorge, 3a; Säule\nmit Übersicht',
    location: 'Caffè Nazionale, Piazza Grande 12; Locarno',
    description: GERMAN_200,
    owner: anna,
    contact: musterAg,
    startsAt: new Date('2025-03-17T08:00:00Z'), // Monday 09:00 CET
    endsAt: new Date('2025-03-17T09:00:00Z'),
    allDay: false,
    timeZone: 'Europe/Zurich',
    recurrenceRule: null,
    isPrivate: false,
    status: 'confirmed',
    createdAt: new Date('2025-01-10T07:30:00Z'),
    exceptions: [],
    participants: [],
    ...overrides,
  };
}

export function task(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: '555',
    subject: 'Offerte für Élodie Lefèvre-Dubois, Genève; rappeler',
    description: GERMAN_200,
    assignee: anna,
    createdBy: jeanLuc,
    contact: musterAg,
    status: 'in_progress',
    priority: 1,
    percentComplete: 40,
    startsOn: '2025-03-10',
    dueAt: new Date('2025-03-14T16:00:00Z'), // Friday 17:00 CET
    completedAt: null,
    createdAt: new Date('2025-03-01T09:00:00Z'),
    ...overrides,
  };
}

export function person(overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id: '4712',
    kind: 'person',
    customerNo: 'K-010235',
    salutation: 'Frau',
    academicTitle: 'Dr.',
    firstName: 'Élodie',
    lastName: 'Lefèvre-Dubois',
    companyName: 'Société Générale d\'Assurances, Genève',
    department: 'Sinistres; Véhicules',
    jobTitle: 'Cheffe de service, RC',
    birthday: '1978-02-28',
    website: 'www.sga-geneve.example.ch',
    notes: 'Préfère le contact par e-mail; pas avant 9h.\nBesuch in Zürich, Bahnhofstrasse 1',
    phones: [
      { kind: 'work', number: '+41 22 123 45 67', isPrimary: false },
      { kind: 'mobile', number: '+41 79 765 43 21', isPrimary: true },
      { kind: 'fax', number: '+41 22 123 45 68', isPrimary: false },
      { kind: 'home', number: '+41 22 987 65 43', isPrimary: false },
      { kind: 'other', number: '+33 4 50 00 00 00', isPrimary: false },
    ],
    emails: [
      { kind: 'work', address: 'elodie.lefevre@sga-geneve.example.ch', isPrimary: true },
      { kind: 'home', address: 'elodie@example.fr', isPrimary: false },
      { kind: 'other', address: 'e.lefevre@example.org', isPrimary: false },
    ],
    addresses: [
      {
        kind: 'work',
        street: 'Rue du Rhône 8\n2e étage, c/o Réception; Porte B',
        poBox: 'Case postale 1234',
        postalCode: '1204',
        city: 'Genève',
        region: 'GE',
        countryCode: 'CH',
      },
      { kind: 'home', street: 'Via Nassa 5', poBox: null, postalCode: '6900', city: 'Lugano', region: 'TI', countryCode: 'CH' },
    ],
    categories: ['Interessent', 'VIP, Genf', 'Versicherer'],
    photo: null,
    ...overrides,
  };
}

export function company(overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id: '4711',
    kind: 'company',
    customerNo: 'K-010234',
    salutation: 'Firma',
    academicTitle: null,
    firstName: null,
    lastName: null,
    companyName: 'Müller & Söhne Treuhand AG',
    department: 'Buchhaltung',
    jobTitle: null,
    birthday: null,
    website: 'https://mueller-soehne.example.ch',
    notes: null,
    phones: [{ kind: 'work', number: '+41 44 111 22 33', isPrimary: true }],
    emails: [{ kind: 'work', address: 'info@mueller-soehne.example.ch', isPrimary: true }],
    addresses: [
      { kind: 'postal', street: null, poBox: 'Postfach 88', postalCode: '8021', city: 'Zürich', region: 'ZH', countryCode: 'CH' },
    ],
    categories: ['Kunde'],
    photo: null,
    ...overrides,
  };
}

/** Parses with ical.js (as Thunderbird does) and returns the top component. */
export function parse(text: string): Component {
  return new ICAL.Component(ICAL.parse(text));
}

/** RFC 5545 §3.1 / RFC 6350 §3.2: CRLF everywhere, ≤ 75 octets per line, no split characters. */
export function expectWellFormedLines(text: string): void {
  expect(text.endsWith('\r\n'), 'ends with CRLF').toBe(true);
  expect(/\r(?!\n)|(?<!\r)\n/.test(text), 'no bare CR or LF').toBe(false);
  const lines = text.slice(0, -2).split('\r\n');
  for (const line of lines) {
    expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
    // A fold inside a UTF-16 surrogate pair (a split 4-octet UTF-8 sequence) leaves a lone surrogate.
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(line), line).toBe(false);
    expect(line, 'no empty lines').not.toBe('');
  }
}

/** Every TZID parameter anywhere in the calendar names a VTIMEZONE in the same calendar. */
export function expectEveryTzidDefined(cal: Component): void {
  const defined = new Set(
    cal.getAllSubcomponents('vtimezone').map((tz) => String(tz.getFirstPropertyValue('tzid'))),
  );
  const used = new Set<string>();
  const visit = (c: Component) => {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid === 'string') used.add(tzid);
    }
    for (const sub of c.getAllSubcomponents()) visit(sub);
  };
  visit(cal);
  for (const tzid of used) expect(defined.has(tzid), `VTIMEZONE for ${tzid}`).toBe(true);
}

/** Registers a calendar's VTIMEZONEs with ical.js, so TZID date-times resolve to instants. */
export function registerTimezones(cal: Component): void {
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
}

/** The instant of a DATE-TIME property (TZID resolved through the registered VTIMEZONEs). */
export function instantOf(c: Component, name: string): Date {
  const value = c.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time)) throw new Error(`${name} is not a date-time`);
  return value.toJSDate();
}

/** `YYYY-MM-DD` of a DATE property, after checking it is a DATE. */
export function dateOf(c: Component, name: string): string {
  const value = c.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time) || !value.isDate) throw new Error(`${name} is not a DATE`);
  return value.toString();
}

export function textOf(c: Component, name: string): string | undefined {
  const p = c.getFirstProperty(name);
  return p ? String(p.getFirstValue()) : undefined;
}

export function propertyNames(c: Component): string[] {
  return c.getAllProperties().map((p) => p.name);
}
