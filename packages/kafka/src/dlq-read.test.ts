import { headers as h } from '@akaso/contracts';
import type { KafkaMessage } from 'kafkajs';

/** The record shape of a v2 batch (kafkajs does not export it). */
type RecordBatchEntry = Extract<KafkaMessage, { headers: unknown }>;

import { describe, expect, it } from 'vitest';
import { dlqBacklog, dlqReadPlan, dlqReplayGroup, toDeadLetter } from './dlq-read.ts';

const offsets = [
  { partition: 1, low: '0', high: '5' },
  { partition: 0, low: '2', high: '2' },
  { partition: 2, low: '10', high: '40' },
];

describe('dlqBacklog: what a replay would move back', () => {
  it('counts everything in the log as waiting when nothing was ever replayed (-1: no commit)', () => {
    const b = dlqBacklog('orders', offsets, [{ partition: 1, offset: '-1' }]);
    expect(b.dlq).toBe('orders.dlq');
    expect(b.total).toBe(35);
    expect(b.waiting).toBe(35);
    expect(b.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
  });

  it("starts after the replay group's commit: a replayed partition waits for nothing", () => {
    const b = dlqBacklog('orders', offsets, [
      { partition: 1, offset: '5' },
      { partition: 2, offset: '30' },
    ]);
    expect(b.partitions.map((p) => [p.partition, p.from, p.waiting])).toEqual([
      [0, 2n, 0],
      [1, 5n, 0],
      [2, 30n, 10],
    ]);
    expect(b.waiting).toBe(10);
    expect(b.total).toBe(35);
  });

  it('never counts messages retention deleted, nor a commit past the end', () => {
    const b = dlqBacklog('payments', offsets, [
      { partition: 2, offset: '3' },
      { partition: 1, offset: '9' },
    ]);
    expect(b.partitions.find((p) => p.partition === 2)).toMatchObject({ from: 10n, waiting: 30 });
    expect(b.partitions.find((p) => p.partition === 1)).toMatchObject({ from: 5n, waiting: 0 });
  });

  it('reads the group replayDeadLetters commits through', () => {
    expect(dlqReplayGroup('order-status')).toBe('dlq-replay.order-status');
  });
});

describe('dlqReadPlan', () => {
  it('reads at most `limit` per partition, from the newest, and skips what was replayed', () => {
    const b = dlqBacklog('orders', offsets, [{ partition: 2, offset: '35' }]);
    expect(dlqReadPlan(b, 3)).toEqual([
      { partition: 1, from: 2n, to: 5n },
      { partition: 2, from: 37n, to: 40n },
    ]);
    expect(dlqReadPlan(b, 100)).toEqual([
      { partition: 1, from: 0n, to: 5n },
      { partition: 2, from: 35n, to: 40n },
    ]);
  });
});

describe('toDeadLetter', () => {
  const message = (over: Partial<Omit<KafkaMessage, 'size'>> = {}): KafkaMessage =>
    ({
      key: Buffer.from('alice'),
      value: Buffer.from('{"type":"OrderPlaced","version":1,"orderId":'),
      timestamp: String(Date.UTC(2026, 11, 24, 12)),
      attributes: 0,
      offset: '7',
      headers: {
        [h.dlqError]: Buffer.from('message on orders is not JSON'),
        [h.dlqErrorCode]: Buffer.from('CONTRACT_VIOLATION'),
        [h.dlqOriginTopic]: Buffer.from('orders'),
        [h.dlqOriginPartition]: Buffer.from('4'),
        [h.dlqOriginOffset]: Buffer.from('1234'),
        [h.dlqConsumerGroup]: Buffer.from('inventory'),
        [h.dlqAttempts]: Buffer.from('1'),
        [h.dlqFailedAt]: Buffer.from('2026-12-24T12:00:00.100Z'),
        [h.correlationId]: Buffer.from('c-1'),
      },
      ...over,
    }) as RecordBatchEntry;

  it('reads the error, the origin and every header', () => {
    const d = toDeadLetter(2, message());
    expect(d).toMatchObject({
      partition: 2,
      offset: '7',
      timestamp: '2026-12-24T12:00:00.000Z',
      key: 'alice',
      error: 'message on orders is not JSON',
      errorCode: 'CONTRACT_VIOLATION',
      origin: { topic: 'orders', partition: 4, offset: '1234' },
      consumerGroup: 'inventory',
      attempts: 1,
      failedAt: '2026-12-24T12:00:00.100Z',
      truncated: false,
    });
    expect(d.headers[h.correlationId]).toBe('c-1');
    expect(Object.keys(d.headers)).toHaveLength(9);
  });

  it('cuts a long value and says so; a record without DLQ headers has no origin', () => {
    const d = toDeadLetter(0, message({ value: Buffer.from('x'.repeat(50)), headers: {}, key: null }), 10);
    expect(d.value).toBe('x'.repeat(10));
    expect(d.valueBytes).toBe(50);
    expect(d.truncated).toBe(true);
    expect(d.key).toBeNull();
    expect(d.origin).toBeNull();
    expect(d.attempts).toBeNull();
    expect(d.error).toBeNull();
  });
});
