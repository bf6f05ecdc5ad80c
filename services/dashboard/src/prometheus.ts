/** One sample of the Prometheus text exposition format: `name{label="value",…} 42`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescapeLabel = (v: string) => v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/**
 * Parses what a service serves at GET /metrics (prom-client). Comments (# HELP, # TYPE) and
 * lines that are not samples are skipped rather than failing the whole scrape.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(labelPair)) {
      if (pair[1] !== undefined && pair[2] !== undefined) labels[pair[1]] = unescapeLabel(pair[2]);
    }
    const value = parseValue(m[3]);
    if (Number.isNaN(value)) continue;
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** Sum of a metric's samples whose labels match `where` (all samples when `where` is empty). */
export function sumSamples(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
