// The Dead letters panel: per DLQ topic the messages still waiting (GET /api/dlq/:topic), with
// their error, origin and headers, and a replay button (POST /api/dlq/:topic/replay: the code of
// `pnpm dlq replay <topic>`, behind the control token).
import { control } from './control.js';
import { $, el } from './dom.js';

const intervalMs = 5_000;

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '?');

/** Per topic: the last list read, and the counts it was read at (re-read only when they change). */
const lists = new Map();
const notes = new Map();

function messageRow(m) {
  const origin = m.origin ? `${m.origin.topic}[${m.origin.partition}]@${m.origin.offset}` : '?';
  const headers = Object.entries(m.headers).map(([k, v]) => el('div', {}, el('code', {}, k), ` ${v}`));
  return el(
    'tr',
    { 'data-testid': 'dead-letter', 'data-key': m.key ?? '', 'data-offset': `${m.partition}@${m.offset}` },
    el(
      'td',
      {},
      time(m.failedAt ?? m.timestamp),
      el('div', { class: 'caption' }, `${m.partition}@${m.offset}`),
    ),
    el('td', {}, el('code', {}, m.key ?? '(no key)')),
    el(
      'td',
      { class: 'dlq-error' },
      el('strong', { 'data-testid': 'dead-letter-code' }, m.errorCode ?? 'ERROR'),
      ' ',
      el('span', { 'data-testid': 'dead-letter-error' }, m.error ?? '(no error header)'),
    ),
    el(
      'td',
      {},
      el('code', { 'data-testid': 'dead-letter-origin' }, origin),
      el('div', { class: 'caption' }, `group ${m.consumerGroup ?? '?'}, attempts ${m.attempts ?? '?'}`),
    ),
    el(
      'td',
      {},
      el(
        'details',
        {},
        el('summary', {}, `${Object.keys(m.headers).length} headers, value ${m.valueBytes} bytes`),
        el('div', { class: 'dlq-headers', 'data-testid': 'dead-letter-headers' }, ...headers),
        el('pre', { class: 'dlq-value' }, m.value + (m.truncated ? ' …' : '')),
      ),
    ),
  );
}

function topicBlock(counts) {
  const list = lists.get(counts.topic)?.list;
  const replayed = counts.total - counts.waiting;
  const button = el(
    'button',
    { type: 'button', 'data-testid': 'dlq-replay', disabled: counts.waiting === 0 },
    `Replay ${counts.waiting} to ${counts.topic}`,
  );
  const note = el('span', { class: 'caption', 'data-testid': 'dlq-note' }, notes.get(counts.topic) ?? '');
  button.addEventListener('click', async () => {
    button.disabled = true;
    note.textContent = 'replaying…';
    try {
      const answer = await control(`/api/dlq/${counts.topic}/replay`);
      notes.set(
        counts.topic,
        `replayed ${answer.replayed} to ${answer.topic} at ${time(new Date().toISOString())}`,
      );
    } catch (err) {
      notes.set(counts.topic, `replay refused: ${err.message}`);
    }
    await refresh();
  });
  const rows = list?.messages ?? [];
  return el(
    'div',
    {
      class: 'dlq-topic',
      'data-testid': 'dlq-topic',
      'data-topic': counts.topic,
      'data-waiting': String(counts.waiting),
    },
    el(
      'h3',
      {},
      el('code', {}, counts.dlq),
      ` ${counts.waiting} waiting`,
      replayed > 0
        ? el('span', { class: 'caption' }, ` (${replayed} replayed earlier, still in the topic)`)
        : null,
      ' ',
      button,
      ' ',
      note,
    ),
    rows.length > 0
      ? el(
          'table',
          { class: 'dlq-messages' },
          el(
            'tr',
            {},
            ...['failed at', 'key', 'error', 'origin', 'headers & value'].map((h) => el('th', {}, h)),
          ),
          ...rows.map(messageRow),
        )
      : null,
    list && !list.complete ? el('p', { class: 'caption' }, 'The read timed out: the list is partial.') : null,
    list && list.waiting > rows.length
      ? el(
          'p',
          { class: 'caption' },
          `The newest ${rows.length} of ${list.waiting}; pnpm dlq list ${counts.topic} lists them too.`,
        )
      : null,
  );
}

let running = false;
let again = false;

async function refresh() {
  // One read at a time; a refresh asked for meanwhile (after a replay) runs right after it.
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const res = await fetch('/api/dlq', { cache: 'no-store' });
    const body = await res.json();
    if (!res.ok) throw new Error(`${body.code}: ${body.message}`);
    for (const counts of body.topics) {
      const seen = lists.get(counts.topic);
      const at = `${counts.total}/${counts.waiting}`;
      if (counts.waiting === 0) lists.set(counts.topic, { at, list: null });
      else if (seen?.at !== at) {
        // Reading messages costs a consumer group's join: only when the counts moved.
        const one = await fetch(`/api/dlq/${counts.topic}`, { cache: 'no-store' });
        const list = await one.json();
        if (one.ok) lists.set(counts.topic, { at, list });
      }
    }
    $('dlq-error').hidden = true;
    $('dlq').replaceChildren(...body.topics.map(topicBlock));
    $('panel-dlq').dataset.ready = 'true';
  } catch (err) {
    $('dlq-error').hidden = false;
    $('dlq-error').textContent = `dead letters: ${err.message}`;
  } finally {
    running = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

await refresh();
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh();
}, intervalMs);
