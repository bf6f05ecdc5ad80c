import { describe, expect, it } from 'vitest';
import { brokerSettings, parseKafkaVariants } from './brokers.ts';

describe('parseKafkaVariants', () => {
  it('is empty without the flag: the brokers are left as they run', () => {
    expect(parseKafkaVariants(undefined)).toEqual([]);
  });

  it('names the sets in the order given, the first the baseline', () => {
    expect(parseKafkaVariants('tuned,default')).toEqual([
      { name: 'tuned', props: {} },
      { name: 'default', props: brokerSettings.default },
    ]);
  });

  it('refuses a name it does not know, listing the known ones', () => {
    expect(() => parseKafkaVariants('tuned,fast')).toThrow(/tuned, default; got fast/);
  });
});
