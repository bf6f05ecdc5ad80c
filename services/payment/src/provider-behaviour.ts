import type { Flags } from '@akaso/flags';

/** How the card provider behaves for one charge: the simulated latency and decline share. */
export interface ProviderBehaviour {
  latencyMs: number;
  declineRate: number;
}

/**
 * The configured behaviour (PAYMENT_LATENCY_MS, PAYMENT_DECLINE_RATE) with the run-time flags
 * over it: a flag set wins, a flag removed gives the configured value back (the fault panel's
 * switch-back).
 */
export function providerBehaviour(configured: ProviderBehaviour, flags: Flags): ProviderBehaviour {
  return {
    latencyMs: flags['payment.latencyMs'] ?? configured.latencyMs,
    declineRate: flags['payment.declineRate'] ?? configured.declineRate,
  };
}
