// Parses iCalendar text the server rendered itself, with its time zones shared across calls: ical.js
// otherwise builds a new Timezone (and expands its rules from 1970 on) for every object it parses,
// which made a time-range query cost milliseconds per appointment.
import ICAL from 'ical.js';
import { markServerZone } from '../calendar/server-zones.js';
import { vtimezone } from './timezone.js';

const shared = new Map<string, ICAL.Timezone | null>();

/**
 * The process-wide ical.js Timezone of the server's own VTIMEZONE for an IANA id (undefined for a
 * zone Node does not know). Its rules are the server's (src/ical/timezone.ts), so expanding them is
 * bounded, and ical.js caches the expansion across every body that uses the zone.
 */
export function serverZone(tzid: string): ICAL.Timezone | undefined {
  let zone = shared.get(tzid);
  if (zone === undefined) {
    let text: string | undefined;
    try {
      text = vtimezone(tzid);
    } catch {
      text = undefined;
    }
    zone = text ? new ICAL.Timezone({ component: new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${text}\r\nEND:VCALENDAR\r\n`)).getFirstSubcomponent('vtimezone')!, tzid }) : null;
    if (zone) markServerZone(zone);
    shared.set(tzid, zone);
  }
  return zone ?? undefined;
}

/** The shared Timezone for a TZID, when the body carries exactly the server's own VTIMEZONE. */
function sharedZone(tzid: string, body: string): ICAL.Timezone | undefined {
  const zone = serverZone(tzid);
  if (!zone) return undefined;
  // Only a body holding the very same definition may use the shared one (bodies are the server's
  // own, so this holds unless the renderer changed; then ical.js reads the body's own).
  return body.includes(vtimezone(tzid)) ? zone : undefined;
}

/**
 * ical.js's per-component zone cache (declared private in its types, but the documented way a root
 * component resolves TZIDs): seeding it before any time is read decides which zone a TZID means.
 */
export function zoneCacheOf(root: ICAL.Component): Map<string, ICAL.Timezone> | undefined {
  return (root as unknown as { _timezoneCache?: Map<string, ICAL.Timezone> | null })._timezoneCache ?? undefined;
}

export function parseRendered(body: string): ICAL.Component {
  const root = new ICAL.Component(ICAL.parse(body));
  const cache = zoneCacheOf(root);
  if (cache) {
    for (const vtz of root.getAllSubcomponents('vtimezone')) {
      const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
      const zone = tzid ? sharedZone(tzid, body) : undefined;
      if (zone) cache.set(tzid, zone);
    }
  }
  return root;
}
