import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

export function createDb(connectionString: string, max: number): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max, application_name: 'inventory' }),
  });
}
