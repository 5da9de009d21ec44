// calendar-data and address-data inside REPORT answers (RFC 4791 §9.6, RFC 6352 §10.4): values
// computed from the member's body, parsed once per request rather than once per member.
import { applyAddressData, parseAddressData, type AddressDataRequest } from '../filters/address-filter.js';
import { applyCalendarData, hasSubRequest, parseCalendarData, type CalendarDataRequest } from '../filters/calendar-data.js';
import type { PropTarget, XmlValue } from '../properties/registry.js';
import type { ExtraProps } from '../propstats.js';
import { CALDAV, CARDDAV, type ClarkName } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';

/** The address-data version a request asks for (the store renders bodies in it). */
export function requestedVcardVersion(props: readonly XmlElement[]): '3.0' | '4.0' {
  const el = props.find((p) => p.name === CARDDAV.addressData);
  return el ? parseAddressData(el).version : '3.0';
}

export const wantsData = (props: readonly XmlElement[]) =>
  props.some((p) => p.name === CALDAV.calendarData || p.name === CARDDAV.addressData);

/**
 * Whether every data property asks for the whole stored object (no comp/prop selection, no
 * expansion, vCard 3.0): then the store's XML-escaped form is written as it is.
 */
export function wantsWholeData(props: readonly XmlElement[]): boolean {
  return props.every((p) => {
    if (p.name === CALDAV.calendarData) return !hasSubRequest(parseCalendarData(p));
    if (p.name === CARDDAV.addressData) {
      const req = parseAddressData(p);
      return req.props === null && req.version === '3.0';
    }
    return true;
  });
}

export function dataProps(): ExtraProps {
  const calendarRequests = new WeakMap<XmlElement, CalendarDataRequest>();
  const addressRequests = new WeakMap<XmlElement, AddressDataRequest>();
  const map = new Map<ClarkName, (t: PropTarget, el: XmlElement) => XmlValue | undefined>();
  map.set(CALDAV.calendarData, (t, el) => {
    const body = t.object?.body;
    // Floating and all-day times are read in the calendar owner's zone, as the matcher does.
    const r = t.resource;
    const zone = r && 'collection' in r ? r.collection.owner.timeZone : 'UTC';
    let req = calendarRequests.get(el);
    if (!req) {
      req = parseCalendarData(el);
      calendarRequests.set(el, req);
    }
    const xml = t.object?.bodyXml;
    if (xml !== undefined && !hasSubRequest(req)) return { raw: xml };
    if (body === undefined) return undefined;
    return { text: applyCalendarData(body, req, zone) };
  });
  map.set(CARDDAV.addressData, (t, el) => {
    const body = t.object?.body;
    let req = addressRequests.get(el);
    if (!req) {
      req = parseAddressData(el);
      addressRequests.set(el, req);
    }
    const xml = t.object?.bodyXml;
    if (xml !== undefined && req.props === null && req.version === '3.0') return { raw: xml };
    if (body === undefined) return undefined;
    return { text: applyAddressData(body, req) };
  });
  return map;
}

/** Parses every data-prop request up front so bad ones fail before the 207 starts. */
export function validateDataProps(props: readonly XmlElement[]): void {
  for (const p of props) {
    if (p.name === CALDAV.calendarData) parseCalendarData(p);
    if (p.name === CARDDAV.addressData) parseAddressData(p);
  }
}
