/**
 * The behaviours of one HTTP attempt, each a small wrapper around the next `Send` (undici's
 * interceptor idea, docs/design.md#designs-we-borrowed). `client.ts` composes them in one place; retries and error
 * mapping sit above, around the whole call, because they decide across attempts.
 */
import type { Limiter } from "./limiter";
import type { RawResponse } from "./response";
import type { RequestStats } from "./stats";

export interface AttemptRequest {
  readonly method: string;
  /** API path with its query string, e.g. `/api/v1/organization/acme/robots?token=false`. */
  readonly path: string;
  /** Route template (or the query-less path when unknown), for the counter. */
  readonly route: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, or undefined for no body. */
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** 1 for the first attempt of a call. */
  readonly attempt: number;
  /** State of the whole call, shared by its attempts. */
  readonly call: CallState;
  /** Filled in by a session's credentials wrapper: what the attempt was sent with (auth.ts). */
  readonly ticket?: SessionTicket | undefined;
}

export interface CallState {
  /** The call already had its one re-send after a session repair (auth.ts). */
  sessionRepaired: boolean;
}

export interface SessionTicket {
  /** The session's epoch when the attempt was sent; -1 until then. */
  epoch: number;
  /** The CSRF token it carried. */
  csrf: string | undefined;
}

export type Send = (req: AttemptRequest) => Promise<RawResponse>;
export type Wrapper = (next: Send) => Send;

/** `compose(send, a, b, c)` = a(b(c(send))): the first wrapper is the outermost. */
export function compose(send: Send, ...wrappers: readonly Wrapper[]): Send {
  return wrappers.reduceRight<Send>((next, w) => w(next), send);
}

export function withHeaders(req: AttemptRequest, extra: Record<string, string>): AttemptRequest {
  return { ...req, headers: { ...req.headers, ...extra } };
}

/** `Authorization: Bearer <token>`: the only credential `/api/v1` accepts (docs/quay-api.md#authentication). */
export function withAuth(token: string): Wrapper {
  const value = `Bearer ${token}`;
  return (next) => (req) => next(withHeaders(req, { authorization: value }));
}

/**
 * JSON on both sides. Content-Type goes with every body: without it, body-validating endpoints
 * answer 415 (docs/quay-api.md#requests).
 */
export function withJson(userAgent: string): Wrapper {
  return (next) => (req) =>
    next(
      withHeaders(req, {
        accept: "application/json",
        "user-agent": userAgent,
        ...(req.body === undefined ? {} : { "content-type": "application/json" }),
      }),
    );
}

/** One limiter slot per attempt; released between attempts (see limiter.ts). */
export function withLimit(limiter: Limiter): Wrapper {
  return (next) => (req) => limiter.run(() => next(req), req.signal);
}

/** Counts the attempt once it holds a slot, i.e. when it is really sent. */
export function withStats(stats: RequestStats): Wrapper {
  return (next) => async (req) => {
    stats.recordAttempt(req.method, req.route, req.attempt);
    try {
      const res = await next(req);
      stats.recordOutcome(res.status);
      return res;
    } catch (e) {
      stats.recordOutcome(undefined);
      throw e;
    }
  };
}
