import { createLogger } from '@akaso/config';
import { createHttpApp } from '@akaso/service';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlGuard, hostName, isLoopbackAddress } from './control-guard.ts';

describe('control guard', () => {
  let app: FastifyInstance;
  let remoteApp: FastifyInstance;
  let pulled = 0;
  const token = 'test-token-0123456789';

  async function build(allowRemote: boolean) {
    const guard = createControlGuard({ token, allowRemote, extraHosts: ['workshop.lan'] });
    const a = await createHttpApp({ logger: createLogger('test', 'silent'), readiness: [] });
    guard.register(a);
    a.post('/api/lever', { preHandler: guard.check }, async () => {
      pulled += 1;
      return { pulled };
    });
    return a;
  }

  beforeAll(async () => {
    app = await build(false);
    remoteApp = await build(true);
  });
  afterAll(async () => {
    await app.close();
    await remoteApp.close();
  });

  const pull = (headers: Record<string, string>, remoteAddress = '127.0.0.1', on = app) =>
    on.inject({
      method: 'POST',
      url: '/api/lever',
      headers: { host: 'localhost:3400', ...headers },
      remoteAddress,
    });

  it("the dashboard's own page, with its token, pulls the lever", async () => {
    const before = pulled;
    const res = await pull({ origin: 'http://localhost:3400', 'x-akaso-control': token });
    expect(res.statusCode).toBe(200);
    expect(pulled).toBe(before + 1);
  });

  it('refuses, with 403 and a code, each way a foreign page or host could try', async () => {
    const before = pulled;
    const attempts = [
      pull({ origin: 'https://evil.example', 'x-akaso-control': token }),
      pull({ origin: 'null', 'x-akaso-control': token }),
      pull({ origin: 'http://localhost:3400' }),
      pull({ origin: 'http://localhost:3400', 'x-akaso-control': `${token}x` }),
      pull({ host: 'evil.example:3400', origin: 'http://evil.example:3400', 'x-akaso-control': token }),
      pull({ 'x-akaso-control': token }, '192.168.1.20'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(pulled).toBe(before);
  });

  it('a client without a browser (no Origin) passes with the token', async () => {
    const res = await pull({ 'x-akaso-control': token });
    expect(res.statusCode).toBe(200);
  });

  it('hands the token to loopback callers under a local host name only', async () => {
    const own = await app.inject({ url: '/api/control/token', headers: { host: '127.0.0.1:3400' } });
    expect(own.json()).toEqual({ token, header: 'x-akaso-control' });
    const rebound = await app.inject({ url: '/api/control/token', headers: { host: 'evil.example:3400' } });
    expect(rebound.statusCode).toBe(403);
    const lan = await app.inject({
      url: '/api/control/token',
      headers: { host: 'localhost:3400' },
      remoteAddress: '10.0.0.7',
    });
    expect(lan.statusCode).toBe(403);
  });

  it('with allowRemote (compose), a bridged peer passes but the Host, Origin and token checks stay', async () => {
    const bridged = await pull(
      { origin: 'http://workshop.lan:3400', host: 'workshop.lan:3400', 'x-akaso-control': token },
      '172.18.0.1',
      remoteApp,
    );
    expect(bridged.statusCode).toBe(200);
    const foreign = await pull(
      { origin: 'https://evil.example', 'x-akaso-control': token },
      '172.18.0.1',
      remoteApp,
    );
    expect(foreign.statusCode).toBe(403);
  });

  it('knows loopback addresses and host names', () => {
    expect(['127.0.0.1', '127.8.0.2', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', undefined].map(isLoopbackAddress)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(hostName('LOCALHOST:3400')).toBe('localhost');
    expect(hostName('[::1]:3400')).toBe('[::1]');
    expect(hostName('a b')).toBeNull();
  });
});
