export type { AuditOptions, AuditReport, ProviderChargeSummary } from './audit.ts';
export { auditRun, checkProviderCharges, deadLetterCounts, deadLettersAdded, extreme } from './audit.ts';
export type { AuditCheck, AuditCheckId, AuditCheckOutcome } from './audit-checks.ts';
export { auditHeadline } from './audit-checks.ts';
export type { LatencySummary, RushOptions, RushProgress, RushResult } from './rush.ts';
export { runRush } from './rush.ts';
export type { Stage } from './scenario.ts';
export {
  burgers,
  christmasStages,
  declineShare,
  makeOrder,
  quantityMix,
  random,
  rateAt,
  totalDuration,
} from './scenario.ts';
