export type { Admin, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
export type { KafkaClientOptions } from './client.ts';
export { ACKS_ALL, clientDefaults, createKafka, createProducer, producerDefaults } from './client.ts';
export type { ClusterState, PartitionState } from './cluster.ts';
export { describeClusterState } from './cluster.ts';
