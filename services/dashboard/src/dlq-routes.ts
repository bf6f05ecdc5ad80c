import { allTopics, type TopicName } from '@akaso/contracts';
import {
  type DeadLetterList,
  type DlqBacklog,
  type Kafka,
  readDeadLetters,
  readDlqBacklog,
  replayDeadLetters,
  withAdmin,
  withProducer,
} from '@akaso/kafka';
import { AppError } from '@akaso/service';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ControlGuard } from './control-guard.ts';

/** What the routes need of the cluster: the same functions `pnpm dlq list|replay` runs. */
export interface DeadLetterStore {
  backlog(topic: TopicName): Promise<DlqBacklog>;
  list(topic: TopicName, limit: number): Promise<DeadLetterList>;
  replay(topic: TopicName): Promise<{ replayed: number }>;
}

export const dlqDefaults = {
  /** The newest waiting messages a page shows; older ones stay in the topic, `pnpm dlq list` reads them too. */
  limit: 100,
  readTimeoutMs: 8_000,
  replayTimeoutMs: 30_000,
} as const;

/** The store over the real cluster: @akaso/kafka's readDlqBacklog, readDeadLetters, replayDeadLetters. */
export function kafkaDeadLetterStore(kafka: Kafka, opts: Partial<typeof dlqDefaults> = {}): DeadLetterStore {
  const { readTimeoutMs, replayTimeoutMs } = { ...dlqDefaults, ...opts };
  return {
    backlog: (topic) => withAdmin(kafka, (admin) => readDlqBacklog(admin, topic)),
    list: (topic, limit) => readDeadLetters({ kafka, topic, limit, timeoutMs: readTimeoutMs }),
    replay: (topic) =>
      withProducer(kafka, (producer) =>
        replayDeadLetters({ kafka, producer, topic, timeoutMs: replayTimeoutMs }),
      ),
  };
}

/** `orders` or `orders.dlq` → `orders`; anything that is not a pipeline topic → null. */
export function parseDlqTopic(param: string): TopicName | null {
  const name = param.endsWith('.dlq') ? param.slice(0, -'.dlq'.length) : param;
  return (allTopics as string[]).includes(name) ? (name as TopicName) : null;
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });
const Counts = {
  topic: Type.String({ description: 'the topic the dead letters came from' }),
  dlq: Type.String(),
  total: Type.Integer({ description: 'messages in the DLQ topic, replayed or not' }),
  waiting: Type.Integer({
    description: "not replayed yet: after the replay group's committed offset (dlq-replay.<topic>)",
  }),
};
const DeadLetterBody = Type.Object({
  partition: Type.Integer(),
  offset: Type.String(),
  timestamp: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  value: Type.String({ description: 'UTF-8, cut at 2,000 characters' }),
  valueBytes: Type.Integer(),
  truncated: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  origin: Type.Union([
    Type.Object({ topic: Type.String(), partition: Type.Integer(), offset: Type.String() }),
    Type.Null(),
  ]),
  consumerGroup: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Union([Type.Integer(), Type.Null()]),
  failedAt: Type.Union([Type.String(), Type.Null()]),
  headers: Type.Record(Type.String(), Type.String()),
});
const TopicParams = Type.Object({
  topic: Type.String({ maxLength: 64, description: 'a pipeline topic (orders) or its DLQ (orders.dlq)' }),
});

/**
 * The dead letters, readable and replayable from the page (public/dlq.js): per DLQ the messages
 * still waiting (with error, origin and headers), and a replay that runs exactly what
 * `pnpm dlq replay <topic>` runs. Replay changes the system: it passes the control guard.
 */
export const dlqRoutes: FastifyPluginAsyncTypebox<{
  store: DeadLetterStore;
  control: ControlGuard;
  limit?: number;
}> = async (app, { store, control, limit = dlqDefaults.limit }) => {
  const topicOf = (param: string): TopicName => {
    const topic = parseDlqTopic(param);
    if (!topic) {
      throw new AppError(
        'NOT_FOUND',
        `no dead-letter topic for "${param}" (topics: ${allTopics.join(', ')})`,
      );
    }
    return topic;
  };
  // The cluster not answering is not the page's fault: 503, and the page says so.
  const fromKafka = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof AppError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new AppError('UPSTREAM_UNAVAILABLE', `${what}: ${why}`, {}, { cause: err });
    }
  };
  const counts = (b: DlqBacklog) => ({ topic: b.topic, dlq: b.dlq, total: b.total, waiting: b.waiting });
  // One replay per topic at a time (a second one would join the same replay group and split its
  // partitions); a click during a replay waits for that replay's answer.
  const replays = new Map<TopicName, Promise<{ replayed: number }>>();

  app.get(
    '/api/dlq',
    {
      schema: {
        summary: 'Every dead-letter topic: messages in it, and those waiting for a replay',
        response: { 200: Type.Object({ topics: Type.Array(Type.Object(Counts)) }), 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const backlogs = await fromKafka('reading the DLQ offsets', () =>
        Promise.all(allTopics.map((t) => store.backlog(t))),
      );
      return { topics: backlogs.map(counts) };
    },
  );

  app.get(
    '/api/dlq/:topic',
    {
      schema: {
        summary: "A DLQ's waiting messages, newest first: key, value, error, origin, every header",
        params: TopicParams,
        response: {
          200: Type.Object({
            ...Counts,
            complete: Type.Boolean({ description: 'false: the read timed out, the list is partial' }),
            limit: Type.Integer(),
            messages: Type.Array(DeadLetterBody),
          }),
          404: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const topic = topicOf(request.params.topic);
      reply.header('cache-control', 'no-store');
      const list = await fromKafka(`reading ${topic}.dlq`, () => store.list(topic, limit));
      return { ...counts(list), complete: list.complete, limit, messages: list.messages };
    },
  );

  app.post(
    '/api/dlq/:topic/replay',
    {
      preHandler: control.check,
      schema: {
        summary: 'Moves every waiting message back to its topic (the code of `pnpm dlq replay <topic>`)',
        params: TopicParams,
        response: {
          200: Type.Object({ topic: Type.String(), replayed: Type.Integer(), waiting: Type.Integer() }),
          403: ErrorBody,
          404: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const topic = topicOf(request.params.topic);
      let running = replays.get(topic);
      if (!running) {
        running = store.replay(topic).finally(() => replays.delete(topic));
        replays.set(topic, running);
      }
      const { replayed } = await fromKafka(`replaying ${topic}.dlq`, () => running);
      request.log.info({ topic, replayed }, 'dead letters replayed');
      const after = await fromKafka('reading the DLQ offsets', () => store.backlog(topic));
      return { topic, replayed, waiting: after.waiting };
    },
  );
};
