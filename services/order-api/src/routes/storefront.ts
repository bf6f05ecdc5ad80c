import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** The storefront's files: plain HTML, ES modules and CSS, no bundler (beside src/ and dist/). */
export const storefrontDir = join(import.meta.dirname, '..', '..', 'public');

/**
 * The workshop storefront at `/`: a page that uses the public API like any client (GET /menu,
 * POST /orders, the SSE stream, GET /users/:id/quota). Only the files that exist are routed
 * (no wildcard), so every other path still answers the API's 404 { code, message }.
 */
export const storefrontRoutes: FastifyPluginAsyncTypebox<{
  mailpitWebUrl: string;
  jaegerWebUrl?: string | undefined;
}> = async (app, { mailpitWebUrl, jaegerWebUrl }) => {
  // swagger-ui registers @fastify/static too: the reply decorator is left to it.
  await app.register(fastifyStatic, { root: storefrontDir, wildcard: false, decorateReply: false });
  app.get(
    '/storefront/config',
    {
      schema: {
        summary: 'Settings the storefront page needs (where the email inbox and the traces are)',
        response: {
          200: Type.Object({
            mailpitWebUrl: Type.String(),
            jaegerWebUrl: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    () => ({ mailpitWebUrl, jaegerWebUrl: jaegerWebUrl ?? null }),
  );
};
