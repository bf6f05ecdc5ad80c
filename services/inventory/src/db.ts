import type { Pool } from '@akaso/db';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** Prisma for seeding and the stock views, on the service's one pool (the skeleton's). */
export function createDb(pool: Pool): Db {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
