// A participant's answer to an invitation (issue 16, docs/writes.md "Answering invitations"): an
// employee who takes part in a colleague's appointment may change his own ATTENDEE's PARTSTAT,
// stored as brokerstar.appointment_participant.response. Nothing else of a colleague's appointment
// changes: the owner's rules decide on the answered version, and any change they would write is
// refused as before (not-owner). BrokerStar keeps one answer per appointment, so a series is
// answered as a whole; an answer for one occurrence only is refused.
import type { AppointmentRecord, ParticipantResponse } from '../domain/records.js';
import { refusedBy, type AppointmentPatch, type EditDecision, type ParticipantAnswer, type RefusalRule, type RuleRefusal } from './edit-types.js';
import { normalizeAddress, InvalidCalendarData, type Component } from './ical-input.js';

const RESPONSES: Readonly<Record<string, ParticipantResponse>> = {
  'NEEDS-ACTION': 'needs_action',
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
};

/** Refusals about the body itself stay what they are; every other one is the colleague's business. */
const DATA_RULES: ReadonlySet<RefusalRule> = new Set(['invalid-data', 'uid-mismatch', 'wrong-component']);

export function isParticipant(a: AppointmentRecord, employeeId: string): boolean {
  return a.participants.some((p) => p.employee.id === employeeId);
}

/** The stored answer of `employeeId` (needs_action when he has none). */
function storedResponse(a: AppointmentRecord, employeeId: string): ParticipantResponse {
  return a.participants.find((p) => p.employee.id === employeeId)?.response ?? 'needs_action';
}

/**
 * An ATTENDEE's PARTSTAT as BrokerStar stores it; undefined when the client sent none (never a
 * change). A PARTSTAT BrokerStar cannot hold (DELEGATED, an X- value) is unusable data.
 */
function responseOf(attendee: ReturnType<Component['getAllProperties']>[number]): ParticipantResponse | undefined {
  const raw = attendee.getParameter('partstat');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = String(Array.isArray(raw) ? raw[0] : raw).toUpperCase();
  const response = RESPONSES[value];
  if (!response) throw new InvalidCalendarData(`PARTSTAT=${value.slice(0, 40)} cannot be stored (only ${Object.keys(RESPONSES).join(', ')})`);
  return response;
}

/**
 * The answer a participant's body gives: his own ATTENDEE's PARTSTAT on the master (unchanged when
 * absent). Refused: another participant's PARTSTAT changed, or an override answering one occurrence
 * otherwise than the series.
 */
export function answerIn(
  a: AppointmentRecord,
  master: Component,
  overrides: readonly Component[],
  user: { id: string; email: string },
): ParticipantAnswer | RuleRefusal {
  const me = normalizeAddress(user.email);
  const others = new Map(
    a.participants
      .filter((p) => p.employee.id !== user.id && p.employee.id !== a.owner.id)
      .map((p) => [normalizeAddress(p.employee.email), p.response] as const),
  );
  const mine = (e: Component): ParticipantResponse | undefined => {
    let found: ParticipantResponse | undefined;
    for (const p of e.getAllProperties('attendee')) {
      if (normalizeAddress(p.getFirstValue()) === me) found = responseOf(p) ?? found;
    }
    return found;
  };
  for (const e of [master, ...overrides]) {
    for (const p of e.getAllProperties('attendee')) {
      const who = normalizeAddress(p.getFirstValue());
      const stored = others.get(who);
      const sent = who === me || stored === undefined ? undefined : responseOf(p);
      if (sent !== undefined && sent !== stored) {
        return refusedBy('answer-for-other', `PARTSTAT of ${who} set to ${sent}, stored ${stored}`);
      }
    }
  }
  const response = mine(master) ?? storedResponse(a, user.id);
  for (const o of overrides) {
    const own = mine(o);
    if (own !== undefined && own !== response) {
      const rid = String(o.getFirstPropertyValue('recurrence-id') ?? '?');
      return refusedBy('answer-one-occurrence', `PARTSTAT ${own} for the occurrence ${rid}, ${response} for the series`);
    }
  }
  return { employeeId: user.id, response };
}

/** The record as BrokerStar holds it once the answer is stored. */
export function withAnswer(a: AppointmentRecord, answer: ParticipantAnswer | undefined): AppointmentRecord {
  if (!answer) return a;
  return {
    ...a,
    participants: a.participants.map((p) => (p.employee.id === answer.employeeId ? { ...p, response: answer.response } : p)),
  };
}

/**
 * A participant's PUT: `decideServed` runs the owner's rules on the version with the answer
 * stored, so that everything but the answer must be as served (client-local things ignored as
 * for the owner); any field they would write is refused like every edit of a colleague's appointment.
 */
export function decideInvitationAnswer(
  a: AppointmentRecord,
  parts: { master: Component; overrides: readonly Component[] },
  user: { id: string; email: string },
  decideServed: (answered: AppointmentRecord) => EditDecision<AppointmentPatch>,
): EditDecision<AppointmentPatch> {
  const answer = answerIn(a, parts.master, parts.overrides, user);
  if ('ok' in answer) return answer;
  const d = decideServed(withAnswer(a, answer));
  const notOwner = (what: string) =>
    refusedBy('not-owner', `appointment ${a.id} belongs to employee ${a.owner.id}, not ${user.id}; a participant only answers, this PUT ${what}`);
  if (!d.ok) return DATA_RULES.has(d.rule) ? d : notOwner(`breaks ${d.rule}: ${d.detail}`);
  if (d.changes.length > 0) return notOwner(`changed ${d.changes.map((c) => c.field).join(', ')}`);
  const before = storedResponse(a, user.id);
  const changed = answer.response !== before;
  return {
    ok: true,
    patch: { exceptions: [], ...(changed ? { answer } : {}) },
    changes: changed ? [{ field: 'response', old: before, new: answer.response }] : [],
    truncated: false,
    storedDiffers: d.storedDiffers,
  };
}
