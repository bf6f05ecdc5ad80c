export type { Admin, Consumer, EachMessagePayload, IHeaders, Kafka, Message, Producer } from 'kafkajs';
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ConfigSource,
  ResourcePatternTypes,
} from './admin-enums.ts';
export type { Batcher, BatcherOptions, Part, PartOutcome } from './batcher.ts';
export { createBatcher } from './batcher.ts';
export type { KafkaClientOptions } from './client.ts';
export {
  ACKS_ALL,
  clientDefaults,
  createKafka,
  createProducer,
  producerDefaults,
  withAdmin,
  withProducer,
} from './client.ts';
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type { ClusterState, GroupMember, PartitionState } from './cluster.ts';
export { describeClusterState, describeGroupMembers } from './cluster.ts';
export type { CommitPolicy } from './commit-policy.ts';
export { CommitPolicyError, commitPolicyDefaults, commitPolicyFromEnv } from './commit-policy.ts';
export { createConsumerRunner } from './consumer.ts';
export type { ConsumerRunner, ConsumerRunnerOptions } from './consumer-options.ts';
export { consumerDefaults } from './consumer-options.ts';
export type { BatchContext, BatchHandler, ConsumerMetrics, Delivery, Logger } from './delivery.ts';
export { headersToRecord, perDelivery } from './delivery.ts';
export { dlqMessage, replayDeadLetters } from './dlq.ts';
export type { DeadLetter, DeadLetterList, DlqBacklog, DlqPartitionBacklog } from './dlq-read.ts';
export {
  dlqBacklog,
  dlqReadPlan,
  dlqReplayGroup,
  readDeadLetters,
  readDlqBacklog,
  toDeadLetter,
} from './dlq-read.ts';
export type { ClassifiedError, ErrorKind, FlaggedError, RetryOptions } from './errors.ts';
export {
  backoffMs,
  classifyError,
  isTransient,
  PermanentError,
  retryDefaults,
  retryWhileTransient,
} from './errors.ts';
export type { Health } from './health.ts';
export { UNHEALTHY_AFTER_MS } from './health.ts';
export type { MskIamOptions, MskSigner } from './msk-iam.ts';
export { loadMskSigner, mskIamTokenProvider } from './msk-iam.ts';
export { createArrivals } from './pacing.ts';
export type { TopicSpec } from './provision.ts';
export { ProvisioningError, pipelineTopicSpecs, provisionDefaults, provisionTopics } from './provision.ts';
export type { KafkaConfig, SecurityHooks } from './security.ts';
export { kafkaClientOptions, kafkaConfigSchema, loadKafkaConfig, securityOptions } from './security.ts';
export type { KafkaSecurityErrorCode } from './security-errors.ts';
export {
  diagnoseKafkaFailure,
  KafkaSecurityError,
  kafkaSecurityErrorCodes,
  speaksTls,
} from './security-errors.ts';
