import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';

/** Every route under this prefix is service-to-service (the synchronous baseline, test set-up). */
export const internalPrefix = '/internal/';

/** The header a caller of an internal endpoint sends: `Authorization: Bearer <INTERNAL_API_TOKEN>`. */
export const internalAuthHeaders = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so timingSafeEqual gets equal lengths
 * and the time taken says nothing about how much of the token, or its length, was right.
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return m?.[1];
}

/**
 * Internal endpoints answer only callers holding the shared INTERNAL_API_TOKEN: without it,
 * anything on the same network could charge a card, send mail from our address or set stock.
 * Checked on request, before the body is read; a refusal is 401 with { code, message }.
 */
export function requireInternalToken(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(internalPrefix)) return;
    if (!tokenMatches(bearer(request.headers.authorization), token)) {
      throw new AppError(
        'UNAUTHORIZED',
        `${internalPrefix}* needs the shared internal token: Authorization: Bearer <INTERNAL_API_TOKEN>`,
      );
    }
  });
}
