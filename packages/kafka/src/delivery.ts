import { decodeEvent, type EventOf, headers as h, type TopicName } from '@akaso/contracts';
import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { ACKS_ALL } from './client.ts';
import { dlqMessage } from './dlq.ts';
import type { ClassifiedError } from './errors.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** One consumed message, decoded against its topic's contract. */
export interface Delivery<T extends TopicName = TopicName> {
  topic: T;
  partition: number;
  offset: string;
  key: string | null;
  event: EventOf<T>;
  correlationId: string;
  headers: Record<string, string>;
}

export interface BatchContext {
  /** Keeps the group membership alive during a long side effect (a slow card provider). */
  heartbeat(): Promise<void>;
}

/**
 * Applies a batch of deliveries (several partitions' messages, each partition's in offset
 * order) all at once — one database transaction — or throws. Thrown errors decide what happens
 * (errors.ts): transient → the same batch again after a backoff; anything else → one delivery
 * at a time, the one that still fails to the dead-letter topic.
 */
export type BatchHandler = (deliveries: Delivery[], ctx: BatchContext) => Promise<void>;

/** A handler of one delivery at a time, as a BatchHandler (labs, simple consumers). */
export const perDelivery =
  (fn: (delivery: Delivery, ctx: BatchContext) => Promise<void>): BatchHandler =>
  async (deliveries, ctx) => {
    for (const d of deliveries) await fn(d, ctx);
  };

export interface ConsumerMetrics {
  onProcessed?(info: { topic: string; count: number; outcome: 'ok' | 'dead-lettered' }): void;
  onApplied?(info: { count: number; durationMs: number }): void;
  onRetry?(info: { code: string; kind: string; attempt: number }): void;
  onBatch?(info: { topic: string; partition: number; lag: number }): void;
  onRebalance?(info: { groupId: string; memberId: string; assigned: Record<string, number[]> }): void;
}

export type Decode = (topic: TopicName, value: Buffer | null) => unknown;

export function headersToRecord(raw: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

/** Decodes a message against its topic's contract; throws for bytes that break it (poison). */
export function toDelivery(
  topic: TopicName,
  partition: number,
  message: KafkaMessage,
  decode: Decode = decodeEvent,
): Delivery {
  const headers = headersToRecord(message.headers);
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    event: decode(topic, message.value) as EventOf<typeof topic>,
    correlationId: headers[h.correlationId] ?? '',
    headers,
  };
}

/** Publishes one message to its topic's dead-letter companion with acks=all, and logs it. */
export async function publishDeadLetter(
  deps: { producer: Producer; logger: Logger; groupId: string },
  where: { topic: TopicName; partition: number; message: KafkaMessage },
  error: ClassifiedError,
  attempts: number,
): Promise<void> {
  const { topic, partition, message } = where;
  await deps.producer.send({
    acks: ACKS_ALL,
    ...dlqMessage({ topic, partition, message, groupId: deps.groupId, error, attempts }),
  });
  deps.logger.error(
    {
      topic,
      partition,
      offset: message.offset,
      groupId: deps.groupId,
      code: error.code,
      err: error.message,
      attempts,
    },
    'message dead-lettered',
  );
}
