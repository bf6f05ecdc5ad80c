import { describe, expect, it } from 'vitest';
import { statusPathViolation } from './index.ts';

describe('statusPathViolation', () => {
  it('accepts what the design allows: with or without reserved (a payment may overtake it)', () => {
    expect(statusPathViolation(['received', 'reserved', 'confirmed'], 'confirmed')).toBeNull();
    expect(statusPathViolation(['received', 'confirmed'], 'confirmed')).toBeNull();
    expect(statusPathViolation(['received', 'rejected'], 'rejected')).toBeNull();
    expect(statusPathViolation(['received', 'reserved', 'rejected'], 'rejected')).toBeNull();
  });

  it('refuses a wrong start, a wrong end, a step back or a repeat', () => {
    expect(statusPathViolation(['reserved', 'confirmed'], 'confirmed')).toMatch(/does not start at received/);
    expect(statusPathViolation(['received', 'reserved'], 'confirmed')).toMatch(/does not end at confirmed/);
    expect(statusPathViolation(['received', 'confirmed', 'reserved', 'confirmed'], 'confirmed')).toMatch(
      /moves back/,
    );
    expect(statusPathViolation(['received', 'reserved', 'reserved', 'confirmed'], 'confirmed')).toMatch(
      /repeats/,
    );
    expect(statusPathViolation(['received', 'confirmed', 'rejected'], 'rejected')).toMatch(/moves back/);
    expect(statusPathViolation([], 'confirmed')).toMatch(/does not start/);
  });
});
