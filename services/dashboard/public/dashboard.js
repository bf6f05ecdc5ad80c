// The dashboard page: polls GET /api/snapshot and draws it. No numbers are made up here: every
// figure is in the snapshot, which the server reads from the cluster and the services' metrics.
import { $, el, svg } from './dom.js';

const stages = [
  ['placed', '#1a73e8', 'received (placed)'],
  ['refused', '#a15c00', 'refused (5-burger rule)'],
  ['reserved', '#8e24aa', 'reserved'],
  ['confirmed', '#1e7d32', 'confirmed'],
  ['rejected', '#b3261e', 'rejected'],
  ['emailed', '#00838f', 'confirmation emails'],
];

// null is what the cluster did not say this time (a partition without a leader): shown as unknown.
const fmt = (n) => (n === null || n === undefined ? '?' : new Intl.NumberFormat('en').format(n));

/** "payment #2" style labels for the members of a group, stable by memberId order. */
function memberLabels(group) {
  const labels = new Map();
  const sorted = [...group.members].sort((a, b) => a.memberId.localeCompare(b.memberId));
  for (const [i, m] of sorted.entries()) labels.set(m.memberId, `${m.clientId} #${i + 1}`);
  return labels;
}

function renderCluster(cluster) {
  $('brokers').replaceChildren(
    ...cluster.brokers.map((b) =>
      el(
        'div',
        {
          class: `broker ${b.up ? 'up' : 'down'}`,
          'data-testid': 'broker',
          'data-node-id': b.nodeId ?? '',
          'data-state': b.up ? 'up' : 'down',
        },
        el('strong', {}, b.nodeId === null ? b.address : `broker ${b.nodeId}`),
        el('span', { class: 'state' }, b.up ? 'up' : 'DOWN'),
        el('span', { class: 'caption' }, b.address),
        b.controller ? el('span', { class: 'badge' }, 'controller') : null,
        el('span', { class: 'caption' }, `leads ${b.leaderOf} partitions`),
      ),
    ),
  );
  const parts = [`${cluster.partitions} partitions`];
  parts.push(
    cluster.underReplicated === 0 ? 'all fully replicated' : `${cluster.underReplicated} under-replicated`,
  );
  if (cluster.offline > 0) parts.push(`${cluster.offline} offline (no leader)`);
  if (cluster.controllerId !== null) parts.push(`controller: broker ${cluster.controllerId}`);
  $('cluster-summary').replaceChildren(
    el(
      'span',
      {
        class: cluster.underReplicated > 0 ? 'warn-text' : '',
        'data-under-replicated': cluster.underReplicated,
      },
      parts.join(' · '),
    ),
  );
}

function renderTopics(topics) {
  const table = el('table', { class: 'topics' });
  table.append(
    el(
      'tr',
      {},
      el('th', {}, 'topic'),
      el('th', {}, 'messages'),
      el('th', {}, 'partition: leader [in-sync replicas] end offset'),
    ),
  );
  for (const t of topics) {
    const cells = el('div', { class: 'partitions' });
    for (const p of t.partitions) {
      cells.append(
        el(
          'span',
          {
            class: `partition${p.underReplicated ? ' under' : ''}${p.leader < 0 ? ' offline' : ''}`,
            title: `partition ${p.partition}: leader ${p.leader}, replicas ${p.replicas.join(',')}, ISR ${p.isr.join(',')}, offsets ${p.startOffset ?? '?'}–${p.endOffset ?? '?'}`,
          },
          el('b', {}, `${p.partition}`),
          ` L${p.leader} [${p.isr.join(',')}] ${p.endOffset ?? '?'}`,
        ),
      );
    }
    table.append(
      el(
        'tr',
        { 'data-topic': t.name },
        el(
          'td',
          {},
          t.name,
          t.underReplicated > 0
            ? el('span', { class: 'badge warn' }, `${t.underReplicated} under-replicated`)
            : null,
        ),
        el('td', { class: 'num' }, fmt(t.messages)),
        el('td', {}, cells),
      ),
    );
  }
  $('topics').replaceChildren(table);
}

function renderGroups(groups) {
  $('groups').replaceChildren(
    ...groups.map((g) => {
      const labels = memberLabels(g);
      const members = el(
        'ul',
        { class: 'members' },
        ...g.members.map((m) =>
          el(
            'li',
            { 'data-testid': 'member' },
            el('strong', {}, labels.get(m.memberId)),
            ' owns ',
            Object.entries(m.assignment)
              .map(([topic, ps]) => `${topic} [${ps.join(', ')}]`)
              .join(' · ') || 'nothing yet',
          ),
        ),
      );
      if (g.members.length === 0)
        members.append(el('li', { class: 'caption' }, 'no members: nobody is consuming'));
      const byTopic = new Map();
      for (const p of g.partitions) {
        if (!byTopic.has(p.topic)) byTopic.set(p.topic, []);
        byTopic.get(p.topic).push(p);
      }
      const lagRows = [...byTopic].map(([topic, ps]) =>
        el(
          'div',
          { class: 'lag-row' },
          el('span', { class: 'lag-topic' }, topic),
          el(
            'div',
            { class: 'partitions' },
            ...ps.map((p) =>
              el(
                'span',
                {
                  class: `partition${p.lag > 0 ? ' lagging' : ''}`,
                  title: `partition ${p.partition}: committed ${p.committed ?? 'nothing'}, end ${p.end}, owner ${labels.get(p.owner) ?? 'none'}`,
                },
                el('b', {}, `${p.partition}`),
                ` ${p.committed ?? '–'}/${p.end}`,
                p.lag > 0 ? el('em', {}, ` lag ${p.lag}`) : null,
              ),
            ),
          ),
        ),
      );
      return el(
        'div',
        {
          class: 'group',
          'data-testid': 'group',
          'data-group': g.groupId,
          'data-members': g.members.length,
          'data-lag': g.totalLag,
        },
        el(
          'h3',
          {},
          g.groupId,
          el('span', { class: `badge ${g.state === 'Stable' ? '' : 'warn'}` }, g.state),
          el('span', { class: 'caption' }, ` ${g.members.length} member(s) · total lag `),
          el(
            'strong',
            { class: g.totalLag > 0 ? 'warn-text' : '', 'data-testid': 'group-lag' },
            fmt(g.totalLag),
          ),
        ),
        members,
        ...lagRows,
        g.error ? el('p', { class: 'warn-text' }, g.error) : null,
      );
    }),
  );
}

function renderRebalances(rebalances) {
  const list = $('rebalances');
  if (rebalances.length === 0) {
    list.replaceChildren(el('li', { class: 'caption' }, 'none since the dashboard started watching'));
    return;
  }
  list.replaceChildren(
    ...rebalances.map((r) =>
      el(
        'li',
        { 'data-testid': 'rebalance' },
        el('time', {}, new Date(r.at).toLocaleTimeString('en-GB')),
        ' ',
        r.summary,
        r.joined.length > 0 ? el('span', { class: 'caption' }, ` joined: ${r.joined.join(', ')}`) : null,
        r.left.length > 0 ? el('span', { class: 'caption' }, ` left: ${r.left.join(', ')}`) : null,
      ),
    ),
  );
}

/** Drawn over the funnel chart by other modules (faults.js: when each fault was on). */
const funnelOverlays = [];
export const onFunnelChart = (draw) => funnelOverlays.push(draw);

function renderFunnel(funnel) {
  const width = 560;
  const height = 160;
  const pad = 28;
  // A time axis (the last two minutes), so a pause in polling shows as a gap, not squeezed away.
  const windowMs = 120_000;
  const end = Date.parse(funnel.points.at(-1)?.at ?? new Date().toISOString());
  const points = funnel.points.filter((p) => end - Date.parse(p.at) <= windowMs);
  const max = Math.max(1, ...points.flatMap((p) => stages.map(([s]) => p.rates[s])));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  chart.append(svg('line', { x1: pad, y1: height - pad, x2: width, y2: height - pad, class: 'axis' }));
  const top = svg('text', { x: 0, y: 12, class: 'tick' });
  top.textContent = `${max.toFixed(max < 10 ? 1 : 0)}/s`;
  chart.append(top);
  const zero = svg('text', { x: 0, y: height - pad, class: 'tick' });
  zero.textContent = '0';
  chart.append(zero);
  for (const [stage, color] of stages) {
    const coords = points.map((p) => {
      const x = pad + ((width - pad) * (windowMs - (end - Date.parse(p.at)))) / windowMs;
      const y = height - pad - ((height - pad - 8) * p.rates[stage]) / max;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    if (coords.length > 1)
      chart.append(svg('polyline', { points: coords.join(' '), stroke: color, class: 'line' }));
  }
  const x = (ms) => pad + ((width - pad) * (windowMs - (end - ms))) / windowMs;
  for (const draw of funnelOverlays)
    draw(chart, { x, from: end - windowMs, to: end, top: 0, bottom: height - pad });
  const label = svg('text', { x: pad, y: height - 8, class: 'tick' });
  label.textContent = 'last 2 minutes → now';
  chart.append(label);
  $('funnel-chart').replaceChildren(chart);
  const last = points.at(-1)?.rates;
  $('funnel-totals').replaceChildren(
    ...stages.map(([stage, color, label]) =>
      el(
        'span',
        { class: 'legend-item', 'data-stage': stage },
        el('i', { style: `background:${color}` }),
        `${label} `,
        el('strong', {}, fmt(funnel.totals[stage])),
        el('span', { class: 'caption' }, ` (${(last?.[stage] ?? 0).toFixed(1)}/s)`),
      ),
    ),
  );
}

/** Ready, or not ready with each failing check in the instance's own words (from its /readyz). */
function readinessCell(t) {
  const state = t.ready === true ? 'ready' : t.ready === false ? 'not ready' : 'unknown';
  const reasons = Object.entries(t.failing ?? {}).map(([check, detail]) =>
    el('div', { class: 'caption', 'data-check': check }, `${check}: ${detail}`),
  );
  return el(
    'td',
    { 'data-readiness': state, title: t.readiness },
    el('span', { class: t.ready === true ? '' : 'warn-text' }, state),
    ...reasons,
  );
}

function renderOutbox(outbox, dlq) {
  const rows = outbox.targets.map((t) =>
    el(
      'tr',
      {},
      el('td', {}, t.service ?? t.url),
      el('td', { class: 'caption' }, t.url),
      el(
        'td',
        { class: 'num' },
        t.up ? (t.outboxBacklog === null ? '–' : fmt(t.outboxBacklog)) : 'unreachable',
      ),
      readinessCell(t),
    ),
  );
  const dlqRows = dlq.map((d) =>
    el(
      'tr',
      { 'data-dlq': d.topic },
      el('td', {}, d.topic),
      el('td', { class: `num ${d.messages > 0 ? 'warn-text' : ''}` }, fmt(d.messages)),
    ),
  );
  $('outbox').replaceChildren(
    el('h3', {}, 'Outbox backlog ', el('strong', { 'data-testid': 'outbox-backlog' }, fmt(outbox.backlog))),
    el(
      'table',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'service'),
        el('th', {}, 'metrics'),
        el('th', {}, 'unpublished rows'),
        el('th', {}, 'readiness'),
      ),
      ...rows,
    ),
    el('h3', {}, 'Dead-letter topics'),
    el('table', {}, el('tr', {}, el('th', {}, 'topic'), el('th', {}, 'messages')), ...dlqRows),
  );
}

function render(s) {
  renderCluster(s.cluster);
  renderTopics(s.topics);
  renderGroups(s.groups);
  renderRebalances(s.rebalances);
  renderFunnel(s.funnel);
  renderOutbox(s.outbox, s.dlq);
  $('updated').textContent = `Updated ${new Date(s.at).toLocaleTimeString('en-GB')}.`;
  $('updated').dataset.at = s.at;
  const errors = $('errors');
  errors.hidden = s.errors.length === 0;
  errors.replaceChildren(...s.errors.map((e) => el('div', {}, e)));
  document.body.dataset.ready = 'true';
}

let interval = 1000;
async function tick() {
  try {
    const res = await fetch('/api/snapshot', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const snapshot = await res.json();
    interval = snapshot.intervalMs;
    render(snapshot);
  } catch (err) {
    $('updated').textContent = `Cannot reach the dashboard service (${err.message}); retrying…`;
  } finally {
    setTimeout(tick, interval);
  }
}
// The rates above are the crowd; one order's path through the topics is a trace in Jaeger.
async function loadLinks() {
  const res = await fetch('/api/links');
  if (!res.ok) return;
  const { jaegerWebUrl } = await res.json();
  if (jaegerWebUrl) $('jaeger-link').href = jaegerWebUrl;
  else $('jaeger-link').hidden = true;
}

loadLinks();
tick();
