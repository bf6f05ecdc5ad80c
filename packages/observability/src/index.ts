export type { TracingConfig } from './config.ts';
export { tracingConfig, tracingConfigSchema } from './config.ts';
export type { ConfirmationPath, HopSegment, TraceSpan } from './jaeger-api.ts';
export {
  ancestry,
  confirmationPath,
  fetchTrace,
  findTraces,
  hopSegments,
  isHop,
  rootedChain,
} from './jaeger-api.ts';
export type { TracedDelivery, TracedRow } from './kafka-spans.ts';
export { traceBatch, traceHeaders, tracePublish } from './kafka-spans.ts';
export { activeTraceId, inOrderTrace, nameServerSpan, outsideTrace, withClientSpan } from './spans.ts';
export { shutdownTracing, tracingEnabled } from './state.ts';
