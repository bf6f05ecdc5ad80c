/**
 * The stack's records that code outside the stack's tools reads (the rush's audit in the
 * dashboard): the charge counter's calls and the kinds of mail. Apart from the topology, which
 * reads the environment when loaded, and built, so a deployed service can import it.
 */
export type { ChargeCall, ChargeOutcome } from './charges.ts';
export { chargesOf, chargesPath, readChargeCalls } from './charges.ts';
export { mailKind } from './mail-kind.ts';
