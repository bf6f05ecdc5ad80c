import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../../../scripts/stack/topology.ts';
import { migrate, schemaDrift } from '../src/index.ts';

const services = ['order-api', 'inventory', 'payment', 'email'];
const root = join(import.meta.dirname, '..', '..', '..');

// Each service's SQL migrations and its schema.prisma must describe the same tables.
describe.each(services)('%s: migrations and schema.prisma', (service) => {
  it('agree column by column on a freshly migrated database', async () => {
    const database = `it_schema_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const client = new pg.Client({ connectionString: postgresUrl(database) });
    try {
      await client.connect();
      const result = await migrate(client, join(root, 'services', service, 'prisma', 'migrations'));
      expect(result.applied.length).toBeGreaterThan(0);
      expect(await schemaDrift(client, join(root, 'services', service, 'prisma', 'schema.prisma'))).toEqual(
        [],
      );
    } finally {
      await client.end();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });
});
