import { type Admin, ConfigResourceTypes, ConfigSource } from '@akaso/kafka';
import { ensureLabTopic, type Lab, labKafka, until, withAdmin } from './lab.ts';
import { kafkaNodePids } from './stack-control.ts';

const topic = 'lab.dynamic';
/** A cluster-wide dynamic broker setting that is harmless to change for a moment. */
const brokerSetting = 'log.cleaner.backoff.ms';

type Entries = { name: string; value: string }[];

/** The settings set dynamically on a resource (kafkajs' alterConfigs replaces all of them at once). */
async function dynamicEntries(admin: Admin, type: ConfigResourceTypes, name: string, source: ConfigSource) {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type, name }] });
  return (resources[0]?.configEntries ?? [])
    .filter((e) => e.configSource === source)
    .map((e) => ({ name: e.configName, value: e.configValue }));
}

async function configValue(admin: Admin, type: ConfigResourceTypes, name: string, key: string) {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type, name, configNames: [key] }],
  });
  return resources[0]?.configEntries.find((e) => e.configName === key)?.configValue;
}

const withEntry = (entries: Entries, name: string, value: string | null): Entries => [
  ...entries.filter((e) => e.name !== name),
  ...(value === null ? [] : [{ name, value }]),
];

/**
 * Changes a topic's retention and a cluster-wide broker setting at run time through the admin
 * API, reads both back from every broker, restores them, and checks no broker restarted.
 */
export const lab: Lab = {
  id: 11,
  slug: 'dynamic-config',
  title: 'Dynamic configuration',
  minutes: 15,
  async verify(report, log) {
    const kafka = labKafka();
    const pidsBefore = kafkaNodePids();
    await ensureLabTopic(kafka, topic, 3);
    await withAdmin(kafka, async (admin) => {
      const T = ConfigResourceTypes.TOPIC;
      const topicDynamic = await dynamicEntries(admin, T, topic, ConfigSource.TOPIC_CONFIG);
      const retentionBefore = await configValue(admin, T, topic, 'retention.ms');
      // Always a different value from the current one, so the check below can tell a change.
      const wanted = String((retentionBefore === String(15 * 60_000) ? 20 : 15) * 60_000);
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: T, name: topic, configEntries: withEntry(topicDynamic, 'retention.ms', wanted) }],
      });
      const retention = await until(
        'the new retention.ms to be visible',
        async () => ((await configValue(admin, T, topic, 'retention.ms')) === wanted ? wanted : null),
        30_000,
      );
      const minIsr = await configValue(admin, T, topic, 'min.insync.replicas');
      // A change is a change only if the value was something else before.
      report.check(
        'topic retention changed at run time',
        retentionBefore !== wanted && retention === wanted,
        `${topic} retention.ms ${retentionBefore} → ${retention}`,
      );
      report.check('its other settings kept', minIsr === '2', `min.insync.replicas=${minIsr}`);
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: T, name: topic, configEntries: topicDynamic }],
      });

      // Per broker (kafkajs refuses the empty name of the cluster-wide default): the same value
      // on each of the three, read back from each.
      const B = ConfigResourceTypes.BROKER;
      const ids = ['1', '2', '3'];
      const brokerDynamic = new Map<string, Entries>();
      for (const id of ids)
        brokerDynamic.set(id, await dynamicEntries(admin, B, id, ConfigSource.DYNAMIC_BROKER_CONFIG));
      const before = await configValue(admin, B, '1', brokerSetting);
      const value = before === '20000' ? '25000' : '20000';
      const alterAll = (v: string | null) =>
        admin.alterConfigs({
          validateOnly: false,
          resources: ids.map((id) => ({
            type: B,
            name: id,
            configEntries: withEntry(brokerDynamic.get(id) ?? [], brokerSetting, v),
          })),
        });
      await alterAll(value);
      try {
        const seen = await until(
          `${brokerSetting}=${value} on every broker`,
          async () => {
            const vals = await Promise.all(ids.map((id) => configValue(admin, B, id, brokerSetting)));
            return vals.every((v) => v === value) ? vals : null;
          },
          30_000,
        );
        report.check(
          'broker setting changed on every broker at run time',
          before !== value && seen.length === ids.length && seen.every((v) => v === value),
          `${brokerSetting} ${before} → ${seen.join(' / ')}`,
        );
      } finally {
        await alterAll(null);
      }
      const restored = await until(
        `${brokerSetting} back to ${before} on every broker`,
        async () => {
          const vals = await Promise.all(ids.map((id) => configValue(admin, B, id, brokerSetting)));
          return vals.every((v) => v === before) ? true : null;
        },
        30_000,
      );
      report.check(
        'both restored',
        restored === true,
        `${brokerSetting}=${before}, ${topic} retention.ms=${await configValue(admin, T, topic, 'retention.ms')}`,
      );
      log('restored the topic and broker settings');
    });
    const pidsAfter = kafkaNodePids();
    report.figure('broker PIDs before', pidsBefore.join(' '));
    report.figure('broker PIDs after', pidsAfter.join(' '));
    report.check(
      'no broker restarted',
      pidsBefore.every((p) => p !== null) && pidsBefore.join() === pidsAfter.join(),
    );
  },
};
