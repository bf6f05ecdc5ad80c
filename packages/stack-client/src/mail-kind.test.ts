import { describe, expect, it } from 'vitest';
import { mailKind } from './mail-kind.ts';

describe('mailKind', () => {
  it('tells the three mails apart by subject', () => {
    expect(
      [
        'Receipt for your order 1234abcd',
        'Your order 1234abcd is confirmed',
        'Your order 1234abcd could not be completed',
        'Hello',
      ].map(mailKind),
    ).toEqual(['receipt', 'confirmation', 'rejection', 'other']);
  });
});
