import { describe, expect, it } from 'vitest';
import { idFromUid, parseUid, uidOf } from '../../../src/ical/uid.js';

describe('UIDs', () => {
  it.each([
    ['appointment', '123', 'brokerstar-appointment-123'],
    ['task', '9007199254740993', 'brokerstar-task-9007199254740993'],
    ['contact', '4711', 'brokerstar-contact-4711'],
  ] as const)('%s %s ↔ %s', (kind, id, uid) => {
    expect(uidOf(kind, id)).toBe(uid);
    expect(parseUid(uid)).toEqual({ kind, id });
    expect(idFromUid(kind, uid)).toBe(id);
  });

  it('does not map a UID of another kind', () => {
    expect(idFromUid('task', 'brokerstar-appointment-123')).toBeUndefined();
  });

  it.each([
    '040000008200E00074C5B7101A82E008000000001', // Outlook's own
    'brokerstar-appointment-',
    'brokerstar-meeting-12',
    'BROKERSTAR-APPOINTMENT-12',
    'x-brokerstar-appointment-12',
    'brokerstar-appointment-12@other',
    '',
  ])('rejects a UID it did not issue: %j', (uid) => {
    expect(parseUid(uid)).toBeUndefined();
  });

  it('accepts surrounding whitespace a client may add', () => {
    expect(parseUid(' brokerstar-task-7 ')).toEqual({ kind: 'task', id: '7' });
  });

  it.each(['', '12 3', '12/3', 'ä'])('refuses to build a UID from id %j', (id) => {
    expect(() => uidOf('contact', id)).toThrow(TypeError);
  });
});
