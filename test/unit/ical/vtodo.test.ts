import { describe, expect, it } from 'vitest';
import { renderTask } from '../../../src/ical/vtodo.js';
import type { TaskRecord, TaskStatus } from '../../../src/domain/records.js';
import {
  GERMAN_200,
  dateOf,
  expectEveryTzidDefined,
  expectWellFormedLines,
  giulia,
  instantOf,
  opts,
  parse,
  propertyNames,
  registerTimezones,
  stamp,
  task,
  textOf,
} from './fixtures.js';

function render(t: TaskRecord) {
  const text = renderTask(t, stamp, opts);
  expectWellFormedLines(text);
  const cal = parse(text);
  expectEveryTzidDefined(cal);
  registerTimezones(cal);
  const todos = cal.getAllSubcomponents('vtodo');
  expect(todos).toHaveLength(1);
  expect(cal.getAllSubcomponents().filter((c) => c.name !== 'vtimezone' && c.name !== 'vtodo')).toEqual([]);
  const todo = todos[0];
  if (!todo) throw new Error('no VTODO');
  return { text, cal, todo };
}

describe('renderTask', () => {
  const t = task();
  const { cal, todo } = render(t);

  it('carries the record field by field', () => {
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//BrokerStar//brokerstar-dav//DE');
    expect(textOf(todo, 'uid')).toBe('brokerstar-task-555');
    expect(textOf(todo, 'summary')).toBe(t.subject);
    expect(textOf(todo, 'description')).toBe(`${GERMAN_200}\n\nKunde: Muster AG (K-010234)`);
    expect(textOf(todo, 'url')).toBe('https://crm.broker.example.ch/contacts/4711?view=detail,notes');
    expect(todo.getFirstPropertyValue('priority')).toBe(1);
    expect(textOf(todo, 'status')).toBe('IN-PROCESS');
    expect(todo.getFirstPropertyValue('percent-complete')).toBe(40);
    expect(textOf(todo, 'class')).toBe('PUBLIC');
    expect(todo.getFirstPropertyValue('sequence')).toBe(7);
    expect(instantOf(todo, 'dtstamp')).toEqual(stamp.lastModified);
    expect(instantOf(todo, 'last-modified')).toEqual(stamp.lastModified);
    expect(instantOf(todo, 'created')).toEqual(t.createdAt);
  });

  it('writes DUE in the assignee’s zone with its VTIMEZONE, and DTSTART as that zone’s midnight', () => {
    expect(cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Zurich']);
    expect(todo.getFirstProperty('due')?.toICALString()).toBe('DUE;TZID=Europe/Zurich:20250314T170000');
    expect(instantOf(todo, 'due')).toEqual(t.dueAt);
    expect(todo.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART;TZID=Europe/Zurich:20250310T000000');
    expect(instantOf(todo, 'dtstart')).toEqual(new Date('2025-03-09T23:00:00Z'));
  });

  it('has no RELATED-TO, ORGANIZER, ATTENDEE or COMPLETED for an open task', () => {
    for (const name of ['related-to', 'organizer', 'attendee', 'completed', 'x-brokerstar-status']) {
      expect(propertyNames(todo), name).not.toContain(name);
    }
  });

  it('uses the assignee’s own zone', () => {
    const { cal: c, todo: rome } = render(task({ assignee: giulia, dueAt: new Date('2025-07-01T10:00:00Z') }));
    expect(c.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Rome']);
    expect(rome.getFirstProperty('due')?.toICALString()).toBe('DUE;TZID=Europe/Rome:20250701T120000');
  });

  it('writes DTSTART as a DATE, and no VTIMEZONE, when there is no due date', () => {
    const { cal: c, todo: undated } = render(task({ dueAt: null }));
    expect(dateOf(undated, 'dtstart')).toBe('2025-03-10');
    expect(undated.hasProperty('due')).toBe(false);
    expect(c.getAllSubcomponents('vtimezone')).toEqual([]);
  });

  it('leaves DTSTART out when it would not be before DUE (RFC 5545 §3.8.2.3)', () => {
    const { todo: late } = render(task({ startsOn: '2025-03-20' }));
    expect(late.hasProperty('dtstart')).toBe(false);
    expect(late.hasProperty('due')).toBe(true);
  });

  it('writes neither for a task without dates, and ignores a malformed start date', () => {
    const { todo: bare } = render(task({ startsOn: null, dueAt: null }));
    expect(bare.hasProperty('dtstart')).toBe(false);
    expect(bare.hasProperty('due')).toBe(false);
    expect(render(task({ startsOn: '2025-02-30', dueAt: null })).todo.hasProperty('dtstart')).toBe(false);
  });

  it('writes the bare description and no URL without a customer', () => {
    const { todo: plain } = render(task({ contact: null, description: 'Nur intern; kein Kunde, bitte.' }));
    expect(textOf(plain, 'description')).toBe('Nur intern; kein Kunde, bitte.');
    expect(plain.hasProperty('url')).toBe(false);
  });

  it('writes DUE in UTC for an assignee zone Node does not know', () => {
    const { cal: c, todo: utc } = render(task({ assignee: { ...giulia, timeZone: 'Rom' } }));
    expect(c.getAllSubcomponents('vtimezone')).toEqual([]);
    expect(utc.getFirstProperty('due')?.toICALString()).toBe('DUE:20250314T160000Z');
    expect(utc.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART:20250310T000000Z');
  });

  it.each([
    [1, 1],
    [2, 5],
    [3, 9],
  ] as const)('maps BrokerStar priority %i to PRIORITY %i', (priority, expected) => {
    expect(render(task({ priority })).todo.getFirstPropertyValue('priority')).toBe(expected);
  });

  it.each([
    ['open', 'NEEDS-ACTION', undefined, false],
    ['in_progress', 'IN-PROCESS', undefined, false],
    ['waiting', 'NEEDS-ACTION', 'waiting', false],
    ['done', 'COMPLETED', undefined, true],
    ['cancelled', 'CANCELLED', undefined, false],
  ] as const)('maps status %s to STATUS %s (X-BROKERSTAR-STATUS %s, COMPLETED %s)', (status: TaskStatus, expected, x, completed) => {
    const completedAt = new Date('2025-03-13T15:45:00Z');
    const { todo: s } = render(task({ status, completedAt, percentComplete: status === 'done' ? 100 : 40 }));
    expect(textOf(s, 'status')).toBe(expected);
    expect(textOf(s, 'x-brokerstar-status')).toBe(x);
    expect(s.hasProperty('completed')).toBe(completed);
    if (completed) {
      expect(instantOf(s, 'completed')).toEqual(completedAt);
      expect(s.getFirstProperty('completed')?.toICALString()).toBe('COMPLETED:20250313T154500Z');
      expect(s.getFirstPropertyValue('percent-complete')).toBe(100);
    }
  });

  it('clamps and rounds PERCENT-COMPLETE into 0..100', () => {
    expect(render(task({ percentComplete: 140 })).todo.getFirstPropertyValue('percent-complete')).toBe(100);
    expect(render(task({ percentComplete: 33.4 })).todo.getFirstPropertyValue('percent-complete')).toBe(33);
    expect(render(task({ percentComplete: -1 })).todo.getFirstPropertyValue('percent-complete')).toBe(0);
  });
});
