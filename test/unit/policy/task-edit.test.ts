import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { applyTaskPatch, decideTaskEdit, type EditDecision, type TaskPatch } from '../../../src/policy/edit-rules.js';
import type { TaskRecord } from '../../../src/domain/records.js';
import { anna, appointment, GERMAN_200, jeanLuc, opts, task, type Component } from '../ical/fixtures.js';
import { anyUser, bumpStamps, edited, masterOf, outlookTodo, servedEvent, servedTodo, setDate, setLocal, setText } from './clients.js';

const NOW = new Date('2025-03-20T12:00:00Z');
const ANNA = anyUser(anna);

function decide(t: TaskRecord, body: string, user = ANNA) {
  return decideTaskEdit(t, body, user, opts, NOW);
}

function put(t: TaskRecord, edit: (todo: Component, cal: Component) => void, user = ANNA) {
  return decide(t, edited(servedTodo(t), (cal) => edit(masterOf(cal), cal)), user);
}

function accepted(d: EditDecision<TaskPatch>) {
  if (!d.ok) throw new Error(`refused: ${d.rule}: ${d.detail}`);
  return d;
}

const NO_CHANGE = { ok: true, patch: {}, changes: [], truncated: false, storedDiffers: false };

describe('decideTaskEdit: round trips', () => {
  it('accepts the served text unchanged', () => {
    expect(decide(task(), servedTodo(task()))).toEqual(NO_CHANGE);
  });

  it('accepts a waiting task served back with its X-BROKERSTAR-STATUS', () => {
    const waiting = task({ status: 'waiting' });
    expect(decide(waiting, servedTodo(waiting))).toEqual(NO_CHANGE);
  });

  it('accepts a done task and a task without due date served back', () => {
    const done = task({ status: 'done', percentComplete: 100, completedAt: new Date('2025-03-12T10:00:00Z') });
    expect(decide(done, servedTodo(done))).toEqual(NO_CHANGE);
    const undated = task({ dueAt: null });
    expect(decide(undated, servedTodo(undated))).toEqual(NO_CHANGE);
  });
});

describe('decideTaskEdit: Outlook (CalDav Synchronizer rebuilds the whole VTODO)', () => {
  const t = task(); // in_progress, 40 %

  it('applies only status and completion from a rebuilt VTODO marked complete', () => {
    const d = decide(t, outlookTodo(t, { status: 'COMPLETED', percent: 100, completed: '20250314T153000Z' }));
    expect(d).toEqual({
      ok: true,
      patch: { status: 'done', percentComplete: 100, completedAt: new Date('2025-03-14T15:30:00Z') },
      changes: [
        { field: 'status', old: 'in_progress', new: 'done' },
        { field: 'percentComplete', old: 40, new: 100 },
        { field: 'completedAt', old: null, new: '2025-03-14T15:30:00.000Z' },
      ],
      truncated: false,
      storedDiffers: true,
    });
  });

  it('takes now as completion time when COMPLETED is missing', () => {
    const d = accepted(decide(t, outlookTodo(t, { status: 'COMPLETED', percent: 100 })));
    expect(d.patch).toEqual({ status: 'done', percentComplete: 100, completedAt: NOW });
  });

  it('changes nothing when the rebuilt VTODO carries the stored status and percentage', () => {
    const d = decide(t, outlookTodo(t, { status: 'IN-PROCESS', percent: 40 }));
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('keeps a waiting task waiting: Outlook drops X-BROKERSTAR-STATUS and sends NEEDS-ACTION', () => {
    const waiting = task({ status: 'waiting', percentComplete: 10 });
    const d = decide(waiting, outlookTodo(waiting, { status: 'NEEDS-ACTION', percent: 10 }));
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('applies a new percentage alone', () => {
    const d = decide(t, outlookTodo(t, { status: 'IN-PROCESS', percent: 75 }));
    expect(d).toEqual({
      ok: true,
      patch: { percentComplete: 75 },
      changes: [{ field: 'percentComplete', old: 40, new: 75 }],
      truncated: false,
      storedDiffers: true,
    });
  });
});

describe('decideTaskEdit: status rules', () => {
  const done = task({ status: 'done', percentComplete: 100, completedAt: new Date('2025-03-12T10:00:00Z') });

  it('reopening a done task clears completedAt (NEEDS-ACTION → open, IN-PROCESS → in_progress)', () => {
    const open = put(done, (todo) => {
      setText(todo, 'status', 'NEEDS-ACTION');
      todo.removeProperty('completed');
      todo.updatePropertyWithValue('percent-complete', 0);
    });
    expect(open).toEqual({
      ok: true,
      patch: { status: 'open', percentComplete: 0, completedAt: null },
      changes: [
        { field: 'status', old: 'done', new: 'open' },
        { field: 'percentComplete', old: 100, new: 0 },
        { field: 'completedAt', old: '2025-03-12T10:00:00.000Z', new: null },
      ],
      truncated: false,
      storedDiffers: false,
    });
    const inProcess = accepted(put(done, (todo) => setText(todo, 'status', 'IN-PROCESS')));
    expect(inProcess.patch).toEqual({ status: 'in_progress', completedAt: null });
    expect(inProcess.storedDiffers).toBe(true); // COMPLETED was left in the body
  });

  it('keeps the stored completion time of a done task when COMPLETED is missing, and takes a new one', () => {
    expect(put(done, (todo) => todo.removeProperty('completed'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
    const moved = accepted(put(done, (todo) => todo.updatePropertyWithValue('completed', ICAL.Time.fromDateTimeString('2025-03-13T08:00:00Z'))));
    expect(moved.patch).toEqual({ completedAt: new Date('2025-03-13T08:00:00Z') });
    expect(moved.storedDiffers).toBe(false);
  });

  it('completing with PERCENT-COMPLETE below 100 keeps that percentage', () => {
    const d = accepted(
      put(task(), (todo) => {
        setText(todo, 'status', 'COMPLETED');
        todo.updatePropertyWithValue('percent-complete', 90);
      }),
    );
    expect(d.patch).toEqual({ status: 'done', percentComplete: 90, completedAt: NOW });
    expect(d.storedDiffers).toBe(true); // COMPLETED is added by BrokerStar
  });

  it('completing without PERCENT-COMPLETE sets 100', () => {
    const d = accepted(
      put(task(), (todo) => {
        setText(todo, 'status', 'COMPLETED');
        todo.removeProperty('percent-complete');
      }),
    );
    expect(d.patch).toEqual({ status: 'done', percentComplete: 100, completedAt: NOW });
  });

  it('cancels', () => {
    const d = put(task(), (todo) => setText(todo, 'status', 'CANCELLED'));
    expect(d).toEqual({
      ok: true,
      patch: { status: 'cancelled' },
      changes: [{ field: 'status', old: 'in_progress', new: 'cancelled' }],
      truncated: false,
      storedDiffers: false,
    });
  });

  it('NEEDS-ACTION keeps an open task open and reopens an in-progress one', () => {
    const open = task({ status: 'open' });
    expect(put(open, (todo) => setText(todo, 'status', 'NEEDS-ACTION'))).toEqual(NO_CHANGE);
    expect(accepted(put(task(), (todo) => setText(todo, 'status', 'NEEDS-ACTION'))).patch).toEqual({ status: 'open' });
  });

  it('keeps the status when STATUS is missing or not a VTODO status', () => {
    expect(put(task(), (todo) => todo.removeProperty('status'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
    expect(put(task(), (todo) => setText(todo, 'status', 'TENTATIVE'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('clamps PERCENT-COMPLETE to 0..100 and keeps it when missing', () => {
    expect(accepted(put(task(), (todo) => todo.updatePropertyWithValue('percent-complete', 150))).patch).toEqual({ percentComplete: 100 });
    expect(accepted(put(task(), (todo) => todo.updatePropertyWithValue('percent-complete', -5))).patch).toEqual({ percentComplete: 0 });
    expect(put(task(), (todo) => todo.removeProperty('percent-complete'))).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('ignores alarms, X- properties, DTSTART (Apple sets it to the due date) and a DUE left out', () => {
    const d = put(task(), (todo) => {
      todo.removeProperty('due');
      setLocal(todo, 'dtstart', '2025-03-14T17:00:00');
      todo.addPropertyWithValue('x-moz-generation', '3');
      const alarm = new ICAL.Component('valarm');
      alarm.addPropertyWithValue('action', 'DISPLAY');
      alarm.addPropertyWithValue('trigger', ICAL.Duration.fromString('-PT15M'));
      todo.addSubcomponent(alarm);
      bumpStamps(todo, 9);
    });
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });
});

describe('decideTaskEdit: subject, description, due date and priority are BrokerStar’s', () => {
  const t = task(); // high priority, due Friday 14 March 17:00 Europe/Zurich, customer Muster AG

  it('refuses a new SUMMARY or DESCRIPTION, naming what was sent', () => {
    expect(put(t, (todo) => setText(todo, 'summary', 'Offerte nachfassen'))).toEqual({
      ok: false,
      rule: 'change-task-details',
      detail: 'SUMMARY "Offerte nachfassen" instead of "Offerte für Élodie Lefèvre-Dubois, Genève; rappeler"',
    });
    const d = put(t, (todo) => setText(todo, 'description', 'Neue Notiz\n\nKunde: Muster AG (K-010234)'));
    expect(d).toMatchObject({ ok: false, rule: 'change-task-details', detail: expect.stringMatching(/^DESCRIPTION "Neue Notiz" instead of "Jährliche/) });
    expect(put(t, (todo) => setText(todo, 'description', ''))).toMatchObject({ ok: false, rule: 'change-task-details' });
  });

  it('refuses another due day or time, and a due date on a task without one', () => {
    const day = put(t, (todo) => setLocal(todo, 'due', '2025-03-21T17:00:00'));
    expect(day).toEqual({ ok: false, rule: 'change-task-details', detail: 'DUE 2025-03-21T16:00:00.000Z instead of 2025-03-14T16:00:00.000Z' });
    expect(put(t, (todo) => setLocal(todo, 'due', '2025-03-14T15:00:00'))).toMatchObject({ ok: false, rule: 'change-task-details' });
    expect(put(t, (todo) => setDate(todo, 'due', '2025-03-17'))).toMatchObject({ ok: false, rule: 'change-task-details' });
    // Outlook moving the due day: 23:59:59 of another day.
    const outlook = outlookTodo(t, { status: 'IN-PROCESS', percent: 40 }).replace('DUE;TZID=W. Europe Standard Time:20250314T235959', 'DUE;TZID=W. Europe Standard Time:20250318T235959');
    expect(decide(t, outlook)).toMatchObject({ ok: false, rule: 'change-task-details', detail: expect.stringMatching(/^DUE 2025-03-18T22:59:59/) });
    const undated = task({ dueAt: null });
    expect(put(undated, (todo) => todo.addPropertyWithValue('due', ICAL.Time.fromDateString('2025-03-17')))).toMatchObject({ ok: false, rule: 'change-task-details' });
  });

  it('refuses another PRIORITY class (BrokerStar: 1-4 high, 0 and 5 normal, 6-9 low), also in Outlook’s rebuild', () => {
    expect(put(t, (todo) => todo.updatePropertyWithValue('priority', 9))).toEqual({
      ok: false,
      rule: 'change-task-details',
      detail: "PRIORITY 9 instead of BrokerStar's 1 (1 high, 2 normal, 3 low)",
    });
    expect(put(t, (todo) => todo.updatePropertyWithValue('priority', 0))).toMatchObject({ ok: false, rule: 'change-task-details' });
    const outlook = outlookTodo(t, { status: 'IN-PROCESS', percent: 40 }).replace('PRIORITY:1', 'PRIORITY:5');
    expect(decide(t, outlook)).toMatchObject({ ok: false, rule: 'change-task-details' });
  });

  it('refuses such a change together with a status change: nothing is written', () => {
    const d = put(t, (todo) => {
      setText(todo, 'status', 'COMPLETED');
      setText(todo, 'summary', 'Erledigt: Offerte');
    });
    expect(d).toMatchObject({ ok: false, rule: 'change-task-details' });
  });

  it('refuses a PRIORITY that is no number from 0 to 9 as invalid data', () => {
    expect(decide(t, servedTodo(t).replace('PRIORITY:1', 'PRIORITY:12'))).toMatchObject({ ok: false, rule: 'invalid-data' });
  });

  it('accepts what clients rewrite on their own: blanks and line breaks, CRLF, the customer line, another high priority', () => {
    const d = put(t, (todo) => {
      setText(todo, 'summary', '  Offerte für Élodie Lefèvre-Dubois,\n Genève; rappeler ');
      const text = (todo.getFirstPropertyValue('description') as string).replace(/\n/g, '\r\n');
      setText(todo, 'description', `${text.replace('\r\n\r\nKunde: Muster AG (K-010234)', '')}  \r\n\r\n`);
      todo.updatePropertyWithValue('priority', 2);
    });
    expect(d).toEqual({ ...NO_CHANGE, storedDiffers: true });
    const below = put(t, (todo) => setText(todo, 'description', `${GERMAN_200}\n\nKunde: Muster AG (K-010234)\n\n`));
    expect(below).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('accepts the due date as a DATE (Tasks.org, iOS), in UTC, a second off (Tasks.org), or 23:59:59 in any zone (Outlook)', () => {
    const variants: Array<[string, (todo: Component) => void]> = [
      ['DATE', (todo) => setDate(todo, 'due', '2025-03-14')],
      ['UTC', (todo) => (todo.getFirstProperty('due')?.removeParameter('tzid'), setLocal(todo, 'due', '2025-03-14T16:00:00Z'))],
      ['seconds', (todo) => setLocal(todo, 'due', '2025-03-14T17:00:01')],
      ['New York 23:59:59', (todo) => (setLocal(todo, 'due', '2025-03-14T23:59:59'), todo.getFirstProperty('due')?.setParameter('tzid', 'America/New_York'))],
      ['floating 23:59:59', (todo) => (todo.getFirstProperty('due')?.removeParameter('tzid'), setLocal(todo, 'due', '2025-03-14T23:59:59'))],
    ];
    for (const [name, change] of variants) {
      const d = put(t, (todo) => {
        change(todo);
        todo.removeProperty('dtstart'); // RFC 5545: DTSTART and DUE of one value type
      });
      expect(d, name).toEqual({ ...NO_CHANGE, storedDiffers: true });
    }
  });

  it('accepts Outlook’s day for a due date served in UTC (assignee without zone): the day in Outlook’s zone', () => {
    // 23:30 UTC on 14 March is 00:30 on 15 March in Zurich: Outlook holds 15 March.
    const utc = task({ assignee: { ...anna, timeZone: '' }, dueAt: new Date('2025-03-14T23:30:00Z'), startsOn: null });
    const body = outlookTodo(utc, { status: 'COMPLETED', percent: 100 }).replace(/DUE;TZID=W\. Europe Standard Time:\d{8}T235959/, 'DUE;TZID=W. Europe Standard Time:20250315T235959');
    expect(accepted(decide(utc, body)).patch).toEqual({ status: 'done', percentComplete: 100, completedAt: NOW });
  });
});

describe('decideTaskEdit: refusals', () => {
  it('refuses an ATTENDEE other than the assignee (a reassignment), in any spelling of mailto', () => {
    const d = put(task(), (todo) => todo.addPropertyWithValue('attendee', 'mailto:jean-luc.bezier@broker.example.ch'));
    expect(d).toMatchObject({ ok: false, rule: 'reassign-task' });
    const self = put(task(), (todo) => todo.addPropertyWithValue('attendee', 'MAILTO:Anna.Mueller@broker.example.ch'));
    expect(self).toEqual({ ...NO_CHANGE, storedDiffers: true });
  });

  it('refuses an ORGANIZER other than the assignee (who gave the task is BrokerStar’s)', () => {
    const d = put(task(), (todo) => todo.addPropertyWithValue('organizer', 'mailto:jean-luc.bezier@broker.example.ch'));
    expect(d).toMatchObject({ ok: false, rule: 'change-task-organizer' });
  });

  it('refuses someone else’s task', () => {
    expect(decide(task(), servedTodo(task()), anyUser(jeanLuc))).toMatchObject({ ok: false, rule: 'not-owner' });
  });

  it('refuses another UID, a VEVENT, and unreadable data', () => {
    expect(put(task(), (todo) => setText(todo, 'uid', 'brokerstar-task-556'))).toMatchObject({ ok: false, rule: 'uid-mismatch' });
    const event = appointment({ id: '555' });
    expect(decide(task(), servedEvent(event))).toMatchObject({ ok: false, rule: 'wrong-component' });
    expect(decide(task(), 'BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n')).toMatchObject({ ok: false, rule: 'invalid-data' });
    const badDate = servedTodo(task()).replace('PERCENT-COMPLETE:40', 'PERCENT-COMPLETE:40\r\nCOMPLETED:gestern');
    expect(decide(task(), badDate)).toMatchObject({ ok: false, rule: 'invalid-data' });
  });
});

describe('applyTaskPatch', () => {
  it('sets the patched fields, null included, and keeps the others', () => {
    const done = task({ status: 'done', completedAt: new Date('2025-03-12T10:00:00Z') });
    expect(applyTaskPatch(done, { status: 'open', completedAt: null })).toEqual({ ...done, status: 'open', completedAt: null });
    expect(applyTaskPatch(done, {})).toEqual(done);
  });
});
