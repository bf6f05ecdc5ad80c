import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError, installErrorHandler } from './errors.ts';

async function appThrowing(err: Error) {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/boom', async () => {
    throw err;
  });
  return app;
}

describe('the error contract', () => {
  it('answers an AppError with its status, code and details', async () => {
    const app = await appThrowing(new AppError('QUOTA_EXCEEDED', 'too many', { remaining: 0 }));
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ code: 'QUOTA_EXCEEDED', message: 'too many', remaining: 0 });
  });

  it('turns a saturated connection pool (Prisma P2028) into 503 OVERLOADED with Retry-After', async () => {
    const app = await appThrowing(
      Object.assign(new Error('Unable to start a transaction in the given time.'), { code: 'P2028' }),
    );
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().code).toBe('OVERLOADED');
  });

  it('adds Retry-After to an OVERLOADED AppError (the pg pool ran out of connections in time)', async () => {
    const app = await appThrowing(new AppError('OVERLOADED', 'too many orders at once, retry in a moment'));
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ code: 'OVERLOADED', message: 'too many orders at once, retry in a moment' });
  });

  it('never leaks the internals of an unexpected error', async () => {
    const app = await appThrowing(new Error('password=hunter2 at db.internal'));
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });
});
