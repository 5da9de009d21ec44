// The rendering layer's public API: vCard/iCalendar renderers (RFC 2426, 6350, 5545), RenderOptions, RENDERER_VERSION.

/**
 * Part of every stored ETag. Bump it whenever any renderer's output changes for the same record, so
 * clients refetch. (VTIMEZONEs follow the tz data of the running Node; a Node upgrade that changes
 * a zone's rules does not bump this.)
 */
export const RENDERER_VERSION = 'ical-2';

export type { RenderOptions } from './render-options.js';
export { birthdaySeries, renderBirthday } from './birthday.js';
export { calendarTimezoneText } from './calendar-timezone.js';
export { customerLine, withCustomerLine, withoutCustomerLine } from './customer.js';
export { mergeCalendars } from './merge.js';
export { downscalePhoto, InvalidPhotoError } from './photo.js';
export { vtimezone } from './timezone.js';
export { idFromUid, parseUid, uidOf, type UidKind } from './uid.js';
export { CUSTOMER_NO_PROPERTY, renderVcard, type VcardVersion } from './vcard.js';
export { PRODID } from './vcalendar.js';
export { BUSY_SUMMARY, renderAppointment } from './vevent.js';
export { renderTask, TASK_PRIORITY, TASK_STATUS } from './vtodo.js';
