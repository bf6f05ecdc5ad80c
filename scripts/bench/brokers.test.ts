import { describe, expect, it } from 'vitest';
import { brokerSettings, parseKafkaVariants } from './brokers.ts';

describe('parseKafkaVariants', () => {
  it('is empty without the flag: the brokers are left as they run', () => {
    expect(parseKafkaVariants(undefined)).toEqual([]);
  });

  it('names the sets in the order given, the first the baseline', () => {
    expect(parseKafkaVariants('default,batched')).toEqual([
      { name: 'default', props: {} },
      { name: 'batched', props: brokerSettings.batched },
    ]);
  });

  it('refuses a name it does not know, listing the known ones', () => {
    expect(() => parseKafkaVariants('default,fast')).toThrow(/default, batched; got fast/);
  });
});
