import type { Db } from '../db.ts';

export interface MenuCache {
  /** Burgers on sale by id, read at most once a second. */
  available(): Promise<Map<string, { name: string; priceCents: number }>>;
}

// The menu changes rarely; reading it once a second saves a query on every order.
export function createMenuCache(db: Db, maxAgeMs = 1_000): MenuCache {
  let cache: { at: number; byId: Map<string, { name: string; priceCents: number }> } | null = null;
  return {
    async available() {
      if (!cache || Date.now() - cache.at > maxAgeMs) {
        const rows = await db.burger.findMany({ where: { available: true } });
        cache = { at: Date.now(), byId: new Map(rows.map((b) => [b.id, b])) };
      }
      return cache.byId;
    },
  };
}
