import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Column, diffTables, prismaTables, type TableShape } from './schema-drift.ts';

const shape = (tables: Record<string, Record<string, Column>>): TableShape =>
  new Map(Object.entries(tables).map(([t, cols]) => [t, new Map(Object.entries(cols))]));

describe('prismaTables', () => {
  it('reads table and column names, types and nullability from schema.prisma (with @map/@@map)', () => {
    const tables = prismaTables(
      join(import.meta.dirname, '..', 'test', 'fixture', 'prisma', 'schema.prisma'),
    );
    expect([...tables.keys()].sort()).toEqual(['burgers', 'order_lines']);
    expect(Object.fromEntries(tables.get('burgers') ?? [])).toEqual({
      id: { type: 'text', nullable: false },
      name: { type: 'text', nullable: false },
      price_cents: { type: 'integer', nullable: false },
      created_at: { type: 'timestamp with time zone', nullable: false },
    });
    expect(tables.get('order_lines')?.get('id')).toEqual({ type: 'bigint', nullable: false });
  });
});

describe('diffTables', () => {
  const base = { t: { a: { type: 'text', nullable: false } } };

  it('finds nothing when they agree', () => {
    expect(diffTables(shape(base), shape(base))).toEqual([]);
  });

  it('names missing and extra tables and columns, type and nullability changes', () => {
    const live = shape({
      t: { a: { type: 'integer', nullable: true }, b: { type: 'text', nullable: true } },
      u: {},
    });
    expect(diffTables(shape({ ...base, v: {} }), live)).toEqual([
      'column t.a is integer in the database, text in schema.prisma',
      'column t.a is nullable in the database, required in schema.prisma',
      'column t.b is in the database but not in schema.prisma',
      'table v is in schema.prisma but not in the database',
      'table u is in the database but not in schema.prisma',
    ]);
  });
});
