export type { TracingConfig } from './config.ts';
export { tracingConfig, tracingConfigSchema } from './config.ts';
export type { TraceSpan } from './jaeger-api.ts';
export { ancestry, fetchTrace, findTraces, isHop } from './jaeger-api.ts';
export type { TracedDelivery, TracedRow } from './kafka-spans.ts';
export { traceBatch, traceHeaders, tracePublish } from './kafka-spans.ts';
export { activeTraceId, inOrderTrace, nameServerSpan, withClientSpan } from './spans.ts';
export { shutdownTracing, tracingEnabled } from './state.ts';
