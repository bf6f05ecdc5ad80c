import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The closed list of error codes the HTTP APIs answer with ({ code, message }). A client can
 * branch on `code`; `message` is for people.
 */
export const errorCodes = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  URI_TOO_LONG: 414,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  UNKNOWN_BURGER: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  QUOTA_EXCEEDED: 429,
  UPSTREAM_FAILED: 502,
  UPSTREAM_UNAVAILABLE: 503,
  NOT_READY: 503,
  OVERLOADED: 503,
  DATABASE_UNAVAILABLE: 503,
  TOO_MANY_STREAMS: 503,
  USER_BUSY: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown>;
  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = errorCodes[code];
    this.details = details;
  }
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
};

/** A route's path as a matcher of concrete paths (`/orders/:id` → `^/orders/[^/]+$`). */
function pathMatcher(url: string): RegExp {
  const source = url
    .split('/')
    .map((seg) =>
      seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Errors Fastify raises before routing (createHttpApp's `frameworkErrors`): a path parameter
 * longer than the router's maxParamLength is 414, a malformed URL 400, both in { code, message }.
 */
export function frameworkErrorHandler(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send({ code: 'URI_TOO_LONG', message: 'a path parameter is too long' });
    return;
  }
  reply.code(400).send({ code: 'VALIDATION_ERROR', message: err.message });
}

/** One error handler: logs the whole error, answers { code, message }, never leaks a 5xx's internals. */
export function installErrorHandler(app: FastifyInstance): void {
  // Every route registered from here on, so that a known path with another method answers 405
  // with Allow (RFC 9110) instead of a misleading 404.
  const routes: { match: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    routes.push({ match: pathMatcher(route.url), methods });
  });
  /** The methods the path has, when it has some but not this one; null otherwise. */
  const notAllowed = (request: FastifyRequest): string[] | null => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.match.test(path)).flatMap((r) => r.methods))];
    return allowed.length > 0 && !allowed.includes(request.method) ? allowed.sort() : null;
  };
  const answer405 = (request: FastifyRequest, reply: FastifyReply, allowed: string[]) =>
    reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({
        code: 'METHOD_NOT_ALLOWED',
        message: `${request.method} is not allowed on ${request.url.split('?')[0] ?? ''}`,
      });
  // Before the body is parsed: a method the path does not declare is 405 whatever its body
  // (a bodied QUERY or DELETE would otherwise fail on its Content-Type first, as a 400).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const allowed = notAllowed(request);
    if (allowed) return answer405(request, reply, allowed);
  });
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      request.log.info({ code: err.code, details: err.details }, err.message);
      // Saturated, not broken: Retry-After tells a client (or a load balancer) to back off.
      if (err.statusCode === 503) reply.header('retry-after', '1');
      return reply.code(err.statusCode).send({ code: err.code, message: err.message, ...err.details });
    }
    if (err.validation) {
      return reply
        .code(400)
        .send({ code: 'VALIDATION_ERROR', message: `${err.validationContext ?? 'request'} ${err.message}` });
    }
    // Prisma P2028: no pooled connection within maxWait. The service is saturated, not broken:
    // 503 with Retry-After tells a client (or a load balancer) to back off and retry.
    if (err.code === 'P2028') {
      request.log.warn({ code: err.code }, 'overloaded: no database connection available in time');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ code: 'OVERLOADED', message: 'too many orders at once, retry in a moment' });
    }
    const mapped = err.code ? fastifyCodes[err.code] : undefined;
    if (mapped) {
      return reply.code(errorCodes[mapped]).send({ code: mapped, message: err.message });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'VALIDATION_ERROR', message: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    const allowed = notAllowed(request);
    if (allowed) return answer405(request, reply, allowed);
    return reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });
}
