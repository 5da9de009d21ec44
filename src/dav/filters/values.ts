// The text of iCalendar and vCard property values and parameters as text-match sees them
// (RFC 4791 §9.7.5, RFC 6352 §10.5.4): unescaped, structured values joined as written.
import ICAL from 'ical.js';

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  // Structured values (N, ADR, GEO in jCard): components joined by ';', multi-valued parts by ','.
  if (Array.isArray(v)) return v.map((part) => (Array.isArray(part) ? part.map(valueText).join(',') : valueText(part))).join(';');
  if (v instanceof ICAL.Binary) return v.value;
  if (v && typeof (v as { toICALString?: unknown }).toICALString === 'function') return (v as { toICALString(): string }).toICALString();
  return String(v ?? '');
}

/** A property's whole value as text: several values (CATEGORIES:a,b) are joined by ','. */
export const propertyText = (p: ICAL.Property): string => p.getValues().map(valueText).join(',');

/** The values of a parameter (TYPE=work,voice gives two); empty when it is absent. */
export function parameterValues(p: ICAL.Property, name: string): string[] {
  const v = p.getParameter(name.toLowerCase());
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}
