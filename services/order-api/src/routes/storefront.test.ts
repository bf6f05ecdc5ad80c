import { installErrorHandler } from '@akaso/service';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { storefrontRoutes } from './storefront.ts';

async function app() {
  const server = Fastify({ logger: false });
  installErrorHandler(server);
  await server.register(storefrontRoutes, {
    mailpitWebUrl: 'http://mail.example:8025',
    dashboardWebUrl: 'http://dashboard.example:3400',
    jaegerWebUrl: 'http://traces.example:16686',
  });
  return server;
}

describe('the storefront routes', () => {
  it('serves the page and its module and stylesheet', async () => {
    const server = await app();
    const page = await server.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('src="/storefront.js"');
    const script = await server.inject('/storefront.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect((await server.inject('/storefront.css')).headers['content-type']).toMatch(/text\/css/);
  });

  it('tells the page where the inbox and the traces are', async () => {
    const res = await (await app()).inject('/storefront/config');
    expect(res.json()).toEqual({
      mailpitWebUrl: 'http://mail.example:8025',
      dashboardWebUrl: 'http://dashboard.example:3400',
      jaegerWebUrl: 'http://traces.example:16686',
    });
  });

  it('leaves every other path to the API 404 { code, message }', async () => {
    const res = await (await app()).inject('/no-such-file.js');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});
