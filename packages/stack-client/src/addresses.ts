import {
  apiUrl,
  bootstrapServers,
  chargeCounterUrl,
  host,
  jaegerUrl,
  mailpitUrl,
  postgresServerUrl,
  serviceBasePorts,
} from './topology.ts';

/**
 * Where a client of the stack (the tests, the labs) finds each part: the local topology, each
 * address overridable from the environment to point them at another stack (compose, a remote
 * one). Read once, here.
 */
export const stackAddresses = {
  api: process.env.AKASO_API_URL ?? apiUrl,
  inventory: process.env.AKASO_INVENTORY_URL ?? `http://${host}:${serviceBasePorts.inventory}`,
  dashboard: process.env.AKASO_DASHBOARD_URL ?? `http://${host}:${serviceBasePorts.dashboard}`,
  mailpit: process.env.AKASO_MAILPIT_URL ?? mailpitUrl,
  /** Jaeger's UI and HTTP API (compose: http://localhost:16686). */
  jaeger: process.env.AKASO_JAEGER_URL ?? jaegerUrl,
  postgres: process.env.AKASO_POSTGRES_URL ?? postgresServerUrl,
  brokers: (process.env.KAFKA_BROKERS ?? bootstrapServers.join(',')).split(','),
  /**
   * The charge counter in front of stripe-mock: every charge that reached the card provider.
   * Compose has none: AKASO_CHARGES_URL= (empty) tells a reader to skip it.
   */
  charges: process.env.AKASO_CHARGES_URL ?? chargeCounterUrl,
};
