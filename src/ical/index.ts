// The rendering layer's public API: vCard/iCalendar renderers (RFC 2426, 6350, 5545), RenderOptions, RENDERER_VERSION.
import type { ContactRef } from '../storage/records.js';

/**
 * Part of every stored ETag. Bump it whenever any renderer's output changes for the same record, so
 * clients refetch. (VTIMEZONEs follow the tz data of the running Node; a Node upgrade that changes
 * a zone's rules does not bump this.)
 */
export const RENDERER_VERSION = 'ical-2';

/** What the renderers need from outside the record. Build it once per request or process. */
export interface RenderOptions {
  /**
   * Absolute URL of a customer in BrokerStar's web UI, written as URL of tasks and appointments.
   * Must be cheap and deterministic: it is part of the rendered body, hence of the ETag.
   */
  contactUrl(c: ContactRef): string;
}

export { calendarTimezoneText } from './calendar-timezone.js';
export { customerLine, withCustomerLine, withoutCustomerLine } from './customer.js';
export { mergeCalendars } from './merge.js';
export { downscalePhoto, InvalidPhotoError } from './photo.js';
export { isKnownTimeZone, vtimezone } from './timezone.js';
export { idFromUid, parseUid, uidOf, type UidKind } from './uid.js';
export { CUSTOMER_NO_PROPERTY, renderVcard, type VcardVersion } from './vcard.js';
export { PRODID } from './vcalendar.js';
export { BUSY_SUMMARY, renderAppointment } from './vevent.js';
export { renderTask, TASK_PRIORITY, TASK_STATUS } from './vtodo.js';
