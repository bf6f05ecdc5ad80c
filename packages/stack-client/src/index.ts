export { stackAddresses } from './addresses.ts';
export type { ChargeCall, ChargeOutcome } from './charges.ts';
export { chargesOf, chargesPath, readChargeCalls } from './charges.ts';
export { mailKind } from './mail-kind.ts';
export type { KafkaNode } from './topology.ts';
export {
  apiUrl,
  auditTarget,
  bootstrapServers,
  chargeCounter,
  chargeCounterUrl,
  controllerQuorumVoters,
  fetchRefuses,
  host,
  jaeger,
  jaegerUrl,
  kafka,
  mailpit,
  mailpitUrl,
  otlpEndpoint,
  portOffset,
  postgres,
  postgresServerUrl,
  postgresUrl,
  saslSslBootstrapServers,
  secureBootstrapServers,
  serviceBasePorts,
  stripeMock,
} from './topology.ts';
