import { env, loadConfig, loadConfigOrExit } from '@akaso/config';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: env.port(3300),
  DATABASE_URL: env.url(),
  KAFKA_BROKERS: env.brokers(),
  SMTP_HOST: Type.String({ default: '127.0.0.1' }),
  SMTP_PORT: env.port(1025),
  SMTP_SECURE: env.bool(false),
  MAIL_FROM: Type.String({ default: 'Akaso Burger <orders@akaso-burger.example>' }),
  // Third-party latency added to every send, to make the sync/async comparison honest.
  SMTP_LATENCY_MS: env.ms(0),
  SMTP_POOL_SIZE: Type.Integer({ minimum: 1, default: 5 }),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
  // Messages of different users handled at once inside one partition (one user's stay in order).
  CONSUMER_KEY_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  LOG_LEVEL: env.logLevel(),
});
export type Config = Type.Static<typeof ConfigSchema>;
export const loadEmailConfig = (source?: Record<string, string | undefined>) =>
  loadConfig('email', ConfigSchema, source);

/** The service's entry point: refuses to start, with every problem listed, on a bad configuration. */
export const configOrExit = () => loadConfigOrExit('email', ConfigSchema);
