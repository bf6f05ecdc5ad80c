import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from '@akaso/service';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import Type from 'typebox';

/**
 * The dashboard's controls kill brokers, restart PostgreSQL and replay dead letters. A page on the
 * Internet that a participant happens to have open must not be able to do any of that through
 * their browser, so every control request passes four checks:
 *
 * - the peer is this machine (loopback), unless the operator says otherwise (compose: requests
 *   arrive from Docker's bridge, and the published port binds 127.0.0.1 on the host instead);
 * - the Host header names this machine: a DNS-rebinding page (evil.example resolving to
 *   127.0.0.1) is same-origin with itself and would otherwise pass the other checks;
 * - an Origin, when the browser sends one, is the dashboard's own: a cross-site form or fetch;
 * - the request carries the per-process token that only a page served by the dashboard can read
 *   (`GET /api/control/token`: a cross-site script cannot read that answer).
 */

export interface ControlGuardOptions {
  /** Accept control requests from any peer address (compose). Host, Origin and token still apply. */
  allowRemote?: boolean;
  /** Host names, besides localhost and loopback addresses, under which the page is reached. */
  extraHosts?: readonly string[];
  /** The token; a fresh random one per process by default (tests pass their own). */
  token?: string;
}

export interface ControlGuard {
  readonly token: string;
  /** Put on every route that changes the system: `{ preHandler: guard.check }`. */
  readonly check: preHandlerAsyncHookHandler;
  /** Registers `GET /api/control/token`. */
  register(app: FastifyInstance): void;
}

export const controlTokenHeader = 'x-akaso-control';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** The host name of a Host header or an Origin's authority, without the port; null if malformed. */
export function hostName(authority: string): string | null {
  try {
    const url = new URL(`http://${authority}`);
    return url.hostname.toLowerCase();
  } catch {
    return null;
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createControlGuard(opts: ControlGuardOptions = {}): ControlGuard {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const hosts = new Set([...loopbackHosts, ...(opts.extraHosts ?? []).map((h) => h.toLowerCase())]);

  const forbidden = (message: string) => new AppError('FORBIDDEN', message);

  /** Peer and Host: shared by the token route and the controls. */
  function checkPlace(request: FastifyRequest): void {
    if (!opts.allowRemote && !isLoopbackAddress(request.socket.remoteAddress)) {
      throw forbidden('the controls answer requests from this machine only');
    }
    const host = hostName(request.headers.host ?? '');
    if (!host || !hosts.has(host)) {
      throw forbidden(
        `the controls answer under localhost only, not under host "${request.headers.host ?? ''}"`,
      );
    }
  }

  const check: preHandlerAsyncHookHandler = async (request) => {
    checkPlace(request);
    const origin = request.headers.origin;
    if (origin !== undefined) {
      let sameOrigin = false;
      try {
        sameOrigin = new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
      } catch {
        // "null" (a sandboxed frame or a file://) and anything unparsable are foreign
      }
      if (!sameOrigin) throw forbidden(`cross-site request from ${origin} refused`);
    }
    const given = request.headers[controlTokenHeader];
    if (typeof given !== 'string' || !sameToken(given, token)) {
      throw forbidden(
        `missing or wrong ${controlTokenHeader} header (the page reads it from GET /api/control/token)`,
      );
    }
  };

  return {
    token,
    check,
    register(app) {
      app.get(
        '/api/control/token',
        {
          schema: {
            summary:
              "The token the page sends with every control request (readable by the dashboard's own page only)",
            response: { 200: Type.Object({ token: Type.String(), header: Type.String() }) },
          },
        },
        async (request, reply) => {
          checkPlace(request);
          reply.header('cache-control', 'no-store');
          return { token, header: controlTokenHeader };
        },
      );
    },
  };
}
