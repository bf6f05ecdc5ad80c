import { describe, expect, it } from 'vitest';
import { computeLag, totalLag } from './lag.ts';

describe('computeLag', () => {
  it('is the distance from the committed offset to the end of each partition', () => {
    const lags = computeLag(
      [
        { partition: 1, low: '0', high: '120' },
        { partition: 0, low: '0', high: '100' },
      ],
      [
        { partition: 0, offset: '100' },
        { partition: 1, offset: '95' },
      ],
    );
    expect(lags).toEqual([
      { partition: 0, end: 100, committed: 100, lag: 0 },
      { partition: 1, end: 120, committed: 95, lag: 25 },
    ]);
    expect(totalLag(lags)).toBe(25);
  });

  it('counts every stored message when the group never committed (-1 or missing)', () => {
    const lags = computeLag(
      [
        { partition: 0, low: '10', high: '30' },
        { partition: 1, low: '0', high: '5' },
      ],
      [{ partition: 0, offset: '-1' }],
    );
    expect(lags.map((l) => [l.committed, l.lag])).toEqual([
      [null, 20],
      [null, 5],
    ]);
  });

  it('never reports negative lag when the commit is ahead of a slightly older end offset', () => {
    const [lag] = computeLag([{ partition: 0, low: '0', high: '50' }], [{ partition: 0, offset: '52' }]);
    expect(lag?.lag).toBe(0);
  });
});
