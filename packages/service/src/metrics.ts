import type { ConsumerMetrics } from '@akaso/kafka';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one service process, served at GET /metrics. The names are shared by
 * all services (a `service` label tells them apart), so one dashboard reads them all.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  const handled = new Counter({
    name: 'akaso_messages_handled_total',
    help: 'Kafka messages handled, by topic and outcome (ok or dead-lettered)',
    labelNames: ['topic', 'outcome'] as const,
    registers: [registry],
  });
  const handlerSeconds = new Histogram({
    name: 'akaso_handler_duration_seconds',
    help: 'Time of one handler call (one database transaction for a batch of messages), retries excluded',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'akaso_handler_batch_size',
    help: 'Messages applied by one handler call',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'akaso_handler_retries_total',
    help: 'Retries of failed handler calls, by error code and kind (transient, unknown)',
    labelNames: ['code', 'kind'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'akaso_dead_lettered_total',
    help: 'Messages sent to a dead-letter topic',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'akaso_consumer_lag',
    help: 'Messages behind the end of the partition, as of the last fetched batch',
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
  });
  const rebalances = new Counter({
    name: 'akaso_consumer_group_joins_total',
    help: 'Times this instance joined its consumer group (each rebalance)',
    registers: [registry],
  });
  const outboxBacklog = new Gauge({
    name: 'akaso_outbox_backlog',
    help: 'Outbox rows not yet published to Kafka',
    registers: [registry],
  });
  const outboxPublished = new Counter({
    name: 'akaso_outbox_published_total',
    help: 'Outbox rows published to Kafka',
    registers: [registry],
  });

  // Every request this process's Kafka clients sent, by API (Produce, Fetch, OffsetCommit…):
  // `pnpm bench` divides them by the orders of a run.
  const kafkaRequests = new Counter({
    name: 'akaso_kafka_requests_total',
    help: 'Requests sent by this process to the Kafka brokers, by API',
    labelNames: ['api'] as const,
    registers: [registry],
  });

  // The order funnel (order-api): placed, refused by the rule, reserved, confirmed, rejected.
  const orders = new Counter({
    name: 'akaso_orders_total',
    help: 'Orders by stage: accepted, refused (the 5-burger rule), invalid, reserved, confirmed, rejected',
    labelNames: ['stage', 'mode'] as const,
    registers: [registry],
  });

  // The funnel's last stage (email): mails the SMTP server accepted, once per (order, kind).
  const emails = new Counter({
    name: 'akaso_emails_sent_total',
    help: 'Emails accepted by the SMTP server, by kind (confirmation, rejection, receipt)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  const consumer: ConsumerMetrics = {
    onProcessed: ({ topic, count, outcome }) => {
      handled.inc({ topic, outcome }, count);
      if (outcome === 'dead-lettered') deadLettered.inc({ topic }, count);
    },
    onApplied: ({ count, durationMs }) => {
      handlerSeconds.observe(durationMs / 1000);
      batchSize.observe(count);
    },
    onRetry: ({ code, kind }) => retries.inc({ code, kind }),
    onBatch: ({ topic, partition, lag: value }) => lag.set({ topic, partition: String(partition) }, value),
    onRebalance: () => rebalances.inc(),
  };

  return {
    registry,
    consumer,
    order: (
      stage: 'accepted' | 'refused' | 'invalid' | 'reserved' | 'confirmed' | 'rejected',
      mode = 'async',
    ) => orders.inc({ stage, mode }),
    email: (kind: string) => emails.inc({ kind }),
    kafkaRequest: (api: string) => kafkaRequests.inc({ api }),
    outbox: {
      published: (count: number) => outboxPublished.inc(count),
      backlog: (value: number) => outboxBacklog.set(value),
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
