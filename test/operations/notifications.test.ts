// The cache notices' payloads: what is sent is read back, and anything else on the channel
// (too long, malformed, another kind) is ignored rather than acted on.
import { describe, expect, it } from 'vitest';
import { formatNotice, parseNotice, type Notice } from '../../src/db/notifications.js';

describe('cache notices', () => {
  it('reads back what it sends', () => {
    const notices: Notice[] = [
      { kind: 'app-password-revoked', appPasswordId: '42' },
      { kind: 'employee-changed', employeeId: '7' },
      { kind: 'employee-changed', employeeId: undefined },
    ];
    for (const n of notices) expect(parseNotice(formatNotice(n))).toEqual(n);
  });

  it('ignores anything else', () => {
    for (const payload of [undefined, '', 'revoked:', 'revoked:abc', 'revoked:1;DROP', 'employee:', 'other:1', 'revoked', `revoked:${'1'.repeat(20)}`, `employee:${'9'.repeat(300)}`]) {
      expect(parseNotice(payload), String(payload)).toBeUndefined();
    }
  });
});
