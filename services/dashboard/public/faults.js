// The fault panel: each fault with its variants and duration, a start and a stop button, the
// countdown to its automatic switch-back, what to watch, its log, and under Docker Compose the
// commands to copy. The server does the switching (GET/POST /api/faults); this page only asks.
import { control } from './control.js';
import { onFunnelChart } from './dashboard.js';
import { $, el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The last answer of GET /api/faults, and when it arrived (the countdown runs on between polls). */
let latest = null;
let receivedAt = 0;
const cards = new Map();

const short = (label) => label.split(/[,:(]/)[0].trim();
const clock = (iso) => new Date(iso).toLocaleTimeString('en-GB');

function card(fault, mode) {
  const variant = el(
    'select',
    { 'data-testid': 'fault-variant', 'aria-label': `${fault.label}: variant` },
    ...fault.variants.map((v) => el('option', { value: v.id }, v.label)),
  );
  const duration = el('input', {
    type: 'number',
    min: latest.durationBoundsS.min,
    max: latest.durationBoundsS.max,
    step: 1,
    value: fault.defaultDurationS,
    'data-testid': 'fault-duration',
    'aria-label': `${fault.label}: duration in seconds`,
  });
  const durationLabel = el('label', { class: 'fault-duration' }, duration, ' s');
  const start = el('button', { type: 'button', 'data-testid': 'fault-start' }, 'Start');
  const stop = el('button', { type: 'button', 'data-testid': 'fault-stop', disabled: true }, 'Stop now');
  const status = el('span', { class: 'fault-status', 'data-testid': 'fault-status' }, 'off');
  const countdown = el('strong', { class: 'fault-countdown', 'data-testid': 'fault-countdown' });
  const note = el('p', { class: 'caption fault-note', 'data-testid': 'fault-note' });
  const commands = el('pre', { class: 'fault-commands', 'data-testid': 'fault-compose', hidden: true });
  const log = el('pre', { class: 'fault-log', 'data-testid': 'fault-log', hidden: true });
  const error = el('p', { class: 'warn-text', 'data-testid': 'fault-error', hidden: true });
  const node = el(
    'div',
    { class: 'fault', 'data-testid': 'fault', 'data-fault-id': fault.id, 'data-state': 'off' },
    el('h3', {}, fault.label),
    el('div', { class: 'fault-controls' }, variant, durationLabel, start, stop, status, countdown),
    note,
    el('p', { class: 'caption fault-watch' }, el('b', {}, 'What to watch: '), fault.watch),
    commands,
    error,
    log,
  );
  const chosen = () => fault.variants.find((v) => v.id === variant.value) ?? fault.variants[0];
  const showVariant = () => {
    const v = chosen();
    durationLabel.hidden = v.oneShot;
    note.textContent = v.unavailable ?? '';
    note.hidden = !v.unavailable;
    // Under compose the dashboard does not touch containers: the commands are the experiment.
    const shown = mode === 'compose' && v.unavailable;
    commands.hidden = !shown;
    commands.textContent = shown
      ? [
          ...v.compose.on,
          ...(v.compose.off.length ? ['# then, to switch it back:', ...v.compose.off] : []),
        ].join('\n')
      : '';
    refresh();
  };
  variant.addEventListener('change', showVariant);
  start.addEventListener('click', async () => {
    error.hidden = true;
    start.disabled = true;
    try {
      const v = chosen();
      await control(`/api/faults/${fault.id}/start`, {
        variant: v.id,
        ...(v.oneShot ? {} : { durationS: Number(duration.value) }),
      });
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
    await poll();
  });
  stop.addEventListener('click', async () => {
    error.hidden = true;
    stop.disabled = true;
    try {
      await control(`/api/faults/${fault.id}/stop`);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
    await poll();
  });
  const refresh = () => {
    const run = latest.active.find((r) => r.faultId === fault.id);
    const last = run ?? latest.history.find((r) => r.faultId === fault.id);
    const state = run ? run.state : 'off';
    node.dataset.state = state;
    status.textContent = run
      ? state
      : last
        ? `last: ${last.outcome} at ${clock(last.endedAt ?? last.startedAt)}`
        : 'off';
    status.dataset.outcome = last?.outcome ?? '';
    const elapsedS = Math.floor((Date.now() - receivedAt) / 1000);
    countdown.textContent =
      run && run.remainingS !== null ? `switches back in ${Math.max(0, run.remainingS - elapsedS)} s` : '';
    start.disabled = Boolean(run) || Boolean(chosen().unavailable);
    stop.disabled = !run || state === 'stopping' || run.plannedEndAt === null;
    log.hidden = !last;
    if (last) log.textContent = [`${last.label} (started ${clock(last.startedAt)})`, ...last.log].join('\n');
  };
  return { node, refresh, showVariant };
}

function render() {
  const panel = $('faults');
  if (cards.size === 0) {
    $('faults-mode').textContent =
      latest.control === 'local'
        ? 'Local stack: the panel runs the stack’s own part commands (pnpm stack …) and flips the run-time flags.'
        : latest.control === 'compose'
          ? 'Docker Compose: the run-time flags and poison messages work from here; for a container, copy the command shown.'
          : 'Stack control is off: the run-time flags and poison messages work from here, the infrastructure faults do not.';
    for (const fault of latest.faults) {
      const c = card(fault, latest.control);
      cards.set(fault.id, c);
      panel.append(c.node);
      c.showVariant();
    }
  }
  for (const c of cards.values()) c.refresh();
  $('faults-history').replaceChildren(
    ...latest.history.map((r) =>
      el(
        'li',
        { 'data-testid': 'fault-history' },
        el('time', {}, clock(r.startedAt)),
        ` ${r.label} → ${r.outcome}${r.endedAt ? ` at ${clock(r.endedAt)}` : ''}`,
      ),
    ),
  );
}

async function poll() {
  try {
    const res = await fetch('/api/faults', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    latest = await res.json();
    receivedAt = Date.now();
    render();
  } catch (err) {
    $('faults-mode').textContent = `Cannot read the faults (${err.message}); retrying…`;
  }
}

// Each fault's start and end on the funnel chart: a band while it is on, with its name.
onFunnelChart((chart, { x, from, to, top, bottom }) => {
  if (!latest) return;
  for (const r of [...latest.active, ...latest.history]) {
    const startMs = Date.parse(r.startedAt);
    const endMs = r.endedAt ? Date.parse(r.endedAt) : to;
    if (endMs < from || startMs > to) continue;
    const x0 = x(Math.max(startMs, from));
    const x1 = x(Math.min(endMs, to));
    const mark = document.createElementNS(SVG, 'g');
    mark.setAttribute('class', `fault-mark${r.endedAt ? '' : ' on'}`);
    mark.setAttribute('data-testid', 'fault-mark');
    mark.setAttribute('data-fault-id', r.faultId);
    const band = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({
      x: x0,
      y: top,
      width: Math.max(1.5, x1 - x0),
      height: bottom - top,
    }))
      band.setAttribute(k, v);
    const name = document.createElementNS(SVG, 'text');
    name.setAttribute('x', x0 + 2);
    name.setAttribute('y', top + 10);
    name.textContent = short(r.label);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${r.label}: ${clock(r.startedAt)} → ${r.endedAt ? clock(r.endedAt) : 'on'}`;
    mark.append(band, name, title);
    chart.append(mark);
  }
});

// Once a second: the countdowns and the logs move while a fault is on.
async function loop() {
  await poll();
  setTimeout(loop, 1000);
}
loop();
