// The IANA zone a client's TZID names (RFC 5545 §3.2.19). The client's VTIMEZONE is never read:
// expanding a hostile one blocks the event loop (an observance rule that never matches, or one
// repeating every minute since 1970), and every client names a real zone anyway, by its IANA id,
// a Windows name (Outlook), an Outlook display name, or an IANA id behind a vendor prefix
// (/citadel.org/20190101_1/Europe/Zurich, /mozilla.org/20050126_1/Europe/Berlin).
import { isKnownTimeZone } from './wall-clock.js';

/**
 * Windows zone names → IANA, the territory-001 rows of CLDR's windowsZones.xml for the zones
 * Swiss brokers and their customers meet (older aliases where ICU may lack the new name).
 */
export const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
  'Venezuela Standard Time': 'America/Caracas',
  'Atlantic Standard Time': 'America/Halifax',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  'Greenland Standard Time': 'America/Godthab',
  'UTC-02': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  UTC: 'Etc/UTC',
  'Coordinated Universal Time': 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'GTB Standard Time': 'Europe/Bucharest',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Egypt Standard Time': 'Africa/Cairo',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Namibia Standard Time': 'Africa/Windhoek',
  'Jordan Standard Time': 'Asia/Amman',
  'Middle East Standard Time': 'Asia/Beirut',
  'Syria Standard Time': 'Asia/Damascus',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Arab Standard Time': 'Asia/Riyadh',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Calcutta',
  'Nepal Standard Time': 'Asia/Katmandu',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Taipei Standard Time': 'Asia/Taipei',
  'W. Australia Standard Time': 'Australia/Perth',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
};

/** Outlook's display names (older versions send them as TZID), "(UTC…)" and "(GMT…)" alike. */
export const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  '(UTC) Coordinated Universal Time': 'Etc/UTC',
  '(UTC) Dublin, Edinburgh, Lisbon, London': 'Europe/London',
  '(UTC+00:00) Dublin, Edinburgh, Lisbon, London': 'Europe/London',
  '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna': 'Europe/Berlin',
  '(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague': 'Europe/Budapest',
  '(UTC+01:00) Brussels, Copenhagen, Madrid, Paris': 'Europe/Paris',
  '(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb': 'Europe/Warsaw',
  '(UTC+02:00) Athens, Bucharest': 'Europe/Bucharest',
  '(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius': 'Europe/Kiev',
  '(UTC-05:00) Eastern Time (US & Canada)': 'America/New_York',
  '(UTC-06:00) Central Time (US & Canada)': 'America/Chicago',
  '(UTC-08:00) Pacific Time (US & Canada)': 'America/Los_Angeles',
};

const lowerKeyed = (table: Readonly<Record<string, string>>) => new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v]));
const WINDOWS = lowerKeyed(WINDOWS_ZONES);
const DISPLAY = lowerKeyed(DISPLAY_NAMES);

/** Intl's own spelling of a zone it knows (it accepts any letter case). */
function canonical(tzid: string): string | undefined {
  if (!isKnownTimeZone(tzid)) return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: tzid }).resolvedOptions().timeZone;
}

/** The IANA id of a TZID a client sent, or undefined when no known zone goes by that name. */
export function ianaZoneOf(tzid: string): string | undefined {
  const name = tzid.trim().replace(/^"(.*)"$/, '$1').trim();
  if (name === '' || name.length > 200) return undefined;
  const direct = canonical(name);
  if (direct) return direct;
  const key = name.toLowerCase();
  const alias = WINDOWS.get(key) ?? DISPLAY.get(key.replace(/^\(gmt/, '(utc'));
  if (alias) return canonical(alias);
  // Vendor prefixes: the IANA id is the last two or three path segments.
  const segments = name.split('/').filter((s) => s !== '');
  for (const n of [3, 2]) {
    if (segments.length > n) {
      const tail = canonical(segments.slice(-n).join('/'));
      if (tail) return tail;
    }
  }
  return undefined;
}
