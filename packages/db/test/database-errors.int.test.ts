import { postgresUrl } from '@akaso/stack-client';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, DatabaseError, toDatabaseError, transaction } from '../src/index.ts';
import { PrismaClient } from './fixture/generated/prisma/client.ts';

// Real PostgreSQL failures, raised on purpose, through the pool every service uses: each reaches
// the caller as a DatabaseError whose flags the consumer reads (retry, or dead-letter).
const pool = createPool({ connectionString: postgresUrl('postgres'), max: 3, name: 'it-database-errors' });
const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

afterAll(async () => {
  await prisma.$disconnect();
  await pool.end();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as DatabaseError,
  );

describe('the database adapter against PostgreSQL', () => {
  it('a write on a read-only server (a failover sent us to a standby): 25006, retriable', async () => {
    const err = await failure(
      transaction(pool, async (tx) => {
        await tx.query('set transaction read only');
        await tx.query('create temp table written_on_a_standby (x int)');
      }),
    );
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).toMatchObject({ code: '25006', retriable: true, blocksService: false });
  });

  it('a statement timeout (57014) and a lock timeout (55P03): retriable', async () => {
    const slow = await failure(
      transaction(pool, async (tx) => {
        await tx.query('set local statement_timeout = 50');
        await tx.query('select pg_sleep(2)');
      }),
    );
    expect(slow).toMatchObject({ code: '57014', retriable: true });

    const holder = await pool.connect();
    try {
      await holder.query('select pg_advisory_lock(4242, 4242)');
      const locked = await failure(
        transaction(pool, async (tx) => {
          await tx.query('set local lock_timeout = 50');
          await tx.query('select pg_advisory_xact_lock(4242, 4242)');
        }),
      );
      expect(locked).toMatchObject({ code: '55P03', retriable: true });
    } finally {
      await holder.query('select pg_advisory_unlock(4242, 4242)');
      holder.release();
    }
  });

  it('a session ended by the server (a restart or failover): retriable', async () => {
    const victim = await pool.connect();
    const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
    await pool.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
    const err = await failure(victim.query('select 1'));
    victim.release(err);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.retriable).toBe(true);
    // 57P01 when the query meets the termination, 08003 when the client heard of it first.
    expect(err.code).toMatch(/^(57P01|08\d{3})$/);
  });

  it('a constraint violation (23505): not retriable, with the constraint named', async () => {
    const err = await failure(
      transaction(pool, async (tx) => {
        await tx.query('create temp table twice (id int primary key)');
        await tx.query('insert into twice values (1)');
        await tx.query('insert into twice values (1)');
      }),
    );
    expect(err).toMatchObject({ code: '23505', retriable: false, constraint: 'twice_pkey' });
  });

  it("through Prisma's pg adapter on the same pool", async () => {
    const readOnly = await failure(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('set transaction read only');
        await tx.$executeRawUnsafe('create temp table prisma_on_a_standby (x int)');
      }),
    );
    expect(toDatabaseError(readOnly)).toMatchObject({ code: '25006', retriable: true });
    const bad = await failure(prisma.$queryRawUnsafe('select 1/0'));
    expect(toDatabaseError(bad)).toMatchObject({ code: '22012', retriable: false });
  });
});
