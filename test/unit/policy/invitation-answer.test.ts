// The invitation-answer rule (src/policy/invitation-answer.ts) through decideAppointmentEdit, pure:
// a participant's own PARTSTAT becomes the patch's answer; another attendee's, one occurrence's
// and every other change are refused; what the owner's rules ignore stays ignored.
import { describe, expect, it } from 'vitest';
import { applyAppointmentPatch, decideAppointmentEdit } from '../../../src/policy/edit-rules.js';
import type { AppointmentRecord } from '../../../src/domain/records.js';
import { anna, appointment, giulia, jeanLuc, opts, type Component } from '../ical/fixtures.js';
import { anyUser, bumpStamps, edited, masterOf, servedEvent } from './clients.js';

const NOW = new Date('2025-03-20T12:00:00Z');
const JEAN_LUC = anyUser(jeanLuc);

const meeting = appointment({
  participants: [
    { employee: jeanLuc, response: 'needs_action' },
    { employee: giulia, response: 'accepted' },
  ],
});
const series = appointment({
  recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=5',
  exceptions: [{ originalStart: new Date('2025-03-24T08:00:00Z'), isCancelled: false, startsAt: new Date('2025-03-24T10:00:00Z'), endsAt: new Date('2025-03-24T11:00:00Z') }],
  participants: [{ employee: jeanLuc, response: 'needs_action' }],
});

function answer(a: AppointmentRecord, change: (cal: Component, master: Component) => void, user = JEAN_LUC) {
  return decideAppointmentEdit(a, edited(servedEvent(a), (cal) => change(cal, masterOf(cal))), user, opts, NOW);
}

/** Sets PARTSTAT of `email` on the given VEVENTs (default: all). */
function partstat(cal: Component, email: string, value: string, which: (e: Component) => boolean = () => true): void {
  for (const e of cal.getAllSubcomponents('vevent').filter(which)) {
    for (const p of e.getAllProperties('attendee')) if (String(p.getFirstValue()).toLowerCase() === `mailto:${email}`) p.setParameter('partstat', value);
  }
}

describe('a participant answering', () => {
  it('accepts his own PARTSTAT: the answer is the patch, the stored version equals the body', () => {
    const d = answer(meeting, (cal, m) => (partstat(cal, jeanLuc.email, 'ACCEPTED'), bumpStamps(m, 4)));
    expect(d).toEqual({
      ok: true,
      patch: { exceptions: [], answer: { employeeId: jeanLuc.id, response: 'accepted' } },
      changes: [{ field: 'response', old: 'needs_action', new: 'accepted' }],
      truncated: false,
      storedDiffers: false,
    });
    if (!d.ok) return;
    const after = applyAppointmentPatch(meeting, d.patch);
    expect(after.participants.map((p) => p.response)).toEqual(['accepted', 'accepted']);
    expect({ ...after, participants: meeting.participants }).toEqual(meeting);
  });

  it('maps every PARTSTAT BrokerStar holds, in any case, and a missing one as unchanged', () => {
    for (const [sent, stored] of [
      ['DECLINED', 'declined'],
      ['tentative', 'tentative'],
      ['Needs-Action', 'needs_action'],
    ] as const) {
      const d = answer({ ...meeting, participants: [{ employee: jeanLuc, response: 'accepted' }, meeting.participants[1]!] }, (cal) => partstat(cal, jeanLuc.email, sent));
      expect(d, sent).toMatchObject({ ok: true, changes: [{ field: 'response', old: 'accepted', new: stored }] });
    }
    const none = answer(meeting, (_cal, m) => m.getAllProperties('attendee').forEach((p) => p.removeParameter('partstat')));
    expect(none).toMatchObject({ ok: true, changes: [], patch: { exceptions: [] } });
  });

  it('ignores what the owner’s rules ignore (an alarm): answered without ETag', () => {
    const d = answer(meeting, (cal, m) => {
      partstat(cal, jeanLuc.email, 'ACCEPTED');
      m.addPropertyWithValue('x-moz-lastack', '20250320T120000Z');
    });
    expect(d).toMatchObject({ ok: true, storedDiffers: true, patch: { answer: { response: 'accepted' } } });
  });

  it("refuses another attendee's PARTSTAT", () => {
    expect(answer(meeting, (cal) => partstat(cal, giulia.email, 'DECLINED'))).toMatchObject({ ok: false, rule: 'answer-for-other' });
  });

  it('refuses any other change as not-owner, answer or not', () => {
    const d = answer(meeting, (cal, m) => {
      partstat(cal, jeanLuc.email, 'ACCEPTED');
      m.updatePropertyWithValue('location', 'Bern');
    });
    expect(d).toMatchObject({ ok: false, rule: 'not-owner' });
    expect(answer(meeting, (_cal, m) => m.updatePropertyWithValue('class', 'PRIVATE'))).toMatchObject({ ok: false, rule: 'not-owner' });
  });

  it('answers a series as a whole, and refuses one occurrence answered otherwise', () => {
    const whole = answer(series, (cal) => partstat(cal, jeanLuc.email, 'TENTATIVE'));
    expect(whole).toMatchObject({ ok: true, patch: { answer: { response: 'tentative' } } });
    const one = answer(series, (cal) => partstat(cal, jeanLuc.email, 'DECLINED', (e) => e.hasProperty('recurrence-id')));
    expect(one).toMatchObject({ ok: false, rule: 'answer-one-occurrence' });
  });

  it('refuses a PARTSTAT BrokerStar cannot hold as invalid data', () => {
    expect(answer(meeting, (cal) => partstat(cal, jeanLuc.email, 'DELEGATED'))).toMatchObject({ ok: false, rule: 'invalid-data' });
  });

  it('leaves anyone who is neither owner nor participant refused as before', () => {
    const other = appointment({ participants: [{ employee: anna, response: 'accepted' }] });
    expect(decideAppointmentEdit(other, servedEvent(other), JEAN_LUC, opts, NOW)).toMatchObject({ ok: false, rule: 'not-owner' });
  });
});
