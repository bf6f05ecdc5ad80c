export { ContractError, decodeEvent, encodeEvent, validateEvent } from './codec.ts';
export type { AnyEvent, EventOf, OrderLine } from './events.ts';
export {
  OrderConfirmed,
  OrderPlaced,
  OrderRejected,
  PaymentFailed,
  PaymentSucceeded,
  StockRejected,
  StockReleased,
  StockReserved,
  topicEvents,
} from './events.ts';
export type { EventByType, EventFields, EventType } from './new-event.ts';
export { newEvent } from './new-event.ts';
export { orderRef } from './order-ref.ts';
export type { OrderRequest } from './order-request.ts';
export { orderRequestSchema, USER_ID_MAX_LENGTH, UserId } from './order-request.ts';
export type { GroupName, TopicName } from './topics.ts';
export { allTopics, dlqTopic, groupNames, groupsReading, groupTopics, headers, topics } from './topics.ts';
export { uuidv7, uuidv7Time } from './uuid-v7.ts';
