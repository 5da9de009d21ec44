// The shapes of an edit decision (design.md §4): a refusal with its rule, or a patch of BrokerStar
// fields plus what the audit log and the PUT answer need.
import type { FieldChange } from '../audit/audit-log.js';
import { clip } from '../audit/clip.js';
import type { ParticipantResponse, TaskStatus } from '../domain/records.js';
import { InvalidCalendarData } from './ical-input.js';

export type { FieldChange };

/** The rules an edit can break; the refusal catalogue (refusals.ts) says what each means to a client. */
export type RefusalRule =
  | 'not-owner'
  | 'change-organizer'
  | 'change-participants'
  | 'make-private'
  | 'change-recurrence'
  | 'reassign-task'
  | 'change-task-organizer'
  | 'change-task-details'
  | 'change-appointment-status'
  | 'delete-occurrence'
  | 'answer-for-other'
  | 'answer-one-occurrence'
  | 'invalid-data'
  | 'uid-mismatch'
  | 'wrong-component';

/** A moved occurrence, upserted into brokerstar.appointment_exception with is_cancelled false. */
export interface MovedOccurrence {
  /** The occurrence's start per the rule (its RECURRENCE-ID). */
  originalStart: Date;
  startsAt: Date;
  endsAt: Date;
}

/** Only the fields that change; an absent key leaves the column alone. */
export interface AppointmentPatch {
  subject?: string;
  location?: string | null;
  description?: string | null;
  startsAt?: Date;
  endsAt?: Date;
  allDay?: boolean;
  /** moved occurrences: upserted into brokerstar.appointment_exception (is_cancelled false) */
  exceptions: MovedOccurrence[];
  /** A participant's answer to the invitation: appointment_participant.response (invitation-answer.ts). */
  answer?: ParticipantAnswer;
}

/** The logged-in participant's own PARTSTAT, as BrokerStar stores it. */
export interface ParticipantAnswer {
  employeeId: string;
  response: ParticipantResponse;
}

/** Only the fields that change; an absent key leaves the column alone. */
export interface TaskPatch {
  status?: TaskStatus;
  percentComplete?: number;
  completedAt?: Date | null;
}

export type EditDecision<P> =
  | {
      ok: true;
      patch: P;
      /** One entry per changed field, dates as ISO strings, for the audit log. */
      changes: FieldChange[];
      /** A subject or location was cut at 150 characters. */
      truncated: boolean;
      /** What BrokerStar serves after the patch differs from the body: answer the PUT without ETag. */
      storedDiffers: boolean;
    }
  | { ok: false; rule: RefusalRule; detail: string };

export type RuleRefusal = Extract<EditDecision<never>, { ok: false }>;

/** Longest refusal detail: it goes into the log and the audit row. */
const MAX_DETAIL = 600;

/** The decision that `rule` refuses the edit, with what the rule saw (`detail`). */
export function refusedBy(rule: RefusalRule, detail: string): RuleRefusal {
  return { ok: false, rule, detail: clip(detail, MAX_DETAIL) };
}

/** The decision `decide` takes, or the invalid-data refusal when the body is not usable iCalendar. */
export function refusingInvalidData<P>(decide: () => EditDecision<P>): EditDecision<P> {
  try {
    return decide();
  } catch (err) {
    if (err instanceof InvalidCalendarData) return refusedBy('invalid-data', err.message);
    throw err;
  }
}

/** Dates as ISO strings, the rest as is: the audit log stores JSON. */
export function auditValue(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}
