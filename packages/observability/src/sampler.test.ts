import { ROOT_CONTEXT, SpanKind, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { RootSampler } from './sampler.ts';

const TRACE = 'f'.repeat(32);
const decide = (s: RootSampler, links: Parameters<RootSampler['shouldSample']>[5] = []) =>
  s.shouldSample(ROOT_CONTEXT, TRACE, 'POST /orders', SpanKind.SERVER, {}, links).decision;

describe('RootSampler', () => {
  it('keeps every new trace up to the cap per second, then none until tokens come back', () => {
    let now = 0;
    const s = new RootSampler(1, 3, () => now);
    expect([1, 2, 3, 4].map(() => decide(s))).toEqual([
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.NOT_RECORD,
    ]);
    now += 400; // 1.2 tokens back
    expect(decide(s)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(s)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('has no cap at 0 and follows the ratio first', () => {
    const all = new RootSampler(1, 0);
    expect(
      Array.from({ length: 100 }, () => decide(all)).every((d) => d === SamplingDecision.RECORD_AND_SAMPLED),
    ).toBe(true);
    expect(decide(new RootSampler(0, 0))).toBe(SamplingDecision.NOT_RECORD);
  });

  it('keeps a root span that links a sampled trace (a consumer batch), whatever the cap', () => {
    const s = new RootSampler(0, 1);
    const link = { context: { traceId: TRACE, spanId: 'a'.repeat(16), traceFlags: TraceFlags.SAMPLED } };
    expect(decide(s, [link])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('says whether a new trace could start now without taking a token', () => {
    let now = 0;
    const s = new RootSampler(1, 2, () => now);
    expect(s.mayStartTrace()).toBe(true);
    expect(s.mayStartTrace()).toBe(true); // asking takes nothing
    expect([1, 2].map(() => decide(s))).toEqual([
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD_AND_SAMPLED,
    ]);
    expect(s.mayStartTrace()).toBe(false);
    now += 500; // one token back
    expect(s.mayStartTrace()).toBe(true);
    expect(decide(s)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(s.mayStartTrace()).toBe(false);
    expect(new RootSampler(0, 0).mayStartTrace()).toBe(false);
    expect(new RootSampler(0.5, 0).mayStartTrace()).toBe(true);
  });
});
