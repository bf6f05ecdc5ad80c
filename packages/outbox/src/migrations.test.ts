import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const outboxSql = readFileSync(join(root, 'packages', 'outbox', 'sql', 'outbox.sql'), 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('-- The outbox') && !l.startsWith('-- migration contains'))
  .join('\n')
  .trim();

describe('every service that publishes has the outbox tables, verbatim', () => {
  it.each(['order-api', 'inventory', 'payment'])('%s', (service) => {
    const migration = readFileSync(
      join(root, 'services', service, 'prisma', 'migrations', '20261124100000_init', 'migration.sql'),
      'utf8',
    );
    expect(migration).toContain(outboxSql);
  });
});
