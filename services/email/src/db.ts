import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

export function createDb(connectionString: string, max: number): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max, application_name: 'email' }),
    // Under a rush every connection of the pool is busy: wait for one (up to 10 s) instead of
    // failing after Prisma's default 2 s; a transaction may then run up to 15 s.
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
}
