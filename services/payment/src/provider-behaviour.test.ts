import { describe, expect, it } from 'vitest';
import { providerBehaviour } from './provider-behaviour.ts';

const configured = { latencyMs: 40, declineRate: 0.05 };

describe('the card provider behaviour of a charge', () => {
  it('is the configured one without flags', () => {
    expect(providerBehaviour(configured, {})).toEqual(configured);
  });

  it('takes each flag that is set over its setting, and only that one', () => {
    expect(providerBehaviour(configured, { 'payment.latencyMs': 1_500 })).toEqual({
      latencyMs: 1_500,
      declineRate: 0.05,
    });
    expect(providerBehaviour(configured, { 'payment.declineRate': 1, 'email.delayMs': 500 })).toEqual({
      latencyMs: 40,
      declineRate: 1,
    });
  });

  it('a flag set to 0 switches the configured fault off', () => {
    expect(providerBehaviour(configured, { 'payment.latencyMs': 0, 'payment.declineRate': 0 })).toEqual({
      latencyMs: 0,
      declineRate: 0,
    });
  });
});
