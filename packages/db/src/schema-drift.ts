import { readFileSync } from 'node:fs';
import prismaSchemaWasm from '@prisma/prisma-schema-wasm';
import type pg from 'pg';

/**
 * Keeps schema.prisma and the real tables from drifting apart. The SQL migrations are the
 * source of truth for the database and schema.prisma for the client; this compares the two
 * column by column (name, type, nullability), reading the Prisma data model offline through
 * Prisma's own schema parser (WebAssembly, no engine download).
 *
 * The tests run it (packages/db/test); the package's index does not export it. Importing this
 * module instantiates the parser, and every service imports @akaso/db: each would hold a
 * WebAssembly instance it never calls.
 */
export interface Column {
  type: string;
  nullable: boolean;
}
export type TableShape = Map<string, Map<string, Column>>;

interface DmmfField {
  name: string;
  dbName: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  type: string;
  nativeType: [string, string[]] | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

// Prisma scalar → PostgreSQL type name as information_schema reports it (Prisma's defaults).
const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  Float: 'double precision',
  Decimal: 'numeric',
  DateTime: 'timestamp without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};
// @db.X native types → information_schema names.
const nativeTypes: Record<string, string> = {
  Timestamptz: 'timestamp with time zone',
  Timestamp: 'timestamp without time zone',
  Uuid: 'uuid',
  VarChar: 'character varying',
  Char: 'character',
  Text: 'text',
  Integer: 'integer',
  SmallInt: 'smallint',
  BigInt: 'bigint',
  JsonB: 'jsonb',
  Json: 'json',
  Date: 'date',
  Decimal: 'numeric',
  DoublePrecision: 'double precision',
};

export function prismaTables(schemaPath: string): TableShape {
  const schema = readFileSync(schemaPath, 'utf8');
  const dmmf = JSON.parse(
    prismaSchemaWasm.get_dmmf(JSON.stringify({ prismaSchema: [[schemaPath, schema]] })),
  ) as {
    datamodel: { models: DmmfModel[] };
  };
  const tables: TableShape = new Map();
  for (const model of dmmf.datamodel.models) {
    const columns = new Map<string, Column>();
    for (const field of model.fields) {
      if (field.kind === 'object') continue; // relation fields have no column
      const type =
        field.kind === 'enum'
          ? 'USER-DEFINED'
          : field.isList
            ? 'ARRAY'
            : field.nativeType
              ? (nativeTypes[field.nativeType[0]] ?? field.nativeType[0].toLowerCase())
              : (scalarTypes[field.type] ?? field.type);
      columns.set(field.dbName ?? field.name, { type, nullable: !field.isRequired });
    }
    tables.set(model.dbName ?? model.name, columns);
  }
  return tables;
}

/**
 * The database's tables, without the migrations' bookkeeping (`_prisma_migrations` and a shared
 * set's own, e.g. `_outbox_migrations`: any `_…_migrations`), which no schema.prisma models.
 */
export async function liveTables(client: pg.ClientBase, schema = 'public'): Promise<TableShape> {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `select c.table_name, c.column_name, c.data_type, c.is_nullable
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = $1 and t.table_type = 'BASE TABLE' and c.table_name not like '\\_%\\_migrations'
      order by c.table_name, c.ordinal_position`,
    [schema],
  );
  const tables: TableShape = new Map();
  for (const row of rows) {
    let columns = tables.get(row.table_name);
    if (!columns) {
      columns = new Map();
      tables.set(row.table_name, columns);
    }
    columns.set(row.column_name, { type: row.data_type, nullable: row.is_nullable === 'YES' });
  }
  return tables;
}

/** Every difference, as a sentence; empty when schema.prisma and the database agree. */
export function diffTables(expected: TableShape, actual: TableShape): string[] {
  const problems: string[] = [];
  for (const [table, columns] of expected) {
    const live = actual.get(table);
    if (!live) {
      problems.push(`table ${table} is in schema.prisma but not in the database`);
      continue;
    }
    for (const [name, col] of columns) {
      const liveCol = live.get(name);
      if (!liveCol) problems.push(`column ${table}.${name} is in schema.prisma but not in the database`);
      else {
        if (liveCol.type !== col.type)
          problems.push(
            `column ${table}.${name} is ${liveCol.type} in the database, ${col.type} in schema.prisma`,
          );
        if (liveCol.nullable !== col.nullable)
          problems.push(
            `column ${table}.${name} is ${liveCol.nullable ? 'nullable' : 'NOT NULL'} in the database, ${col.nullable ? 'optional' : 'required'} in schema.prisma`,
          );
      }
    }
    for (const name of live.keys()) {
      if (!columns.has(name))
        problems.push(`column ${table}.${name} is in the database but not in schema.prisma`);
    }
  }
  for (const table of actual.keys()) {
    if (!expected.has(table)) problems.push(`table ${table} is in the database but not in schema.prisma`);
  }
  return problems;
}

export async function schemaDrift(client: pg.ClientBase, schemaPath: string): Promise<string[]> {
  return diffTables(prismaTables(schemaPath), await liveTables(client));
}
