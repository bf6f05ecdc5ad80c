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
  /** The dashboard: each order's trace as a waterfall (trace.html), on every path. */
  dashboardWebUrl?: string | undefined;
  /** Jaeger's UI where there is one (compose): a second link. */
  jaegerWebUrl?: string | undefined;
}> = async (app, { mailpitWebUrl, dashboardWebUrl, jaegerWebUrl }) => {
  // swagger-ui registers @fastify/static too: the reply decorator is left to it.
  await app.register(fastifyStatic, { root: storefrontDir, wildcard: false, decorateReply: false });
  app.get(
    '/storefront/config',
    {
      schema: {
        summary:
          'Settings the storefront page needs (where the email inbox, the dashboard and the traces are)',
        response: {
          200: Type.Object({
            mailpitWebUrl: Type.String(),
            dashboardWebUrl: Type.Union([Type.String(), Type.Null()]),
            jaegerWebUrl: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    () => ({ mailpitWebUrl, dashboardWebUrl: dashboardWebUrl ?? null, jaegerWebUrl: jaegerWebUrl ?? null }),
  );
};
