import { type Attributes, type Context, type Link, type SpanKind, TraceFlags } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

/**
 * The decision for a trace's first span (POST /orders): the ratio (OTEL_TRACES_SAMPLER_ARG),
 * then at most `maxPerSecond` new traces a second in this process (a token bucket; 0: no cap),
 * so that at a workshop's pace every order is traced and during a rush the cost stays bounded.
 * A root span that links sampled messages (a consumer's batch span) is kept: its links are
 * traces someone will read.
 */
export class RootSampler implements Sampler {
  private readonly ratio: TraceIdRatioBasedSampler;
  private tokens: number;
  private last: number;

  private readonly ratioValue: number;
  private readonly maxPerSecond: number;
  private readonly now: () => number;

  constructor(ratio: number, maxPerSecond: number, now: () => number = Date.now) {
    this.ratio = new TraceIdRatioBasedSampler(ratio);
    this.ratioValue = ratio;
    this.maxPerSecond = maxPerSecond;
    this.now = now;
    this.tokens = maxPerSecond;
    this.last = now();
  }

  shouldSample(
    context: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    _attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (links.some((l) => (l.context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED)) {
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    const byRatio = this.ratio.shouldSample(context, traceId);
    if (byRatio.decision !== SamplingDecision.RECORD_AND_SAMPLED || this.maxPerSecond === 0) return byRatio;
    this.refill();
    if (this.tokens < 1) return { decision: SamplingDecision.NOT_RECORD };
    this.tokens -= 1;
    return byRatio;
  }

  /**
   * False when a trace started now would certainly not be kept (ratio 0, or the cap's tokens
   * spent this second); takes no token. The HTTP server asks before it builds a span: a request
   * that cannot be sampled then costs no span, no attributes and no child spans at all.
   */
  mayStartTrace(): boolean {
    if (this.ratioValue <= 0) return false;
    if (this.maxPerSecond === 0) return true;
    this.refill();
    return this.tokens >= 1;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.maxPerSecond, this.tokens + ((t - this.last) / 1000) * this.maxPerSecond);
    this.last = t;
  }

  toString(): string {
    return `RootSampler{${this.ratio.toString()}, max ${this.maxPerSecond}/s}`;
  }
}

/** Every later hop follows the first span's decision, carried in `traceparent`. */
export const orderSampler = (root: RootSampler): Sampler => new ParentBasedSampler({ root });
