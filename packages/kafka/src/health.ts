/**
 * What a part of a service (a consumer, the outbox relay) tells readiness: whether the service
 * should receive work, and why not in words an operator can act on.
 */
export interface Health {
  ok: boolean;
  detail: string;
}

/**
 * How long a dependency may keep failing before readiness says so: long enough to ride out a
 * leader election or a reconnect, short enough that a stuck part is taken out of rotation.
 */
export const UNHEALTHY_AFTER_MS = 5_000;
