import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError, frameworkErrorHandler, installErrorHandler } from './errors.ts';

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

describe('routing answers', () => {
  async function routedApp() {
    const app = Fastify({
      logger: false,
      frameworkErrors: frameworkErrorHandler,
      routerOptions: { maxParamLength: 10 },
    });
    installErrorHandler(app);
    app.get('/orders/:id', async () => ({ ok: true }));
    app.post('/orders', async () => ({ ok: true }));
    return app;
  }

  it('answers a method the path does not have with 405 and Allow, an unknown path with 404', async () => {
    const app = await routedApp();
    const res = await app.inject({ method: 'DELETE', url: '/orders/42' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json().code).toBe('METHOD_NOT_ALLOWED');
    expect((await app.inject({ method: 'GET', url: '/orders?x=1' })).headers.allow).toBe('POST');
    const missing = await app.inject({ method: 'DELETE', url: '/orders/42/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
  });

  it.each([
    ['QUERY', undefined, undefined],
    ['QUERY', 'application/json', '{"q":1}'],
    ['PUT', undefined, 'not json'],
    ['PATCH', 'text/plain', 'x'],
    ['DELETE', 'application/json', '{'],
    ['OPTIONS', undefined, undefined],
  ])(
    'answers %s (content-type %s) on a path without it with 405 and Allow, before reading any body',
    async (method, type, payload) => {
      const app = await routedApp();
      const res = await app.inject({
        method: method as 'QUERY',
        url: '/orders',
        ...(type ? { headers: { 'content-type': type } } : {}),
        ...(payload === undefined ? {} : { payload }),
      });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json().code).toBe('METHOD_NOT_ALLOWED');
    },
  );

  it('answers a path parameter over maxParamLength with 414 { code, message }', async () => {
    const res = await (await routedApp()).inject('/orders/12345678901');
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ code: 'URI_TOO_LONG', message: 'a path parameter is too long' });
  });

  it('adds Retry-After to every 503 AppError', async () => {
    const res = await (await appThrowing(new AppError('TOO_MANY_STREAMS', 'busy'))).inject('/boom');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
  });
});
