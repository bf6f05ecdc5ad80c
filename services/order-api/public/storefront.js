// The storefront: a plain ES module using the public API like any client would.
const $ = (id) => document.getElementById(id);
const money = (cents, currency) =>
  new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
const time = (iso) =>
  new Date(iso).toLocaleString('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit' });

let menu = [];
let emailEdited = false;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-') || k === 'type' || k === 'min' || k === 'max' || k === 'value')
      node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

const userId = () => $('user').value.trim();

function showError(body) {
  const box = $('error');
  if (!body) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.replaceChildren(el('strong', {}, body.code ?? 'ERROR'), ` ${body.message ?? ''}`);
  if (body.code === 'QUOTA_EXCEEDED') {
    box.append(
      el(
        'p',
        { 'data-testid': 'quota-error' },
        `You can still order ${body.remaining ?? 0} burger(s) now` +
          (body.nextFreeAt ? `; more free up ${time(body.nextFreeAt)}.` : '.'),
      ),
    );
  }
}

async function loadMenu() {
  const res = await fetch('/menu');
  menu = await res.json();
  $('menu').replaceChildren(
    ...menu.map((b) =>
      el(
        'div',
        { class: 'burger' },
        el('h3', {}, b.name),
        el(
          'p',
          { class: 'price' },
          el('s', {}, money(b.priceCents, b.currency)),
          ' ',
          el('strong', {}, money(b.salePriceCents, b.currency)),
        ),
        el(
          'label',
          {},
          'Quantity ',
          el('input', { type: 'number', min: '0', max: '20', value: '0', 'data-burger': b.id }),
        ),
      ),
    ),
  );
}

async function loadQuota() {
  const user = userId();
  if (!user) return;
  const res = await fetch(`/users/${encodeURIComponent(user)}/quota`);
  const q = await res.json();
  if (!res.ok) {
    $('quota').textContent = `${q.code}: ${q.message}`;
    return;
  }
  const frees = q.nextFreeAt ? ` The next burger frees up ${time(q.nextFreeAt)}.` : '';
  $('quota').replaceChildren(
    el('strong', { 'data-testid': 'quota-remaining' }, String(q.remaining)),
    ` of ${q.limit} burgers left for ${user} in any ${q.windowHours} hours (${q.used} ordered).${frees}`,
  );
}

let dashboardWebUrl = null;
let jaegerWebUrl = null;

async function loadConfig() {
  const res = await fetch('/storefront/config');
  const config = await res.json();
  $('mail-link').href = config.mailpitWebUrl;
  dashboardWebUrl = config.dashboardWebUrl;
  jaegerWebUrl = config.jaegerWebUrl;
  if (jaegerWebUrl) $('jaeger-link').href = jaegerWebUrl;
  else $('jaeger-link').hidden = true;
}

// The order's trace (GET /orders/:id has its traceId): the dashboard's waterfall of it on every
// path, and Jaeger's own view where there is a Jaeger UI (compose).
async function linkTrace(orderId, view) {
  if (!dashboardWebUrl && !jaegerWebUrl) return;
  const res = await fetch(`/orders/${orderId}`);
  if (!res.ok) return;
  const { traceId } = await res.json();
  if (!traceId) return;
  const link = (href, testid, text) =>
    el('a', { class: 'trace', href, target: '_blank', rel: 'noopener', 'data-testid': testid }, text);
  if (dashboardWebUrl) {
    view.head.append(link(`${dashboardWebUrl}/trace.html?trace=${traceId}`, 'trace-link', 'trace'));
  }
  if (jaegerWebUrl) view.head.append(link(`${jaegerWebUrl}/trace/${traceId}`, 'jaeger-trace-link', 'Jaeger'));
}

function orderCard(order, mode, elapsedMs) {
  const items = order.items.map((i) => `${i.quantity} × ${i.name}`).join(', ');
  const steps = el('ol', { class: 'steps', 'data-testid': 'steps' });
  const status = el('span', { class: `status ${order.status}`, 'data-testid': 'order-status' }, order.status);
  const head = el(
    'div',
    { class: 'order-head' },
    // The short reference the mails use too (@akaso/contracts orderRef): the random end of the id.
    el('code', {}, order.orderId.slice(-8)),
    el('span', { class: `mode ${mode}` }, mode),
    status,
  );
  const card = el(
    'li',
    { class: 'order', 'data-order-id': order.orderId, 'data-testid': 'order-card' },
    head,
    el('p', {}, `${items} — ${money(order.totalCents, order.currency)}`),
    el('p', { class: 'caption' }, `answered in ${Math.round(elapsedMs)} ms`),
    steps,
  );
  return { card, steps, status, head };
}

function follow(orderId, view) {
  const source = new EventSource(`/orders/${orderId}/events`);
  const seen = new Set();
  source.addEventListener('status', (e) => {
    const change = JSON.parse(e.data);
    if (seen.has(change.id)) return;
    seen.add(change.id);
    view.status.textContent = change.status + (change.reason ? `: ${change.reason}` : '');
    view.status.className = `status ${change.status}`;
    view.steps.append(
      el(
        'li',
        { class: change.status },
        `${new Date(change.at).toLocaleTimeString('en-GB')} ${change.status}`,
        change.reason ? ` (${change.reason})` : '',
      ),
    );
    if (change.status === 'confirmed' || change.status === 'rejected') {
      source.close();
      loadQuota();
    }
  });
  // The server ends the stream at a terminal state, where we close it. Should the connection
  // drop before, EventSource reconnects and the server replays the history: `seen` skips repeats.
}

// One Idempotency-Key per order attempt: a retry of the same order after an answer that was
// lost or said "try again" (a network error, a 5xx) sends the same key, so the server places it
// at most once and answers the retry with the first answer; any other order gets a new key.
let attempt = null;

function idempotencyKey(request) {
  if (attempt?.request !== request) attempt = { request, key: crypto.randomUUID() };
  return attempt.key;
}

async function placeOrder() {
  showError(null);
  const items = [...document.querySelectorAll('[data-burger]')]
    .map((input) => ({ burgerId: input.dataset.burger, quantity: Number(input.value) }))
    .filter((i) => i.quantity > 0);
  if (items.length === 0) {
    showError({ code: 'NOTHING_TO_ORDER', message: 'Pick at least one burger.' });
    return;
  }
  const mode = $('sync').checked ? 'sync' : 'async';
  const body = { userId: userId(), email: $('email').value.trim(), items, paymentMethod: $('payment').value };
  const button = $('order');
  button.disabled = true;
  const started = performance.now();
  const request = `${mode} ${JSON.stringify(body)}`;
  try {
    const res = await fetch(`/orders?mode=${mode}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(request) },
      body: JSON.stringify(body),
    });
    const elapsed = performance.now() - started;
    const answer = await res.json();
    // A final answer (accepted, or refused for a reason a retry cannot change) ends the attempt:
    // the next click is a new order. After a 5xx the same order may still be retried.
    if (res.status < 500) attempt = null;
    if (!res.ok) {
      showError(answer);
      loadQuota();
      return;
    }
    $(`time-${mode}`).textContent = `${Math.round(elapsed)} ms`;
    const view = orderCard(answer, mode, elapsed);
    $('orders').prepend(view.card);
    follow(answer.orderId, view);
    linkTrace(answer.orderId, view);
    loadQuota();
  } catch (err) {
    showError({ code: 'NETWORK', message: String(err) });
  } finally {
    button.disabled = false;
  }
}

$('user').addEventListener('change', () => {
  if (!emailEdited) $('email').value = `${userId()}@example.com`;
  loadQuota();
});
$('email').addEventListener('input', () => {
  emailEdited = true;
});
$('order').addEventListener('click', placeOrder);

await Promise.all([loadMenu(), loadQuota(), loadConfig()]);
document.body.dataset.ready = 'true';
