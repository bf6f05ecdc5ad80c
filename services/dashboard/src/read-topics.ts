import type { Admin } from '@akaso/kafka';
import { errorText } from './error-text.ts';
import type { TopicView } from './snapshot.ts';

/** Every topic but the internal ones, with its partitions (leader, replicas, ISR) and offsets. */
export async function readTopics(a: Admin, errors: string[]): Promise<TopicView[]> {
  let names: string[];
  try {
    names = (await a.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } catch (err) {
    errors.push(`topics: ${errorText(err)}`);
    return [];
  }
  let metadata: Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'] = [];
  try {
    metadata = (await a.fetchTopicMetadata({ topics: names })).topics;
  } catch (err) {
    errors.push(`topic metadata: ${errorText(err)}`);
  }
  const offsets = await Promise.all(
    names.map((t) =>
      a.fetchTopicOffsets(t).catch((err: unknown) => {
        errors.push(`end offsets of ${t}: ${errorText(err)}`);
        return null;
      }),
    ),
  );
  return names.map((name, i) => {
    const meta = metadata.find((m) => m.name === name);
    const bounds = new Map((offsets[i] ?? []).map((o) => [o.partition, o]));
    const partitions = (meta?.partitions ?? [])
      .map((p) => {
        const b = bounds.get(p.partitionId);
        return {
          partition: p.partitionId,
          leader: p.leader,
          replicas: [...p.replicas].sort((x, y) => x - y),
          isr: [...p.isr].sort((x, y) => x - y),
          underReplicated: p.isr.length < p.replicas.length,
          startOffset: b ? Number(b.low) : null,
          endOffset: b ? Number(b.high) : null,
        };
      })
      .sort((x, y) => x.partition - y.partition);
    return {
      name,
      dlq: name.endsWith('.dlq'),
      messages: partitions.reduce((sum, p) => sum + (p.endOffset ?? 0), 0),
      underReplicated: partitions.filter((p) => p.underReplicated).length,
      partitions,
    };
  });
}
