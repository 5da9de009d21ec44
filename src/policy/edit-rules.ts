// Edit rules for client PUTs (design.md §4, issue 5): given the stored record, the body and the
// employee, refuse with a rule or name the BrokerStar fields to change. Pure: no SQL, no HTTP.
export { applyAppointmentPatch, appointmentMatchesBody, decideAppointmentEdit } from './appointment-edit.js';
export type {
  AppointmentPatch,
  EditDecision,
  FieldChange,
  MovedOccurrence,
  RefusalRule,
  TaskPatch,
} from './edit-types.js';
export { FULL_LOCATION_MARKER, FULL_SUBJECT_MARKER } from './full-text.js';
export { InvalidCalendarData } from './ical-input.js';
export { applyTaskPatch, decideTaskEdit, taskMatchesBody } from './task-edit.js';
export { cutAt150 } from './truncate.js';
