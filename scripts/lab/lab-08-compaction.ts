import {
  ensureLabTopic,
  type Lab,
  labId,
  labKafka,
  readTopic,
  sleep,
  until,
  withAdmin,
  withProducer,
} from './lab.ts';

/**
 * A compacted topic of menu prices: key = burger, value = its latest price. Compaction keeps at
 * least the last value of every key, so a new consumer that reads it from the beginning rebuilds
 * the current menu without replaying every change ever made.
 */
export const compactedTopic = 'lab.menu-prices';
export const compactedTopicConfig = {
  'cleanup.policy': 'compact',
  // Lab settings: roll a segment after 1 s and clean as soon as a little of the log is dirty, so
  // compaction shows within a minute (production keeps the defaults: 7 days, 0.5).
  'segment.ms': '1000',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': '1000',
  'min.compaction.lag.ms': '0',
} as const;

const burgers = ['classic', 'cheese', 'bacon', 'veggie', 'christmas'];
const updatesPerBurger = 40;

export const lab: Lab = {
  id: 8,
  slug: 'log-compaction',
  title: 'Log compaction',
  minutes: 20,
  async verify(report, log) {
    const kafka = labKafka();
    // One partition keeps the figures readable; the mechanism is per partition anyway.
    await ensureLabTopic(kafka, compactedTopic, 1, compactedTopicConfig);
    const run = labId();
    const latest = new Map<string, string>();
    await withProducer(kafka, async (producer) => {
      for (let round = 1; round <= updatesPerBurger; round++) {
        const messages = burgers.map((b) => {
          const value = JSON.stringify({ burgerId: b, priceCents: 500 + round, run });
          latest.set(b, value);
          return { key: b, value };
        });
        await producer.send({ topic: compactedTopic, acks: -1, messages });
      }
    });
    const produced = burgers.length * updatesPerBurger;
    log(`${produced} price updates sent (${updatesPerBurger} per burger); waiting for the log cleaner…`);
    // The active segment is never cleaned: keep writing a heartbeat key so segments roll
    // (segment.ms) and the cleaner gets a closed, dirty segment to compact.
    const rolled = await until(
      'the cleaner to compact away old prices',
      async () => {
        await withProducer(kafka, (p) =>
          p.send({
            topic: compactedTopic,
            acks: -1,
            messages: [{ key: '_tick', value: String(Date.now()) }],
          }),
        );
        await sleep(1_500);
        const [o] = await withAdmin(kafka, (a) => a.fetchTopicOffsets(compactedTopic));
        const all = await readTopic(kafka, compactedTopic);
        const mine = all.filter((m) => m.key !== '_tick' && m.value?.includes(`"run":"${run}"`));
        // Compacted: far fewer of this run's updates remain than were written.
        return mine.length <= produced / 4 ? { all, mine, high: o?.high ?? '?' } : null;
      },
      150_000,
      500,
    );
    report.figure('price updates written', produced);
    report.figure('of them still in the log after compaction', rolled.mine.length);
    report.figure(
      'messages a new consumer reads (all keys, all runs)',
      `${rolled.all.length} (offsets up to ${rolled.high})`,
    );
    report.check(
      'compaction removed superseded values',
      rolled.mine.length <= produced / 4,
      `${produced} → ${rolled.mine.length}`,
    );
    // A new consumer bootstraps the state: last value per key.
    const state = new Map<string, string>();
    for (const m of rolled.all) if (m.key !== null && m.value !== null) state.set(m.key, m.value);
    const wrong = burgers.filter((b) => state.get(b) !== latest.get(b));
    report.check(
      'a new consumer rebuilds the latest price of every burger',
      wrong.length === 0,
      wrong.length === 0 ? `${burgers.length} burgers at their last price` : `wrong for ${wrong.join(', ')}`,
    );
  },
};
