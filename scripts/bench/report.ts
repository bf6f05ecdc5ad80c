/**
 * The bench's report: the JSON written to bench/results (docs cite its fields: keep their names)
 * and the table printed at the end.
 */
import type { BenchCase } from './options.ts';
import type { ApiFigures, CaseFigures } from './runs.ts';
import type { Target } from './targets.ts';

export type CaseResult = CaseFigures & { lingerMs: number; tracing: string; kafkaProps?: string };

/** One broker-settings variant's async figures, for the side-by-side summary. */
export interface VariantSummary {
  name: string;
  props: Record<string, string>;
  loneOrderP50Ms: number | null;
  loneOrderP99Ms: number | null;
  cpuMsPerOrder: number | null;
  endToEndP99Ms: number | null;
}

export function variantSummary(
  name: string,
  props: Record<string, string>,
  r: CaseResult | undefined,
): VariantSummary {
  return {
    name,
    props,
    loneOrderP50Ms: r?.loneOrder?.p50Ms ?? null,
    loneOrderP99Ms: r?.loneOrder?.p99Ms ?? null,
    cpuMsPerOrder: r?.cpuMsPerOrder ?? null,
    endToEndP99Ms: r?.endToEndMs.p99 ?? null,
  };
}

/** b over a, to one decimal; null unless both are there (and a is not 0). */
export const ratio = (a?: number, b?: number) => (a && b ? Math.round((b / a) * 10) / 10 : null);

/** Sync against async, and each linger and tracing case against the baseline ("async"). */
export function ratiosOf(results: Record<string, CaseResult>, cases: BenchCase[], baseTracing: string) {
  const base = results.async;
  return {
    syncOverAsyncTimeToAcceptP99: ratio(base?.timeToAccept.p99Ms, results.sync?.timeToAccept.p99Ms),
    asyncOverSyncAcceptedRps: ratio(results.sync?.acceptedRps, base?.acceptedRps),
    // Each linger against the first (baseline) one, same offered load, same run.
    linger: Object.fromEntries(
      cases
        .filter((c) => c.name.startsWith('async-linger'))
        .map((c) => [
          c.name,
          {
            acceptedRpsOverBaseline: ratio(base?.acceptedRps, results[c.name]?.acceptedRps),
            endToEndP99OverBaseline: ratio(base?.endToEndMs.p99, results[c.name]?.endToEndMs.p99),
            cpuPerOrderOverBaseline: ratio(
              base?.cpuMsPerOrder ?? undefined,
              results[c.name]?.cpuMsPerOrder ?? undefined,
            ),
          },
        ]),
    ),
    // Each tracing setting against the baseline's: what tracing costs, in CPU ms per order.
    tracing: Object.fromEntries(
      cases
        .filter((c) => c.name.startsWith('async-tracing-'))
        .map((c) => {
          const baseCpu = base?.cpuMsPerOrder;
          const other = results[c.name]?.cpuMsPerOrder;
          return [
            c.name,
            {
              baselineTracing: baseTracing,
              cpuMsPerOrderDelta:
                typeof baseCpu === 'number' && typeof other === 'number'
                  ? Math.round((other - baseCpu) * 100) / 100
                  : null,
              endToEndP99OverBaseline: ratio(base?.endToEndMs.p99, results[c.name]?.endToEndMs.p99),
            },
          ];
        }),
    ),
  };
}

/**
 * The stack's footprint over the run: the largest idle and the largest peak PSS among its cases
 * (each case's own are in its `memoryMiB`); null without a case that measured them.
 */
export function memoryOf(results: Record<string, CaseResult>): {
  idleMiB: number | null;
  peakMiB: number | null;
} {
  const cases = Object.values(results).flatMap((r) => (r.memoryMiB ? [r.memoryMiB] : []));
  if (cases.length === 0) return { idleMiB: null, peakMiB: null };
  return {
    idleMiB: Math.max(...cases.map((m) => m.idle.totalMiB)),
    peakMiB: Math.max(...cases.map((m) => m.peak.totalMiB)),
  };
}

export interface BenchReport {
  at: string;
  machine: { cores: number; cpu: string | undefined };
  load: { peakRps: number; holdS: number; users: number; thirdParty: Record<string, string> };
  results: Record<string, CaseResult>;
  /** The whole stack's PSS (memory.ts): the largest idle and peak among the cases. */
  memory: ReturnType<typeof memoryOf>;
  ratios: ReturnType<typeof ratiosOf>;
  api: ApiFigures | null;
  /** With --kafka-props: each broker-settings variant's async case (the first is `results.async`). */
  kafkaVariants?: VariantSummary[];
  targets: Target[];
  verdict: 'pass' | 'fail';
}

/** Each process's idle and peak PSS, largest peak first: `kafka-1 301→340, …`. */
export function memoryByProcess(m: CaseResult['memoryMiB']): string {
  return Object.entries(m.peak.byProcessMiB)
    .map(([name, peak]) => `${name} ${m.idle.byProcessMiB[name] ?? 0}→${peak}`)
    .join(', ');
}

/** The printed table: one column per case, then where the cost goes, the audit and the targets. */
export function printReport(report: BenchReport, cases: BenchCase[], file: string): void {
  const { results, api } = report;
  const names = cases.map((c) => c.name);
  const row = (label: string, f: (r: CaseResult) => unknown) =>
    `${label.padEnd(34)}${names.map((m) => String(results[m] ? f(results[m]) : '-').padStart(18)).join('')}`;
  const out: string[] = [];
  out.push(`\n${''.padEnd(34)}${names.map((m) => m.padStart(18)).join('')}`);
  out.push(row('tracing', (r) => r.tracing));
  if (report.kafkaVariants) out.push(row('broker settings', (r) => r.kafkaProps ?? '-'));
  out.push(row('offered orders/s', (r) => r.offeredRps));
  out.push(row('accepted orders/s', (r) => r.acceptedRps));
  out.push(row('refused by the rule (429)', (r) => r.refused));
  out.push(row('failed (5xx, errors)', (r) => r.failed));
  out.push(
    row(
      'time to accept p50 / p99 (ms)',
      (r) => `${Math.round(r.timeToAccept.p50Ms)} / ${Math.round(r.timeToAccept.p99Ms)}`,
    ),
  );
  out.push(row('time to accept p95 (ms)', (r) => Math.round(r.timeToAccept.p95Ms)));
  out.push(row('end-to-end p50 / p99 (ms)', (r) => `${r.endToEndMs.p50} / ${r.endToEndMs.p99}`));
  out.push(
    row(
      'max lag (inventory/payment)',
      (r) => `${r.maxConsumerLag.inventory ?? 0}/${r.maxConsumerLag.payment ?? 0}`,
    ),
  );
  out.push(row('all orders terminal after (ms)', (r) => r.drainedAfterLastArrivalMs));
  out.push(
    row('lone order p50 / p99 / max (ms)', (r) =>
      r.loneOrder ? `${r.loneOrder.p50Ms} / ${r.loneOrder.p99Ms} / ${r.loneOrder.maxMs}` : '-',
    ),
  );
  out.push(row('CPU ms per order (all processes)', (r) => r.cpuMsPerOrder));
  out.push(
    row(
      '  pipeline / third-party stand-ins',
      (r) => `${r.cpuMsPerOrderSplit.pipeline} / ${r.cpuMsPerOrderSplit.thirdPartyStandIns}`,
    ),
  );
  out.push(
    row(
      'stack memory idle / peak (MiB PSS)',
      (r) => `${r.memoryMiB.idle.totalMiB} / ${r.memoryMiB.peak.totalMiB}`,
    ),
  );
  out.push(row('PostgreSQL transactions per order', (r) => r.pgTransactionsPerOrder.total));
  out.push(row('Kafka client requests per order', (r) => r.kafkaRequestsPerOrder.total));
  const top = (o: Record<string, number | null>) =>
    Object.entries(o)
      .filter(([k]) => k !== 'total')
      .slice(0, 6)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  for (const c of cases) {
    const r = results[c.name];
    if (!r) continue;
    out.push(`\n${c.name}: CPU ms/order by process: ${top(r.cpuMsPerOrderByProcess)}`);
    out.push(`${c.name}: transactions/order by database: ${top(r.pgTransactionsPerOrder)}`);
    out.push(`${c.name}: Kafka requests/order by API: ${top(r.kafkaRequestsPerOrder)}`);
    out.push(`${c.name}: memory idle → peak MiB by process: ${memoryByProcess(r.memoryMiB)}`);
  }
  out.push(
    row('audit', (r) =>
      r.audit.violations.length > 0 ? 'FAIL' : r.audit.stillDraining ? 'still draining' : 'pass',
    ),
  );
  for (const [name, r] of Object.entries(results)) {
    if (r.audit.stillDraining) out.push(`${name}: no violation, ${r.audit.stillDraining}`);
    for (const v of r.audit.violations.slice(0, 5)) out.push(`${name}: VIOLATION ${v}`);
  }
  if (api) {
    out.push(
      `\napi alone: offered ${api.offeredRps}/s, accepted ${api.acceptedRps}/s, time to accept p50/p99 ${Math.round(api.timeToAccept.p50Ms)}/${Math.round(api.timeToAccept.p99Ms)} ms, failed ${api.failed}, dropped ${api.dropped}; audit after the consumers worked it off: ${api.audit.ok ? 'pass' : 'FAIL'}`,
    );
    if (api.audit.stillDraining) out.push(`api alone: no violation, ${api.audit.stillDraining}`);
    for (const v of api.audit.violations.slice(0, 5)) out.push(`api alone: VIOLATION ${v}`);
  }
  if (report.kafkaVariants) {
    out.push('\nbroker settings      lone order p50 / p99 (ms)   CPU ms/order   end-to-end p99 (ms)');
    for (const v of report.kafkaVariants)
      out.push(
        `${v.name.padEnd(20)} ${`${v.loneOrderP50Ms} / ${v.loneOrderP99Ms}`.padStart(25)} ${String(v.cpuMsPerOrder).padStart(14)} ${String(v.endToEndP99Ms).padStart(21)}   ${JSON.stringify(v.props)}`,
      );
  }
  if (report.targets.length > 0) {
    out.push('\ntargets:');
    for (const t of report.targets) out.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value}`);
  }
  out.push(
    `\nsync/async time-to-accept p99: ${report.ratios.syncOverAsyncTimeToAcceptP99 ?? '-'}×   written: ${file}`,
  );
  console.log(out.join('\n'));
}
