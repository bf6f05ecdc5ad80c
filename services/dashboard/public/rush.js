// The rush panel: starts a rush from the page (the same load driver and audit as `pnpm rush`,
// run by the dashboard service), follows it about once a second, and shows the audit's verdict.
// Every figure comes from GET /api/rush.
import { control } from '/control.js';
import { $, el } from '/dom.js';

const fmt = (n) => new Intl.NumberFormat('en').format(n);
const ms = (x) => `${fmt(x < 10 ? Math.round(x * 10) / 10 : Math.round(x))} ms`;
const busy = new Set(['running', 'stopping', 'auditing']);
const stateText = {
  idle: 'No rush yet.',
  running: 'Running',
  stopping: 'Stopping: no new orders, waiting for the answers in flight…',
  auditing:
    'Auditing: waiting for every order to finish, then checking the databases, the mails and the topics…',
  done: "Done: the audit's verdict below.",
  failed: 'Failed.',
};
const outcomeText = {
  pass: 'pass',
  fail: 'FAIL',
  draining: 'not finished',
  skipped: 'skipped',
  info: 'info',
};

const figure = (label, value, key) =>
  el('div', { class: 'rush-figure', 'data-figure': key }, el('strong', {}, value), label);

function renderProgress(view) {
  const p = view.progress;
  const total = view.settings?.durationS ?? 0;
  const bar = $('rush-bar');
  bar.max = total || 1;
  bar.value = Math.min(p.elapsedS, total);
  $('rush-time').textContent =
    view.state === 'idle'
      ? ''
      : `${p.elapsedS.toFixed(0)} s of ${total} s${view.state === 'running' ? `, ${Math.ceil(p.remainingS)} s left` : ''}`;
  $('rush-figures').replaceChildren(
    figure('placed', fmt(p.placed), 'placed'),
    figure('accepted (202)', fmt(p.accepted), 'accepted'),
    figure('refused (5-burger rule)', fmt(p.refused), 'refused'),
    figure('failed', fmt(p.failed), 'failed'),
    figure('accepted per second', p.achievedRps.toFixed(1), 'rate'),
    figure('time to accept p50', ms(p.p50Ms), 'p50'),
    figure('time to accept p99', ms(p.p99Ms), 'p99'),
  );
}

function renderVerdict(view) {
  const box = $('rush-verdict');
  const v = view.verdict;
  if (!v && !view.error) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  if (!v) {
    box.dataset.ok = 'false';
    box.replaceChildren(el('p', { class: 'rush-headline' }, view.error));
    return;
  }
  box.dataset.ok = String(v.ok);
  const skipped = v.checks.filter((c) => c.outcome === 'skipped').length;
  const rows = v.checks.map((c) =>
    el(
      'tr',
      { 'data-check': c.id, 'data-outcome': c.outcome },
      el('td', {}, el('span', { class: `rush-outcome ${c.outcome}` }, outcomeText[c.outcome] ?? c.outcome)),
      el('td', {}, c.rule),
      el('td', {}, c.figures),
    ),
  );
  const parts = [
    el(
      'p',
      { class: 'rush-headline', 'data-testid': 'rush-headline' },
      `${v.ok ? 'PASS' : 'FAIL'}: ${v.headline}${skipped ? ` (${skipped} check skipped here)` : ''}`,
    ),
    el('table', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'check'), el('th', {}, 'figures')), ...rows),
    el(
      'p',
      { class: 'caption' },
      `Run ${view.runId}${view.stopped ? ', stopped early' : ''}: accepted → confirmation mail p50 ${fmt(v.endToEndMs.p50)} ms, p99 ${fmt(v.endToEndMs.p99)} ms. `,
      'The same audit from a terminal: ',
      el('code', {}, `pnpm rush-audit ${view.runId}`),
    ),
    v.violations.length === 0
      ? null
      : el(
          'ul',
          { class: 'rush-violations' },
          ...v.violations.map((text) => el('li', {}, text)),
          v.violationCount > v.violations.length
            ? el('li', {}, `…and ${v.violationCount - v.violations.length} more`)
            : null,
        ),
  ];
  box.replaceChildren(...parts.filter((part) => part !== null));
}

let polling = null;
function render(view) {
  const panel = $('panel-rush');
  panel.dataset.state = view.state;
  const running = busy.has(view.state);
  $('rush-start').disabled = running;
  $('rush-stop').disabled = view.state !== 'running';
  for (const id of ['rush-rate', 'rush-duration', 'rush-users']) $(id).disabled = running;
  $('rush-state').textContent =
    view.state === 'running' && view.settings
      ? `Running: ${view.settings.rate} orders/s for ${view.settings.durationS} s from ${fmt(view.settings.users)} users (run ${view.runId}).`
      : stateText[view.state];
  renderProgress(view);
  renderVerdict(view);
  if (running && polling === null) polling = setInterval(refresh, 1000);
  if (!running && polling !== null) {
    clearInterval(polling);
    polling = null;
  }
}

async function refresh() {
  try {
    const res = await fetch('/api/rush', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    $('rush-error').hidden = true;
    render(await res.json());
  } catch (err) {
    showError(`Cannot read the rush (${err.message}); retrying…`);
  }
}

function showError(message) {
  const box = $('rush-error');
  box.hidden = false;
  box.textContent = message;
}

async function act(path, body) {
  try {
    $('rush-error').hidden = true;
    render(await control(path, body));
  } catch (err) {
    showError(err.message);
  }
}

$('rush-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act('/api/rush', {
    rate: Number($('rush-rate').value),
    durationS: Number($('rush-duration').value),
    users: Number($('rush-users').value),
  });
});
$('rush-stop').addEventListener('click', () => act('/api/rush/stop'));
refresh();
