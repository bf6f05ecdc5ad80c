/**
 * Topic names: the contract between services. Every topic is keyed by userId (so one user's
 * events stay in order on one partition), created by the provisioning step at start-up, and has
 * a dead-letter companion `<topic>.dlq` for messages that can never be processed.
 */
export const topics = {
  orders: 'orders',
  inventory: 'inventory',
  payments: 'payments',
  orderStatus: 'order-status',
} as const;

export type TopicName = (typeof topics)[keyof typeof topics];

export const allTopics: TopicName[] = Object.values(topics);

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Kafka header names used across the pipeline. */
export const headers = {
  correlationId: 'correlation-id',
  eventType: 'event-type',
  eventVersion: 'event-version',
  eventId: 'event-id',
  // Dead-letter metadata: why it failed and where it came from.
  dlqError: 'dlq-error',
  dlqErrorCode: 'dlq-error-code',
  dlqOriginTopic: 'dlq-origin-topic',
  dlqOriginPartition: 'dlq-origin-partition',
  dlqOriginOffset: 'dlq-origin-offset',
  dlqConsumerGroup: 'dlq-consumer-group',
  dlqAttempts: 'dlq-attempts',
  dlqFailedAt: 'dlq-failed-at',
  dlqReplayedAt: 'dlq-replayed-at',
} as const;

/**
 * The pipeline's consumer groups and the topics each one reads (the architecture's table): the
 * services subscribe their groups from it, and tools that measure a group's lag or wait for it to
 * pass an offset read the same map.
 */
export const groupTopics = {
  inventory: [topics.orders, topics.payments],
  payment: [topics.inventory],
  'order-status': [topics.inventory, topics.payments],
  email: [topics.orderStatus, topics.payments],
} as const satisfies Record<string, readonly TopicName[]>;

export type GroupName = keyof typeof groupTopics;

export const groupNames = Object.keys(groupTopics) as GroupName[];

/** The groups that read a topic (each has to handle a message on it before it is done). */
export const groupsReading = (topic: string): GroupName[] =>
  groupNames.filter((g) => (groupTopics[g] as readonly string[]).includes(topic));
