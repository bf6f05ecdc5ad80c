import { ensureLabTopic, type Lab, labKafka, withProducer } from './lab.ts';

const topic = 'lab.batching';
const count = 400;
const batchSize = 100;

/**
 * kafkajs has no linger.ms: a producer sends what one send()/sendBatch() call hands it. The lab
 * sends the same N messages (acks=all, idempotent) one per send, awaiting each, and then in sends
 * of 100, and reports throughput and the per-message latency of each way.
 */
export const lab: Lab = {
  id: 7,
  slug: 'batching',
  title: 'Producer batching and linger.ms',
  minutes: 20,
  async verify(report, log) {
    const kafka = labKafka();
    await ensureLabTopic(kafka, topic, 6);
    const payload = (i: number) => ({
      key: `user-${i % 50}`,
      value: JSON.stringify({ i, at: Date.now(), pad: 'x'.repeat(200) }),
    });
    await withProducer(kafka, async (producer) => {
      // Warm up the connections and metadata so neither way pays for them.
      await producer.send({ topic, acks: -1, messages: [payload(0)] });

      log(`sending ${count} messages one per send…`);
      const singleLatencies: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        const s = performance.now();
        await producer.send({ topic, acks: -1, messages: [payload(i)] });
        singleLatencies.push(performance.now() - s);
      }
      const singleMs = performance.now() - t0;

      log(`sending ${count} messages in sends of ${batchSize}…`);
      const batchLatencies: number[] = [];
      const t1 = performance.now();
      for (let i = 0; i < count; i += batchSize) {
        const s = performance.now();
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: batchSize }, (_, j) => payload(i + j)),
        });
        // Every message of the batch waited for the whole batch's acknowledgement.
        const took = performance.now() - s;
        for (let j = 0; j < batchSize; j++) batchLatencies.push(took);
      }
      const batchMs = performance.now() - t1;

      const rate = (ms: number) => Math.round((count / ms) * 1000);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      report.figure('one per send: msgs/s', rate(singleMs));
      report.figure(`sends of ${batchSize}: msgs/s`, rate(batchMs));
      report.figure('one per send: median latency per message (ms)', median(singleLatencies).toFixed(1));
      report.figure(
        `sends of ${batchSize}: median latency per message (ms)`,
        median(batchLatencies).toFixed(1),
      );
      report.figure('requests to the brokers (approx.)', `${count} vs ${count / batchSize} produce calls`);
      // Relative, with a wide margin: batching wins many times over, so 2x holds on a busy machine.
      report.check(
        'batching multiplies throughput',
        rate(batchMs) >= 2 * rate(singleMs),
        `${(singleMs / batchMs).toFixed(1)}x faster`,
      );
      report.check(
        'each message of a batch waits longer than a message sent alone',
        median(batchLatencies) > median(singleLatencies),
        'the price of batching (what linger.ms trades)',
      );
    });
  },
};
