import type { Admin } from '@akaso/kafka';
import { errorText } from './error-text.ts';
import type { TopicView } from './snapshot.ts';

type TopicMetadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'][number];
type PartitionOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>[number];

/**
 * Every topic but the internal ones, with its partitions (leader, replicas, ISR) and offsets.
 *
 * The cluster is read while it moves (leadership going to the preferred replicas after a start, a
 * broker down, a topic being created), so every answer may be partial: what is known is shown,
 * what is not is null ("?" on the page), and `errors` says what was unknown in words, never as the
 * client's own exception.
 */
export async function readTopics(a: Admin, errors: string[]): Promise<TopicView[]> {
  let names: string[];
  try {
    names = (await a.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } catch (err) {
    errors.push(`topics: ${errorText(err)}`);
    return [];
  }
  const metadata = await readMetadata(a, names, errors);
  const offsets = await Promise.all(
    names.map((t) =>
      a.fetchTopicOffsets(t).catch((err: unknown) => {
        errors.push(`end offsets of ${t} unknown: ${offsetsFailure(err)}`);
        return null;
      }),
    ),
  );
  return names.map((name, i) => topicView(name, metadata.get(name), offsets[i] ?? null));
}

/**
 * The metadata of every topic in one request; when that fails (one topic being created or deleted
 * fails the whole request), topic by topic, so one topic in motion does not blank the others.
 */
async function readMetadata(a: Admin, names: string[], errors: string[]) {
  const byName = new Map<string, TopicMetadata>();
  try {
    for (const t of (await a.fetchTopicMetadata({ topics: names })).topics) byName.set(t.name, t);
    return byName;
  } catch {
    // Asked again one topic at a time below; only what still fails is reported.
  }
  await Promise.all(
    names.map(async (name) => {
      try {
        const t = (await a.fetchTopicMetadata({ topics: [name] })).topics.find((m) => m.name === name);
        if (t) byName.set(name, t);
      } catch (err) {
        errors.push(`partitions of ${name} unknown: ${errorText(err)}`);
      }
    }),
  );
  return byName;
}

/**
 * kafkajs's fetchTopicOffsets throws a TypeError of its own when its metadata has no leader for a
 * partition (its answer for that broker is missing): that is the cluster in motion, not a bug here.
 */
function offsetsFailure(err: unknown): string {
  if (err instanceof TypeError)
    return 'some partitions have no known leader right now (retried next refresh)';
  return errorText(err);
}

/** An offset as kafkajs answers it (a decimal string), or null when it is missing or not one. */
function offset(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * One topic's view from whatever was answered: metadata may be missing (unknown partitions) or
 * list partitions without a leader (-1), and the offsets may be missing (null) or cover only some
 * partitions. `messages` is a sum only when every partition's end offset is known.
 */
export function topicView(
  name: string,
  meta: TopicMetadata | undefined,
  offsets: PartitionOffsets[] | null,
): TopicView {
  const bounds = new Map((offsets ?? []).map((o) => [o.partition, o]));
  const partitions = (meta?.partitions ?? [])
    .map((p) => {
      const b = bounds.get(p.partitionId);
      const replicas = [...(p.replicas ?? [])].sort((x, y) => x - y);
      const isr = [...(p.isr ?? [])].sort((x, y) => x - y);
      return {
        partition: p.partitionId,
        leader: Number.isInteger(p.leader) ? p.leader : -1,
        replicas,
        isr,
        underReplicated: isr.length < replicas.length,
        startOffset: offset(b?.low),
        endOffset: offset(b?.high),
      };
    })
    .sort((x, y) => x.partition - y.partition);
  const known = partitions.length > 0 && partitions.every((p) => p.endOffset !== null);
  return {
    name,
    dlq: name.endsWith('.dlq'),
    messages: known ? partitions.reduce((sum, p) => sum + (p.endOffset ?? 0), 0) : null,
    underReplicated: partitions.filter((p) => p.underReplicated).length,
    partitions,
  };
}
