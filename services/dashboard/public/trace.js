// One order's trace as a waterfall: GET /api/traces/:traceId (the dashboard reads Jaeger's query
// API and normalises it; src/trace-view.ts) drawn with plain DOM, one row per span.

// The pipeline's services keep their colours from one trace to the next; others take the rest.
import { $, el } from './dom.js';

const known = { 'order-api': '#1a73e8', inventory: '#8e24aa', payment: '#1e7d32', email: '#00838f' };
const spare = ['#a15c00', '#c2185b', '#5d4037', '#455a64', '#6a1b9a'];
function colours(services) {
  const map = new Map();
  let next = 0;
  for (const s of services) map.set(s.name, known[s.name] ?? spare[next++ % spare.length]);
  return map;
}

const ms = (us) =>
  us >= 1_000_000 ? `${(us / 1_000_000).toFixed(2)} s` : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

/** Round tick steps (1, 2, 5 × 10^n µs) giving about six ticks over the trace. */
function tickStep(totalUs) {
  const rough = totalUs / 6;
  const pow = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? pow * 10;
}

/** The tags that say what a span did, in one short line. */
function summary(span) {
  const t = span.tags;
  const parts = [];
  if (t['http.route']) parts.push(`${t['http.request.method'] ?? ''} ${t['http.route']}`.trim());
  if (t['http.response.status_code']) parts.push(`→ ${t['http.response.status_code']}`);
  if (t['messaging.destination.name']) {
    const p = t['messaging.destination.partition.id'];
    parts.push(`${t['messaging.destination.name']}${p !== undefined ? `[${p}]` : ''}`);
  }
  if (t['messaging.kafka.offset']) parts.push(`@${t['messaging.kafka.offset']}`);
  if (t['messaging.consumer.group.name']) parts.push(`group ${t['messaging.consumer.group.name']}`);
  if (t['db.system.name']) parts.push(`${t['db.system.name']} ${t['db.namespace'] ?? ''}`.trim());
  if (t['url.full']) parts.push(t['url.full']);
  return parts.join(' · ');
}

function renderServices(view, colour) {
  $('trace-services').replaceChildren(
    ...view.services.map((s) =>
      el(
        'li',
        { 'data-testid': 'trace-service', 'data-service': s.name, 'data-errors': String(s.errors) },
        el('span', { class: 'swatch', style: `background:${colour.get(s.name)}` }),
        el('strong', {}, s.name),
        ` ${s.spans} span${s.spans === 1 ? '' : 's'}`,
        s.errors > 0 ? el('span', { class: 'badge bad' }, `${s.errors} failed`) : null,
      ),
    ),
  );
}

function renderWaterfall(view, colour) {
  const total = Math.max(view.durationUs, 1);
  const pct = (us) => `${((us / total) * 100).toFixed(3)}%`;
  const step = tickStep(total);
  const ticks = [];
  for (let us = 0; us <= total; us += step) ticks.push(us);
  const axis = el(
    'div',
    { class: 'wf-row wf-axis', 'data-testid': 'time-axis' },
    el('div', { class: 'wf-label' }, 'service · operation'),
    el(
      'div',
      { class: 'wf-track' },
      ...ticks.map((us) => el('span', { class: 'wf-tick', style: `left:${pct(us)}` }, ms(us))),
    ),
  );
  const hopInto = new Map(view.hops.map((h) => [h.to.spanId, h]));
  const byId = new Map(view.spans.map((s) => [s.spanId, s]));
  const rows = view.spans.map((span) => {
    const c = colour.get(span.service);
    const hop = hopInto.get(span.spanId);
    const track = el('div', { class: 'wf-track' });
    if (hop) {
      // The event's trip through Kafka: from the producer's send to the start of this consumer span.
      const producer = byId.get(hop.from.spanId);
      const from = producer ? producer.startUs : span.startUs;
      track.append(
        el('span', {
          class: 'wf-wait',
          'data-testid': 'kafka-wait',
          style: `left:${pct(Math.min(from, span.startUs))};width:${pct(Math.max(0, span.startUs - from))}`,
          title: `${ms(hop.waitUs)} from the send to the processing (${hop.topic}[${hop.partition ?? '?'}])`,
        }),
      );
    }
    track.append(
      el('span', {
        class: `wf-bar${span.error ? ' failed' : ''}`,
        style: `left:${pct(span.startUs)};width:${pct(span.durationUs)};background:${c}`,
      }),
      el(
        'span',
        { class: 'wf-dur', style: `left:calc(${pct(span.startUs + span.durationUs)} + 4px)` },
        ms(span.durationUs),
      ),
    );
    const details = Object.entries(span.tags)
      .map(([k, v]) => `${k} = ${v}`)
      .concat(span.error ? [`error: ${span.error}`] : [])
      .join('\n');
    return el(
      'div',
      {
        class: `wf-row kind-${span.kind}`,
        'data-testid': 'span',
        'data-service': span.service,
        'data-kind': span.kind,
        'data-span-id': span.spanId,
        title: `${span.service} · ${span.operation} (${span.kind}) at +${ms(span.startUs)}, ${ms(span.durationUs)}\n${details}`,
      },
      el(
        'div',
        { class: 'wf-label', style: `padding-left:${span.depth * 0.9}rem` },
        el('span', { class: 'swatch', style: `background:${c}` }),
        el('span', { class: 'wf-service' }, span.service),
        ' ',
        el('span', { class: 'wf-op' }, span.operation),
        span.error
          ? el('span', { class: 'wf-error', 'data-testid': 'span-error' }, ` ✗ ${span.error}`)
          : null,
        el('span', { class: 'wf-tags' }, summary(span)),
      ),
      track,
    );
  });
  $('waterfall').replaceChildren(axis, ...rows);
}

function renderHops(view, colour) {
  const who = (service, extra) =>
    el(
      'span',
      {},
      el('span', { class: 'swatch', style: `background:${colour.get(service)}` }),
      service,
      extra ?? '',
    );
  $('hops').replaceChildren(
    el(
      'tr',
      {},
      ...['topic[partition]', 'from', 'to (consumer group)', 'send → processing'].map((h) => el('th', {}, h)),
    ),
    ...view.hops.map((h) =>
      el(
        'tr',
        { 'data-testid': 'hop', 'data-topic': h.topic },
        el('td', {}, el('code', {}, `${h.topic}[${h.partition ?? '?'}]`)),
        el('td', {}, who(h.from.service)),
        el('td', {}, who(h.to.service, h.to.group ? ` (${h.to.group})` : '')),
        el('td', { class: 'num' }, ms(h.waitUs)),
      ),
    ),
  );
  $('panel-hops').hidden = view.hops.length === 0;
}

function render(view) {
  const colour = colours(view.services);
  $('trace-title').textContent = `Waterfall of trace ${view.traceId}`;
  $('trace-summary').textContent =
    `${view.spans.length} spans across ${view.services.length} services and ${view.hops.length} Kafka hops, ` +
    `${ms(view.durationUs)} from the first span to the last, started ${new Date(view.startedAt).toLocaleString('en-GB')}.`;
  renderServices(view, colour);
  renderWaterfall(view, colour);
  renderHops(view, colour);
  $('panel-trace').hidden = false;
}

function showError(message) {
  $('trace-error').hidden = !message;
  $('trace-error').textContent = message ?? '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spans reach Jaeger in batches (each service's exporter sends about once a second), so a trace
 * asked for right after the order may be missing or partial: retry a 404 a few times, and read
 * again until the span count has stayed the same for two reads in a row.
 */
async function load(traceId) {
  showError(null);
  // Jaeger holds a trace within a couple of seconds of its spans: 8 tries, then it is not coming.
  const attempts = 8;
  let shown = 0;
  let steady = 0;
  for (let i = 1; i <= (shown > 0 ? 20 : attempts) && steady < 2; i++) {
    const res = await fetch(`/api/traces/${traceId}`, { cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      steady = body.spans.length === shown ? steady + 1 : 0;
      if (steady === 0) render(body);
      shown = body.spans.length;
      $('trace-status').textContent = `${shown} spans so far; reading again while more arrive…`;
    } else if (res.status === 404 && shown === 0) {
      $('trace-status').textContent =
        `Jaeger has not received this trace yet (spans arrive in batches): try ${i} of ${attempts}…`;
    } else if (res.status !== 404) {
      showError(`${body.code ?? res.status}: ${body.message ?? 'the trace could not be read'}`);
      break;
    }
    if (steady < 2) await sleep(1_500);
  }
  if (shown === 0 && !$('trace-error').textContent) {
    showError(
      `No trace ${traceId} in Jaeger: too old (it keeps the latest traces in memory), or not sampled.`,
    );
  }
  $('trace-status').textContent = shown > 0 ? `${shown} spans.` : '';
  document.body.dataset.ready = 'true';
}

const params = new URLSearchParams(location.search);
let traceId = (params.get('trace') ?? '').trim().toLowerCase();
const orderId = (params.get('order') ?? '').trim();
if (!traceId && orderId) {
  // An order id instead: its traceId from the order API (GET /orders/:id), through the dashboard.
  const res = await fetch(`/api/orders/${encodeURIComponent(orderId)}/trace-id`, { cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (res.ok) {
    traceId = body.traceId;
    history.replaceState(null, '', `?trace=${traceId}&order=${encodeURIComponent(orderId)}`);
  } else showError(`order ${orderId}: ${body.message ?? res.status}`);
}
$('trace-id').value = traceId;
$('order-id').value = orderId;
if (/^[0-9a-f]{32}$/.test(traceId)) await load(traceId);
else {
  if (traceId) showError('A trace id is 32 hex digits (the traceId of GET /orders/:id on the order API).');
  document.body.dataset.ready = 'true';
}
