import { describe, expect, it } from 'vitest';
import type { Db } from '../db.ts';
import { createMenuCache } from './menu-cache.ts';

/** A database whose every menu read waits until the test answers it. */
function scriptedDb() {
  const reads: { resolve(rows: unknown[]): void; reject(err: unknown): void }[] = [];
  const db = {
    burger: {
      findMany: () => new Promise((resolve, reject) => reads.push({ resolve, reject })),
    },
  };
  return { db: db as unknown as Db, reads };
}

const classic = { id: 'classic', name: 'Classic', priceCents: 990 };

describe('the menu cache', () => {
  it('reads once for concurrent callers, then serves the last menu while one refresh is under way or failing', async () => {
    const { db, reads } = scriptedDb();
    let t = 0;
    const menu = createMenuCache(db, 1_000, () => t);
    const first = Promise.all([menu.available(), menu.available()]);
    expect(reads).toHaveLength(1);
    reads[0]?.resolve([classic]);
    for (const m of await first) expect([...m.keys()]).toEqual(['classic']);

    t = 2_000; // stale: a refresh starts, the callers get the last menu at once
    const stale = await Promise.all([menu.available(), menu.available(), menu.available()]);
    expect(stale.map((m) => [...m.keys()])).toEqual([['classic'], ['classic'], ['classic']]);
    expect(reads).toHaveLength(2);
    reads[1]?.reject(new Error('Query read timeout'));
    await new Promise((r) => setImmediate(r));
    expect([...(await menu.available()).keys()]).toEqual(['classic']);
    expect(reads).toHaveLength(3);
  });

  it('lets the first read’s failure through: there is no menu to serve yet', async () => {
    const { db, reads } = scriptedDb();
    const menu = createMenuCache(db);
    const first = menu.available();
    reads[0]?.reject(new Error('connect ECONNREFUSED'));
    await expect(first).rejects.toThrow('ECONNREFUSED');
  });
});
