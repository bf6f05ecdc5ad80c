import type { Db } from '../db.ts';

export interface MenuCache {
  /** Burgers on sale by id, read at most once a second. */
  available(): Promise<Map<string, { name: string; priceCents: number }>>;
}

type Menu = Map<string, { name: string; priceCents: number }>;

/**
 * The menu changes rarely; reading it once a second saves a query on every order. One read at a
 * time, and the last menu read is served while the next one is under way: when the database
 * stops answering, requests do not each start a read of their own and hold every pooled
 * connection until it times out (the orders then fail at the writer, with a 503, instead).
 */
export function createMenuCache(db: Db, maxAgeMs = 1_000, now: () => number = Date.now): MenuCache {
  let cache: { at: number; byId: Menu } | null = null;
  let reading: Promise<Menu> | null = null;
  const read = () => {
    reading ??= db.burger
      .findMany({ where: { available: true } })
      .then((rows) => {
        cache = { at: now(), byId: new Map(rows.map((b) => [b.id, b])) };
        return cache.byId;
      })
      .finally(() => {
        reading = null;
      });
    return reading;
  };
  return {
    async available() {
      if (cache && now() - cache.at <= maxAgeMs) return cache.byId;
      const next = read();
      if (!cache) return next;
      next.catch(() => {}); // a failed refresh keeps the last menu; the next request tries again
      return cache.byId;
    },
  };
}
