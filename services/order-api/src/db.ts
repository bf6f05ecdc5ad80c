import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function createDb(connectionString: string, max: number): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max, application_name: 'order-api' }),
  });
}
