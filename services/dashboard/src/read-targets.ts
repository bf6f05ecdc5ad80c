import { errorText } from './error-text.ts';
import { type FunnelCounts, funnelCounts } from './funnel.ts';
import { parsePrometheus, type Sample, sumSamples } from './prometheus.ts';
import { describeReadiness, type Readiness, type ReadyzAnswer, readReadiness } from './readiness.ts';
import type { TargetView } from './snapshot.ts';

export interface TargetSources {
  serviceUrls: string[];
  fetchMetrics: (url: string) => Promise<string>;
  fetchReadiness: (url: string) => Promise<ReadyzAnswer>;
}

const readinessFields = (r: Readiness) => ({
  ready: r.ready,
  failing: r.failing,
  readiness: describeReadiness(r),
});

/**
 * Every service instance's /metrics (funnel counts, outbox backlog, dead letters) and /readyz,
 * read side by side in the same poll: readiness is asked no more often than the metrics are.
 */
export async function readTargets(
  { serviceUrls, fetchMetrics, fetchReadiness }: TargetSources,
  errors: string[],
): Promise<{ target: TargetView; counts: FunnelCounts | null }[]> {
  return Promise.all(
    serviceUrls.map(async (url) => {
      const [metrics, readiness] = await Promise.all([
        fetchMetrics(`${url.replace(/\/$/, '')}/metrics`)
          .then((text) => ({ samples: parsePrometheus(text) }))
          .catch((err: unknown) => ({ error: errorText(err) })),
        readReadiness(url, fetchReadiness),
      ]);
      if ('error' in metrics) {
        errors.push(`metrics of ${url}: ${metrics.error}`);
        const target: TargetView = {
          url,
          service: null,
          up: false,
          error: metrics.error,
          outboxBacklog: null,
          deadLettered: 0,
          ...readinessFields(readiness),
        };
        return { target, counts: null };
      }
      const samples: Sample[] = metrics.samples;
      const service = samples.find((s) => s.labels.service)?.labels.service ?? null;
      const hasBacklog = samples.some((s) => s.name === 'akaso_outbox_backlog');
      const target: TargetView = {
        url,
        service,
        up: true,
        outboxBacklog: hasBacklog ? sumSamples(samples, 'akaso_outbox_backlog') : null,
        deadLettered: sumSamples(samples, 'akaso_dead_lettered_total'),
        ...readinessFields(readiness),
      };
      return { target, counts: funnelCounts(samples) };
    }),
  );
}
