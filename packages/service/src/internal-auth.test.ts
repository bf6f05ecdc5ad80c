import { type ConfigError, createLogger, loadConfig } from '@akaso/config';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceConfig } from './config.ts';
import { createHttpApp } from './http.ts';
import { internalAuthHeaders, requireInternalToken, tokenMatches } from './internal-auth.ts';

const token = 'a-shared-internal-token-0123456789';

describe('tokenMatches', () => {
  it('accepts the token only, whatever the length of a wrong one', () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
  });
});

describe('internal endpoints', () => {
  let app: FastifyInstance;
  let charged = 0;
  beforeAll(async () => {
    app = await createHttpApp({ logger: createLogger('test', 'silent'), readiness: [] });
    app.post('/internal/charge', async () => {
      charged++;
      return { events: [] };
    });
    app.get('/stock', async () => ({ public: true }));
    requireInternalToken(app, token);
    await app.ready();
  });
  afterAll(() => app.close());

  const charge = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/internal/charge', payload: {}, headers });

  it('answer 401 with { code, message } without the token, or with a wrong one, and do nothing', async () => {
    for (const headers of [{}, internalAuthHeaders('wrong-token'), { authorization: token }]) {
      const res = await charge(headers);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        code: 'UNAUTHORIZED',
        message: expect.stringMatching(/Authorization: Bearer <INTERNAL_API_TOKEN>/),
      });
    }
    expect(charged).toBe(0);
  });

  it('answer with the token', async () => {
    const res = await charge(internalAuthHeaders(token));
    expect(res.statusCode).toBe(200);
    expect(charged).toBe(1);
  });

  it('leave the other routes alone', async () => {
    expect((await app.inject({ method: 'GET', url: '/stock' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('INTERNAL_API_TOKEN', () => {
  const schema = Type.Object(serviceConfig(3100));
  const problems = (token?: string) => {
    try {
      loadConfig('inventory', schema, {
        DATABASE_URL: 'postgresql://x/y',
        KAFKA_BROKERS: '127.0.0.1:9092',
        INTERNAL_API_TOKEN: token,
      });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('is required by every service, and refused when too short to be a secret', () => {
    expect(problems()).toEqual(['INTERNAL_API_TOKEN: required but not set']);
    expect(problems('short')).toEqual([expect.stringMatching(/^INTERNAL_API_TOKEN: .*16/)]);
    expect(problems(token)).toEqual([]);
  });
});
